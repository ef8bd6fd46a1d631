/// How a child process ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    /// The process called exit with this status.
    case exited(Int32)
    /// The process was ended by this signal.
    case signaled(Int32, coreDumped: Bool)
    /// The process did not exit even after `SIGKILL` and a grace period (uninterruptible
    /// sleep, typically stuck I/O); it was left behind unreaped.
    case abandoned

    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signaled(let signal, let core): "signal \(signal)\(core ? " (core dumped)" : "")"
        case .abandoned: "did not exit after SIGKILL (left behind, likely stuck in uninterruptible sleep)"
        }
    }
}

/// What a finished child process left behind.
public struct ProcessResult: Sendable, Hashable {
    public let command: Command
    public let termination: Termination
    public let standardOutput: [UInt8]
    public let standardError: [UInt8]
    /// More than `Command.outputLimit` bytes were written to standard output; the rest was dropped.
    public let isOutputTruncated: Bool
    /// More than `Command.outputLimit` bytes were written to standard error; the rest was dropped.
    public let isErrorTruncated: Bool
    /// The deadline passed and the runner ended the process group.
    public let timedOut: Bool
    public let duration: Duration

    public init(command: Command, termination: Termination, standardOutput: [UInt8], standardError: [UInt8],
                isOutputTruncated: Bool, isErrorTruncated: Bool, timedOut: Bool, duration: Duration) {
        self.command = command
        self.termination = termination
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.isOutputTruncated = isOutputTruncated
        self.isErrorTruncated = isErrorTruncated
        self.timedOut = timedOut
        self.duration = duration
    }

    /// Whether the process exited with status 0 before the deadline.
    public var succeeded: Bool { !timedOut && termination == .exited(0) }

    /// Standard output decoded as UTF-8 (invalid sequences replaced).
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    /// Standard error decoded as UTF-8 (invalid sequences replaced).
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }

    /// The exit status, or `nil` when the process was ended by a signal.
    public var exitStatus: Int32? {
        if case .exited(let status) = termination { return status }
        return nil
    }
}

/// Why a process could not be started.
public enum SpawnError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No executable file of that name exists (in `PATH`, for a bare name).
    case notFound(executable: String)
    /// The file exists but may not be executed (`EACCES`, `ENOEXEC`).
    case notExecutable(executable: String, Errno)
    /// A system call needed to start or supervise the process failed.
    case system(operation: String, Errno)

    public var description: String {
        switch self {
        case .notFound(let executable): "\(executable): not found"
        case .notExecutable(let executable, let errno): "\(executable): cannot execute: \(errno)"
        case .system(let operation, let errno): "\(operation) failed: \(errno)"
        }
    }
}
