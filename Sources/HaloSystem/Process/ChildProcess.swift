import Glibc

/// A child process supervised by the caller's own event loop, for a daemon that runs many
/// commands at once and must never block on one (halod's fence agents).
///
/// ```swift
/// var child = try ProcessRunner().start(Command("fence_ipmilan", standardInput: options), deadline: .after(.seconds(60)))
/// while let wake = child.nextWake() {
///     var fds = child.pollDescriptors()          // poll these among the loop's own
///     poll(&fds, …, wake)
///     for fd in fds where fd.revents != 0 { try child.handle(readyDescriptor: fd.fd) }
/// }
/// let result = child.finish()
/// ```
/// The same supervision as `ProcessRunner.run`: its own process group, `SIGTERM` to the group
/// at the deadline, `SIGKILL` after the grace period, `.abandoned` if even that does not end it.
/// The value owns the child's descriptors; `finish` (or dropping the value) closes them.
public struct ChildProcess: ~Copyable {
    private var session: Session
    private var supervision: Supervision
    private let started: ContinuousClock.Instant

    init(session: Session, supervision: Supervision, started: ContinuousClock.Instant) {
        self.session = session
        self.supervision = supervision
        self.started = started
    }

    /// The child's process id (also its process group's).
    public var pid: Int32 { session.pid }

    /// Signals the child as its deadline passes; returns when to look at it again at the
    /// latest, or nil once it is finished and `finish` can be called.
    public mutating func nextWake(now: ContinuousClock.Instant = .now) -> Deadline? {
        supervision.nextWake(for: &session, now: now)
    }

    /// The descriptors to poll for the child now.
    public func pollDescriptors() -> [pollfd] { session.pollDescriptors() }

    /// Reads, writes or reaps for a descriptor `poll` reported ready.
    ///
    /// - Throws: `SpawnError.system` when reading or reaping fails.
    public mutating func handle(readyDescriptor fd: Int32) throws(SpawnError) {
        try session.handle(readyDescriptor: fd)
        supervision.noteProgress(of: session)
    }

    /// Ends the child early: the deadline is now (`SIGTERM`, then `SIGKILL` after the grace).
    public mutating func cancel() {
        supervision = Supervision(deadline: Deadline(.now), grace: supervision.grace, drain: supervision.drain)
    }

    /// Supervises the child in this thread (no other loop) until it has finished, and returns
    /// its result: for a caller that started it earlier and did other work meanwhile.
    public mutating func wait() -> ProcessResult {
        while let wake = nextWake() {
            var fds = pollDescriptors()
            _ = try? Syscall.poll(&fds, wake.pollTimeout())
            for entry in fds where entry.revents != 0 { try? handle(readyDescriptor: entry.fd) }
        }
        return finish()
    }

    /// The result, once `nextWake` returned nil; closes the descriptors.
    public mutating func finish() -> ProcessResult {
        let result = ProcessResult(
            command: session.command, termination: session.termination ?? .abandoned,
            standardOutput: session.output.bytes, standardError: session.error.bytes,
            isOutputTruncated: session.output.isTruncated, isErrorTruncated: session.error.isTruncated,
            timedOut: session.timedOut, duration: started.duration(to: .now))
        session.closeAll()
        return result
    }

    deinit {
        var session = session
        session.closeAll()  // closes only what `finish` did not
    }
}

extension ProcessRunner {
    /// Starts `command` without waiting for it: the caller's loop supervises it (see
    /// `ChildProcess`) and must keep it until it is finished.
    ///
    /// - Throws: `SpawnError` as `run` does when the program cannot be started.
    public func start(_ command: Command, deadline: Deadline) throws(SpawnError) -> ChildProcess {
        signal(SIGPIPE, SIG_IGN)
        let started = ContinuousClock.now
        let path = try Self.resolve(command)
        let session = try Session(command: command, path: path)
        return ChildProcess(session: session, supervision: Supervision(deadline: deadline, grace: killGracePeriod, drain: drainAfterExit),
                            started: started)
    }
}
