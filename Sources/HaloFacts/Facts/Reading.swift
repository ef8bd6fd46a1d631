import HaloJSON

/// One part of a node's facts: what was read, or why it could not be read.
///
/// A part that could not be read is never an empty value: `drbd: .read([])` means no DRBD
/// resource is up on the node, `drbd: .failed("drbdsetup: …")` that nobody knows.
public enum Reading<Value> {
    case read(Value)
    /// Why the part could not be read, for people (the command or path, and its error).
    case failed(String)

    /// The value, when it was read.
    public var value: Value? {
        if case .read(let value) = self { return value }
        return nil
    }

    /// Why it could not be read, when it could not.
    public var failure: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }

    /// The same reading with its value transformed.
    public func map<Other>(_ transform: (Value) -> Other) -> Reading<Other> {
        switch self {
        case .read(let value): .read(transform(value))
        case .failed(let reason): .failed(reason)
        }
    }
}

extension Reading: Sendable where Value: Sendable {}
extension Reading: Equatable where Value: Equatable {}
extension Reading: Hashable where Value: Hashable {}

extension Reading {
    /// `{"status": "read", "value": …}` or `{"status": "failed", "reason": "…"}`.
    func json(_ encode: (Value) -> JSONValue) -> JSONValue {
        switch self {
        case .read(let value): .object([("status", .string("read")), ("value", encode(value))])
        case .failed(let reason): .object([("status", .string("failed")), ("reason", .string(reason))])
        }
    }

    init(json: JSONValue, path: String, _ decode: (JSONValue, String) throws(FactsDecodingError) -> Value) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        switch try object.string("status") {
        case "read": self = .read(try decode(try object.value("value"), "\(path).value"))
        case "failed": self = .failed(try object.string("reason"))
        case let other: throw FactsDecodingError(path: "\(path).status", problem: "unknown status \(other)")
        }
    }
}
