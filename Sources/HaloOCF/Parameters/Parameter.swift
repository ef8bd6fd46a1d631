/// A parameter's deprecation: it still works, and says what replaces it.
public struct Deprecation: Sendable, Hashable {
    /// The parameter that takes this one's value when that one is not set itself.
    public let replacedBy: String?
    public let note: String

    public init(replacedBy: String?, note: String) {
        self.replacedBy = replacedBy
        self.note = note
    }
}

/// Everything about a parameter except how its values are typed: what meta-data, docs and
/// `halo-agent describe` render.
public struct ParameterSpec: Sendable, Hashable {
    public let name: String
    public let shortDescription: String
    public let longDescription: String
    public let contentType: ContentType
    public let constraint: ValueConstraint
    /// The default, rendered as the parameter's own syntax; `nil` when there is none.
    public let defaultText: String?
    public let isRequired: Bool
    /// A changed value is applied by `reload-agent` instead of a restart.
    public let isReloadable: Bool
    /// The value is never logged, echoed in an exit reason or shown by haloctl.
    public let isPrivate: Bool
    /// Resources of this type must not share values of this group's parameters.
    public let uniqueGroup: String?
    public let deprecation: Deprecation?
}

/// One declared parameter of an agent, typed by the value the agent reads.
///
/// Declared once, as a stored property of the agent's `ParameterDeclarations`; the meta-data,
/// the validation of `OCF_RESKEY_<name>` and the typed value all come from it.
///
/// ```swift
/// struct Declarations: ParameterDeclarations {
///     let device = Parameter("device", .string, required: true,
///                            short: "Encrypted device", long: "The block device holding the LUKS header.")
///     let discards = Parameter("allow_discards", .boolean, default: false,
///                              short: "Pass TRIM through", long: "…", reloadable: true)
/// }
/// ```
public struct Parameter<Value: Sendable>: Sendable {
    public let spec: ParameterSpec
    let type: ParameterType<Value>
    let defaultValue: Value?

    /// Declares a parameter.
    ///
    /// - Parameters:
    ///   - default: the value used when the parameter is not set (rendered into meta-data).
    ///   - required: the parameter must be set; then there is no default.
    ///   - uniqueGroup: resources of this agent must differ in this group's values.
    /// - Precondition: the name is a lower-case identifier; a parameter has exactly one of a
    ///   default, `required`, or an optional type (`.optional(.string)`). Violations trap at
    ///   declaration, and a unit test reads every agent's declarations.
    public init(
        _ name: String, _ type: ParameterType<Value>, default defaultValue: Value? = nil, required: Bool = false,
        short: String, long: String, reloadable: Bool = false, uniqueGroup: String? = nil,
        isPrivate: Bool = false, deprecated: Deprecation? = nil
    ) {
        precondition(Self.isValidName(name), "parameter name \(name) must match [a-z][a-z0-9_]*")
        let ways = [defaultValue != nil, required, type.absentValue != nil].filter { $0 }.count
        precondition(ways == 1,
                     "parameter \(name) needs exactly one of: a default, required: true, an optional type")
        precondition(!short.isEmpty && !long.isEmpty, "parameter \(name) needs both descriptions")
        self.type = type
        self.defaultValue = defaultValue
        spec = ParameterSpec(
            name: name, shortDescription: short, longDescription: long, contentType: type.contentType,
            constraint: type.constraint, defaultText: defaultValue.map(type.render), isRequired: required,
            isReloadable: reloadable, isPrivate: isPrivate, uniqueGroup: uniqueGroup, deprecation: deprecated)
        DeclarationRecorder.announce(self)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        } && !name.hasPrefix("crm_")
    }
}

/// The type-erased view the core uses to walk an agent's declarations.
protocol AnyParameter: Sendable {
    var spec: ParameterSpec { get }
    /// The typed value for `raw` (nil = not set), or what is wrong with it.
    func resolve(_ raw: String?) -> Result<Any, ParameterProblem.Kind>
}

extension Parameter: AnyParameter {
    func resolve(_ raw: String?) -> Result<Any, ParameterProblem.Kind> {
        guard let raw else {
            if let defaultValue { return .success(defaultValue) }
            if let absent = type.absentValue { return .success(absent) }
            return .failure(.missing)
        }
        switch type.parse(raw) {
        case .success(let value): return .success(value)
        case .failure(let problem): return .failure(.invalid(value: raw, problem))
        }
    }
}
