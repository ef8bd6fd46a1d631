import HaloSystem

/// One LUN's move to a chosen node, watched until it is served and monitored there, with
/// every step shown as it happens and nothing of haloctl's left in the cluster afterwards —
/// whether the move succeeds, fails, times out or is interrupted.
public struct MoveOperation {
    public let manager: any ClusterManager
    public let watcher: Watcher
    public let progress: Progress
    public var timeout: Duration

    public init(manager: any ClusterManager, watcher: Watcher, progress: Progress, timeout: Duration) {
        self.manager = manager
        self.watcher = watcher
        self.progress = progress
        self.timeout = timeout
    }

    /// How a move ended.
    public struct Outcome: Sendable, Hashable {
        public enum Result: String, Sendable, Hashable {
            case moved, alreadyThere = "already-there", failed, timedOut = "timed-out", interrupted
        }

        public var lun: String
        public var from: String?
        public var to: String
        public var result: Result
        /// Wall time of the request and each step seen, relative to the request.
        public var steps: [(offset: Duration, text: String)]
        public var total: Duration
        /// The window in which no node served the LUN, as the watch saw it (poll resolution).
        public var unserved: Duration?
        /// Where the LUN is now and in which state, in plain words (after a failure: exactly
        /// what the admin needs to know).
        public var finalState: String
        public var notes: [String]

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.lun == rhs.lun && lhs.to == rhs.to && lhs.result == rhs.result && lhs.finalState == rhs.finalState
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(lun)
            hasher.combine(to)
            hasher.combine(result)
        }
    }

    /// Moves `lun` to `node` (the caller has checked that it can go there).
    public func run(_ lun: LUNView, to node: String) throws(HaloctlError) -> Outcome {
        let started = ContinuousClock.now
        let startedWall = Double(KernelClock.wallClockMilliseconds()) / 1000
        let deadline = Deadline.after(timeout)
        if lun.servingNode == node && lun.isServedByManager {
            return Outcome(lun: lun.name, from: node, to: node, result: .alreadyThere, steps: [], total: .zero, unserved: .zero,
                           finalState: "\(lun.name) is already served by \(node)", notes: [])
        }
        let ticket = try manager.beginMove(lun, to: node, deadline: Deadline.after(.seconds(30)))
        var steps: [(Duration, String)] = []
        func step(_ text: String) {
            let offset = started.duration(to: .now)
            steps.append((offset, text))
            progress.line("  \(pad(seconds(offset)))  \(text)")
        }
        step(ticket.constraint.map { "asked \(manager.kind.displayName) to move \(lun.name) to \(node) (constraint \($0))" }
             ?? "asked \(manager.kind.displayName) to move \(lun.name) to \(node)")

        var previous = lun
        var unservedSince: ContinuousClock.Instant? = lun.isServedByManager ? nil : started
        var unserved: Duration?
        let (ending, last) = watcher.wait(until: deadline, status: { elapsed in
            "  \(pad(seconds(elapsed)))  \(lun.name) → \(node): \(Self.waitingFor(previous, on: node))"
        }, check: { view in
            guard let current = view.lun(lun.name) else { return .failed("\(lun.name) disappeared from the configuration") }
            for change in Self.changes(from: previous, to: current) { step(change) }
            let now = ContinuousClock.now
            if unservedSince == nil && !Self.servedAnywhere(current) { unservedSince = now }
            if let since = unservedSince, unserved == nil, current.servingNode == node, current.isServedByManager {
                unserved = since.duration(to: now)
            }
            previous = current
            if let failure = current.layers.first(where: { $0.failedOn.contains(node) && !lun.layers.contains($0) }) {
                return .failed("\(failure.id) failed on \(node)")
            }
            if current.servingNode == node && current.isServedByManager && Self.isMonitored(current, on: node)
                && !current.layers.contains(where: { !$0.pending.isEmpty }) {
                return .reached
            }
            if let other = current.servingNode, other != node, current.isServedByManager,
               current.layers.contains(where: { $0.failedOn.contains(node) }) {
                return .failed("\(lun.name) went back to \(other) after a failure on \(node)")
            }
            return nil
        })
        progress.endLive()

        var notes: [String] = []
        let result: Outcome.Result
        switch ending {
        case .reached:
            step("\(lun.name) is served and monitored on \(node)")
            notes += try manager.finishMove(ticket, deadline: Deadline.after(.seconds(30)))
            if ticket.constraint != nil { step("removed the constraint \(ticket.constraint!): nothing of haloctl's is left") }
            result = .moved
        case .failed(let why):
            result = .failed
            try cleanUp(ticket, step: step)
            notes.append(why)
        case .timedOut:
            result = .timedOut
            try cleanUp(ticket, step: step)
            notes.append("the move did not finish within \(seconds(timeout))")
        case .interrupted:
            result = .interrupted
            try cleanUp(ticket, step: step)
            notes.append("interrupted")
        }
        var final = (try? manager.view(deadline: Deadline.after(.seconds(20))))?.lun(lun.name) ?? last?.lun(lun.name)
        if result == .failed, let unsettled = final, !Self.isSettled(unsettled) {
            // The manager places the LUN by its own rules again: say where it ends up, not a
            // moment of the way back (bounded: 30 s, then what is known).
            let (_, settled) = watcher.wait(until: Deadline.after(.seconds(30)), status: { elapsed in
                "  \(pad(seconds(elapsed)))  \(lun.name): \(manager.kind.displayName) places it again"
            }, check: { view in view.lun(lun.name).map(Self.isSettled) == true ? .reached : nil })
            progress.endLive()
            final = settled?.lun(lun.name) ?? final
        }
        if result == .moved, unserved == nil, let recorded = Self.recordedUnserved(final, on: node, since: startedWall) {
            // Quicker than the watcher's look (no view caught the LUN unserved): the manager's
            // own record of this move says how long it was.
            unserved = recorded
        }
        return Outcome(lun: lun.name, from: lun.servingNode, to: node, result: result, steps: steps,
                       total: started.duration(to: .now), unserved: unserved, finalState: Self.describe(final), notes: notes)
    }

    func cleanUp(_ ticket: MoveTicket, step: (String) -> Void) throws(HaloctlError) {
        try manager.abandonMove(ticket, deadline: Deadline.after(.seconds(30)))
        if let constraint = ticket.constraint { step("removed the constraint \(constraint): \(manager.kind.displayName) places the LUN by its own rules again") }
    }

    // MARK: - Reading the view

    /// How long the manager's records say `lun` went unserved when it last moved, if that move
    /// brought it to `node` no earlier than `since` (wall seconds; the records keep whole
    /// seconds, hence the second of slack).
    static func recordedUnserved(_ lun: LUNView?, on node: String, since: Double) -> Duration? {
        guard let lun, lun.servingNode == node, let moved = lun.lastMoved, moved >= since - 1,
              let seconds = lun.lastUnservedSeconds, seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func servedAnywhere(_ lun: LUNView) -> Bool { lun.servingNode != nil && lun.isServedByManager }

    /// Served somewhere, with no action of the manager pending on any of its layers.
    static func isSettled(_ lun: LUNView) -> Bool { servedAnywhere(lun) && !lun.layers.contains { !$0.pending.isEmpty } }

    static func isMonitored(_ lun: LUNView, on node: String) -> Bool {
        lun.layers.filter { $0.roles[node] != nil }.allSatisfy { $0.monitoredOn.contains(node) }
    }

    /// The layer changes between two views, as lines (`drbd-lun1 on node2: Unpromoted → Promoted`).
    static func changes(from old: LUNView, to new: LUNView) -> [String] {
        var lines: [String] = []
        for layer in new.layers {
            let before = old.layers.first { $0.id == layer.id }
            let nodes = Set(layer.roles.keys).union(before.map { Array($0.roles.keys) } ?? []).sorted()
            for node in nodes {
                let was = before?.roles[node] ?? "Stopped"
                let now = layer.roles[node] ?? "Stopped"
                if was != now { lines.append("\(layer.id) on \(node): \(was) → \(now)") }
            }
            for node in layer.failedOn where !(before?.failedOn.contains(node) ?? false) {
                lines.append("\(layer.id) FAILED on \(node)")
            }
        }
        return lines
    }

    /// What the move still waits for, for the live line.
    static func waitingFor(_ lun: LUNView, on node: String) -> String {
        let pending = lun.layers.flatMap { layer in layer.pending.map { "\($0.value) \(layer.id) on \($0.key)" } }
        if !pending.isEmpty { return "running: " + pending.joined(separator: ", ") }
        if lun.servingNode != node { return "waiting for the manager to promote it on \(node)" }
        if !lun.isServedByManager { return "waiting for its target and portals on \(node)" }
        return "waiting for the first monitors on \(node)"
    }

    /// Where a LUN is, in plain words.
    static func describe(_ lun: LUNView?) -> String {
        guard let lun else { return "unknown: the cluster could not be read after the move" }
        guard let node = lun.servingNode else {
            let running = lun.layers.flatMap { layer in layer.roles.filter { $0.value != "Unpromoted" && layer.kind != .luks }.map { "\(layer.id) \($0.value) on \($0.key)" } }
            return "\(lun.name) is NOT served" + (running.isEmpty ? "" : " (still active: \(running.joined(separator: ", ")))")
        }
        if lun.isServedByManager { return "\(lun.name) is served by \(node)" }
        let missing = lun.layers.filter { $0.kind != .luks && $0.kind != .drbd && $0.roles[node] == nil }.map(\.id)
        return "\(lun.name) is promoted on \(node) but not fully served" + (missing.isEmpty ? "" : ": \(missing.joined(separator: ", ")) not started")
    }

    func pad(_ text: String) -> String { String(repeating: " ", count: max(0, 7 - text.count)) + text }
}
