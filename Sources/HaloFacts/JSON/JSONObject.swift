import HaloJSON

/// Reads the members of one JSON object with typed accessors that say where a member is
/// missing or of the wrong type. `null` and an absent member are the same to the optional
/// accessors.
struct JSONObject {
    let members: [(String, JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws(FactsDecodingError) {
        guard let members = value.objectValue else { throw FactsDecodingError(path: path, problem: "not an object") }
        self.members = members
        self.path = path
    }

    func optionalValue(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.0 == key })?.1, value != .null else { return nil }
        return value
    }

    func value(_ key: String) throws(FactsDecodingError) -> JSONValue {
        guard let value = optionalValue(key) else { throw FactsDecodingError(path: "\(path).\(key)", problem: "missing") }
        return value
    }

    func string(_ key: String) throws(FactsDecodingError) -> String {
        guard let text = try value(key).stringValue else { throw wrongType(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(FactsDecodingError) -> String? {
        guard let value = optionalValue(key) else { return nil }
        guard let text = value.stringValue else { throw wrongType(key, "a string") }
        return text
    }

    func int(_ key: String) throws(FactsDecodingError) -> Int {
        guard let number = try value(key).intValue else { throw wrongType(key, "an integer") }
        return number
    }

    func optionalInt(_ key: String) throws(FactsDecodingError) -> Int? {
        guard let value = optionalValue(key) else { return nil }
        guard let number = value.intValue else { throw wrongType(key, "an integer") }
        return number
    }

    func bool(_ key: String) throws(FactsDecodingError) -> Bool {
        guard let flag = try value(key).boolValue else { throw wrongType(key, "true or false") }
        return flag
    }

    func optionalBool(_ key: String) throws(FactsDecodingError) -> Bool? {
        guard let value = optionalValue(key) else { return nil }
        guard let flag = value.boolValue else { throw wrongType(key, "true or false") }
        return flag
    }

    /// A string member that names a value of `type` (an enum's raw value).
    func named<T: RawRepresentable<String>>(_ key: String, _ type: T.Type) throws(FactsDecodingError) -> T {
        let text = try string(key)
        guard let value = T(rawValue: text) else { throw FactsDecodingError(path: "\(path).\(key)", problem: "unknown value \(text)") }
        return value
    }

    /// An array member, each element decoded with its own path.
    func array<T>(_ key: String, _ decode: (JSONValue, String) throws(FactsDecodingError) -> T) throws(FactsDecodingError) -> [T] {
        try Self.elements(of: try value(key), path: "\(path).\(key)", decode)
    }

    /// The elements of an array value, each decoded with its own path (`path[3]`).
    static func elements<T>(of value: JSONValue, path: String, _ decode: (JSONValue, String) throws(FactsDecodingError) -> T)
        throws(FactsDecodingError) -> [T] {
        guard let elements = value.arrayValue else { throw FactsDecodingError(path: path, problem: "not an array") }
        var result: [T] = []
        for (index, element) in elements.enumerated() { result.append(try decode(element, "\(path)[\(index)]")) }
        return result
    }

    func strings(_ key: String) throws(FactsDecodingError) -> [String] {
        try array(key) { (value, path) throws(FactsDecodingError) in
            guard let text = value.stringValue else { throw FactsDecodingError(path: path, problem: "not a string") }
            return text
        }
    }

    func object(_ key: String) throws(FactsDecodingError) -> JSONObject {
        try JSONObject(try value(key), path: "\(path).\(key)")
    }

    private func wrongType(_ key: String, _ expected: String) -> FactsDecodingError {
        FactsDecodingError(path: "\(path).\(key)", problem: "not \(expected)")
    }
}

extension JSONValue {
    /// `.string(text)` for a value, `.null` for none.
    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
    /// `.int(number)` for a value, `.null` for none.
    static func optional(_ number: Int?) -> JSONValue { number.map(JSONValue.int) ?? .null }
    /// `.bool(flag)` for a value, `.null` for none.
    static func optional(_ flag: Bool?) -> JSONValue { flag.map(JSONValue.bool) ?? .null }
}
