import Glibc

/// Processes halo did not start but must end — the users of a device on a forced stop — each
/// held through a pidfd, so that a signal can never reach another process that was given a
/// recycled pid, and so that their exit can be awaited with `poll(2)` without being their parent.
///
/// ```swift
/// var users = ProcessSet(pids: [4711, 4712])
/// let survivors = users.terminate(grace: .seconds(5), deadline: context.deadline)
/// ```
///
/// The pidfds are closed when the value ends.
public struct ProcessSet: ~Copyable {
    /// The members still running as far as this set knows, with their pidfds.
    private var members: [(pid: Int32, pidfd: Int32)]

    /// Takes hold of `pids`. A pid that no longer exists (`ESRCH`) is left out: it has ended.
    public init(pids: [Int32]) {
        var members: [(pid: Int32, pidfd: Int32)] = []
        for pid in pids {
            if let fd = try? Syscall.pidfdOpen(pid) { members.append((pid, fd)) }
        }
        self.members = members
    }

    /// The pids of the members not yet seen to end.
    public var pids: [Int32] { members.map(\.pid) }

    /// Sends `SIGTERM`, waits up to `grace` (never past `deadline`) for the members to end, then
    /// sends `SIGKILL` to the rest and waits until `deadline`.
    ///
    /// - Returns: the pids still running at the deadline (a process in uninterruptible sleep
    ///   ignores even `SIGKILL` until its I/O returns). Empty when every member ended.
    public mutating func terminate(grace: Duration, deadline: Deadline) -> [Int32] {
        signal(SIGTERM)
        waitForExit(until: Deadline.after(grace).earlier(deadline))
        if members.isEmpty { return [] }
        signal(SIGKILL)
        waitForExit(until: deadline)
        return pids
    }

    /// Sends `signal` to every member; a member that has ended meanwhile is dropped.
    mutating func signal(_ signal: Int32) {
        members.removeAll { member in
            do throws(Errno) {
                try Syscall.pidfdSendSignal(member.pidfd, signal)
                return false
            } catch {
                guard error == .noSuchProcess else { return false }
                Syscall.close(member.pidfd)
                return true
            }
        }
    }

    /// Polls the members' pidfds until all have ended or `deadline` passes; ended members are
    /// dropped as they go.
    mutating func waitForExit(until deadline: Deadline) {
        while !members.isEmpty {
            var fds = members.map { pollfd(fd: $0.pidfd, events: Int16(POLLIN), revents: 0) }
            let ready = (try? Syscall.poll(&fds, deadline.pollTimeout())) ?? 0
            if ready > 0 {
                let ended = Set(fds.filter { $0.revents != 0 }.map(\.fd))
                for member in members where ended.contains(member.pidfd) { Syscall.close(member.pidfd) }
                members.removeAll { ended.contains($0.pidfd) }
            }
            if deadline.hasPassed() { return }
        }
    }

    deinit {
        for member in members { Syscall.close(member.pidfd) }
    }
}
