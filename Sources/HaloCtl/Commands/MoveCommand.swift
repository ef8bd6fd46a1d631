import HaloFacts
import HaloJSON
import HaloSystem

/// `haloctl move LUN --to NODE`: check, plan, move, watch, verify, clean up.
public struct MoveCommand: Sendable {
    public var lun: String
    public var node: String
    public var dryRun = false
    public var timeout: Duration = .seconds(300)
    /// Skip the checks of the node's live facts (the manager's own checks still apply).
    public var force = false

    public init(lun: String, node: String) {
        self.lun = lun
        self.node = node
    }

    /// What the command found and did, for the text and JSON reports.
    public struct Report: Sendable {
        public var checks: MoveChecks
        public var plan: MovePlan?
        public var outcome: MoveOperation.Outcome?
        public var verification: [String] = []
        public var exitCode: Int32

        public var json: JSONValue {
            var members: [(String, JSONValue)] = [
                ("schema", .string("halo.move/1")),
                ("checksPassed", .array(checks.passed.map(JSONValue.string))),
                ("refusals", .array(checks.refusals.map(JSONValue.string))),
                ("plan", .array((plan?.steps ?? []).map(JSONValue.string))),
            ]
            if let outcome {
                members += [
                    ("lun", .string(outcome.lun)), ("from", outcome.from.map(JSONValue.string) ?? .null), ("to", .string(outcome.to)),
                    ("result", .string(outcome.result.rawValue)),
                    ("totalMilliseconds", .int(Int(outcome.total.milliseconds))),
                    ("unservedMilliseconds", outcome.unserved.map { .int(Int($0.milliseconds)) } ?? .null),
                    ("steps", .array(outcome.steps.map { .object([("atMilliseconds", .int(Int($0.offset.milliseconds))), ("step", .string($0.text))]) })),
                    ("state", .string(outcome.finalState)),
                    ("notes", .array(outcome.notes.map(JSONValue.string))),
                    ("verified", .array(verification.map(JSONValue.string))),
                ]
            }
            members.append(("exitCode", .int(Int(exitCode))))
            return .object(members)
        }
    }

    public func run(manager: any ClusterManager, liveChecks: LiveChecks?, progress: Progress) throws(HaloctlError) -> Report {
        let view = try manager.view(deadline: Deadline.after(.seconds(20)))
        var (lunView, checks) = try MoveChecks.check(view, lun: lun, to: node)
        if let liveChecks, !force {
            let (passed, refusals) = liveChecks.canTake(lunView, on: node, view: view)
            checks.passed += passed
            checks.refusals += refusals
        }
        for line in checks.passed { progress.line("  ok    \(line)") }
        for line in checks.refusals { progress.line("  NO    \(line)") }
        guard checks.canMove else {
            progress.line("\(lunView.name) stays on \(lunView.servingNode ?? "no node"): \(checks.refusals.count == 1 ? "the check above failed" : "the checks above failed")")
            return Report(checks: checks, plan: nil, outcome: nil, exitCode: 1)
        }
        if lunView.servingNode == node && lunView.isServedByManager {
            progress.line("\(lunView.name) is already served by \(node): nothing to do")
            return Report(checks: checks, plan: nil, outcome: nil, exitCode: 0)
        }
        let plan = try manager.plan(move: lunView, to: node, deadline: Deadline.after(.seconds(30)))
        progress.line("\(manager.kind.displayName) would:")
        let monitors = plan.steps.filter { $0.hasPrefix("monitor ") }.count
        for step in plan.steps where !step.hasPrefix("monitor ") { progress.line("        \(step)") }
        if monitors > 0 { progress.line("        and start \(monitors) monitor(s)") }
        if !plan.sideEffects.isEmpty { progress.line("  and also: \(plan.sideEffects.joined(separator: ", "))") }
        if let refusal = plan.refusal {
            checks.refusals.append(refusal)
            progress.line("  NO    \(refusal)")
            return Report(checks: checks, plan: plan, outcome: nil, exitCode: 1)
        }
        if let back = plan.wouldReturn {
            let refusal = "\(back): the move would not last, so haloctl does not start it (raise resource-stickiness above the preference, or move it to its preferred node)"
            checks.refusals.append(refusal)
            progress.line("  NO    \(refusal)")
            return Report(checks: checks, plan: plan, outcome: nil, exitCode: 1)
        }
        if dryRun {
            progress.line("dry run: nothing was changed")
            return Report(checks: checks, plan: plan, outcome: nil, exitCode: 0)
        }
        let watcher = try Watcher(manager: manager, progress: progress)
        let operation = MoveOperation(manager: manager, watcher: watcher, progress: progress, timeout: timeout)
        let outcome = try operation.run(lunView, to: node)
        var report = Report(checks: checks, plan: plan, outcome: outcome, exitCode: 0)
        for note in outcome.notes { progress.line("  note  \(note)") }
        switch outcome.result {
        case .moved, .alreadyThere:
            var problems: [String] = []
            if let liveChecks {
                let verification = liveChecks.verifyServed(lunView, on: node, deadline: Deadline.after(.seconds(15)))
                report.verification = verification.verified
                problems = verification.problems
                for line in verification.verified { progress.line("  ok    \(line)") }
                for line in problems { progress.line("  NO    \(line)") }
            }
            var summary = "\(outcome.lun) moved \(outcome.from ?? "from nowhere") → \(node) in \(seconds(outcome.total))"
            if let unserved = outcome.unserved { summary += " (no node served it for about \(seconds(unserved)), seen polling every \(seconds(watcher.interval)))" }
            if !problems.isEmpty {
                // The manager says done; the node's own facts disagree: that is a failure.
                summary += ", but \(node)'s live facts do NOT show it served (above)"
                report.exitCode = 1
            }
            progress.line(summary)
        case .failed, .timedOut:
            progress.line("the move FAILED: \(outcome.finalState)")
            report.exitCode = 1
        case .interrupted:
            progress.line("interrupted: \(outcome.finalState)")
            report.exitCode = 130
        }
        return report
    }
}

/// The checks that need the nodes' live facts (DRBD's disk and connection, portal parents and
/// MTUs, the target software) — provided by the facts gatherer.
public protocol LiveChecks: Sendable {
    /// Whether `node` can take `lun`: lines passed and refusals.
    func canTake(_ lun: LUNView, on node: String, view: ClusterView) -> (passed: [String], refusals: [String])
    /// After a move: the target enabled with the LUN mapped and every portal address up on
    /// `node`, retried until `deadline`.
    func verifyServed(_ lun: LUNView, on node: String, deadline: Deadline) -> (verified: [String], problems: [String])
    /// The initiators logged in to `lun`'s target on `node` now (fresh facts, not a cached
    /// snapshot); `.read([])` when the LUN has no target there or nobody is logged in.
    func loggedIn(_ lun: LUNView, on node: String, deadline: Deadline) -> Reading<Set<String>>
}
