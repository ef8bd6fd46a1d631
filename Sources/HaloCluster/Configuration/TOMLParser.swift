/// Reads the subset of TOML 1.0 that halod's configuration uses: tables (`[a.b]`), arrays of
/// tables (`[[a]]`, `[[a.b]]`), `key = value` with bare, quoted and dotted keys, basic and
/// literal strings, integers, booleans, arrays (over several lines, trailing comma allowed) and
/// inline tables. Floats, dates and multi-line strings are refused with a message saying so:
/// halod's settings never need them, and refusing is better than guessing.
///
/// Every value keeps its line, so that the configuration's own checks can name it.
public struct TOMLParser {
    let file: String
    let lines: [Substring]
    var lineIndex = 0
    var column: String.Index
    var root = TOMLTable(line: 0)
    /// The path of the table that `key = value` lines go into; array elements are addressed
    /// by index, so a header `[[lun]]` makes the path ["lun", "#2"].
    var current: [String] = []
    /// Tables that were opened by a header: a second `[x]` is an error.
    var declaredTables: Set<[String]> = []

    /// Parses `text`, read from `file` (the name is only used in errors).
    ///
    /// - Throws: `ConfigurationError` with the line and what is wrong.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> TOMLTable {
        var parser = TOMLParser(file: file, text: text)
        try parser.run()
        return parser.root
    }

    init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.column = lines.first?.startIndex ?? "".startIndex
    }

    var lineNumber: Int { lineIndex + 1 }

    func failure(_ message: String, line: Int? = nil) -> ConfigurationError {
        ConfigurationError(file: file, line: line ?? lineNumber, message: message)
    }

    // MARK: Lines

    mutating func run() throws(ConfigurationError) {
        while lineIndex < lines.count {
            column = lines[lineIndex].startIndex
            skipSpaces()
            if atLineEnd() {
                lineIndex += 1
                continue
            }
            if peek() == "[" {
                try header()
            } else {
                try keyValue(into: current)
            }
            skipSpaces()
            guard atLineEnd() else { throw failure("unexpected text after the value; write one key = value per line") }
            lineIndex += 1
        }
    }

    mutating func header() throws(ConfigurationError) {
        let line = lineNumber
        advance()
        let isArray = peek() == "["
        if isArray { advance() }
        skipSpaces()
        let path = try dottedKey()
        skipSpaces()
        guard peek() == "]" else { throw failure("a table header ends with \(isArray ? "]]" : "]")") }
        advance()
        if isArray {
            guard peek() == "]" else { throw failure("an array-of-tables header ends with ]]") }
            advance()
        }
        current = try openTable(path, isArray: isArray, line: line)
    }

    /// Resolves a header's path to the table's address, creating what is missing.
    mutating func openTable(_ path: [String], isArray: Bool, line: Int) throws(ConfigurationError) -> [String] {
        var address: [String] = []
        for (index, key) in path.enumerated() {
            let isLast = index == path.count - 1
            let existing = value(at: address + [key])
            if isLast && isArray {
                var elements: [TOMLValue] = []
                if let existing {
                    guard case .array(let values) = existing.kind, values.allSatisfy({ if case .table = $0.kind { true } else { false } }) else {
                        throw failure("\(path.joined(separator: ".")) is already \(existing.kindName) (line \(existing.line)); an array of tables needs a name of its own")
                    }
                    elements = values
                }
                elements.append(TOMLValue(kind: .table(TOMLTable(line: line)), line: line))
                setValue(TOMLValue(kind: .array(elements), line: existing?.line ?? line), at: address + [key])
                return address + [key, "#\(elements.count - 1)"]
            }
            if let existing {
                switch existing.kind {
                case .table:
                    address.append(key)
                case .array(let values) where !values.isEmpty && !isLast:
                    guard case .table = values[values.count - 1].kind else { fallthrough }
                    address += [key, "#\(values.count - 1)"]
                default:
                    throw failure("\(path.prefix(index + 1).joined(separator: ".")) is already \(existing.kindName) (line \(existing.line))")
                }
            } else {
                setValue(TOMLValue(kind: .table(TOMLTable(line: line)), line: line), at: address + [key])
                address.append(key)
            }
        }
        guard declaredTables.insert(address).inserted else {
            throw failure("the table [\(path.joined(separator: "."))] is declared twice; merge the two into one")
        }
        return address
    }

    mutating func keyValue(into table: [String]) throws(ConfigurationError) {
        let line = lineNumber
        let path = try dottedKey()
        skipSpaces()
        guard peek() == "=" else { throw failure("expected = after the key \(path.joined(separator: "."))") }
        advance()
        skipSpaces()
        let value = try parseValue()
        try insert(value, at: table, path: path, line: line)
    }

    mutating func insert(_ value: TOMLValue, at table: [String], path: [String], line: Int) throws(ConfigurationError) {
        var address = table
        for key in path.dropLast() {
            if let existing = self.value(at: address + [key]) {
                guard case .table = existing.kind else {
                    throw failure("\(key) is already \(existing.kindName) (line \(existing.line))")
                }
            } else {
                setValue(TOMLValue(kind: .table(TOMLTable(line: line)), line: line), at: address + [key])
            }
            address.append(key)
        }
        let key = path[path.count - 1]
        if let existing = self.value(at: address + [key]) {
            throw failure("\(path.joined(separator: ".")) is set twice (first on line \(existing.line)); keep one")
        }
        setValue(value, at: address + [key])
    }

    // MARK: The tree

    func value(at address: [String]) -> TOMLValue? {
        var value = TOMLValue(kind: .table(root), line: 0)
        for component in address {
            if component.hasPrefix("#"), let index = Int(component.dropFirst()) {
                guard case .array(let values) = value.kind, values.indices.contains(index) else { return nil }
                value = values[index]
            } else {
                guard case .table(let table) = value.kind, let next = table[component] else { return nil }
                value = next
            }
        }
        return value
    }

    mutating func setValue(_ newValue: TOMLValue, at address: [String]) {
        func update(_ value: inout TOMLValue, _ rest: ArraySlice<String>) {
            guard let component = rest.first else {
                value = newValue
                return
            }
            if component.hasPrefix("#"), let index = Int(component.dropFirst()), case .array(var values) = value.kind {
                update(&values[index], rest.dropFirst())
                value.kind = .array(values)
            } else if case .table(var table) = value.kind {
                if rest.count == 1 {
                    table.replace(component, newValue)
                } else if var child = table[component] {
                    update(&child, rest.dropFirst())
                    table.replace(component, child)
                }
                value.kind = .table(table)
            }
        }
        var rootValue = TOMLValue(kind: .table(root), line: 0)
        update(&rootValue, address[...])
        if case .table(let table) = rootValue.kind { root = table }
    }

    // MARK: Tokens

    mutating func dottedKey() throws(ConfigurationError) -> [String] {
        var path: [String] = []
        while true {
            skipSpaces()
            path.append(try simpleKey())
            skipSpaces()
            guard peek() == "." else { return path }
            advance()
        }
    }

    mutating func simpleKey() throws(ConfigurationError) -> String {
        switch peek() {
        case "\"": return try basicString()
        case "'": return try literalString()
        default:
            var key = ""
            while let character = peek(), character.isASCII, character.isLetter || character.isNumber || character == "_" || character == "-" {
                key.append(character)
                advance()
            }
            guard !key.isEmpty else { throw failure("expected a key (letters, digits, _ and -, or a quoted name)") }
            return key
        }
    }

    mutating func parseValue() throws(ConfigurationError) -> TOMLValue {
        let line = lineNumber
        guard let character = peek() else { throw failure("expected a value after =") }
        switch character {
        case "\"":
            if lines[lineIndex][column...].hasPrefix("\"\"\"") { throw failure("multi-line strings are not supported here; write the value on one line") }
            return TOMLValue(kind: .string(try basicString()), line: line)
        case "'":
            if lines[lineIndex][column...].hasPrefix("'''") { throw failure("multi-line strings are not supported here; write the value on one line") }
            return TOMLValue(kind: .string(try literalString()), line: line)
        case "[": return try array()
        case "{": return try inlineTable()
        case "t", "f":
            let word = takeWord()
            guard word == "true" || word == "false" else { throw failure("\(word) is not a value; strings are written in quotes") }
            return TOMLValue(kind: .boolean(word == "true"), line: line)
        default:
            let word = takeWord()
            if word.contains(".") || word.contains(":") || word.lowercased().contains("e") || word.hasSuffix("inf") || word.hasSuffix("nan") {
                throw failure("\(word): floats and dates are not supported here; durations are strings such as \"30s\"")
            }
            guard let number = Int(String(word.filter { $0 != "_" })), !word.hasPrefix("_"), !word.hasSuffix("_") else {
                throw failure("\(word.isEmpty ? "this" : word) is not a value; strings are written in quotes, like \"\(word)\"")
            }
            return TOMLValue(kind: .integer(number), line: line)
        }
    }

    mutating func takeWord() -> String {
        var word = ""
        while let character = peek(), !character.isWhitespace, !",]}#".contains(character) {
            word.append(character)
            advance()
        }
        return word
    }

    mutating func basicString() throws(ConfigurationError) -> String {
        advance()
        var text = ""
        while true {
            guard let character = peek() else { throw failure("the string is not closed with \" on this line") }
            advance()
            switch character {
            case "\"": return text
            case "\\":
                guard let escape = peek() else { throw failure("a string cannot end with \\") }
                advance()
                switch escape {
                case "\"": text.append("\"")
                case "\\": text.append("\\")
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "u", "U":
                    let digits = escape == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<digits {
                        guard let digit = peek(), digit.isHexDigit else { throw failure("\\\(escape) needs \(digits) hexadecimal digits") }
                        hex.append(digit)
                        advance()
                    }
                    guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else { throw failure("\\\(escape)\(hex) is not a character") }
                    text.unicodeScalars.append(scalar)
                default: throw failure("unknown escape \\\(escape) in a string; use '…' for text with backslashes")
                }
            default:
                if character.asciiValue.map({ $0 < 0x20 && $0 != 0x09 }) ?? false {
                    throw failure("a control character in a string")
                }
                text.append(character)
            }
        }
    }

    mutating func literalString() throws(ConfigurationError) -> String {
        advance()
        var text = ""
        while true {
            guard let character = peek() else { throw failure("the string is not closed with ' on this line") }
            advance()
            if character == "'" { return text }
            text.append(character)
        }
    }

    mutating func array() throws(ConfigurationError) -> TOMLValue {
        let line = lineNumber
        advance()
        var values: [TOMLValue] = []
        while true {
            try skipBlankSpaceAcrossLines(inside: "array opened on line \(line)")
            if peek() == "]" {
                advance()
                return TOMLValue(kind: .array(values), line: line)
            }
            values.append(try parseValue())
            try skipBlankSpaceAcrossLines(inside: "array opened on line \(line)")
            switch peek() {
            case ",": advance()
            case "]":
                advance()
                return TOMLValue(kind: .array(values), line: line)
            default: throw failure("expected , or ] in the array opened on line \(line)")
            }
        }
    }

    mutating func inlineTable() throws(ConfigurationError) -> TOMLValue {
        let line = lineNumber
        advance()
        var table = TOMLTable(line: line)
        skipSpaces()
        if peek() == "}" {
            advance()
            return TOMLValue(kind: .table(table), line: line)
        }
        while true {
            skipSpaces()
            let keyLine = lineNumber
            let path = try dottedKey()
            guard path.count == 1 else { throw failure("write the inline table's keys without dots") }
            skipSpaces()
            guard peek() == "=" else { throw failure("expected = after \(path[0]) in the inline table") }
            advance()
            skipSpaces()
            let value = try parseValue()
            if table[path[0]] != nil { throw failure("\(path[0]) is set twice in the inline table", line: keyLine) }
            table.set(path[0], value)
            skipSpaces()
            switch peek() {
            case ",": advance()
            case "}":
                advance()
                return TOMLValue(kind: .table(table), line: line)
            default: throw failure("expected , or } in the inline table (an inline table stays on one line)")
            }
        }
    }

    // MARK: Characters

    func peek() -> Character? {
        guard lineIndex < lines.count else { return nil }
        let line = lines[lineIndex]
        return column < line.endIndex ? line[column] : nil
    }

    mutating func advance() { column = lines[lineIndex].index(after: column) }

    mutating func skipSpaces() {
        while let character = peek(), character == " " || character == "\t" || character == "\r" { advance() }
    }

    /// True at the end of the line or at a comment.
    mutating func atLineEnd() -> Bool {
        guard let character = peek() else { return true }
        return character == "#"
    }

    mutating func skipBlankSpaceAcrossLines(inside what: String) throws(ConfigurationError) {
        while true {
            skipSpaces()
            if atLineEnd() {
                lineIndex += 1
                guard lineIndex < lines.count else { throw failure("the \(what) is not closed", line: lines.count) }
                column = lines[lineIndex].startIndex
                continue
            }
            return
        }
    }
}
