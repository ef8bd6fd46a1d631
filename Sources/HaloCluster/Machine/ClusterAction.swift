/// What the state machine asks the daemon to do. The daemon performs the actions in order and
/// feeds what comes of them back as events.
public enum ClusterAction: Sendable, Hashable {
    /// Multicast a message to the group (it comes back through the agreed stream).
    case send(ClusterMessage)
    /// Run the fence agents for an attempt this member announced and the cluster accepted.
    case runFence(FenceOrder)
    /// Call back with `LocalEvent.timer` after the delay.
    case schedule(ClusterTimer, after: Duration)
    /// Answer a control-socket client.
    case reply(RequestID, IntentOutcome)
    /// Tell the admin.
    case log(ClusterLogEntry)
    /// This process can no longer take part (evicted from the group): it must restart and
    /// join afresh.
    case restart(reason: String)
}

/// A timer the machine asked for.
public enum ClusterTimer: Sendable, Hashable {
    /// The next fencing attempt of a node may start (back-off, or the startup delay).
    case fenceAttempt(NodeID, failure: UInt64)
}

/// Everything the daemon needs to fence a node: the devices by level, in order.
public struct FenceOrder: Sendable, Hashable {
    public var attempt: FenceAttempt
    /// The victim's name (sent to the agents as `nodename=`, and the default plug).
    public var victimName: String
    /// Wait this long before the first device (the victim's configured fence delay).
    public var delay: Duration
    /// Levels tried in order until one succeeds; every device of a level must succeed.
    public var levels: [[FenceDevice]]
    /// The plug per device name, when it is not the victim's name.
    public var plugs: [String: String]

    public init(attempt: FenceAttempt, victimName: String, delay: Duration, levels: [[FenceDevice]], plugs: [String: String]) {
        self.attempt = attempt
        self.victimName = victimName
        self.delay = delay
        self.levels = levels
        self.plugs = plugs
    }
}

/// What the daemon tells the machine that did not come through the agreed stream.
public enum LocalEvent: Sendable, Hashable {
    /// libquorum's verdict changed (or was read at start).
    case quorum(QuorumReport)
    /// This node's facts were read (disk states, running stacks).
    case facts(LocalFacts)
    /// The configuration file was loaded (at start or on SIGHUP).
    case configuration(ClusterConfiguration)
    /// An operator's request through the control socket; `client` comes back in the reply.
    case request(Intent, client: UInt64)
    /// A fencing attempt this member ran ended.
    case fenceFinished(FenceAttempt, FenceOutcome)
    /// A timer the machine asked for fired.
    case timer(ClusterTimer)
    /// A LUN's stack failed here.
    case stackFailed(StackFailure)
    /// The initiators connected to a LUN served here changed.
    case connections(LUNName, [ClientConnection])
}
