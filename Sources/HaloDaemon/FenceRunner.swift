import HaloCluster
import HaloSystem

/// Runs the fence agents of accepted attempts, several victims at once, without blocking the
/// event loop: each device run is a `ChildProcess` the loop polls.
///
/// An order's levels are tried in order; a level succeeds when every device in it succeeds
/// (a level of two devices with `reboot` powers both off, then both on, as Pacemaker's fencer
/// does, so that a node with two power supplies really loses power). The first level that
/// succeeds ends the attempt; when all fail, the attempt failed with every device's reason.
final class FenceRunner {
    /// One attempt in progress.
    final class Run {
        let order: FenceOrder
        /// Not before this (the victim's fence delay).
        var notBefore: ContinuousClock.Instant
        var level = 0
        /// The device runs of the current level still to do: (device, action).
        var pending: [(FenceDevice, String)] = []
        var current: (device: FenceDevice, action: String)?
        var child: ChildProcess?
        var errors: [String] = []
        var succeededBy: [String] = []
        let started: ContinuousClock.Instant

        init(order: FenceOrder, now: ContinuousClock.Instant) {
            self.order = order
            self.notBefore = now + order.delay
            self.started = now
        }
    }

    private var runs: [NodeID: Run] = [:]
    private let runner = ProcessRunner(killGracePeriod: .seconds(2))
    /// What happened since the daemon last took the events.
    private var events: [Event] = []

    /// What the daemon is told.
    enum Event {
        /// A fence agent was started (for the log and the timeline).
        case agentStarted(FenceOrder, device: FenceDevice, action: String)
        /// An attempt ended.
        case finished(FenceAttempt, FenceOutcome, took: Duration)
    }

    /// The events since the last call.
    func takeEvents() -> [Event] {
        defer { events.removeAll() }
        return events
    }

    var isIdle: Bool { runs.isEmpty }

    /// Starts an attempt (after the victim's delay).
    func start(_ order: FenceOrder, now: ContinuousClock.Instant = .now) {
        let run = Run(order: order, now: now)
        runs[order.attempt.victim] = run
        advance(run, now: now)
    }

    /// The descriptors to poll for running agents.
    func pollRequests() -> [PollRequest] {
        runs.values.flatMap { $0.child?.pollRequests() ?? [] }
    }

    /// When the runner must be looked at again at the latest (delays, agent deadlines).
    func nextWake(now: ContinuousClock.Instant = .now) -> Deadline? {
        var wake: Deadline?
        for run in runs.values {
            let candidate: Deadline? = run.child == nil ? Deadline(run.notBefore) : run.child!.nextWake(now: now)
            if let candidate, wake.map({ candidate < $0 }) ?? true { wake = candidate }
        }
        return wake
    }

    /// Handles ready descriptors and the passing of time.
    func service(ready: [(descriptor: Int32, events: PollEvents)], now: ContinuousClock.Instant = .now) {
        for run in Array(runs.values) {
            if run.child != nil {
                let mine = Set(run.child!.pollRequests().map(\.descriptor))
                for (fd, _) in ready where mine.contains(fd) { try? run.child!.handle(readyDescriptor: fd) }
                if run.child!.nextWake(now: now) == nil {
                    var child = run.child.take()!
                    conclude(run, result: child.finish(), now: now)
                }
            } else {
                advance(run, now: now)
            }
        }
    }

    /// A device run ended: next device, next level, or the attempt's end.
    private func conclude(_ run: Run, result: ProcessResult, now: ContinuousClock.Instant) {
        guard let (device, action) = run.current else { return }
        run.current = nil
        if result.succeeded {
            run.succeededBy.append(device.name)
        } else {
            let detail = result.timedOut ? "did not finish within \(device.timeout)"
                : "\(result.termination): \(result.errorText.split(separator: "\n").last.map(String.init) ?? "")"
            run.errors.append("\(device.name) (\(device.agent) \(action)) \(FenceAgentInput.redacted(detail, device: device))")
            run.pending.removeAll()  // this level failed
            run.level += 1
            run.succeededBy.removeAll()
        }
        advance(run, now: now)
    }

    /// Starts the next device run, or ends the attempt.
    private func advance(_ run: Run, now: ContinuousClock.Instant) {
        guard now >= run.notBefore, run.child == nil else { return }
        while true {
            if run.pending.isEmpty {
                if !run.succeededBy.isEmpty {
                    finish(run, .succeeded(device: run.succeededBy.joined(separator: "+")), now: now)
                    return
                }
                guard run.level < run.order.levels.count else {
                    finish(run, .failed(reason: run.errors.isEmpty ? "no fence device is configured" : run.errors.joined(separator: "; ")), now: now)
                    return
                }
                let devices = run.order.levels[run.level]
                let action = run.order.levels[run.level].first?.action.rawValue ?? "reboot"
                if devices.count > 1 && action == "reboot" {
                    run.pending = devices.map { ($0, "off") } + devices.map { ($0, "on") }
                } else {
                    run.pending = devices.map { ($0, $0.action.rawValue) }
                }
                if run.pending.isEmpty {
                    run.level += 1
                    continue
                }
            }
            let (device, action) = run.pending.removeFirst()
            let plug = run.order.plugs[device.name] ?? run.order.victimName
            let input = FenceAgentInput.lines(device: device, action: action, victim: run.order.victimName, plug: plug)
            do {
                run.child = try runner.start(Command(device.agent, [], standardInput: Array(input.utf8), outputLimit: 65536),
                                             deadline: Deadline.after(device.timeout, now: now))
                run.current = (device, action)
                events.append(.agentStarted(run.order, device: device, action: action))
                return
            } catch {
                run.errors.append("\(device.name): \(error)")
                run.pending.removeAll()
                run.level += 1
                run.succeededBy.removeAll()
            }
        }
    }

    private func finish(_ run: Run, _ outcome: FenceOutcome, now: ContinuousClock.Instant) {
        runs[run.order.attempt.victim] = nil
        events.append(.finished(run.order.attempt, outcome, took: run.started.duration(to: now)))
    }

    /// Ends every running agent (shutdown): they get SIGTERM, then SIGKILL.
    func cancelAll() {
        for run in runs.values where run.child != nil { run.child!.cancel() }
    }
}
