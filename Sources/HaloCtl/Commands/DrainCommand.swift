import HaloJSON
import HaloSystem

/// `haloctl drain NODE` and `haloctl undrain NODE [--rebalance]`.
public struct DrainCommand: Sendable {
    public var node: String
    public var wait = true
    public var timeout: Duration = .seconds(600)
    /// Drain even when a LUN has nowhere to go (it stops being served).
    public var force = false

    public init(node: String) { self.node = node }

    public struct Report: Sendable {
        /// Per LUN that was on the node: where it went and how long it took (nil: not moved).
        public var moves: [(lun: String, to: String?, after: Duration?)] = []
        public var blocked: [String] = []
        public var exitCode: Int32 = 0

        public var json: JSONValue {
            .object([
                ("schema", .string("halo.drain/1")),
                ("moves", .array(moves.map { .object([("lun", .string($0.lun)), ("to", $0.to.map(JSONValue.string) ?? .null),
                                                       ("afterMilliseconds", $0.after.map { .int(Int($0.milliseconds)) } ?? .null)]) })),
                ("blocked", .array(blocked.map(JSONValue.string))),
                ("exitCode", .int(Int(exitCode))),
            ])
        }
    }

    public func run(manager: any ClusterManager, liveChecks: LiveChecks?, progress: Progress) throws(HaloctlError) -> Report {
        let view = try manager.view(deadline: Deadline.after(.seconds(20)))
        guard let target = view.node(node) else {
            throw .usage("no node \(node); the nodes are: \(view.nodes.map(\.name).joined(separator: ", "))")
        }
        var report = Report()
        let leaving = view.luns.filter { $0.servingNode == node }
        // Each LUN on the node needs another node that can take it.
        for lun in leaving {
            let others = view.nodes.filter { $0.name != node && $0.state.canServe && lun.excluded[$0.name] == nil }
            var takers: [String] = []
            var reasons: [String] = []
            for other in others {
                if let liveChecks {
                    let (_, refusals) = liveChecks.canTake(lun, on: other.name, view: view)
                    if refusals.isEmpty { takers.append(other.name) } else { reasons += refusals }
                } else {
                    takers.append(other.name)
                }
            }
            if takers.isEmpty {
                let why = reasons.isEmpty ? "no other node is online and allowed to run it" : reasons.joined(separator: "; ")
                report.blocked.append("\(lun.name) has nowhere to go: \(why)")
            } else {
                progress.line("  ok    \(lun.name) can move to \(takers.joined(separator: " or "))")
            }
        }
        for line in report.blocked { progress.line("  NO    \(line)") }
        if !report.blocked.isEmpty && !force {
            progress.line("\(node) is not drained (--force drains it anyway: those LUNs stop being served)")
            report.exitCode = 1
            return report
        }
        if target.state == .drained {
            progress.line("\(node) is already drained")
        }
        let started = ContinuousClock.now
        try manager.setDrained(node, true, deadline: Deadline.after(.seconds(30)))
        progress.line("  \(seconds(started.duration(to: .now)))  \(node) drained: \(leaving.isEmpty ? "it serves no LUN" : "\(leaving.count) LUN(s) to move: \(leaving.map(\.name).joined(separator: ", "))")")
        guard wait, !leaving.isEmpty else {
            report.moves = leaving.map { ($0.name, nil, nil) }
            return report
        }
        let watcher = try Watcher(manager: manager, progress: progress)
        var arrived: [String: (String, Duration)] = [:]
        var previous = Dictionary(uniqueKeysWithValues: leaving.map { ($0.name, $0) })
        let (ending, last) = watcher.wait(until: Deadline.after(timeout), status: { elapsed in
            let waiting = leaving.filter { arrived[$0.name] == nil }.map { lun in
                "\(lun.name) (\(MoveOperation.waitingFor(previous[lun.name] ?? lun, on: previous[lun.name]?.servingNode ?? "?")))"
            }
            return "  \(seconds(elapsed))  waiting for \(waiting.joined(separator: ", "))"
        }, check: { view in
            for lun in leaving where arrived[lun.name] == nil {
                guard let current = view.lun(lun.name) else { continue }
                for change in MoveOperation.changes(from: previous[lun.name] ?? lun, to: current) {
                    progress.line("  \(seconds(started.duration(to: .now)))  \(change)")
                }
                previous[lun.name] = current
                if let to = current.servingNode, to != node, current.isServedByManager, MoveOperation.isMonitored(current, on: to),
                   !current.layers.contains(where: { !$0.pending.isEmpty }) {
                    let after = started.duration(to: .now)
                    arrived[lun.name] = (to, after)
                    progress.line("  \(seconds(after))  \(lun.name) is served and monitored on \(to)")
                }
            }
            return arrived.count == leaving.count ? .reached : nil
        })
        progress.endLive()
        report.moves = leaving.map { lun in (lun.name, arrived[lun.name]?.0, arrived[lun.name]?.1) }
        switch ending {
        case .reached:
            if let liveChecks {
                for (lun, to, _) in report.moves {
                    guard let to, let view = last?.lun(lun) else { continue }
                    let (verified, problems) = liveChecks.verifyServed(view, on: to, deadline: Deadline.after(.seconds(15)))
                    for line in verified { progress.line("  ok    \(line)") }
                    for line in problems { progress.line("  NO    \(line)") }
                    if !problems.isEmpty { report.exitCode = 1 }
                }
            }
            progress.line("\(node) is drained: every LUN it served is served elsewhere (\(seconds(started.duration(to: .now))))")
        case .failed(let why):
            progress.line("the drain FAILED: \(why)")
            report.exitCode = 1
        case .timedOut, .interrupted:
            for lun in leaving where arrived[lun.name] == nil {
                let state = MoveOperation.describe(last?.lun(lun.name))
                report.blocked.append(state)
                progress.line("  NO    \(state)")
            }
            progress.line(ending == .interrupted
                          ? "interrupted: \(node) stays drained (haloctl undrain \(node) to undo)"
                          : "not every LUN left \(node) within \(seconds(timeout)); \(node) stays drained (haloctl undrain \(node) to undo)")
            report.exitCode = ending == .interrupted ? 130 : 1
        }
        return report
    }
}

/// `haloctl undrain NODE [--rebalance]`.
public struct UndrainCommand: Sendable {
    public var node: String
    public var rebalance = false
    /// Move back without the live-facts checks (as `move --force`).
    public var force = false
    public var timeout: Duration = .seconds(300)

    public init(node: String) { self.node = node }

    public func run(manager: any ClusterManager, liveChecks: LiveChecks?, progress: Progress) throws(HaloctlError) -> Int32 {
        let view = try manager.view(deadline: Deadline.after(.seconds(20)))
        guard view.node(node) != nil else {
            throw .usage("no node \(node); the nodes are: \(view.nodes.map(\.name).joined(separator: ", "))")
        }
        try manager.setDrained(node, false, deadline: Deadline.after(.seconds(30)))
        progress.line("\(node) takes LUNs again")
        guard rebalance else { return 0 }
        // Online again takes a moment to show; then each LUN that prefers it moves back, one at a time.
        let preferring = view.luns.filter { $0.preferredNode == node && $0.servingNode != node }
        if preferring.isEmpty { progress.line("no LUN prefers \(node) and runs elsewhere: nothing to move back") }
        var worst: Int32 = 0
        for lun in preferring {
            progress.line("moving \(lun.name) back to \(node):")
            var move = MoveCommand(lun: lun.name, node: node)
            move.timeout = timeout
            move.force = force
            try waitUntilReady(lun.name, manager: manager, progress: progress)
            let report = try move.run(manager: manager, liveChecks: liveChecks, progress: progress)
            worst = max(worst, report.exitCode)
            if report.exitCode == 130 { return 130 }
        }
        return worst
    }

    /// After the undrain the manager starts what runs everywhere on the node (LUKS, DRBD
    /// unpromoted): a LUN can move back once that is done.
    func waitUntilReady(_ name: String, manager: any ClusterManager, progress: Progress) throws(HaloctlError) {
        let deadline = Deadline.after(.seconds(60))
        var last = "waiting for \(node) to show as online"
        while !deadline.hasPassed() {
            if let view = try? manager.view(deadline: Deadline.after(.seconds(10))), let lun = view.lun(name) {
                let pending = lun.layers.contains { !$0.pending.isEmpty }
                let replicaUp = lun.layers.first { $0.kind == .drbd }.map { $0.roles[node] != nil } ?? true
                if view.node(node)?.state == .online && replicaUp && !pending { return }
                last = view.node(node)?.state != .online ? "waiting for \(node) to show as online"
                    : !replicaUp ? "waiting for \(name)'s replica to start on \(node)" : "waiting for the manager to finish on \(name)"
            }
            progress.live("  \(last)")
            Pause.for(.milliseconds(300))
        }
        progress.endLive()
        throw .refused("\(name) cannot move back to \(node): \(last) (60 s)")
    }
}
