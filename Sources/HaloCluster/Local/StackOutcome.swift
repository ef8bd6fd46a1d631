/// How an agent action ended, as far as halod saw.
public enum AgentExit: Sendable, Hashable {
    /// The agent exited with this OCF code.
    case code(Int32)
    /// It did not finish within its timeout and was killed.
    case timedOut
    /// It could not be run (not installed, not executable): as OCF's 5.
    case notRunnable
}

/// What an action's exit means for the resource, and for the cluster: Pacemaker's reading of
/// the OCF exit codes (1 soft, 2/4/5 hard on this node, 6 fatal everywhere, 7 not running,
/// 8 promoted, 9 failed promoted, 190/191 running/promoted but degraded — read as 0/8, as
/// Pacemaker's `pcmk__effective_rc` does; a timeout as a failure of the action; a failed stop as
/// a node that may still run it).
public enum StackOutcome {
    /// The resource's new state and, for a failure, what the cluster must learn.
    public static func reading(_ exit: AgentExit, of action: StackAction, role: ResourceRole, was: ResourceState) -> (ResourceState, StackFailure.Kind?) {
        let code: Int32
        switch exit {
        case .code(let value): code = effective(value)
        case .timedOut: code = -1
        case .notRunnable: code = 5
        }
        switch action {
        case .probe:
            switch code {
            case 0: return (.started, nil)
            case 7, 5: return (.stopped, nil)  // 5 on a probe: not installed here means not running here
            case 8: return (role == .promotable ? .promoted : .failedPromoted, role == .promotable ? nil : .soft)
            case 9: return (.failedPromoted, .soft)
            default: return (.failed, failureKind(code, soft: .soft))
            }
        case .start:
            return code == 0 ? (.started, nil) : (.failed, failureKind(code, soft: .startFailed))
        case .promote:
            return code == 0 ? (.promoted, nil) : (.failedPromoted, failureKind(code, soft: .startFailed))
        case .demote:
            return code == 0 ? (.started, nil) : (.failedPromoted, .stopFailed)
        case .stop:
            return code == 0 ? (.stopped, nil) : (.failed, .stopFailed)
        case .monitor:
            let expected: Int32 = was == .promoted ? 8 : 0
            if code == expected { return (was, nil) }
            if code == 9 || (was == .promoted && code == 0) { return (.failedPromoted, .soft) }
            return (was == .promoted ? .failedPromoted : .failed, failureKind(code, soft: .soft))
        }
    }

    /// A degraded result is its healthy one for what follows (OCF_DEGRADED 190 → 0,
    /// OCF_DEGRADED_PROMOTED 191 → 8): the agent says the resource runs, with a problem worth
    /// showing but not one to recover from. (ocf:halo:drbd's monitor says 191 while DRBD
    /// suspends I/O during the fence of a lost peer; read as a failure, it restarted the stack
    /// of a LUN the crash had not touched.)
    static func effective(_ code: Int32) -> Int32 {
        switch code {
        case 190: 0
        case 191: 8
        default: code
        }
    }

    /// 2, 4, 5 are hard, 6 fatal, anything else (1, 7 where 0 was expected, a timeout) `soft`.
    static func failureKind(_ code: Int32, soft: StackFailure.Kind) -> StackFailure.Kind {
        switch code {
        case 2, 4, 5: .hard
        case 6: .fatal
        default: soft
        }
    }
}
