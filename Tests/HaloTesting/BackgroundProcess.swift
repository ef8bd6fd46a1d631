import Glibc
import HaloSystem

/// Starts a process the test reaps itself (`ProcessRunner` always waits for its children),
/// with default signal dispositions and an empty mask — as agents' children get them, not the
/// test runner's — and optionally its standard input open on `standardInputFile` (a process
/// that holds a device open).
public func spawnBackground(_ path: String, _ arguments: [String], standardInputFile: String? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let standardInputFile { posix_spawn_file_actions_addopen(&actions, 0, standardInputFile, O_RDONLY, 0) }
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let result = posix_spawn(&pid, path, &actions, &attributes, argv, nil)
    guard result == 0 else { throw Errno(rawValue: result) }
    return pid
}

/// Reaps a child; returns the signal that ended it, 0 when it exited, -1 when it was not ours.
@discardableResult
public func reapChild(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    guard waitpid(pid, &status, 0) == pid else { return -1 }
    return status & 0x7f
}
