import CHalo
import Glibc

/// The `posix_spawn(3)` call and the C arrays it needs, kept apart from supervision.
enum Spawner {
    /// `POSIX_SPAWN_SETSID` (glibc ≥ 2.26), which Swift's Glibc module does not export.
    static let newSessionFlag: Int32 = 0x80

    /// Signals reset to their default disposition in the child, whatever the agent's own
    /// dispositions are (Pacemaker's executor, and `run` itself, ignore some of them).
    static let signalsResetInChild: [Int32] = [
        SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2, SIGXFSZ,
    ]

    static func spawnDetached(path: String, command: Command) -> Result<pid_t, SpawnError> {
        spawn(path: path, command: command, stdin: nil, stdout: nil, stderr: nil, newSession: true)
    }

    /// Spawns `path`; `nil` descriptors become /dev/null.
    static func spawn(
        path: String, command: Command, stdin: Int32?, stdout: Int32?, stderr: Int32?, newSession: Bool = false
    ) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let stdout {
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if let stderr {
            posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        halo_spawn_addclosefrom(&actions, 3)
        if let directory = command.workingDirectory { halo_spawn_addchdir(&actions, directory) }

        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in signalsResetInChild { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        // A new session is also a new process group; otherwise the child leads a group of its own.
        let grouping = newSession ? Self.newSessionFlag : Int32(POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setflags(&attributes, Int16(grouping | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([command.argumentZero ?? path] + command.arguments).map { strdup($0) } + [nil]
        let envp = command.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // argv[0] is the resolved path (the program still sees its own name through it), unless
        // the command names another.
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        if rc == 0 { return .success(pid) }
        let errno = Errno(rawValue: rc)
        switch errno {
        case .noSuchFile, .notDirectory: return .failure(.notFound(executable: path))
        case .permissionDenied, .noExecutableFormat: return .failure(.notExecutable(executable: path, errno))
        default: return .failure(.system(operation: "posix_spawn \(path)", errno))
        }
    }
}
