/// Why a JSON document is not a node's facts or a finding (`NodeFacts(json:)`,
/// `HealthFinding(json:)`): where, and what is wrong there.
public struct FactsDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The member's path, `$.drbd.value[0].role`.
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
