import HaloISCSI
import HaloSystem
import Logging

/// What `ocf:halo:lio` changes: configfs objects (mkdir, rmdir, links) and attributes, each one
/// system call, in order, under the node's LIO lock.
struct LIOEffects {
    let kernel: KernelAttributes
    let logger: Logging.Logger

    struct StepFailure: Error, Hashable {
        let step: LIOStep
        let errno: Errno
    }

    func apply(_ steps: [LIOStep], credentials: borrowing ChapCredentials?) throws(StepFailure) {
        for step in steps {
            do {
                try apply(step, credentials: credentials)
            } catch {
                throw StepFailure(step: step, errno: error)
            }
            logger.debug("done", metadata: ["halo.step": "\(step)"])
        }
    }

    /// A reload that stopped at `stopped`: how many of the steps before it were undone, the ones
    /// kept because nothing can undo them, and the undo steps the kernel refused.
    struct ReloadFailure: Error, Hashable {
        let stopped: StepFailure
        var undone = 0
        var kept: [LIOStep] = []
        var undoFailures: [StepFailure] = []
    }

    /// Carries out a reload; when a step fails, undoes the ones before it, newest first, as far
    /// as they can be (`LIOReloadStep.undo`), and throws what happened.
    func apply(_ plan: LIOReloadPlan, credentials: borrowing ChapCredentials?) throws(ReloadFailure) {
        for (index, planned) in plan.steps.enumerated() {
            do {
                try apply(planned.step, credentials: credentials)
                logger.debug("done", metadata: ["halo.step": "\(planned.step)"])
            } catch {
                var failure = ReloadFailure(stopped: StepFailure(step: planned.step, errno: error))
                for applied in plan.steps[..<index].reversed() {
                    guard let undo = applied.undo else {
                        failure.kept.insert(applied.step, at: 0)
                        continue
                    }
                    do {
                        try apply(undo, credentials: nil)
                        if !undo.isEmpty { failure.undone += 1 }
                    } catch {
                        failure.undoFailures.append(error)
                    }
                }
                throw failure
            }
        }
    }

    func apply(_ step: LIOStep, credentials: borrowing ChapCredentials?) throws(Errno) {
        let base = LIOView.base
        switch step {
        case .makeDirectory(let path): try kernel.makeDirectory("\(base)/\(path)")
        case .removeDirectory(let path): try kernel.removeDirectory("\(base)/\(path)")
        case .makeLink(let path, let target): try kernel.makeLink("\(base)/\(path)", to: "\(base)/\(target)")
        case .removeLink(let path): try kernel.removeLink("\(base)/\(path)")
        // LIO's auth/ attributes (Linux 6.1) keep a trailing newline as part of the user name or
        // secret, and then no CHAP login matches: they are written without one.
        case .write(let path, let value): try kernel.write("\(base)/\(path)", line: value, newline: !Self.isAuth(path))
        case .writeSecret(let path, let outgoing):
            switch credentials {
            case .some(let configured):
                try configured.withCredential(outgoing: outgoing) { (credential) throws(Errno) in
                    switch credential {
                    case .some(let present):
                        try kernel.write("\(base)/\(path)", prefix: "", secret: present.secret, newline: !Self.isAuth(path))
                    case .none: preconditionFailure("a CHAP password is written only for a configured credential")
                    }
                }
            case .none:
                preconditionFailure("a CHAP password is written only with credentials")
            }
        }
    }

    /// Whether `path` is a CHAP attribute (`…/auth/userid`, `password`, `userid_mutual`,
    /// `password_mutual`), whose store function keeps what it is given, newline included.
    static func isAuth(_ path: String) -> Bool {
        path.split(separator: "/").dropLast().last == "auth"
    }
}
