import HaloOCF

/// What the runner reads from an agent's meta-data XML: its actions and parameters.
struct AgentMetadata: Sendable {
    struct Action: Sendable, Hashable {
        let name: String
        let timeout: Duration?
        let interval: Duration?
        let depth: Int?
        let role: String?
    }

    struct ParameterInfo: Sendable, Hashable {
        let name: String
        let type: String
        let isRequired: Bool
    }

    let xml: String
    let ocfVersion: String?
    let actions: [Action]
    let parameters: [ParameterInfo]

    init(xml: String) {
        self.xml = xml
        ocfVersion = xml.firstMatch(of: #/<version>\s*([^<]*?)\s*</version>/#).map { String($0.1) }
        actions = xml.matches(of: #/<action\s([^>]*?)/?>/#).map { match in
            let attributes = Self.attributes(String(match.1))
            return Action(
                name: attributes["name"] ?? "", timeout: attributes["timeout"].flatMap(DurationText.parse),
                interval: attributes["interval"].flatMap(DurationText.parse),
                depth: attributes["depth"].flatMap { Int($0) }, role: attributes["role"])
        }
        parameters = xml.matches(of: #/(?s)<parameter\s([^>]*)>(.*?)</parameter>/#).map { match in
            let attributes = Self.attributes(String(match.1))
            let content = String(match.2).firstMatch(of: #/<content\s([^>]*?)/?>/#).map { Self.attributes(String($0.1)) } ?? [:]
            return ParameterInfo(name: attributes["name"] ?? "", type: content["type"] ?? "string",
                                 isRequired: attributes["required"] == "1")
        }
    }

    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for match in text.matches(of: #/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/#) {
            result[String(match.1)] = String(match.2 ?? match.3 ?? "")
        }
        return result
    }

    func declares(_ action: String) -> Bool { actions.contains { $0.name == action } }

    var isPromotable: Bool { declares("promote") && declares("demote") }

    /// The declared timeout of `action`; for monitor, of the monitor for `role` (or any).
    func timeout(_ action: String, role: String? = nil) -> Duration {
        let candidates = actions.filter { $0.name == action }
        let match = candidates.first { $0.role == role } ?? candidates.first
        return match?.timeout ?? .seconds(20)
    }

    /// The recurring interval recommended for monitor in `role` (or any), 10 s if none.
    func monitorInterval(role: String?) -> Duration {
        let monitors = actions.filter { $0.name == "monitor" }
        return (monitors.first { $0.role == role } ?? monitors.first)?.interval ?? .seconds(10)
    }

    /// Depths declared on monitor actions.
    var monitorDepths: [Int] { Array(Set(actions.filter { $0.name == "monitor" }.compactMap(\.depth))).sorted() }
}
