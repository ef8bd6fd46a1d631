import HaloSystem
import Logging

/// What a target agent changes: its steps, each one kernel operation (a configfs `mkdir`, an SCST
/// management write …), carried out in order under the node's lock. An agent says how one step is
/// done; the loop over a start's steps and a reload's plan is this one.
public protocol TargetEffects {
    associatedtype Step: Sendable & Hashable & CustomStringConvertible

    var logger: Logger { get }

    /// Carries out one step; the kernel's refusal is its errno.
    func apply(_ step: Step, credentials: borrowing ChapCredentials?) throws(Errno)
}

/// The step the kernel refused, and why.
public struct StepFailure<Step: Sendable & Hashable>: Error, Hashable {
    public let step: Step
    public let errno: Errno

    public init(step: Step, errno: Errno) {
        self.step = step
        self.errno = errno
    }
}

extension TargetEffects {
    /// Carries out `steps` in order; the first one refused ends it.
    public func apply(_ steps: [Step], credentials: borrowing ChapCredentials?) throws(StepFailure<Step>) {
        for step in steps {
            do {
                try apply(step, credentials: credentials)
            } catch {
                throw StepFailure(step: step, errno: error)
            }
            logger.debug("done", metadata: ["halo.step": "\(step)"])
        }
    }

    /// Carries out a reload (`ReloadPlan.carryOut`: a refused step undoes the ones before it).
    public func apply(_ plan: ReloadPlan<Step>, credentials: borrowing ChapCredentials?) throws(ReloadFailure<Step>) {
        try plan.carryOut { (step) throws(Errno) in
            try apply(step, credentials: credentials)
            logger.debug("done", metadata: ["halo.step": "\(step)"])
        }
    }
}
