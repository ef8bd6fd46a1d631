import CHaloNet
import Glibc
import HaloSystem

/// One established TCP connection, as the kernel's socket diagnostics report it.
public struct TCPConnection: Sendable, Hashable, CustomStringConvertible {
    public var local: IPAddress
    public var localPort: UInt16
    public var remote: IPAddress
    public var remotePort: UInt16

    public init(local: IPAddress, localPort: UInt16, remote: IPAddress, remotePort: UInt16) {
        self.local = local
        self.localPort = localPort
        self.remote = remote
        self.remotePort = remotePort
    }

    public var description: String { "\(local):\(localPort)↔\(remote):\(remotePort)" }
}

/// The kernel's socket diagnostics (`NETLINK_SOCK_DIAG`, `inet_diag`): the established TCP
/// connections of this network namespace, read from netlink attributes — not /proc/net/tcp's
/// text. Used by halod to learn which initiators are connected to a LUN's portal addresses.
public struct SocketDiagnostics: ~Copyable {
    private var socket: NetlinkSocket

    /// Opens the diagnostics socket.
    ///
    /// - Throws: `NetlinkError` (`EPROTONOSUPPORT` on a kernel without sock_diag).
    public init() throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NETLINK_SOCK_DIAG)
    }

    /// The established TCP connections whose local port is `port`, IPv4 and IPv6.
    ///
    /// The corresponding kernel request is `SOCK_DIAG_BY_FAMILY` with an `inet_diag_req_v2`.
    public mutating func establishedTCP(localPort port: UInt16, deadline: Deadline) throws(NetlinkError) -> [TCPConnection] {
        var connections: [TCPConnection] = []
        for family in [AF_INET, AF_INET6] {
            let replies = try socket.dump({
                var request = NetlinkRequest(type: UInt16(SOCK_DIAG_BY_FAMILY), flags: NLM_F_DUMP)
                var diag = inet_diag_req_v2()
                diag.sdiag_family = UInt8(family)
                diag.sdiag_protocol = UInt8(IPPROTO_TCP)
                diag.idiag_states = 1 << 1  // TCP_ESTABLISHED
                diag.id.idiag_sport = port.bigEndian
                request.append(struct: diag)
                return request
            }, operation: "read the established TCP connections", deadline: deadline)
            for reply in replies {
                if let connection = Self.connection(reply), connection.localPort == port { connections.append(connection) }
            }
        }
        return connections
    }

    /// One `inet_diag_msg` as a connection.
    static func connection(_ reply: NetlinkReply) -> TCPConnection? {
        guard let message = reply.header(inet_diag_msg.self) else { return nil }
        return connection(message)
    }

    static func connection(_ message: inet_diag_msg) -> TCPConnection? {
        let id = message.id
        func address(_ words: (UInt32, UInt32, UInt32, UInt32)) -> IPAddress? {
            let bytes = withUnsafeBytes(of: words) { Array($0) }
            switch Int32(message.idiag_family) {
            case AF_INET: return .v4(IPv4Address(Array(bytes.prefix(4))))
            case AF_INET6: return .v6(IPv6Address(bytes))
            default: return nil
            }
        }
        guard let local = address(id.idiag_src), let remote = address(id.idiag_dst) else { return nil }
        return TCPConnection(local: local, localPort: UInt16(bigEndian: id.idiag_sport), remote: remote, remotePort: UInt16(bigEndian: id.idiag_dport))
    }
}
