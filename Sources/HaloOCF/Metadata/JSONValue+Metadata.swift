import HaloJSON

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
