import Foundation

/// `halo-agent describe <agent>`: the parameter constraints meta-data cannot carry (ranges,
/// the values of a select), used to derive invalid values.
struct AgentDescriptionJSON: Decodable, Sendable {
    struct Constraint: Decodable, Sendable {
        let kind: String
        let min: Int?
        let max: Int?
        let values: [String]?
    }

    struct ParameterDescription: Decodable, Sendable {
        let name: String
        let type: String
        let constraint: Constraint?
        let required: Bool
        let `private`: Bool
    }

    let name: String
    let monitorLevels: [Int]
    let validateLevels: [Int]
    let promotable: Bool
    let parameters: [ParameterDescription]

    static func decode(_ text: String) -> AgentDescriptionJSON? {
        try? JSONDecoder().decode(AgentDescriptionJSON.self, from: Data(text.utf8))
    }
}
