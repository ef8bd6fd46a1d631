import CHalo
import CHaloNet
import Glibc
import HaloSystem

/// Why a netlink request failed.
public struct NetlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kernel's answer (or the socket call's).
    public let errno: Errno
    /// What was asked, e.g. "add 10.1.24.10/24 to int1.24".
    public let operation: String
    /// The kernel's extended-ACK message, when it gave one ("VLAN id 24 already in use").
    public let kernelMessage: String?

    public var description: String {
        "\(operation): \(errno)" + (kernelMessage.map { " — kernel: \($0)" } ?? "")
    }
}

/// A NETLINK_ROUTE socket, owned: closed when the value goes away.
///
/// Requests are synchronous: one request, then its replies (a dump, or one ACK). Every wait
/// is bounded by a deadline. The socket asks for extended ACKs, so a refused request comes back
/// with the kernel's own words, which end up in the exit reason.
public struct NetlinkSocket: ~Copyable {
    private let fd: Int32
    private var sequence: UInt32 = 0

    /// Opens and binds a NETLINK_ROUTE socket. The corresponding C call is `socket(AF_NETLINK, …)`.
    public init() throws(NetlinkError) {
        try self.init(protocol: NETLINK_ROUTE)
    }

    /// Opens and binds a netlink socket of `protocol` (NETLINK_ROUTE, NETLINK_SOCK_DIAG).
    init(protocol: Int32) throws(NetlinkError) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), `protocol`)
        guard fd >= 0 else { throw NetlinkError(errno: Errno(rawValue: errno), operation: "open a netlink socket", kernelMessage: nil) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let error = Errno(rawValue: errno)
            close(fd)
            throw NetlinkError(errno: error, operation: "bind a netlink socket", kernelMessage: nil)
        }
        self.fd = fd
        sequence = UInt32(truncatingIfNeeded: ContinuousClock.now.hashValue)
    }

    deinit { close(fd) }

    /// Sends `request` and returns every reply message up to the end of a dump, or the ACK.
    ///
    /// - Throws: `NetlinkError` with the kernel's errno (and extended-ACK message) when the
    ///   request is refused, `ETIMEDOUT` when no answer came before `deadline`.
    mutating func exchange(_ request: NetlinkRequest, operation: String, deadline: Deadline) throws(NetlinkError) -> [NetlinkReply] {
        sequence &+= 1
        let message = request.finish(sequence: sequence)
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else {
            throw NetlinkError(errno: sent < 0 ? Errno(rawValue: errno) : .ioError, operation: operation, kernelMessage: nil)
        }
        var replies: [NetlinkReply] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, deadline.pollTimeout())
            if ready == 0 { throw NetlinkError(errno: .timedOut, operation: operation, kernelMessage: nil) }
            if ready < 0 {
                if errno == EINTR { continue }
                throw NetlinkError(errno: Errno(rawValue: errno), operation: operation, kernelMessage: nil)
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw NetlinkError(errno: Errno(rawValue: errno), operation: operation, kernelMessage: nil)
            }
            var offset = 0
            while count - offset >= MemoryLayout<nlmsghdr>.size {
                let header = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self) }
                let length = Int(header.nlmsg_len)
                guard length >= MemoryLayout<nlmsghdr>.size, offset + length <= count else { break }
                let payloadStart = offset + Int(halo_nl_align(UInt32(MemoryLayout<nlmsghdr>.size)))
                let reply = NetlinkReply(type: header.nlmsg_type, flags: header.nlmsg_flags, sequence: header.nlmsg_seq,
                                         payload: buffer[payloadStart..<(offset + length)])
                offset += Int(halo_nl_align(UInt32(length)))
                guard reply.sequence == sequence else { continue }  // a stale reply to an earlier request
                switch Int32(reply.type) {
                case NLMSG_DONE:
                    return replies
                case NLMSG_ERROR:
                    try Self.check(reply, operation: operation)
                    return replies  // an ACK (error 0)
                default:
                    if Int32(reply.flags) & NLM_F_DUMP_INTR != 0 {
                        // The table changed during the dump: the kernel asks for a retry.
                        throw NetlinkError(errno: .tryAgain, operation: operation, kernelMessage: "dump interrupted")
                    }
                    replies.append(reply)
                    // A dump ends with NLMSG_DONE only: DRBD's state dump sends its messages
                    // without NLM_F_MULTI (its notifications' flags), seen in the lab.
                    if Int32(reply.flags) & NLM_F_MULTI == 0 && !request.isDump { return replies }
                }
            }
        }
    }

    /// Throws for an error message; returns for an ACK.
    static func check(_ reply: NetlinkReply, operation: String) throws(NetlinkError) {
        guard let error = reply.header(nlmsgerr.self) else {
            throw NetlinkError(errno: .ioError, operation: operation, kernelMessage: "short error message")
        }
        guard error.error != 0 else { return }
        var message: String?
        if Int32(reply.flags) & NLM_F_ACK_TLVS != 0 {
            // With NETLINK_CAP_ACK the request is not echoed: the TLVs follow nlmsgerr directly.
            let attributes = reply.attributes(after: nlmsgerr.self)
            message = attributes.string(Int32(NLMSGERR_ATTR_MSG.rawValue))
        }
        throw NetlinkError(errno: Errno(rawValue: -error.error), operation: operation, kernelMessage: message)
    }

    /// Runs a dump request, retrying up to three times when the kernel reports the table
    /// changed under it.
    mutating func dump(_ make: () -> NetlinkRequest, operation: String, deadline: Deadline) throws(NetlinkError) -> [NetlinkReply] {
        var attempt = 0
        while true {
            do {
                return try exchange(make(), operation: operation, deadline: deadline)
            } catch {
                attempt += 1
                if error.errno != .tryAgain || attempt >= 3 { throw error }
            }
        }
    }
}
