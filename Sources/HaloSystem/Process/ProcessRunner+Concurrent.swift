import Glibc

extension ProcessRunner {
    /// Runs `commands` side by side, each to completion or until `deadline`, in one poll loop:
    /// the wall time is the slowest command's, not the sum (haloctl asks every node at once).
    ///
    /// ```swift
    /// let results = ProcessRunner().runAll([ssh(node1), ssh(node2)], deadline: .after(.seconds(5)))
    /// ```
    ///
    /// - Returns: one result per command, in the same order: the `ProcessResult`, or the
    ///   `SpawnError` when that command could not be started (the others still run).
    public func runAll(_ commands: [Command], deadline: Deadline) -> [Result<ProcessResult, SpawnError>] {
        signal(SIGPIPE, SIG_IGN)
        let started = ContinuousClock.now
        var results: [Result<ProcessResult, SpawnError>?] = Array(repeating: nil, count: commands.count)
        // Parallel arrays (not tuples) so that a session and its supervision can be borrowed
        // mutably at the same time.
        var indices: [Int] = []
        var sessions: [Session] = []
        var supervisions: [Supervision] = []
        for (index, command) in commands.enumerated() {
            do {
                sessions.append(try Session(command: command, path: try Self.resolve(command)))
                supervisions.append(Supervision(deadline: deadline, grace: killGracePeriod, drain: drainAfterExit))
                indices.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        while !sessions.isEmpty {
            let now = ContinuousClock.now
            var earliest: Deadline?
            var finished: [Int] = []
            for slot in sessions.indices {
                if let wake = supervisions[slot].nextWake(for: &sessions[slot], now: now) {
                    earliest = earliest.map { $0.earlier(wake) } ?? wake
                } else {
                    finished.append(slot)
                }
            }
            for slot in finished.reversed() {
                var session = sessions.remove(at: slot)
                supervisions.remove(at: slot)
                let index = indices.remove(at: slot)
                results[index] = .success(ProcessResult(
                    command: session.command, termination: session.termination ?? .abandoned,
                    standardOutput: session.output.bytes, standardError: session.error.bytes,
                    isOutputTruncated: session.output.isTruncated, isErrorTruncated: session.error.isTruncated,
                    timedOut: session.timedOut, duration: started.duration(to: .now)))
                session.closeAll()
            }
            guard let wake = earliest, !sessions.isEmpty else { continue }
            var fds: [pollfd] = []
            var owners: [Int] = []
            for slot in sessions.indices {
                let mine = sessions[slot].pollDescriptors()
                fds += mine
                owners += Array(repeating: slot, count: mine.count)
            }
            do {
                _ = try Syscall.poll(&fds, wake.pollTimeout())
            } catch {
                if error == .interrupted { continue }
                // poll itself failed (no memory): end every child rather than spin.
                for session in sessions { _ = try? Syscall.kill(-session.pid, SIGKILL) }
                continue
            }
            for (position, entry) in fds.enumerated() where entry.revents != 0 {
                let slot = owners[position]
                do {
                    try sessions[slot].handle(readyDescriptor: entry.fd)
                } catch {
                    _ = try? Syscall.kill(-sessions[slot].pid, SIGKILL)
                }
                supervisions[slot].noteProgress(of: sessions[slot])
            }
        }
        return results.map { $0! }
    }
}
