/// Reads one table of the configuration file: typed values by key, each error naming the file,
/// the line and the dotted key, and a check that no key was left unread (a misspelt key is an
/// error, not a silently ignored line).
struct TableReader {
    let table: TOMLTable
    /// The table's dotted name in errors (`cluster`, `node[2]`, `fence_device.ipmi1`).
    let path: String
    let file: String
    private var read: Set<String> = []

    init(_ table: TOMLTable, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    func key(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String?, line: Int, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: line, key: key.map(self.key), message: message)
    }

    func missing(_ key: String, _ example: String) -> ConfigurationError {
        error(key, line: table.line, "is required; write for example \(key) = \(example)")
    }

    mutating func value(_ key: String) -> TOMLValue? {
        read.insert(key)
        return table[key]
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> (String, line: Int)? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value.kind else {
            throw error(key, line: value.line, "must be a string in quotes, not \(value.kindName)")
        }
        return (text, value.line)
    }

    mutating func requiredString(_ key: String, example: String) throws(ConfigurationError) -> (String, line: Int) {
        guard let value = try string(key) else { throw missing(key, example) }
        return value
    }

    mutating func integer(_ key: String) throws(ConfigurationError) -> (Int, line: Int)? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value.kind else {
            throw error(key, line: value.line, "must be an integer, not \(value.kindName)")
        }
        return (number, value.line)
    }

    mutating func boolean(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let flag) = value.kind else {
            throw error(key, line: value.line, "must be true or false, not \(value.kindName)")
        }
        return flag
    }

    mutating func duration(_ key: String) throws(ConfigurationError) -> Duration? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value.kind else {
            throw error(key, line: value.line, "must be a duration in quotes with its unit, like \"30s\" or \"500ms\"")
        }
        guard let duration = Self.parseDuration(text) else {
            throw error(key, line: value.line, "\"\(text)\" is not a duration; write a number and a unit: ms, s, m or h (\"30s\")")
        }
        return duration
    }

    /// `500ms`, `30s`, `2m`, `1h`.
    static func parseDuration(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits), number <= 1_000_000_000 else { return nil }
        switch text.dropFirst(digits.count) {
        case "ms": return .milliseconds(number)
        case "s": return .seconds(number)
        case "m": return .seconds(number * 60)
        case "h": return .seconds(number * 3600)
        default: return nil
        }
    }

    mutating func stringArray(_ key: String) throws(ConfigurationError) -> ([(String, line: Int)], line: Int)? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value.kind else {
            throw error(key, line: value.line, "must be an array of strings, like [\"node1\", \"node2\"]")
        }
        var strings: [(String, line: Int)] = []
        for element in elements {
            guard case .string(let text) = element.kind else {
                throw error(key, line: element.line, "must hold strings only, not \(element.kindName)")
            }
            strings.append((text, element.line))
        }
        return (strings, value.line)
    }

    /// A table of string values (integers and booleans are written as their text).
    mutating func stringTable(_ key: String) throws(ConfigurationError) -> [(String, String)]? {
        guard let value = value(key) else { return nil }
        guard case .table(let inner) = value.kind else {
            throw error(key, line: value.line, "must be a table, like { name = \"value\" }")
        }
        var pairs: [(String, String)] = []
        for (name, entry) in inner.entries {
            switch entry.kind {
            case .string(let text): pairs.append((name, text))
            case .integer(let number): pairs.append((name, String(number)))
            case .boolean(let flag): pairs.append((name, flag ? "1" : "0"))
            default: throw error("\(key).\(name)", line: entry.line, "must be a string, not \(entry.kindName)")
            }
        }
        return pairs
    }

    mutating func tables(_ key: String, example: String) throws(ConfigurationError) -> [TOMLTable] {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value.kind else {
            throw error(key, line: value.line, "must be an array of tables, written as [[\(key)]] sections; for example \(example)")
        }
        var tables: [TOMLTable] = []
        for element in elements {
            guard case .table(let inner) = element.kind else {
                throw error(key, line: element.line, "must be written as [[\(key)]] sections; for example \(example)")
            }
            tables.append(inner)
        }
        return tables
    }

    mutating func table(_ key: String) throws(ConfigurationError) -> TOMLTable? {
        guard let value = value(key) else { return nil }
        guard case .table(let inner) = value.kind else {
            throw error(key, line: value.line, "must be a table ([\(self.key(key))] or { … }), not \(value.kindName)")
        }
        return inner
    }

    /// Fails on the first key nobody read, naming the keys this table takes.
    func finish() throws(ConfigurationError) {
        for (key, value) in table.entries where !read.contains(key) {
            let known = read.sorted().joined(separator: ", ")
            throw error(key, line: value.line, "is not a setting here; \(path.isEmpty ? "the file" : "[\(path)]") takes: \(known)")
        }
    }
}
