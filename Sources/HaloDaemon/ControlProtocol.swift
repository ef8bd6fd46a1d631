import HaloCluster
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

    public static let version = 1

    /// Reads one request line.
    ///
    /// - Throws: `WireError` saying what is wrong with it (returned to the client as the error).
    public init(line: [UInt8]) throws(WireError) {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch { throw WireError("the request is not JSON: \(error)") }
        guard let version = value["version"]?.intValue else { throw WireError("the request has no version") }
        guard version == Self.version else { throw WireError("protocol version \(version) is not spoken here (this halod speaks \(Self.version))") }
        guard let command = value["command"]?.stringValue else { throw WireError("the request has no command") }
        func field(_ name: String) throws(WireError) -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw WireError("\(command) needs \(name)") }
            return text
        }
        switch command {
        case "status": self = .status
        case "move": self = .move(lun: try field("lun"), node: try field("node"))
        case "drain": self = .drain(node: try field("node"))
        case "undrain": self = .undrain(node: try field("node"))
        default: throw WireError("unknown command \(command); commands: status, move, drain, undrain")
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
        }
        return JSONValue.object(members).rendered(style: .compact)
    }
}

/// An answer on the control socket.
public enum ControlResponse: Sendable, Hashable {
    case status(JSONValue)
    case done(String)
    case failed(String)

    public var line: String {
        var members: [(String, JSONValue)] = [("version", .int(ControlRequest.version))]
        switch self {
        case .status(let status): members += [("ok", .bool(true)), ("status", status)]
        case .done(let message): members += [("ok", .bool(true)), ("message", .string(message))]
        case .failed(let error): members += [("ok", .bool(false)), ("error", .string(error))]
        }
        return JSONValue.object(members).rendered(style: .compact)
    }
}
