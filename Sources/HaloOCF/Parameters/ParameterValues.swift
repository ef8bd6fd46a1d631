/// The validated, typed parameter values of one invocation.
///
/// Read a value through the declaration's key path: `context.parameters.device` is a
/// `String`, `context.parameters.count` an `Int`. A value exists for every declared
/// parameter once `ParameterValues` does, so reading never fails.
@dynamicMemberLookup
public struct ParameterValues<Declarations: ParameterDeclarations> {
    let declarations: Declarations
    let values: [String: Any]
    /// Names of the parameters that were set explicitly (not from a default).
    public let explicitlySet: Set<String>
    /// Notes for the log: deprecated parameters in use.
    public let warnings: [String]

    public subscript<Value>(dynamicMember keyPath: KeyPath<Declarations, Parameter<Value>>) -> Value {
        let name = declarations[keyPath: keyPath].spec.name
        guard let value = values[name] as? Value else {
            preconditionFailure("parameter \(name) is not declared as a stored property of \(Declarations.self)")
        }
        return value
    }

    /// Validates `raw` (parameter name → value, from `OCF_RESKEY_<name>`) against the
    /// declarations, collecting every problem before giving up.
    ///
    /// An empty value counts as not set. Names no declaration has are not problems here: see
    /// `unknownParameters`.
    public static func validate(_ raw: [String: String]) -> Result<Self, ParameterProblems> {
        let resolution = Resolution(raw)
        if !resolution.problems.isEmpty { return .failure(ParameterProblems(problems: resolution.problems)) }
        return .success(ParameterValues(declarations: resolution.declarations, values: resolution.values,
                                        explicitlySet: resolution.explicitlySet, warnings: resolution.warnings))
    }

    /// The names in `raw` that no declaration has (usually a typo, or a parameter of a newer
    /// halo during a rolling upgrade), as problems of kind `.unknown`, sorted by name. Names in
    /// `ignoredNames` (resource-agents' tracing parameters) are not among them.
    public static func unknownParameters(_ raw: [String: String]) -> [ParameterProblem] {
        let declared = Set(Declarations.parameters.map(\.spec.name))
        return raw.filter { !$0.value.isEmpty }.keys.sorted()
            .filter { !declared.contains($0) && !ignoredNames.contains($0) }
            .map { ParameterProblem(parameter: $0, kind: .unknown, isPrivate: false) }
    }

    /// Every declared parameter resolved on its own: its typed value (the default when unset),
    /// or a problem. `validate` and `PartialParameterValues` read the same resolution.
    struct Resolution {
        let declarations: Declarations
        var values: [String: Any] = [:]
        var problems: [ParameterProblem] = []
        var warnings: [String] = []
        var explicitlySet = Set<String>()

        init(_ raw: [String: String]) {
            let (declarations, parameters) = Declarations.recorded()
            self.declarations = declarations
            let set = raw.filter { !$0.value.isEmpty }
            for parameter in parameters {
                let spec = parameter.spec
                var rawValue = set[spec.name]
                if rawValue != nil { explicitlySet.insert(spec.name) }
                if let deprecation = spec.deprecation, set[spec.name] != nil {
                    warnings.append("parameter \(spec.name) is deprecated"
                        + (deprecation.replacedBy.map { ": use \($0)" } ?? "") + ". \(deprecation.note)")
                }
                var conflicts = false
                // A deprecated parameter stands in for its replacement when that one is unset.
                for old in parameters where old.spec.deprecation?.replacedBy == spec.name {
                    guard let oldValue = set[old.spec.name] else { continue }
                    if let rawValue, rawValue != oldValue {
                        conflicts = true
                        problems.append(ParameterProblem(
                            parameter: old.spec.name, kind: .conflictsWithReplacement(replacement: spec.name),
                            isPrivate: spec.isPrivate || old.spec.isPrivate))
                    }
                    rawValue = rawValue ?? oldValue
                }
                switch parameter.resolve(rawValue) {
                case .success(let value): if !conflicts { values[spec.name] = value }
                case .failure(let kind):
                    problems.append(ParameterProblem(parameter: spec.name, kind: kind, isPrivate: spec.isPrivate))
                }
            }
        }
    }

    /// Parameters any resource may carry without an agent declaring them: resource-agents'
    /// tracing switches, which crmsh and pcs let administrators set on every resource.
    static var ignoredNames: Set<String> { ["trace_ra", "trace_file"] }

    /// Each parameter as `name=value` for a debug log, private values replaced by `<private>`.
    public var redactedDescription: String {
        Declarations.parameters.map { parameter -> String in
            let spec = parameter.spec
            let shown = spec.isPrivate ? "<private>" : String(describing: values[spec.name].map { "\($0)" } ?? "")
            return "\(spec.name)=\(shown)"
        }.joined(separator: " ")
    }
}

/// Every problem found in one invocation's parameters.
public struct ParameterProblems: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [ParameterProblem]

    /// All problems in one line, the first one first (it is the one an exit reason shows
    /// when Pacemaker cuts the reason short).
    public var description: String {
        problems.count == 1
            ? problems[0].description
            : problems.map(\.description).joined(separator: "; ") + " (\(problems.count) problems)"
    }
}

/// The parameters of a `stop` whose parameters do not all validate: each declared parameter's
/// value where it validated on its own (its default when unset), `nil` where it did not.
///
/// An agent reads the parameters that name what it must stop (`context.parameters.value(\.iqn)`)
/// and stops that, or fails when one of them is `nil`: a stop that cannot tell what to stop
/// must not report it stopped.
public struct PartialParameterValues<Declarations: ParameterDeclarations> {
    let declarations: Declarations
    let values: [String: Any]

    /// Resolves every parameter of `raw` on its own.
    public init(_ raw: [String: String]) {
        let resolution = ParameterValues<Declarations>.Resolution(raw)
        declarations = resolution.declarations
        values = resolution.values
    }

    /// The parameter's value, or `nil` when it did not validate.
    public func value<Value>(_ keyPath: KeyPath<Declarations, Parameter<Value>>) -> Value? {
        values[declarations[keyPath: keyPath].spec.name] as? Value
    }
}
