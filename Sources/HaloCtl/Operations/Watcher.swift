import HaloSystem

/// Waits for the cluster to reach a condition, re-reading the manager's view every
/// `interval`, printing what changed as it changes, and stopping early on Ctrl-C (SIGINT) or
/// SIGTERM, which it receives as a descriptor so that a wait is never cut in the middle of a
/// tool's run.
public final class Watcher: @unchecked Sendable {
    // Used from the command's one thread.
    let manager: any ClusterManager
    let progress: Progress
    public var interval: Duration = .milliseconds(300)
    private let signals: SignalDescriptor
    /// A signal arrived.
    public private(set) var interrupted = false

    /// Blocks SIGINT and SIGTERM for the process: from now on they end the wait, not haloctl.
    public init(manager: any ClusterManager, progress: Progress) throws(HaloctlError) {
        self.manager = manager
        self.progress = progress
        do {
            signals = try SignalDescriptor(signals: [DaemonSignal.interrupt, DaemonSignal.terminate])
        } catch {
            throw HaloctlError("cannot watch for Ctrl-C (signalfd): \(error)")
        }
    }

    /// Why a wait ended.
    public enum Ending: Sendable, Hashable {
        case reached
        case failed(String)
        case timedOut
        case interrupted
    }

    /// Polls until `check` says the wait is over; `check` gets each new view (and reports what
    /// changed through `progress` itself). Returns the ending and the last view.
    public func wait(until deadline: Deadline, status: (Duration) -> String,
                     check: (ClusterView) -> Ending?) -> (Ending, ClusterView?) {
        let started = ContinuousClock.now
        var last: ClusterView?
        while true {
            if interrupted { return (.interrupted, last) }
            do {
                let view = try manager.refresh(deadline: Deadline.after(.seconds(10)).earlier(deadline))
                last = view
                if let ending = check(view) { return (ending, view) }
            } catch {
                progress.line("  \(seconds(started.duration(to: .now)))  could not read the cluster: \(error)")
            }
            if deadline.hasPassed() { return (.timedOut, last) }
            progress.live(status(started.duration(to: .now)))
            pause(until: Deadline.after(interval).earlier(deadline))
        }
    }

    /// Sleeps until `deadline` or a signal.
    func pause(until deadline: Deadline) {
        if let ready = try? Poller.wait([PollRequest(signals.descriptor)], until: deadline), !ready.isEmpty,
           !signals.take().isEmpty {
            interrupted = true
        }
    }
}
