/// The exit status of an OCF resource agent action (OCF resource-agent API 1.1).
///
/// How Pacemaker treats each value decides recovery, so each case's doc says what the
/// cluster will do with it. Only `ExitDecision` turns outcomes and failures into one.
public enum OCFExitCode: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// The action succeeded (or the resource is running, for monitor).
    case success = 0
    /// A soft error: Pacemaker recovers the resource in place (restart) or elsewhere.
    case genericError = 1
    /// Invalid *on this node*: a hard error, the resource is banned from this node.
    case invalidArgument = 2
    /// The action is not implemented.
    case unimplemented = 3
    /// Hard error on this node: missing privileges.
    case insufficientPrivileges = 4
    /// Hard error on this node: a needed component is missing here. Masked to "not running"
    /// for probes.
    case notInstalled = 5
    /// Fatal: the configuration is inherently invalid, the resource is stopped everywhere.
    case notConfigured = 6
    /// Cleanly stopped (monitor only).
    case notRunning = 7
    /// Running in the promoted role (monitor of a promotable resource).
    case runningPromoted = 8
    /// Promoted but failed: Pacemaker demotes, stops and starts it again.
    case failedPromoted = 9
    /// Running, degraded: recorded as a failure for display, treated as success.
    case degraded = 190
    /// Promoted and degraded: treated as running promoted.
    case degradedPromoted = 191

    /// The name Pacemaker and resource-agents use, e.g. `OCF_ERR_CONFIGURED`.
    public var description: String {
        switch self {
        case .success: "OCF_SUCCESS"
        case .genericError: "OCF_ERR_GENERIC"
        case .invalidArgument: "OCF_ERR_ARGS"
        case .unimplemented: "OCF_ERR_UNIMPLEMENTED"
        case .insufficientPrivileges: "OCF_ERR_PERM"
        case .notInstalled: "OCF_ERR_INSTALLED"
        case .notConfigured: "OCF_ERR_CONFIGURED"
        case .notRunning: "OCF_NOT_RUNNING"
        case .runningPromoted: "OCF_RUNNING_PROMOTED"
        case .failedPromoted: "OCF_FAILED_PROMOTED"
        case .degraded: "OCF_DEGRADED"
        case .degradedPromoted: "OCF_DEGRADED_PROMOTED"
        }
    }
}
