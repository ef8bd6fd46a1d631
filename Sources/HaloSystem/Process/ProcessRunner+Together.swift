import Glibc

extension ProcessRunner {
    /// Runs `commands` side by side, and `meanwhile` in this thread while they run: for a
    /// reader that needs several programs' output and has its own work to do (haloctl's facts:
    /// `drbdsetup events2` and `drbdadm dump` while sysfs and netlink are read).
    ///
    /// ```swift
    /// let (links, results) = runner.runTogether([events, dump], deadline: deadline) { readLinks() }
    /// ```
    /// Each child is supervised as `run` supervises one (its own process group, `SIGTERM` at
    /// the deadline, `SIGKILL` after the grace period, `.abandoned` past that), so one that
    /// hangs costs the others nothing: they finish, and are reported, on their own.
    ///
    /// - Returns: what `meanwhile` returned, and per command (in order) its result or why it
    ///   could not be started.
    public func runTogether<Value>(
        _ commands: [Command], deadline: Deadline, meanwhile: () -> Value
    ) -> (Value, [Result<ProcessResult, SpawnError>]) {
        signal(SIGPIPE, SIG_IGN)
        let start = ContinuousClock.now
        var sessions: [Session?] = []
        var supervisions: [Supervision] = []
        var failures: [SpawnError?] = []
        for command in commands {
            do {
                sessions.append(try Session(command: command, path: try Self.resolve(command)))
                failures.append(nil)
            } catch {
                sessions.append(nil)
                failures.append(error)
            }
            supervisions.append(Supervision(deadline: deadline, grace: killGracePeriod, drain: drainAfterExit))
        }
        defer {
            for index in sessions.indices { sessions[index]?.closeAll() }
        }
        let value = meanwhile()
        var durations = [Duration](repeating: .zero, count: commands.count)
        var running = Set(sessions.indices.filter { sessions[$0] != nil })
        while !running.isEmpty {
            var wake: Deadline?
            var fds: [pollfd] = []
            var owner: [Int32: Int] = [:]
            for index in running.sorted() {
                guard let next = supervisions[index].nextWake(for: &sessions[index]!, now: .now) else {
                    running.remove(index)
                    durations[index] = start.duration(to: .now)
                    continue
                }
                wake = wake.map { $0.earlier(next) } ?? next
                for descriptor in sessions[index]!.pollDescriptors() {
                    fds.append(descriptor)
                    owner[descriptor.fd] = index
                }
            }
            guard let wake else { break }
            do {
                _ = try Syscall.poll(&fds, wake.pollTimeout())
            } catch {
                for index in running { failures[index] = .system(operation: "poll", error) }
                break
            }
            for entry in fds where entry.revents != 0 {
                guard let index = owner[entry.fd] else { continue }
                do {
                    try sessions[index]!.handle(readyDescriptor: entry.fd)
                } catch {
                    failures[index] = error
                    running.remove(index)
                }
                supervisions[index].noteProgress(of: sessions[index]!)
            }
        }
        let results = commands.indices.map { index -> Result<ProcessResult, SpawnError> in
            if let failure = failures[index] { return .failure(failure) }
            let session = sessions[index]!
            return .success(ProcessResult(
                command: session.command, termination: session.termination ?? .abandoned,
                standardOutput: session.output.bytes, standardError: session.error.bytes,
                isOutputTruncated: session.output.isTruncated, isErrorTruncated: session.error.isTruncated,
                timedOut: session.timedOut, duration: durations[index]))
        }
        return (value, results)
    }
}
