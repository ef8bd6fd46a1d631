import HaloJSON

/// Why bytes from the group (or a control client) are not a message halod understands.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }
    public var description: String { problem }
}

/// Reading typed fields out of a JSON object, each failure naming the field.
struct JSONFields {
    let members: [(String, JSONValue)]
    let context: String

    init(_ value: JSONValue, _ context: String) throws(WireError) {
        guard let members = value.objectValue else { throw WireError("\(context): expected an object") }
        self.members = members
        self.context = context
    }

    func value(_ key: String) throws(WireError) -> JSONValue {
        guard let value = members.first(where: { $0.0 == key })?.1 else { throw WireError("\(context): missing \(key)") }
        return value
    }

    func optional(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.0 == key })?.1, value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(WireError) -> String {
        guard let text = try value(key).stringValue else { throw WireError("\(context): \(key) must be a string") }
        return text
    }

    func int(_ key: String) throws(WireError) -> Int {
        guard let number = try value(key).intValue else { throw WireError("\(context): \(key) must be an integer") }
        return number
    }

    func bool(_ key: String) throws(WireError) -> Bool {
        guard let flag = try value(key).boolValue else { throw WireError("\(context): \(key) must be a boolean") }
        return flag
    }

    func array(_ key: String) throws(WireError) -> [JSONValue] {
        guard let values = try value(key).arrayValue else { throw WireError("\(context): \(key) must be an array") }
        return values
    }

    /// A non-negative count (sequence numbers, rings, counters).
    func count(_ key: String) throws(WireError) -> UInt64 {
        let number = try int(key)
        guard number >= 0 else { throw WireError("\(context): \(key) cannot be negative") }
        return UInt64(number)
    }

    /// A 64-bit identity written as 16 hex digits (JSON integers cannot carry every UInt64).
    func hash(_ key: String) throws(WireError) -> UInt64 {
        guard let value = UInt64(try string(key), radix: 16) else { throw WireError("\(context): \(key) must be 16 hex digits") }
        return value
    }
}

extension UInt64 {
    var hashJSON: JSONValue {
        let text = String(self, radix: 16)
        return .string(String(repeating: "0", count: 16 - text.count) + text)
    }

    var countJSON: JSONValue { .int(Int(clamping: self)) }
}

extension MemberID {
    var json: JSONValue { .array([.int(Int(node.rawValue)), .int(Int(process))]) }

    init(json: JSONValue) throws(WireError) {
        guard let pair = json.arrayValue, pair.count == 2, let node = pair[0].intValue, let process = pair[1].intValue,
              let nodeID = UInt32(exactly: node), let pid = UInt32(exactly: process) else {
            throw WireError("a member is [node id, process id]")
        }
        self.init(node: NodeID(nodeID), process: pid)
    }
}

extension NodeID {
    var json: JSONValue { .int(Int(rawValue)) }

    init(json: JSONValue) throws(WireError) {
        guard let number = json.intValue, let id = UInt32(exactly: number) else { throw WireError("a node id is a 32-bit number") }
        self.init(id)
    }
}

extension Duration {
    var millisecondsJSON: JSONValue { .int(Int(milliseconds)) }
}
