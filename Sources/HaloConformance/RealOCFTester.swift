import HaloSystem

/// Runs resource-agents' real `ocf-tester` against an agent, for integration tests wherever
/// the agent can really run (host namespaces, the VM lab).
public struct RealOCFTester: Sendable {
    public var executable: String
    public var runner = ProcessRunner()

    public init(executable: String = "/usr/sbin/ocf-tester") {
        self.executable = executable
    }

    /// Whether ocf-tester is installed.
    public var isAvailable: Bool { (try? FileSystem.info(executable).type) == .regular }

    /// What ocf-tester said.
    public struct Outcome: Sendable {
        /// ocf-tester printed "passed all tests" and exited 0.
        public let passed: Bool
        public let output: String
    }

    /// Runs `ocf-tester -n <instance> -o k=v … <agent>` with the agent's environment.
    public func run(_ agent: AgentUnderTest, deadline: Deadline = .after(.seconds(600))) throws(SpawnError) -> Outcome {
        var arguments = ["-n", agent.instance]
        for (name, value) in agent.parameters.sorted(by: { $0.key < $1.key }) {
            arguments += ["-o", "\(name)=\(value)"]
        }
        arguments.append(agent.path)
        var environment = Command.minimalEnvironment
        environment.merge(agent.environment) { $1 }
        environment["HA_LOGFACILITY"] = environment["HA_LOGFACILITY"] ?? "none"
        let result = try runner.run(agent.command(executable, arguments, environment: environment), deadline: deadline)
        let output = result.outputText + result.errorText
        return Outcome(passed: result.succeeded && output.contains("passed all tests"), output: output)
    }
}
