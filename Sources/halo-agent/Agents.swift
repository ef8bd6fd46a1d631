import HaloOCF
import LuksAgent

/// The agents this build installs. Each agent module under Agents/ adds its entry here.
enum Agents {
    static let all: [AgentEntry] = [
        AgentEntry(LuksAgent.self),
    ]
}
