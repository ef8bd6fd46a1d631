import HaloSystem

/// One agent as the multi-call binary knows it.
///
/// Building an entry costs nothing: only the agent that runs builds its description (parameter
/// tables, generic metadata); the others are never touched.
public struct AgentEntry: Sendable {
    public let name: String
    let describeShortly: @Sendable () -> String
    let run: @Sendable ([String], [String: String]) -> Never
    let metadata: @Sendable () -> String
    let describe: @Sendable () -> String
    let loadsSharedLibraries: @Sendable (String) -> Bool

    public var shortDescription: String { describeShortly() }

    /// The entry for `agent`.
    public init<Agent: ResourceAgent>(_ agent: Agent.Type) {
        name = Agent.name
        describeShortly = { Agent.description.shortDescription }
        run = { arguments, environment in
            AgentRunner.main(agent, arguments: arguments, environment: environment, reader: .thisExecutable)
        }
        metadata = { AgentRunner.metadata(agent) }
        describe = { AgentRunner.describe(agent) }
        loadsSharedLibraries = { OCFAction(rawValue: $0).map(Agent.loadsSharedLibraries) ?? false }
    }
}

/// `halo-agent`: every agent in one executable, chosen by the name it is invoked as
/// (`/usr/lib/ocf/resource.d/halo/portal` → `portal`), or as `halo-agent <agent> <action>`.
/// Invoked as `halo-bounded-read`, it is the child an agent reads device blocks in
/// (`BoundedReader`): every executable built on `MultiCall` serves its own agents' reads.
public enum MultiCall {
    /// Dispatches and never returns.
    ///
    /// - Parameter programName: the binary's own name; invoked under any other name that is not
    ///   an agent, it answers "not installed".
    /// - Parameter commands: internal sub-commands (`halo-agent <command> …`) that are not
    ///   agents, e.g. the portal's background announcer; also run when invoked under their
    ///   name (a symbolic link named like the command).
    /// - Parameter dynamicTwin: the file name, in this executable's directory, of the same
    ///   agents linked dynamically. When this process is statically linked, an action that
    ///   loads shared libraries (`ResourceAgent.loadsSharedLibraries`) is handed to the twin
    ///   with `execv(2)`: same process id, environment and descriptors, so Pacemaker sees one
    ///   process and one exit code.
    public static func main(
        agents: [AgentEntry], commands: [String: @Sendable ([String]) -> Never] = [:], arguments: [String],
        environment: [String: String], programName: String = "halo-agent", dynamicTwin: String? = nil
    ) -> Never {
        let invokedAs = String((arguments.first ?? programName).split(separator: "/").last ?? "")
        if invokedAs == BoundedReader.programName { BoundedReader.serveChild(arguments) }
        if let agent = agents.first(where: { $0.name == invokedAs }) {
            run(agent, Array(arguments.dropFirst()), environment, dynamicTwin: dynamicTwin)
        }
        if let command = commands[invokedAs] {
            // A command installed under its own name (DRBD's usermode helper: the kernel runs a
            // path, with no room for a sub-command word).
            command([invokedAs] + arguments.dropFirst())
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
            run(agent, Array(rest.dropFirst()), environment, dynamicTwin: dynamicTwin)
        }
    }

    /// Runs `agent` here, or hands the action to the dynamic twin (see `main`).
    static func run(_ agent: AgentEntry, _ arguments: [String], _ environment: [String: String],
                    dynamicTwin: String?) -> Never {
        if let dynamicTwin, let action = arguments.first, agent.loadsSharedLibraries(action),
           CurrentProcess.isStaticallyLinked {
            let twin: String
            do {
                let own = try CurrentProcess.executablePath()
                twin = String(own[..<(own.lastIndex(of: "/") ?? own.startIndex)]) + "/" + dynamicTwin
            } catch {
                fail(.notInstalled, "\(agent.name) \(action) needs \(dynamicTwin), and /proc/self/exe is unreadable (\(error))")
            }
            let failure = CurrentProcess.replace(with: twin, arguments: [twin, agent.name] + arguments)
            fail(.notInstalled, "\(agent.name) \(action) loads a shared library, so the statically linked halo-agent "
                 + "hands it to \(twin), which cannot run (\(failure)): reinstall halo")
        }
        agent.run(arguments, environment)
    }

    static func fail(_ code: OCFExitCode, _ reason: String) -> Never {
        StandardStream.error.write("ocf-exit-reason:\(reason)\n")
        CurrentProcess.exit(code.rawValue)
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
