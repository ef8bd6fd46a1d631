/// What halod members multicast to the group. Every member applies every message in the same
/// order (CPG's agreed order), so the replicated state stays identical everywhere.
public enum ClusterMessage: Sendable, Hashable {
    /// After every membership change, from every member: where it stands (in sync or not, its
    /// state's lineage). When all current members have said hello, the round is complete and
    /// every member draws the same conclusion (see `SyncRound`).
    case hello(Hello)
    /// The state at a round's completion, for the members that were not in sync then.
    case snapshot(Snapshot)
    /// This node's quorum verdict (from libquorum) for a ring.
    case quorum(QuorumReport)
    /// This node's facts: its configuration's digest and each LUN's local disk state.
    case announce(Announcement)
    /// The fencing actor starts an attempt to fence a node.
    case fenceStarted(FenceAttempt)
    /// How an attempt ended.
    case fenceFinished(FenceAttempt, FenceOutcome)
    /// An operator's request (through the control socket of the member that sent it).
    case intent(Intent, RequestID)
    /// A LUN stack's agent failed on the sending node.
    case stackFailed(StackFailure)
    /// The initiators connected to a LUN's portal addresses on the sending (serving) node.
    case connections(LUNName, [ClientConnection])
}

/// A LUN stack's agent failed on the node that reports it.
public struct StackFailure: Sendable, Hashable {
    public var lun: LUNName
    /// The resource id.
    public var resource: String
    /// The agent's action (start, stop, promote, demote, monitor).
    public var action: String
    public var kind: Kind
    /// The agent's exit reason, or what happened (no secret: agents never print one).
    public var reason: String

    /// What a failure means, as Pacemaker reads the exit codes.
    public enum Kind: String, Sendable, Hashable {
        /// A monitor found it failed (1, or not running when it should run, or a timeout): it is
        /// restarted in place, until the LUN has failed `migration_threshold` times on the node.
        case soft
        /// A start or promote failed: the LUN moves at once (start-failure-is-fatal).
        case startFailed
        /// 2, 4 or 5: never again on this node until an operator clears it.
        case hard
        /// 6: the configuration is wrong: nowhere until it changes or is cleared.
        case fatal
        /// A stop or demote failed or timed out: the node may still run it, so it is fenced.
        case stopFailed
    }

    public init(lun: LUNName, resource: String, action: String, kind: Kind, reason: String) {
        self.lun = lun
        self.resource = resource
        self.action = action
        self.kind = kind
        self.reason = reason
    }
}

/// A member's hello in a synchronisation round.
public struct Hello: Sendable, Hashable {
    /// The membership the hello answers (the sender's view after the change): a hello that
    /// arrives after a later change is recognised as stale and ignored.
    public var view: [MemberID]
    /// Unique per hello of a member; the round's identity is made of these.
    public var nonce: UInt64
    /// Whether the sender holds the replicated state.
    public var isSynced: Bool
    /// The sender's state lineage (nil when not in sync). Members of one partition share a
    /// lineage; two partitions that merge have different ones.
    public var lineage: UInt64?
    /// The highest ring the sender's state saw quorate: after a partition heals, the side that
    /// had quorum most recently is the one whose state is kept.
    public var lastQuorateRing: UInt64

    public init(view: [MemberID], nonce: UInt64, isSynced: Bool, lineage: UInt64?, lastQuorateRing: UInt64) {
        self.view = view
        self.nonce = nonce
        self.isSynced = isSynced
        self.lineage = lineage
        self.lastQuorateRing = lastQuorateRing
    }
}

/// The replicated state as it was when a round completed, for the members that were not in
/// sync then.
public struct Snapshot: Sendable, Hashable {
    /// The identity of the round whose completion the state belongs to.
    public var anchor: UInt64
    /// The members that take this state.
    public var recipients: [MemberID]
    public var state: ClusterState

    public init(anchor: UInt64, recipients: [MemberID], state: ClusterState) {
        self.anchor = anchor
        self.recipients = recipients
        self.state = state
    }
}

/// A node's quorum verdict as its libquorum reported it.
public struct QuorumReport: Sendable, Hashable {
    /// The totem ring's sequence number the verdict belongs to.
    public var ring: UInt64
    public var isQuorate: Bool
    /// The nodes of that ring.
    public var nodes: [NodeID]

    public init(ring: UInt64, isQuorate: Bool, nodes: [NodeID]) {
        self.ring = ring
        self.isQuorate = isQuorate
        self.nodes = nodes
    }
}

/// A node's local facts.
public struct Announcement: Sendable, Hashable {
    /// The digest of the node's configuration (`ClusterConfiguration.digest`).
    public var configurationDigest: String
    /// The decision-relevant part of that configuration.
    public var policy: ClusterPolicy
    /// halod's version on the node.
    public var software: String
    /// Each configured LUN's local disk state.
    public var disks: [LUNName: DiskFact]
    /// The LUN stacks found running on the node (its probes' answer): at the start of a
    /// lineage a running LUN stays where it runs instead of being started a second time.
    public var running: Set<LUNName>

    public init(configurationDigest: String, policy: ClusterPolicy, software: String, facts: LocalFacts) {
        self.configurationDigest = configurationDigest
        self.policy = policy
        self.software = software
        self.disks = facts.disks
        self.running = facts.running
    }
}

/// What a node finds on itself: each LUN's disk state, and which LUN stacks run.
public struct LocalFacts: Sendable, Hashable {
    public var disks: [LUNName: DiskFact]
    public var running: Set<LUNName>

    public init(disks: [LUNName: DiskFact], running: Set<LUNName> = []) {
        self.disks = disks
        self.running = running
    }
}

/// A LUN's local disk as a node sees it: whether the node could serve the LUN's data.
public enum DiskFact: String, Sendable, Hashable, CaseIterable {
    /// DRBD's disk is UpToDate: the node may serve the LUN.
    case upToDate
    case outdated
    case inconsistent
    case diskless
    case failed
    /// The DRBD resource is not up (or its state could not be read).
    case unknown
    /// The LUN has no replicated disk: any node it may run on can serve it.
    case notReplicated

    /// Whether a node with this disk may serve the LUN.
    public var canServe: Bool { self == .upToDate || self == .notReplicated }
}

/// One attempt to fence a node, as the actor announced it.
public struct FenceAttempt: Sendable, Hashable {
    public var victim: NodeID
    /// The sequence number at which the victim's failure was recorded: an attempt counts only
    /// for the failure it was started for.
    public var failure: UInt64
    /// 1 for the first attempt.
    public var number: Int

    public init(victim: NodeID, failure: UInt64, number: Int) {
        self.victim = victim
        self.failure = failure
        self.number = number
    }
}

/// How a fencing attempt ended.
public enum FenceOutcome: Sendable, Hashable {
    /// The node is off (or was rebooted): `device` is what did it.
    case succeeded(device: String)
    /// Every level failed; `reason` says how (no secret in it).
    case failed(reason: String)
}

/// What an operator asks for.
public enum Intent: Sendable, Hashable {
    /// Serve the LUN from this node.
    case move(LUNName, to: NodeID)
    /// Move every LUN away from this node and give it none until undrained.
    case drain(NodeID)
    /// Let the node take LUNs again.
    case undrain(NodeID)
    /// Forget a LUN's failures (and a configuration error): it may run where it failed again.
    case clear(LUNName)
    /// DRBD's fence-peer handler on the sending node (the Primary): its peers for the LUN must
    /// not be promoted — outdated if they are members, fenced if they are lost.
    case fencePeer(LUNName)
    /// DRBD's after-resync-target handler on the sending node: its data is UpToDate again.
    case unfencePeer(LUNName)
}

/// How the cluster answered an intent.
public enum IntentOutcome: Sendable, Hashable {
    case accepted(String)
    case refused(String)
    /// A fence-peer request: the peers are outdated, or fenced, or these lost nodes must be
    /// fenced first (the answer then waits for it).
    case peersOutdated
    case peersFenced
    case awaitingFence([NodeID])
}
