import HaloOCF
import HaloSystem

/// Runs an agent executable the way Pacemaker would, for tests: one action, an environment
/// built from parameters, the result and its exit reason.
public struct AgentProcess: Sendable {
    public let path: String
    public var instance: String
    public var environment: [String: String]
    /// A command the agent runs under (a namespace or the SCST model's `exec`).
    public var commandPrefix: [String]

    public init(path: String, instance: String = "test", environment: [String: String] = [:], commandPrefix: [String] = []) {
        self.path = path
        self.instance = instance
        self.environment = environment
        self.commandPrefix = commandPrefix
    }

    /// Runs `action` with `parameters` as `OCF_RESKEY_*` plus `extra` variables.
    public func run(_ action: String?, _ parameters: [String: String] = [:], extra: [String: String] = [:],
                    timeout: Duration = .seconds(30)) throws -> (code: Int32?, stdout: String, stderr: String, reason: String?) {
        var variables = Command.minimalEnvironment
        variables["OCF_ROOT"] = "/usr/lib/ocf"
        variables["OCF_RESOURCE_INSTANCE"] = instance
        variables["HA_LOGFACILITY"] = "none"
        variables.merge(environment) { $1 }
        for (name, value) in parameters { variables["OCF_RESKEY_\(name)"] = value }
        variables.merge(extra) { $1 }
        let arguments = action.map { [$0] } ?? []
        let command = commandPrefix.isEmpty ? Command(path, arguments, environment: variables)
            : Command(commandPrefix[0], Array(commandPrefix.dropFirst()) + [path] + arguments, environment: variables)
        let result = try ProcessRunner().run(command, deadline: .after(timeout))
        let reason = result.errorText.split(separator: "\n").last(where: { $0.hasPrefix("ocf-exit-reason:") })
            .map { String($0.dropFirst("ocf-exit-reason:".count)) }
        return (result.exitStatus, result.outputText, result.errorText, reason)
    }
}
