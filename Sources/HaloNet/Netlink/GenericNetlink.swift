import CHaloNet
import Glibc
import HaloSystem

/// A generic-netlink family the kernel registered: its dynamic id and its version.
public struct GenericNetlinkFamily: Sendable, Hashable {
    public let name: String
    public let id: UInt16
    /// The family's own interface version (DRBD: 1 for the 8.4 kernel module, 2 for DRBD 9).
    public let version: UInt32
}

/// One generic-netlink message from the kernel: the command and version of its `genlmsghdr`,
/// and everything after that header (the family's fixed header, then attributes), as sent.
public struct GenericNetlinkMessage: Sendable, Hashable {
    public let command: UInt8
    public let version: UInt8
    public let payload: [UInt8]

    public init(command: UInt8, version: UInt8, payload: [UInt8]) {
        self.command = command
        self.version = version
        self.payload = payload
    }

    /// The attributes after a family header of `headerSize` bytes.
    public func attributes(afterHeaderOf headerSize: Int) -> NetlinkAttributes {
        let offset = Int(halo_nl_align(UInt32(headerSize)))
        return NetlinkAttributes(payload.count >= offset ? payload[offset...] : payload[payload.endIndex...])
    }
}

/// An attribute of a generic-netlink request: what a dump is filtered by, or what a request
/// names.
public enum GenericNetlinkAttribute: Sendable, Hashable {
    case string(UInt16, String)
    case uint8(UInt16, UInt8)
    case uint32(UInt16, UInt32)
    /// A value sent as it is: a socket address, or a field replayed as the kernel reported it.
    case bytes(UInt16, [UInt8])
    case nested(UInt16, [GenericNetlinkAttribute])
}

/// A NETLINK_GENERIC socket, owned: the families' ids are looked up by name, then dumps are
/// requested. Synchronous and bounded like `NetlinkSocket` (it is one).
public struct GenericNetlinkSocket: ~Copyable {
    private var socket: NetlinkSocket

    public init() throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NETLINK_GENERIC)
    }

    /// The family registered as `name`, or nil when the kernel has none (its module is not
    /// loaded). The corresponding request is `CTRL_CMD_GETFAMILY` to `GENL_ID_CTRL`.
    public mutating func family(named name: String, deadline: Deadline) throws(NetlinkError) -> GenericNetlinkFamily? {
        var request = NetlinkRequest(type: UInt16(GENL_ID_CTRL), flags: 0)
        request.append(struct: genlmsghdr(cmd: UInt8(CTRL_CMD_GETFAMILY), version: 1, reserved: 0))
        request.attribute(Int32(CTRL_ATTR_FAMILY_NAME), string: name)
        let replies: [NetlinkReply]
        do {
            replies = try socket.exchange(request, operation: "look up the generic netlink family \(name)", deadline: deadline)
        } catch where error.errno == .noSuchFile {
            return nil
        }
        for reply in replies {
            let attributes = reply.attributes(after: genlmsghdr.self)
            guard let id = attributes.uint16(Int32(CTRL_ATTR_FAMILY_ID)) else { continue }
            return GenericNetlinkFamily(name: name, id: id, version: attributes.uint32(Int32(CTRL_ATTR_VERSION)) ?? 0)
        }
        throw NetlinkError(errno: .ioError, operation: "look up the generic netlink family \(name)", kernelMessage: "no family id in the answer")
    }

    /// Every message of a dump of `command` in `family`, each request carrying `header` (the
    /// family's fixed header) and `attributes`.
    public mutating func dump(_ family: GenericNetlinkFamily, command: UInt8, header: [UInt8],
                              attributes: [GenericNetlinkAttribute], operation: String,
                              deadline: Deadline) throws(NetlinkError) -> [GenericNetlinkMessage] {
        let replies = try socket.dump({
            Self.message(family, command: command, flags: NLM_F_DUMP, header: header, attributes: attributes)
        }, operation: operation, deadline: deadline)
        return Self.messages(of: family, in: replies)
    }

    /// The answer to one request of `command` in `family` (a "doit": no dump), its request
    /// carrying `header` and `attributes`: the family's reply messages — DRBD answers every
    /// configuration request with one — or none when the kernel only acknowledged it.
    ///
    /// - Throws: `NetlinkError` with the kernel's errno when it refused the request itself,
    ///   `ETIMEDOUT` when no answer came before `deadline` (the kernel may still carry it out).
    public mutating func request(_ family: GenericNetlinkFamily, command: UInt8, header: [UInt8],
                                 attributes: [GenericNetlinkAttribute], operation: String,
                                 deadline: Deadline) throws(NetlinkError) -> [GenericNetlinkMessage] {
        let request = Self.message(family, command: command, flags: 0, header: header, attributes: attributes)
        return Self.messages(of: family, in: try socket.exchange(request, operation: operation, deadline: deadline))
    }

    /// One request of `command` in `family`: the genetlink header, the family's fixed header,
    /// then the attributes.
    private static func message(_ family: GenericNetlinkFamily, command: UInt8, flags: Int32, header: [UInt8],
                                attributes: [GenericNetlinkAttribute]) -> NetlinkRequest {
        var request = NetlinkRequest(type: family.id, flags: flags)
        request.append(struct: genlmsghdr(cmd: command, version: UInt8(truncatingIfNeeded: family.version), reserved: 0))
        request.append(bytes: header)
        for attribute in attributes { add(attribute, to: &request) }
        return request
    }

    private static func messages(of family: GenericNetlinkFamily, in replies: [NetlinkReply]) -> [GenericNetlinkMessage] {
        replies.compactMap { reply in
            guard reply.type == family.id, let header = reply.header(genlmsghdr.self) else { return nil }
            let offset = Int(halo_nl_align(UInt32(MemoryLayout<genlmsghdr>.size)))
            return GenericNetlinkMessage(command: header.cmd, version: header.version, payload: Array(reply.payload.dropFirst(offset)))
        }
    }

    static func add(_ attribute: GenericNetlinkAttribute, to request: inout NetlinkRequest) {
        switch attribute {
        case .string(let type, let value): request.attribute(Int32(type), string: value)
        case .uint8(let type, let value): request.attribute(Int32(type), uint8: value)
        case .uint32(let type, let value): request.attribute(Int32(type), uint32: value)
        case .bytes(let type, let value): request.attribute(Int32(type), value)
        case .nested(let type, let children):
            // Marked as a nest: a family with strict validation refuses one without the flag
            // (DRBD on 6.1, seen in the lab: "NLA_F_NESTED is missing").
            request.beginNest(Int32(type) | NLA_F_NESTED)
            for child in children { add(child, to: &request) }
            request.endNest()
        }
    }
}
