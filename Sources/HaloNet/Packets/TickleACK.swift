import CHaloNet
import Glibc
import HaloSystem

/// A TCP "tickle ACK": an ACK with a wrong sequence number, sent from a portal address that just
/// moved to this node to an initiator that was connected to it on the failed node. The
/// initiator's kernel answers with an ACK carrying the right numbers (RFC 5961's challenge ACK);
/// this node's kernel has no such connection and answers that with a reset; the initiator's
/// connection fails at once and it reconnects — instead of waiting for its retransmission
/// back-off or its NOP-Out timeout. (What CTDB and Pacemaker's portblock do with their tickle.)
public enum TickleACK {
    /// The TCP segment (header only: ACK, no payload) from `from` to `to`, checksummed.
    public static func segment(from source: IPAddress, port sourcePort: UInt16, to destination: IPAddress, port destinationPort: UInt16) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 20)
        header[0] = UInt8(sourcePort >> 8); header[1] = UInt8(sourcePort & 0xff)
        header[2] = UInt8(destinationPort >> 8); header[3] = UInt8(destinationPort & 0xff)
        // Sequence and acknowledgement numbers 0: wrong for the connection, which is the point.
        header[12] = 5 << 4          // data offset: 5 words
        header[13] = 0x10            // ACK
        header[14] = 0x04; header[15] = 0x00  // window 1024
        let checksum = Self.checksum(header, source: source, destination: destination)
        header[16] = UInt8(checksum >> 8); header[17] = UInt8(checksum & 0xff)
        return header
    }

    /// The TCP checksum over the pseudo-header (RFC 793 for IPv4, RFC 8200 §8.1 for IPv6).
    static func checksum(_ segment: [UInt8], source: IPAddress, destination: IPAddress) -> UInt16 {
        var pseudo = source.bytes + destination.bytes
        let length = UInt32(segment.count)
        if source.isIPv4 {
            pseudo += [0, UInt8(IPPROTO_TCP), UInt8(length >> 8), UInt8(length & 0xff)]
        } else {
            pseudo += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff), 0, 0, 0, UInt8(IPPROTO_TCP)]
        }
        var sum: UInt32 = 0
        let bytes = pseudo + segment + (segment.count % 2 == 1 ? [0] : [])
        for index in stride(from: 0, to: bytes.count, by: 2) { sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Sends `count` tickle ACKs for `connection` (whose local side is the portal address now on
    /// this node), through a raw socket bound to that address.
    ///
    /// - Throws: the `errno` of `socket`, `bind` or `sendto`.
    public static func send(for connection: TCPConnection, count: Int = 3) throws(Errno) {
        let family = connection.local.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_TCP))
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        defer { close(fd) }
        let segment = segment(from: connection.local, port: connection.localPort, to: connection.remote, port: connection.remotePort)
        try withSocketAddress(connection.local, port: 0) { address, length throws(Errno) in
            guard bind(fd, address, length) == 0 else { throw Errno(rawValue: errno) }
        }
        for _ in 0..<count {
            let sent = try withSocketAddress(connection.remote, port: 0) { address, length throws(Errno) in
                segment.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
            }
            guard sent == segment.count else { throw sent < 0 ? Errno(rawValue: errno) : Errno(rawValue: EMSGSIZE) }
        }
    }

    /// Calls `body` with `address` as a `sockaddr_in` or `sockaddr_in6`.
    static func withSocketAddress<Result>(_ address: IPAddress, port: UInt16,
                                          _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> Result) throws(Errno) -> Result {
        if address.isIPv4 {
            var value = sockaddr_in()
            value.sin_family = sa_family_t(AF_INET)
            value.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &value.sin_addr) { $0.copyBytes(from: address.bytes) }
            return try withUnsafePointer(to: &value) { pointer throws(Errno) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound throws(Errno) in
                    try body(rebound, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        var value = sockaddr_in6()
        value.sin6_family = sa_family_t(AF_INET6)
        value.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &value.sin6_addr) { $0.copyBytes(from: address.bytes) }
        return try withUnsafePointer(to: &value) { pointer throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound throws(Errno) in
                try body(rebound, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }
}
