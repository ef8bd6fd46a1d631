/// A JSON value, its serialisation and its parsing, without Foundation (the agents avoid it
/// to keep start-up at a couple of milliseconds; halod to keep its memory small).
///
/// ```swift
/// let value = try JSONValue.parse(#"{"version": 1, "command": "status"}"#)
/// value["command"]?.stringValue   // "status"
/// value.rendered(style: .compact)  // {"version":1,"command":"status"}
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number with a fraction or an exponent, kept as its JSON text (exact; `doubleValue`
    /// reads it): what other programs write (halo-writer's seconds), never what halo writes.
    case decimal(String)
    case string(String)
    case array([JSONValue])
    /// Keys keep their order, so output is stable and diffable.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered(style: .compact) == rhs.rendered(style: .compact) }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered(style: .compact)) }

    /// How `rendered` lays the text out.
    public enum Style: Sendable {
        /// Two spaces per level, one member per line: for people and golden files.
        case indented
        /// No whitespace at all: one line, for wire protocols.
        case compact
    }

    /// The value as JSON text, indented by two spaces per level.
    public func rendered(indent: Int = 0) -> String {
        var text = ""
        write(to: &text, style: .indented, level: indent)
        return text
    }

    /// The value as JSON text in `style`.
    public func rendered(style: Style) -> String {
        var text = ""
        write(to: &text, style: style, level: 0)
        return text
    }

    private func write(to text: inout String, style: Style, level: Int) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .decimal(let value): text += value
        case .string(let value): Self.quote(value, into: &text)
        case .array(let values):
            if values.isEmpty { text += "[]"; return }
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                if style == .indented { text += "\n" + String(repeating: "  ", count: level + 1) }
                value.write(to: &text, style: style, level: level + 1)
            }
            if style == .indented { text += "\n" + String(repeating: "  ", count: level) }
            text += "]"
        case .object(let members):
            if members.isEmpty { text += "{}"; return }
            text += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { text += "," }
                if style == .indented { text += "\n" + String(repeating: "  ", count: level + 1) }
                Self.quote(member.0, into: &text)
                text += style == .indented ? ": " : ":"
                member.1.write(to: &text, style: style, level: level + 1)
            }
            if style == .indented { text += "\n" + String(repeating: "  ", count: level) }
            text += "}"
        }
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quote(_ text: String) -> String {
        var result = ""
        quote(text, into: &result)
        return result
    }

    static func quote(_ text: String, into result: inout String) {
        result += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
    }
}

extension JSONValue {
    /// The member named `key` of an object (the first, if a key repeats); nil for other values.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is one.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The number, integer or decimal, as a `Double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .decimal(let text): Double(text)
        default: nil
        }
    }

    /// The Boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The members in order, when this is an object.
    public var objectValue: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
