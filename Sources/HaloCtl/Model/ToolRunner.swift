import HaloSystem

/// Runs the cluster's tools for haloctl: argv arrays (never a shell), a deadline each, and a
/// minimal environment; several side by side when they are independent.
public struct ToolRunner: Sendable {
    public var runner = ProcessRunner()
    /// Where Pacemaker's and DRBD's tools live (Debian: /usr/sbin).
    public var directory: String
    /// Variables added to the tools' environment.
    public var environment: [String: String]
    /// A command the tools run under (`nsenter -t PID -n -m -u` reaches a node in a network
    /// namespace, for the tests).
    public var prefix: [String]

    public init(directory: String = "/usr/sbin", environment: [String: String] = [:], prefix: [String] = []) {
        self.directory = directory
        self.environment = environment
        self.prefix = prefix
    }

    public func command(_ tool: String, _ arguments: [String], input: String? = nil) -> Command {
        var environment = Command.minimalEnvironment
        for (key, value) in self.environment { environment[key] = value }
        let path = tool.contains("/") ? tool : "\(directory)/\(tool)"
        // A large cluster's CIB runs to megabytes; a truncated document is refused by the parser.
        let argv = prefix + [path] + arguments
        return Command(argv[0], Array(argv.dropFirst()), environment: environment, standardInput: input.map { Array($0.utf8) },
                       outputLimit: 64 << 20)
    }

    /// Runs one tool.
    public func run(_ tool: String, _ arguments: [String], input: String? = nil, deadline: Deadline) -> Result<ProcessResult, SpawnError> {
        runAll([command(tool, arguments, input: input)], deadline: deadline)[0]
    }

    public func runAll(_ commands: [Command], deadline: Deadline) -> [Result<ProcessResult, SpawnError>] {
        runner.runAll(commands, deadline: deadline)
    }
}

extension Result where Success == ProcessResult, Failure == SpawnError {
    /// The result of a tool that must succeed; otherwise an error naming the tool and its first
    /// line of complaint.
    func requireSuccess(_ what: String) throws(HaloctlError) -> ProcessResult {
        switch self {
        case .failure(let error):
            throw HaloctlError("\(what): \(error)")
        case .success(let result):
            if result.timedOut { throw HaloctlError("\(what) did not finish in time") }
            guard result.succeeded else {
                let reason = result.errorText.split(separator: "\n").first.map(String.init) ?? "exit \(result.termination)"
                throw HaloctlError("\(what) failed: \(reason)")
            }
            return result
        }
    }
}
