import HaloSystem

/// An agent to check, and how to run it.
public struct AgentUnderTest: Sendable {
    /// The agent executable, usually a symlink named after the agent (as installed under
    /// `/usr/lib/ocf/resource.d/halo/`).
    public var path: String
    /// `OCF_RESOURCE_INSTANCE`.
    public var instance: String
    /// A complete, valid set of parameters (`OCF_RESKEY_<name>`).
    public var parameters: [String: String]
    /// Further environment for every action (e.g. `HA_RSCTMP`); `PATH` and the OCF variables
    /// are set by the runner.
    public var environment: [String: String]
    /// Parameter sets that must be refused, beyond the ones the runner derives from the
    /// agent's own description (agents add their domain errors: a bad address, a bad IQN).
    public var invalidParameterSets: [InvalidParameters]
    /// A command every action runs under, e.g. `["ip", "netns", "exec", "ns1"]` to run the agent
    /// inside a network namespace.
    public var commandPrefix: [String]

    public init(path: String, instance: String, parameters: [String: String],
                environment: [String: String] = [:], invalidParameterSets: [InvalidParameters] = [],
                commandPrefix: [String] = []) {
        self.path = path
        self.instance = instance
        self.parameters = parameters
        self.environment = environment
        self.invalidParameterSets = invalidParameterSets
        self.commandPrefix = commandPrefix
    }

    /// The command that runs `arguments` through the prefix.
    func command(_ executable: String, _ arguments: [String], environment: [String: String]) -> Command {
        guard let first = commandPrefix.first else { return Command(executable, arguments, environment: environment) }
        return Command(first, Array(commandPrefix.dropFirst()) + [executable] + arguments, environment: environment)
    }
}

/// A parameter set that an agent must refuse with "not configured" (6) or "invalid
/// argument" (2), and an exit reason.
public struct InvalidParameters: Sendable, Hashable {
    /// What is wrong, for the report.
    public let label: String
    /// The complete parameter set to try.
    public let parameters: [String: String]

    public init(_ label: String, _ parameters: [String: String]) {
        self.label = label
        self.parameters = parameters
    }
}

/// One action run by the runner, and what came of it.
public struct ActionRun: Sendable {
    public let action: String
    public let code: Int32?
    public let result: ProcessResult
    /// The last `ocf-exit-reason:` line's text, as Pacemaker would record it.
    public let exitReason: String?

    init(action: String, result: ProcessResult) {
        self.action = action
        self.result = result
        code = result.exitStatus
        exitReason = Self.exitReason(in: result.errorText)
    }

    /// The text after the last `ocf-exit-reason:` prefix, up to the end of its line.
    public static func exitReason(in standardError: String, prefix: String = "ocf-exit-reason:") -> String? {
        guard let line = standardError.split(separator: "\n").last(where: { $0.contains(prefix) }) else { return nil }
        let text = line[line.range(of: prefix)!.upperBound...]
        return String(text)
    }

    /// How the run ended, for a report line.
    public var summary: String {
        var text = "\(action) → \(result.timedOut ? "timed out" : result.termination.description)"
        if let exitReason { text += " (\(exitReason))" }
        return text
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
