/// A value read from halod's configuration file, with the line it was written on, so that
/// every error about it can name that line.
public struct TOMLValue: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// The 1-based line where the value starts.
    public var line: Int

    /// What kind of value this is, in words, for error messages.
    public var kindName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A table: keys in the order written, each with its value.
public struct TOMLTable: Sendable, Hashable {
    public var entries: [(key: String, value: TOMLValue)] = []
    /// The line of the table's header (`[name]`), or of the key that opened it; 0 for the root.
    public var line: Int

    public init(line: Int) { self.line = line }

    public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

    public var keys: [String] { entries.map(\.key) }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.line == rhs.line && lhs.entries.map(\.key) == rhs.entries.map(\.key) && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(keys)
    }

    mutating func set(_ key: String, _ value: TOMLValue) { entries.append((key, value)) }

    mutating func replace(_ key: String, _ value: TOMLValue) {
        if let index = entries.firstIndex(where: { $0.key == key }) { entries[index].value = value } else { set(key, value) }
    }
}

/// Why the configuration file is not valid, and where.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path, as given.
    public var file: String
    /// The 1-based line; 0 when the problem is not on one line (a missing section).
    public var line: Int
    /// The dotted key the problem is about, when there is one (`lun[2].nodes`).
    public var key: String?
    /// What is wrong, and what to write instead.
    public var message: String

    public init(file: String, line: Int, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.map { "\(place): \($0): \(message)" } ?? "\(place): \(message)"
    }
}
