import HaloOCF
import HaloSystem

/// One write of a target agent's `reload-agent` and what puts back what was observed before it:
/// `[]` when nothing needs to (a write into an object the reload itself created, which goes as a
/// whole), `nil` when nothing can (an initiator's access removed: its sessions were closed; a
/// CHAP secret written: the old one is not kept).
public struct ReloadStep<Step: Sendable & Hashable & CustomStringConvertible>: Sendable, Hashable {
    public let step: Step
    public let undo: [Step]?

    public init(_ step: Step, undo: [Step]?) {
        self.step = step
        self.undo = undo
    }
}

/// A reload of a running target: its writes, additions before removals (so a failure half-way
/// has taken nothing away that it cannot put back), and whether it disables and re-enables the
/// target — the one kind of reload that makes every initiator log in again.
public struct ReloadPlan<Step: Sendable & Hashable & CustomStringConvertible>: Sendable, Hashable {
    public var steps: [ReloadStep<Step>]
    public var cyclesTarget: Bool

    public init(steps: [ReloadStep<Step>], cyclesTarget: Bool = false) {
        self.steps = steps
        self.cyclesTarget = cyclesTarget
    }

    /// Carries out the steps with `write`; when one is refused, undoes the ones before it,
    /// newest first, as far as they can be, and throws what happened.
    public func carryOut(_ write: (Step) throws(Errno) -> Void) throws(ReloadFailure<Step>) {
        for (index, planned) in steps.enumerated() {
            do {
                try write(planned.step)
            } catch {
                var failure = ReloadFailure(stopped: planned.step, errno: error)
                for applied in steps[..<index].reversed() {
                    guard let undo = applied.undo else {
                        failure.kept.insert(applied.step, at: 0)
                        continue
                    }
                    do {
                        for step in undo { try write(step) }
                        if !undo.isEmpty { failure.undone += 1 }
                    } catch {
                        failure.notUndone.append(applied.step)
                    }
                }
                throw failure
            }
        }
    }
}

/// A reload that stopped at `stopped`: how many of the steps before it were undone, the ones kept
/// because nothing can undo them, and the ones whose undo the kernel refused.
public struct ReloadFailure<Step: Sendable & Hashable & CustomStringConvertible>: Error, Hashable {
    public let stopped: Step
    public let errno: Errno
    public var undone = 0
    public var kept: [Step] = []
    public var notUndone: [Step] = []

    public init(stopped: Step, errno: Errno) {
        self.stopped = stopped
        self.errno = errno
    }

    /// The agent's failure: `refused` (the agent's reason for the stopped write) with what was
    /// undone, kept and not undone. Always 1: Pacemaker recovers the resource as after any failed
    /// action, by a restart with the new parameters.
    public func failure(refused: Reason) -> AgentFailure {
        var summary = "reload stopped: \(refused.summary)"
        summary += undone == 0 ? "; nothing to undo" : "; the \(undone) change\(undone == 1 ? "" : "s") before it undone"
        if !kept.isEmpty { summary += "; kept (cannot be undone): \(kept.map(\.description).joined(separator: ", "))" }
        if !notUndone.isEmpty {
            summary += "; not undone (refused): \(notUndone.map(\.description).joined(separator: ", ")) — the monitor reports what differs"
        }
        return .generic(Reason(summary, details: refused.details))
    }
}
