/// A program to run: an argv array and an explicit environment, never a shell.
///
/// ```swift
/// let result = try ProcessRunner().run(
///     Command("drbdsetup", ["events2", "--now", resource]), deadline: context.deadline)
/// ```
/// The child gets exactly `environment` (by default a minimal `PATH` and the C locale), so no
/// `OCF_RESKEY_*` value, and no secret, is ever inherited by a child process.
public struct Command: Sendable, Hashable, CustomStringConvertible {
    /// An absolute path, or a bare name looked up in the `PATH` of `environment`.
    public var executable: String
    /// Arguments after argv[0]. Each is passed to the program as one argument, verbatim.
    public var arguments: [String]
    /// The complete environment of the child.
    public var environment: [String: String]
    /// Bytes written to the child's standard input, which is then closed. `nil` means /dev/null.
    public var standardInput: [UInt8]?
    /// The most bytes kept from each of standard output and standard error; the rest is read
    /// and discarded, and the result says it was truncated.
    public var outputLimit: Int
    /// The child's working directory; `nil` keeps the caller's.
    public var workingDirectory: String?
    /// The name the program sees as argv[0]; `nil` passes the resolved path. A multi-call
    /// program chooses what to do by it (`BoundedReader` runs this very executable, through
    /// `/proc/self/exe`, as `halo-bounded-read`).
    public var argumentZero: String?

    /// The environment every child gets unless a caller adds to it.
    public static let minimalEnvironment: [String: String] = [
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL": "C",
        "LANG": "C",
    ]

    public init(
        _ executable: String, _ arguments: [String] = [],
        environment: [String: String] = Command.minimalEnvironment,
        standardInput: [UInt8]? = nil, outputLimit: Int = 1 << 20, workingDirectory: String? = nil,
        argumentZero: String? = nil
    ) {
        precondition(!executable.isEmpty, "a command needs an executable")
        precondition(outputLimit >= 0, "an output limit cannot be negative")
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.standardInput = standardInput
        self.outputLimit = outputLimit
        self.workingDirectory = workingDirectory
        self.argumentZero = argumentZero
    }

    /// The command line as a reader would type it, for logs. Arguments are quoted when they
    /// contain spaces; nothing here is ever passed to a shell.
    public var description: String {
        ([executable] + arguments).map { $0.contains(where: { $0 == " " || $0 == "\t" }) ? "'\($0)'" : $0 }
            .joined(separator: " ")
    }
}
