/// Something wrong with the parameters of one invocation.
public struct ParameterProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Error, Sendable, Hashable {
        /// A required parameter is not set.
        case missing
        /// The value does not parse.
        case invalid(value: String, ValueProblem)
        /// `OCF_RESKEY_<name>` names no declared parameter (usually a typo).
        case unknown
        /// A deprecated parameter and its replacement are both set, to different values.
        case conflictsWithReplacement(replacement: String)
    }

    public let parameter: String
    public let kind: Kind
    /// The value is private: it is left out of the description.
    public let isPrivate: Bool

    public init(parameter: String, kind: Kind, isPrivate: Bool) {
        self.parameter = parameter
        self.kind = kind
        self.isPrivate = isPrivate
    }

    /// One sentence for the exit reason and the log; never contains a private value.
    public var description: String {
        switch kind {
        case .missing:
            "required parameter \(parameter) is not set"
        case .invalid(let value, let problem):
            isPrivate
                ? "parameter \(parameter) \(problem.message) (value not shown: private)"
                : "parameter \(parameter)=\(Self.quoted(value)) \(problem.message)"
        case .unknown:
            "unknown parameter \(parameter) (a typo, or a parameter of a newer halo? see the agent's meta-data)"
        case .conflictsWithReplacement(let replacement):
            "deprecated parameter \(parameter) and its replacement \(replacement) are both set, differently"
        }
    }

    /// A value shown safely on one line: control characters escaped, long values cut.
    public static func quoted(_ value: String) -> String {
        var shown = ""
        for scalar in value.unicodeScalars.prefix(60) {
            shown += scalar.properties.generalCategory == .control
                ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "'\(shown)\(value.unicodeScalars.count > 60 ? "…" : "")'"
    }
}
