import CHalo
import Glibc

/// Runs programs with `posix_spawn(3)`: an argv array, an explicit environment, a deadline,
/// bounded capture of both output streams, and the exit status or signal reported.
///
/// The child starts in a process group of its own with default signal dispositions and an
/// empty signal mask; every descriptor but 0–2 is closed in it. When the deadline passes the
/// whole group gets `SIGTERM`, then `SIGKILL` after `killGracePeriod`; a process that survives
/// even that (uninterruptible sleep, typically stuck I/O) is reported as `.abandoned`, so the
/// caller is never blocked past its deadline plus two grace periods.
///
/// `run` ignores `SIGPIPE` in the calling process, so a child that closes its standard input
/// early is an `EPIPE` on our side rather than the end of the agent.
public struct ProcessRunner: Sendable {
    /// Time between `SIGTERM` and `SIGKILL`, and after `SIGKILL` before giving up on the child.
    public var killGracePeriod: Duration
    /// After the child exits, how long to keep reading output that a grandchild may still hold
    /// open, before closing our ends.
    public var drainAfterExit: Duration

    public init(killGracePeriod: Duration = .milliseconds(500), drainAfterExit: Duration = .milliseconds(200)) {
        self.killGracePeriod = killGracePeriod
        self.drainAfterExit = drainAfterExit
    }

    /// Runs `command` to completion or until `deadline`.
    ///
    /// - Returns: the termination, the captured output and whether the deadline ended it.
    /// - Throws: `SpawnError.notFound` / `.notExecutable` when the program cannot be started
    ///   (callers map these to OCF "not installed"), `.system` when a pipe or spawn call fails.
    public func run(_ command: Command, deadline: Deadline) throws(SpawnError) -> ProcessResult {
        signal(SIGPIPE, SIG_IGN)
        let start = ContinuousClock.now
        let path = try Self.resolve(command)
        var session = try Session(command: command, path: path)
        defer { session.closeAll() }
        try session.supervise(deadline: deadline, grace: killGracePeriod, drain: drainAfterExit)
        return ProcessResult(
            command: command, termination: session.termination ?? .abandoned,
            standardOutput: session.output.bytes, standardError: session.error.bytes,
            isOutputTruncated: session.output.isTruncated, isErrorTruncated: session.error.isTruncated,
            timedOut: session.timedOut, duration: start.duration(to: .now))
    }

    /// Starts `command` in a session of its own, with standard input, output and error on
    /// /dev/null, and does not wait for it: for work that must outlive the agent (a portal's
    /// later announcements). Nothing it inherits can hold the executor's pipes open.
    ///
    /// The process is still this one's child: a caller that lives on (a test, a daemon) ends it
    /// with `endDetached`, which reaps it, or it stays a zombie until the caller exits (and a
    /// zombie makes anything waiting for "any child" spin).
    ///
    /// - Returns: the process id (also its process group's).
    public func launchDetached(_ command: Command) throws(SpawnError) -> Int32 {
        let path = try Self.resolve(command)
        return try Spawner.spawnDetached(path: path, command: command).get()
    }

    /// Ends a process `launchDetached` started — `SIGKILL` to its whole process group, whether it
    /// still runs or has exited — and reaps it.
    public func endDetached(_ pid: Int32) {
        _ = try? Syscall.kill(-pid, SIGKILL)
        _ = try? Syscall.waitpid(pid, 0)
    }

    /// The absolute path of the program: `executable` itself when it contains a slash, else the
    /// first executable match in the `PATH` of the command's own environment.
    static func resolve(_ command: Command) throws(SpawnError) -> String {
        if command.executable.contains("/") { return command.executable }
        let searchPath = command.environment["PATH"] ?? Command.minimalEnvironment["PATH"]!
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command.executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw .notFound(executable: command.executable)
    }
}

/// One output stream of the child, read into a bounded buffer.
struct OutputCollector {
    var fd: Int32
    let limit: Int
    var bytes: [UInt8] = []
    var isTruncated = false
    var isOpen: Bool { fd >= 0 }

    init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
    }

    /// Reads what is available; closes the descriptor at end of file.
    mutating func readAvailable() throws(SpawnError) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count: Int
        do {
            count = try Syscall.read(fd, into: &chunk)
        } catch {
            if error == .tryAgain { return }
            throw .system(operation: "read from child", error)
        }
        if count == 0 {
            close()
            return
        }
        let room = max(limit - bytes.count, 0)
        bytes.append(contentsOf: chunk[0..<min(count, room)])
        if count > room { isTruncated = true }
    }

    mutating func close() {
        if fd >= 0 { Syscall.close(fd) }
        fd = -1
    }
}

/// The state of one running child: its descriptors, what was written and read, and how far
/// its termination has progressed.
struct Session {
    let command: Command
    let pid: pid_t
    var pidfd: Int32
    var output: OutputCollector
    var error: OutputCollector
    var inputFD: Int32
    var input: [UInt8]
    var inputOffset = 0
    var termination: Termination?
    var timedOut = false

    init(command: Command, path: String) throws(SpawnError) {
        self.command = command
        let stdout: (read: Int32, write: Int32)
        let stderr: (read: Int32, write: Int32)
        var stdin: (read: Int32, write: Int32)? = nil
        do {
            stdout = try Syscall.pipe()
            stderr = try Syscall.pipe()
            if command.standardInput != nil { stdin = try Syscall.pipe() }
        } catch {
            throw .system(operation: "pipe", error)
        }
        let spawned: Result<pid_t, SpawnError> = Spawner.spawn(
            path: path, command: command, stdin: stdin?.read, stdout: stdout.write, stderr: stderr.write)
        Syscall.close(stdout.write)
        Syscall.close(stderr.write)
        if let stdin { Syscall.close(stdin.read) }
        switch spawned {
        case .failure(let failure):
            Syscall.close(stdout.read)
            Syscall.close(stderr.read)
            if let stdin { Syscall.close(stdin.write) }
            throw failure
        case .success(let pid):
            self.pid = pid
        }
        output = OutputCollector(fd: stdout.read, limit: command.outputLimit)
        error = OutputCollector(fd: stderr.read, limit: command.outputLimit)
        input = command.standardInput ?? []
        inputFD = stdin?.write ?? -1
        pidfd = -1
        if inputFD >= 0 {
            _ = try? Syscall.fcntl(inputFD, F_SETFL, O_NONBLOCK)
            if input.isEmpty { closeInput() }
        }
        do {
            pidfd = try Syscall.pidfdOpen(pid)
        } catch {
            // The child is ours and unreaped, so pidfd_open can only fail for lack of
            // resources or kernel support; end the child rather than leave it unsupervised.
            _ = try? Syscall.kill(-pid, SIGKILL)
            _ = try? Syscall.waitpid(pid, 0)
            throw .system(operation: "pidfd_open", error)
        }
    }

    /// Polls the child's streams and its pidfd until it has exited and its output is drained,
    /// escalating signals as the deadline and the grace periods pass.
    mutating func supervise(deadline: Deadline, grace: Duration, drain: Duration) throws(SpawnError) {
        var supervision = Supervision(deadline: deadline, grace: grace, drain: drain)
        while let wake = supervision.nextWake(for: &self, now: .now) {
            var fds = pollDescriptors()
            do {
                _ = try Syscall.poll(&fds, wake.pollTimeout())
            } catch {
                throw .system(operation: "poll", error)
            }
            for entry in fds where entry.revents != 0 { try handle(readyDescriptor: entry.fd) }
            supervision.noteProgress(of: self)
        }
    }

    /// What to poll: the open output streams, the input while there is some left, and the
    /// pidfd until the child has exited.
    func pollDescriptors() -> [pollfd] {
        var fds: [pollfd] = []
        if output.isOpen { fds.append(pollfd(fd: output.fd, events: Int16(POLLIN), revents: 0)) }
        if error.isOpen { fds.append(pollfd(fd: error.fd, events: Int16(POLLIN), revents: 0)) }
        if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
        if termination == nil { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
        return fds
    }

    /// Reads, writes or reaps for one descriptor that `poll` reported ready.
    mutating func handle(readyDescriptor fd: Int32) throws(SpawnError) {
        if fd == output.fd { try output.readAvailable() }
        else if fd == error.fd { try error.readAvailable() }
        else if fd == inputFD { writeInput() }
        else if fd == pidfd {
            try reap()
            // A timed-out leader is gone; whatever else it started in its group goes too.
            if termination != nil && timedOut { _ = try? Syscall.kill(-pid, SIGKILL) }
        }
    }

    /// Collects the exit status once the pidfd says the child has exited.
    mutating func reap() throws(SpawnError) {
        let reaped: (pid: pid_t, status: Int32)
        do {
            reaped = try Syscall.waitpid(pid, WNOHANG)
        } catch {
            throw .system(operation: "waitpid", error)
        }
        guard reaped.pid == pid else { return }
        let status = reaped.status
        if halo_wifexited(status) != 0 {
            termination = .exited(halo_wexitstatus(status))
        } else if halo_wifsignaled(status) != 0 {
            termination = .signaled(halo_wtermsig(status), coreDumped: halo_wcoredump(status) != 0)
        }
        closeInput()
    }

    /// Writes as much of the remaining standard input as the pipe takes.
    mutating func writeInput() {
        while inputOffset < input.count {
            let written: Int
            do {
                written = try Syscall.write(inputFD, input, from: inputOffset)
            } catch {
                if error == .tryAgain { return }
                closeInput()  // EPIPE: the child closed its standard input; it keeps running.
                return
            }
            inputOffset += written
        }
        closeInput()
    }

    mutating func closeInput() {
        if inputFD >= 0 { Syscall.close(inputFD) }
        inputFD = -1
    }

    mutating func closeAll() {
        output.close()
        error.close()
        closeInput()
        if pidfd >= 0 { Syscall.close(pidfd) }
        pidfd = -1
    }
}

/// How far the end of a child has progressed: the signals sent as its deadline and grace
/// periods pass, and the drain of its output after it exited. `ProcessRunner.run` and
/// `ChildProcess` (driven by a caller's event loop) share it.
struct Supervision {
    enum Phase { case running, terminating(since: ContinuousClock.Instant), killed(since: ContinuousClock.Instant) }

    let deadline: Deadline
    let grace: Duration
    let drain: Duration
    var phase = Phase.running
    var drainDeadline: Deadline?

    /// Sends what the time calls for, and returns when `session` must be looked at again at
    /// the latest; nil when it is finished (exited and drained, or abandoned after `SIGKILL`).
    mutating func nextWake(for session: inout Session, now: ContinuousClock.Instant) -> Deadline? {
        while true {
            if session.termination != nil {
                if !session.output.isOpen && !session.error.isOpen { return nil }
                if let drainDeadline, drainDeadline.hasPassed(now: now) { return nil }
                return drainDeadline ?? Deadline.after(drain, now: now)
            }
            switch phase {
            case .running:
                if deadline.hasPassed(now: now) {
                    session.timedOut = true
                    _ = try? Syscall.kill(-session.pid, SIGTERM)
                    phase = .terminating(since: now)
                    continue
                }
                return deadline
            case .terminating(let since):
                if now >= since + grace {
                    _ = try? Syscall.kill(-session.pid, SIGKILL)
                    phase = .killed(since: now)
                    continue
                }
                return Deadline(since + grace)
            case .killed(let since):
                if now >= since + grace { return nil }  // unkillable: abandoned
                return Deadline(since + grace)
            }
        }
    }

    /// After the session handled I/O: once it has exited, the drain of its output starts.
    mutating func noteProgress(of session: borrowing Session) {
        if session.termination != nil && drainDeadline == nil { drainDeadline = Deadline.after(drain) }
    }
}
