import HaloJSON

/// The control socket's protocol (version 1): one JSON object per line each way. haloctl and
/// the tests speak it; docs/halod.md documents it.
///
/// ```
/// → {"version":1,"command":"status"}
/// ← {"version":1,"ok":true,"status":{…}}
/// → {"version":1,"command":"move","lun":"lun1","node":"node2"}
/// ← {"version":1,"ok":true,"message":"lun1 moves to node2"}
/// ← {"version":1,"ok":false,"error":"node2 cannot take lun1: it is drained"}
/// ```
public enum ControlRequest: Sendable, Hashable {
    case status
    case move(lun: String, node: String)
    case drain(node: String)
    case undrain(node: String)
    /// Forget a LUN's failures.
    case clear(lun: String)
    /// DRBD's fence-peer handler on this node: DRBD lost the peer of `resource` while this
    /// node is Primary. The answer comes when the peer is outdated (still a member: it may not
    /// be promoted until the resync) or fenced, or within `timeout` seconds as a refusal.
    case fencePeer(resource: String, timeout: Int)
    /// DRBD's after-resync-target handler on this node: the data is UpToDate again.
    case unfencePeer(resource: String)
    /// The DRBD agent's promote on this node, when DRBD still shows a peer of `resource` as
    /// Primary: ok only when every other node of its LUN is fenced in the agreed state (not a
    /// member): then that peer is certainly gone, and the agent need not wait for DRBD's ping to
    /// notice. Changes nothing.
    case peersFenced(resource: String)

    public static let version = 1

    /// Reads one request line.
    ///
    /// - Throws: `ControlRequestError` saying what is wrong with it (returned to the client as the error).
    public init(line: [UInt8]) throws(ControlRequestError) {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch { throw ControlRequestError("the request is not JSON: \(error)") }
        guard let version = value["version"]?.intValue else { throw ControlRequestError("the request has no version") }
        guard version == Self.version else { throw ControlRequestError("protocol version \(version) is not spoken here (this halod speaks \(Self.version))") }
        guard let command = value["command"]?.stringValue else { throw ControlRequestError("the request has no command") }
        func field(_ name: String) throws(ControlRequestError) -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw ControlRequestError("\(command) needs \(name)") }
            return text
        }
        switch command {
        case "status": self = .status
        case "move": self = .move(lun: try field("lun"), node: try field("node"))
        case "drain": self = .drain(node: try field("node"))
        case "undrain": self = .undrain(node: try field("node"))
        case "clear": self = .clear(lun: try field("lun"))
        case "fence-peer": self = .fencePeer(resource: try field("resource"), timeout: max(1, value["timeout"]?.intValue ?? 60))
        case "unfence-peer": self = .unfencePeer(resource: try field("resource"))
        case "peers-fenced": self = .peersFenced(resource: try field("resource"))
        default: throw ControlRequestError("unknown command \(command); commands: status, move, drain, undrain, clear, fence-peer, unfence-peer, peers-fenced")
        }
    }

    /// The request as a line (without the newline), for clients.
    public var line: String {
        var members: [(String, JSONValue)] = [("version", .int(Self.version))]
        switch self {
        case .status: members.append(("command", .string("status")))
        case .move(let lun, let node): members += [("command", .string("move")), ("lun", .string(lun)), ("node", .string(node))]
        case .drain(let node): members += [("command", .string("drain")), ("node", .string(node))]
        case .undrain(let node): members += [("command", .string("undrain")), ("node", .string(node))]
        case .clear(let lun): members += [("command", .string("clear")), ("lun", .string(lun))]
        case .fencePeer(let resource, let timeout): members += [("command", .string("fence-peer")), ("resource", .string(resource)), ("timeout", .int(timeout))]
        case .unfencePeer(let resource): members += [("command", .string("unfence-peer")), ("resource", .string(resource))]
        case .peersFenced(let resource): members += [("command", .string("peers-fenced")), ("resource", .string(resource))]
        }
        return JSONValue.object(members).rendered(style: .compact)
    }
}

/// An answer on the control socket.
public enum ControlResponse: Sendable, Hashable {
    case status(JSONValue)
    case done(String)
    case failed(String)
    /// The answer for DRBD's fence-peer handler: its exit code (4 peer outdated, 7 peer fenced).
    case drbdAnswer(Int32, String)

    public var line: String {
        var members: [(String, JSONValue)] = [("version", .int(ControlRequest.version))]
        switch self {
        case .status(let status): members += [("ok", .bool(true)), ("status", status)]
        case .done(let message): members += [("ok", .bool(true)), ("message", .string(message))]
        case .failed(let error): members += [("ok", .bool(false)), ("error", .string(error))]
        case .drbdAnswer(let code, let message): members += [("ok", .bool(true)), ("drbdExit", .int(Int(code))), ("message", .string(message))]
        }
        return JSONValue.object(members).rendered(style: .compact)
    }
}

/// Why a line is not a request of the control protocol; sent back to the client as the error.
public struct ControlRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }
    public var description: String { problem }
}
