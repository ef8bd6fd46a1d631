import CHalo
import CHaloNet
import Glibc
import HaloSystem

/// An `AF_PACKET` datagram socket on one interface for one EtherType: halo sends ARP and IPv6
/// neighbour discovery frames through it and reads the answers. The kernel adds the Ethernet
/// header (our MAC as source), and the VLAN tag when the interface is a VLAN.
///
/// Needs `CAP_NET_RAW`. Owned: closed when the value goes away.
public struct PacketSocket: ~Copyable {
    private let fd: Int32
    /// The interface bound to; 0 for every interface.
    public let interfaceIndex: Int32
    let etherType: UInt16

    public static let arp: UInt16 = 0x0806
    public static let ipv6: UInt16 = 0x86dd

    /// A classic BPF program that keeps only IPv6 packets carrying an ICMPv6 neighbour
    /// advertisement (next header 58 at offset 6, ICMPv6 type 136 at offset 40), so listening
    /// for answers on a busy storage network does not copy its iSCSI traffic.
    public static let neighbourAdvertisementFilter: [sock_filter] = [
        sock_filter(code: 0x30, jt: 0, jf: 0, k: 6),      // ldb [6]
        sock_filter(code: 0x15, jt: 0, jf: 3, k: 58),     // jeq #58 ? next : drop
        sock_filter(code: 0x30, jt: 0, jf: 0, k: 40),     // ldb [40]
        sock_filter(code: 0x15, jt: 0, jf: 1, k: 136),    // jeq #136 ? accept : drop
        sock_filter(code: 0x06, jt: 0, jf: 0, k: 0xffff), // accept
        sock_filter(code: 0x06, jt: 0, jf: 0, k: 0),      // drop
    ]

    /// Opens a socket bound to `interfaceIndex` (0: every interface) that receives only
    /// `etherType` frames, and only those `filter` accepts when one is given.
    /// The corresponding C call is `socket(AF_PACKET, SOCK_DGRAM, htons(etherType))`.
    public init(interfaceIndex: Int32, etherType: UInt16, filter: [sock_filter]? = nil) throws(Errno) {
        let protocolNumber = Int32(etherType.bigEndian)
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), protocolNumber)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = etherType.bigEndian
        address.sll_ifindex = interfaceIndex
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else {
            let error = Errno(rawValue: errno)
            close(fd)
            throw error
        }
        if var program = filter {
            let attached = program.withUnsafeMutableBufferPointer { instructions in
                var description = sock_fprog(len: UInt16(instructions.count), filter: instructions.baseAddress)
                return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &description, socklen_t(MemoryLayout<sock_fprog>.size))
            }
            guard attached == 0 else {
                let error = Errno(rawValue: errno)
                close(fd)
                throw error
            }
        }
        self.fd = fd
        self.interfaceIndex = interfaceIndex
        self.etherType = etherType
    }

    deinit { close(fd) }

    /// Sends `payload` (what follows the Ethernet header) to `destination` on `interface`
    /// (the bound interface when nil).
    public func send(_ payload: [UInt8], to destination: MACAddress, on interface: Int32? = nil) throws(Errno) {
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = etherType.bigEndian
        address.sll_ifindex = interface ?? interfaceIndex
        address.sll_halen = 6
        withUnsafeMutableBytes(of: &address.sll_addr) { raw in
            for (index, byte) in destination.bytes.enumerated() { raw[index] = byte }
        }
        let sent = payload.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
        }
        if sent < 0 { throw Errno(rawValue: errno) }
        if sent != payload.count { throw Errno.ioError }
    }

    /// A frame received: its payload and the sender's link-layer address.
    public struct Frame: Sendable {
        public let payload: [UInt8]
        public let source: MACAddress?
        /// The interface it arrived on.
        public let interfaceIndex: Int32
        /// The frame was sent by this host (the socket also sees outgoing frames).
        public let isOutgoing: Bool
    }

    /// Frames received until `deadline`, and every frame already queued when it has passed.
    public func receive(until deadline: Deadline) throws(Errno) -> [Frame] {
        var frames: [Frame] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, deadline.pollTimeout())
            if ready < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if ready == 0 { break }
            var address = sockaddr_ll()
            var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length)
                    }
                }
            }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            let mac = address.sll_halen == 6
                ? MACAddress(withUnsafeBytes(of: address.sll_addr) { Array($0.prefix(6)) }) : nil
            frames.append(Frame(payload: Array(buffer[0..<count]), source: mac, interfaceIndex: address.sll_ifindex,
                                isOutgoing: address.sll_pkttype == UInt8(PACKET_OUTGOING)))
        }
        return frames
    }
}
