import DRBDAgent
import HaloFacts
import HaloOCF
import LIOAgent
import LuksAgent
import PortalAgent
import SCSTAgent

/// The agents this build installs, and the internal commands they need.
enum Agents {
    static let all: [AgentEntry] = [
        AgentEntry(DRBDAgent.self),
        AgentEntry(LIOAgent.self),
        AgentEntry(LuksAgent.self),
        AgentEntry(PortalAgent.self),
        AgentEntry(SCSTAgent.self),
    ]

    static let commands: [String: @Sendable ([String]) -> Never] = [
        PortalAgent.announcerCommand: PortalAgent.runAnnouncer,
        FencePeerCommand.fenceCommand: FencePeerCommand.main,
        FencePeerCommand.unfenceCommand: FencePeerCommand.main,
        StateCommand.name: StateCommand.main,
        RoleCommand.name: RoleCommand.main,
        ReconnectCommand.name: ReconnectCommand.main,
        HelperCommand.name: HelperCommand.main,
        FactsCommand.name: FactsCommand.main,
    ]
}
