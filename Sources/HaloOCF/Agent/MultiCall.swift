import HaloSystem

/// One agent as the multi-call binary knows it.
public struct AgentEntry: Sendable {
    public let name: String
    public let shortDescription: String
    let run: @Sendable ([String], [String: String]) -> Never
    let metadata: @Sendable () -> String
    let describe: @Sendable () -> String

    /// The entry for `agent`.
    public init<Agent: ResourceAgent>(_ agent: Agent.Type) {
        name = Agent.description.name
        shortDescription = Agent.description.shortDescription
        run = { arguments, environment in AgentRunner.main(agent, arguments: arguments, environment: environment) }
        metadata = { AgentRunner.metadata(agent) }
        describe = { AgentRunner.describe(agent) }
    }
}

/// `halo-agent`: every agent in one executable, chosen by the name it is invoked as
/// (`/usr/lib/ocf/resource.d/halo/portal` → `portal`), or as `halo-agent <agent> <action>`.
public enum MultiCall {
    /// Dispatches and never returns.
    ///
    /// - Parameter programName: the binary's own name; invoked under any other name that is not
    ///   an agent, it answers "not installed".
    /// - Parameter commands: internal sub-commands (`halo-agent <command> …`) that are not
    ///   agents, e.g. the portal's background announcer.
    public static func main(
        agents: [AgentEntry], commands: [String: @Sendable ([String]) -> Never] = [:], arguments: [String],
        environment: [String: String], programName: String = "halo-agent"
    ) -> Never {
        let invokedAs = String((arguments.first ?? programName).split(separator: "/").last ?? "")
        if let agent = agents.first(where: { $0.name == invokedAs }) {
            agent.run(Array(arguments.dropFirst()), environment)
        }
        if invokedAs != programName {
            // Installed under a name that is no agent of this build: for Pacemaker, "not installed".
            StandardStream.error.write("ocf-exit-reason:halo has no agent named \(invokedAs)\n")
            CurrentProcess.exit(OCFExitCode.notInstalled.rawValue)
        }
        let rest = Array(arguments.dropFirst())
        switch rest.first {
        case nil, "-h", "--help", "help":
            StandardStream.output.write(help(agents, programName: programName))
            CurrentProcess.exit(rest.isEmpty ? 2 : 0)
        case "--version", "version":
            StandardStream.output.write("\(programName) \(AgentRunner.haloVersion)\n")
            CurrentProcess.exit(0)
        case "list":
            StandardStream.output.write(agents.map { $0.name + "\n" }.joined())
            CurrentProcess.exit(0)
        case "describe":
            guard rest.count == 2, let agent = agents.first(where: { $0.name == rest[1] }) else {
                StandardStream.error.write("usage: \(programName) describe <agent>   (agents: \(names(agents)))\n")
                CurrentProcess.exit(2)
            }
            StandardStream.output.write(agent.describe())
            CurrentProcess.exit(0)
        case let name? where commands[name] != nil:
            commands[name]!(rest)
        case let name?:
            guard let agent = agents.first(where: { $0.name == name }) else {
                StandardStream.error.write("\(programName): no agent named \(name) (agents: \(names(agents)))\n")
                CurrentProcess.exit(OCFExitCode.notInstalled.rawValue)
            }
            agent.run(Array(rest.dropFirst()), environment)
        }
    }

    static func names(_ agents: [AgentEntry]) -> String {
        agents.isEmpty ? "none in this build" : agents.map(\.name).joined(separator: ", ")
    }

    static func help(_ agents: [AgentEntry], programName: String) -> String {
        var text = """
            \(programName) \(AgentRunner.haloVersion): halo's OCF resource agents in one executable.

            usage: \(programName) <agent> <action>      run an action (Pacemaker runs the agent
                                                    through /usr/lib/ocf/resource.d/halo/<agent>)
                   \(programName) list                  the agents, one per line
                   \(programName) describe <agent>      the agent's parameters and actions as JSON
                   \(programName) --version

            agents:

            """
        if agents.isEmpty { text += "  (none in this build)\n" }
        let width = agents.map(\.name.count).max() ?? 0
        for agent in agents {
            text += "  \(agent.name)\(String(repeating: " ", count: width - agent.name.count))  \(agent.shortDescription)\n"
        }
        return text
    }
}
