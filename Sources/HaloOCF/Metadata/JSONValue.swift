/// A JSON value and its serialisation, for `halo-agent describe` (the agents avoid
/// Foundation to keep start-up at a couple of milliseconds).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    /// Keys keep their order, so output is stable and diffable.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// The value as JSON text, indented by two spaces per level.
    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let end = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .string(let value): return Self.quote(value)
        case .array(let values):
            if values.isEmpty { return "[]" }
            return "[\n" + values.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { pad + Self.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }

    static func quote(_ text: String) -> String {
        var result = "\""
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
        return result + "\""
    }
}

extension ParameterSpec {
    /// This parameter for `halo-agent describe`.
    var json: JSONValue {
        var constraint: JSONValue = .null
        switch self.constraint {
        case .none: break
        case .range(let range):
            constraint = .object([("kind", .string("range")), ("min", .int(range.lowerBound)), ("max", .int(range.upperBound))])
        case .options(let options):
            constraint = .object([("kind", .string("options")), ("values", .array(options.map(JSONValue.string)))])
        case .format(let format):
            constraint = .object([("kind", .string("format")), ("text", .string(format))])
        }
        return .object([
            ("name", .string(name)),
            ("type", .string(contentType.rawValue)),
            ("constraint", constraint),
            ("default", defaultText.map(JSONValue.string) ?? .null),
            ("required", .bool(isRequired)),
            ("reloadable", .bool(isReloadable)),
            ("private", .bool(isPrivate)),
            ("uniqueGroup", uniqueGroup.map(JSONValue.string) ?? .null),
            ("deprecated", deprecation.map { .object([
                ("replacedBy", $0.replacedBy.map(JSONValue.string) ?? .null), ("note", .string($0.note))]) } ?? .null),
            ("shortdesc", .string(shortDescription)),
            ("longdesc", .string(longDescription)),
        ])
    }
}

extension ActionDeclaration {
    var json: JSONValue {
        .object([
            ("name", .string(action.rawValue)),
            ("timeout", .string(DurationText.render(timeout))),
            ("interval", interval.map { .string(DurationText.render($0)) } ?? .null),
            ("depth", depth.map { .int($0.rawValue) } ?? .null),
            ("role", role.map { .string($0.rawValue) } ?? .null),
        ])
    }
}
