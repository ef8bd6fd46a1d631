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
    /// An empty value counts as not set. Names in `ignoredNames` (resource-agents' tracing
    /// parameters) are accepted and ignored.
    public static func validate(_ raw: [String: String]) -> Result<Self, ParameterProblems> {
        let (declarations, parameters) = Declarations.recorded()
        let set = raw.filter { !$0.value.isEmpty }
        var values: [String: Any] = [:]
        var problems: [ParameterProblem] = []
        var warnings: [String] = []
        var explicitlySet = Set<String>()
        let declared = Set(parameters.map(\.spec.name))

        for name in set.keys.sorted() where !declared.contains(name) && !ignoredNames.contains(name) {
            problems.append(ParameterProblem(parameter: name, kind: .unknown, isPrivate: false))
        }
        for parameter in parameters {
            let spec = parameter.spec
            var rawValue = set[spec.name]
            if rawValue != nil { explicitlySet.insert(spec.name) }
            if let deprecation = spec.deprecation, set[spec.name] != nil {
                warnings.append("parameter \(spec.name) is deprecated"
                    + (deprecation.replacedBy.map { ": use \($0)" } ?? "") + ". \(deprecation.note)")
            }
            // A deprecated parameter stands in for its replacement when that one is unset.
            for old in parameters where old.spec.deprecation?.replacedBy == spec.name {
                guard let oldValue = set[old.spec.name] else { continue }
                if let rawValue, rawValue != oldValue {
                    problems.append(ParameterProblem(
                        parameter: old.spec.name, kind: .conflictsWithReplacement(replacement: spec.name),
                        isPrivate: spec.isPrivate || old.spec.isPrivate))
                }
                rawValue = rawValue ?? oldValue
            }
            switch parameter.resolve(rawValue) {
            case .success(let value): values[spec.name] = value
            case .failure(let kind):
                problems.append(ParameterProblem(parameter: spec.name, kind: kind, isPrivate: spec.isPrivate))
            }
        }
        if !problems.isEmpty { return .failure(ParameterProblems(problems: problems)) }
        return .success(ParameterValues(declarations: declarations, values: values, explicitlySet: explicitlySet,
                                        warnings: warnings))
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
