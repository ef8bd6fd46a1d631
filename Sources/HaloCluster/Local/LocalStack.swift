/// What this node knows of one LUN's stack here: each resource's state, as its agent last
/// reported it.
public struct LocalStack: Sendable, Hashable {
    public let lun: LUNName
    /// One entry per configured resource, in the stack's order.
    public var resources: [ResourceState]
    /// The operation running now (one at a time per LUN).
    public var operation: StackStep?
    /// A stop failed here: nothing more is done for this LUN (the node is fenced).
    public var stopFailed = false

    public init(lun: LUNName, count: Int) {
        self.lun = lun
        self.resources = Array(repeating: .unknown, count: count)
    }
}

/// A resource's state on this node.
public enum ResourceState: String, Sendable, Hashable {
    /// Not probed yet.
    case unknown
    case stopped
    /// Started (a promotable resource: started unpromoted).
    case started
    /// Promoted (promotable resources only).
    case promoted
    /// It failed while started (or in a start): it must be stopped before anything else.
    case failed
    /// It failed while promoted: it must be demoted.
    case failedPromoted
}

/// One agent action of a LUN's stack.
public struct StackStep: Sendable, Hashable {
    public var resource: Int
    public var action: StackAction

    public init(resource: Int, action: StackAction) {
        self.resource = resource
        self.action = action
    }
}

/// The agent actions halod runs.
public enum StackAction: String, Sendable, Hashable {
    /// A monitor at interval 0: is it running here?
    case probe
    case start, stop, promote, demote
    case monitor
}

/// What this node should do with a LUN now.
public enum StackGoal: Sendable, Hashable {
    /// Serve it: every part started, the promotable ones promoted.
    case serve
    /// Not serve it: the parts that run everywhere started, the serving ones stopped.
    case standby
    /// Nothing of it here (the LUN is gone from the configuration).
    case absent
    /// Start and stop nothing (no quorum with `freeze`, not in sync yet); probes and monitors go on.
    case hold
}
