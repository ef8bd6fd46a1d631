/// The replicated state: what every member in sync holds, identically, after applying the
/// same agreed stream. Decisions read it and change it only through `ClusterState.apply`.
///
/// Nothing in it comes from a clock or from one node's local view: times are sequence numbers
/// of the agreed stream (`sequence` counts the events applied since the lineage began).
public struct ClusterState: Sendable, Hashable {
    /// Identifies the history this state comes from: every membership change folds the new
    /// view into it, so two partitions that were apart have different lineages when they meet.
    public var lineage: UInt64
    /// The number of agreed events applied to this state.
    public var sequence: UInt64
    /// The process group's members now, sorted.
    public var members: [MemberID]
    /// The members that hold this state (the others are still being brought in sync).
    public var synced: Set<MemberID>
    /// Every configured node, and every node that was ever a member in this lineage.
    public var nodes: [NodeID: NodeRecord]
    public var quorum: QuorumView
    /// The highest ring this lineage saw quorate.
    public var lastQuorateRing: UInt64
    /// Every configured LUN.
    public var luns: [LUNName: LUNRecord]
    /// The most recent fencing results, oldest first (at most `fenceHistoryLimit`).
    public var fenceHistory: [FenceHistoryEntry]
    /// The policy every member in sync announced, with its digest; nil while they disagree or
    /// one has not announced yet, and then nothing that depends on it is decided.
    public var agreement: PolicyAgreement?

    public static let fenceHistoryLimit = 32

    /// The state a cluster starts from when no member holds one (all members started
    /// together, or every member that did is gone).
    public static func genesis(members: [MemberID], lineage: UInt64) -> ClusterState {
        var state = ClusterState(
            lineage: lineage, sequence: 0, members: members.sorted(), synced: Set(members), nodes: [:],
            quorum: QuorumView(ring: 0, isQuorate: false, nodes: [], awaitingRingAbove: nil), lastQuorateRing: 0, luns: [:], fenceHistory: [], agreement: nil)
        for member in members {
            state.nodes[member.node] = NodeRecord(member: member, safety: .running, announcement: nil, isDrained: false, fencedMember: nil)
        }
        return state
    }
}

/// What the cluster knows of one node.
public struct NodeRecord: Sendable, Hashable {
    /// Its halod process when it is a member of the group.
    public var member: MemberID?
    /// Whether it may hold LUNs, and what must happen before its LUNs can move.
    public var safety: NodeSafety
    /// Its latest facts, while it is a member.
    public var announcement: Announcement?
    /// An operator drained it: it gets no LUN until undrained.
    public var isDrained: Bool
    /// A member that was fenced while still in the group: its leave, when it comes, is the
    /// fencing's doing and not a new failure.
    public var fencedMember: MemberID?

    public init(member: MemberID?, safety: NodeSafety, announcement: Announcement?, isDrained: Bool, fencedMember: MemberID?) {
        self.member = member
        self.safety = safety
        self.announcement = announcement
        self.isDrained = isDrained
        self.fencedMember = fencedMember
    }

    /// The pending fencing, when the node must be fenced.
    public var fenceTask: FenceTask? {
        switch safety {
        case .unseen(let task), .lost(let task): task
        case .running, .stopped: nil
        }
    }
}

/// Whether a node may hold LUN stacks, as far as the cluster knows.
public enum NodeSafety: Sendable, Hashable {
    /// Configured, but not a member since this lineage began — or its corosync came back to
    /// the ring after it was stopped, without its halod: it may hold LUNs from before or from
    /// another partition, so it is fenced (after the startup delay) unless its halod joins.
    case unseen(FenceTask)
    /// A member in sync: it holds what it is assigned.
    case running
    /// Holds nothing: it left cleanly, or was fenced.
    case stopped(StopReason)
    /// Left without a clean leave (crashed, killed, cut off): fenced before any LUN it may
    /// hold is started elsewhere.
    case lost(FenceTask)
}

/// Why a node holds nothing.
public enum StopReason: String, Sendable, Hashable {
    case leftCleanly
    case fenced
}

/// A node that must be fenced, and how far that got.
public struct FenceTask: Sendable, Hashable {
    /// The sequence number of the failure (or of the lineage's start, for an unseen node).
    public var failure: UInt64
    /// Attempts that ended in failure.
    public var failedAttempts: Int
    /// Why the last attempt failed.
    public var lastError: String?
    /// The attempt running now, and who runs it.
    public var inProgress: InProgressFence?

    public init(failure: UInt64) {
        self.failure = failure
        self.failedAttempts = 0
        self.lastError = nil
        self.inProgress = nil
    }
}

/// A fencing attempt that was started and has not ended.
public struct InProgressFence: Sendable, Hashable {
    public var actor: MemberID
    public var number: Int
    /// The sequence number at which it started.
    public var started: UInt64
}

/// The agreed quorum: the latest verdict a member reported, for the latest ring.
public struct QuorumView: Sendable, Hashable {
    /// The ring of the latest verdict.
    public var ring: UInt64
    public var isQuorate: Bool
    /// The nodes of that ring, sorted: a node's corosync that comes back to the ring after it
    /// was away may have served LUNs elsewhere meanwhile (`applyQuorum`).
    public var nodes: [NodeID]
    /// After a node-level membership change, the old ring: until a verdict for a newer ring
    /// arrives, the cluster does not act (the old verdict is about a membership that is gone).
    public var awaitingRingAbove: UInt64?

    /// Whether decisions that need quorum may be taken now.
    public var allowsActions: Bool { isQuorate && awaitingRingAbove == nil }
}

/// Where one LUN is to be served.
public struct LUNRecord: Sendable, Hashable {
    /// The node assigned to serve it; nil while it has none.
    public var owner: NodeID?
    /// Why the owner is what it is, or why the LUN has none.
    public var reason: PlacementReason
    /// When (sequence number) the owner last changed.
    public var since: UInt64
    /// A move an operator asked for that is not yet done.
    public var pendingMove: NodeID?
    /// The stack's failures per node (counts, bans).
    public var failures: [NodeID: LUNFailures] = [:]
    /// A configuration error an agent reported (exit 6): the LUN runs nowhere until the
    /// configuration changes or an operator clears it.
    public var blocked: String?
    /// Nodes whose copy of the LUN's data DRBD's fence-peer handler outdated (the replication
    /// link was lost while another node was Primary): none of them is promoted until its
    /// resync ends (the after-resync-target handler).
    public var outdated: Set<NodeID> = []
    /// The initiators' TCP connections to the LUN's portal addresses, as the serving node last
    /// reported them: the node that takes the LUN over (after a crash, a move, a drain) makes
    /// each fail at once (a tickle ACK) so its initiator reconnects without waiting for a
    /// timeout.
    public var connections: [ClientConnection] = []

    public init(owner: NodeID?, reason: PlacementReason, since: UInt64) {
        self.owner = owner
        self.reason = reason
        self.since = since
        self.pendingMove = nil
    }

    /// Whether `node` still owes the initiators of this LUN a tickle: it took the LUN over
    /// from another node (lost, moved away from, drained, left, failed back from) and has not
    /// tickled this placement yet (`tickled`: the `since` of the placement it last tickled).
    /// Until it has, `connections` are the previous node's — the list the tickle reads — and
    /// `node` must not replace them with its own (none yet).
    ///
    /// After a planned handover the previous node's connections are usually still open on
    /// the initiators' side: its stop removes the portal addresses before the target ends
    /// its sessions (the order of a stack, docs/halod.md), so no FIN reaches the initiator,
    /// which would otherwise try the portal again before this node's target listens.
    public func awaitsTickle(by node: NodeID, tickled: UInt64?) -> Bool {
        guard owner == node, reason.isHandover else { return false }
        return tickled != since
    }
}

/// One initiator's TCP connection to a portal address.
public struct ClientConnection: Sendable, Hashable, Comparable {
    public var portal: String
    public var portalPort: UInt16
    public var client: String
    public var clientPort: UInt16

    public init(portal: String, portalPort: UInt16, client: String, clientPort: UInt16) {
        self.portal = portal
        self.portalPort = portalPort
        self.client = client
        self.clientPort = clientPort
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.portal, lhs.portalPort, lhs.client, lhs.clientPort) < (rhs.portal, rhs.portalPort, rhs.client, rhs.clientPort)
    }
}

/// A LUN's failures on one node.
public struct LUNFailures: Sendable, Hashable {
    /// Failures reported (restarts in place count).
    public var count: Int
    /// The node may not take the LUN until an operator clears it.
    public var isBanned: Bool
    /// The last failure's resource, action and reason.
    public var last: String

    public init(count: Int, isBanned: Bool, last: String) {
        self.count = count
        self.isBanned = isBanned
        self.last = last
    }
}

/// Why a LUN is where it is.
public enum PlacementReason: Sendable, Hashable {
    /// Placed on its most preferred node that could take it.
    case placed
    /// Moved by an operator's request.
    case moved
    /// Moved off a drained node.
    case drained
    /// Its owner was lost and fenced; placed anew.
    case recovered(from: NodeID)
    /// Its owner left cleanly; placed anew.
    case reassigned(from: NodeID)
    /// Moved back to a more preferred node (fail-back is on).
    case failedBack
    /// It had no owner and a member found it running (its probes): it stays there.
    case adopted
    /// Its owner is lost: it stays assigned there until the owner is fenced.
    case waitingForFence(NodeID)
    /// No owner: why not.
    case unplaced(Unplaced)

    /// Whether the owner took the LUN over from a node that served it (the initiators'
    /// connections in the record are that node's).
    public var isHandover: Bool {
        switch self {
        case .recovered, .reassigned, .moved, .drained, .failedBack: true
        case .placed, .adopted, .waitingForFence, .unplaced: false
        }
    }
}

/// Why a LUN has no owner.
public enum Unplaced: Sendable, Hashable {
    /// The cluster is not quorate, or the members' configurations differ.
    case noDecisions
    /// No node it may run on can take it (not a member, drained, or its disk not UpToDate).
    case noEligibleNode
    /// A node it may run on must be fenced first (it could be serving the LUN).
    case waitingForFence(NodeID)
    /// An agent reported a configuration error (exit 6).
    case configurationError
}

/// One fencing result, kept for status.
public struct FenceHistoryEntry: Sendable, Hashable {
    public var attempt: FenceAttempt
    public var actor: MemberID
    public var outcome: FenceOutcome
    /// The sequence number at which the result was applied.
    public var at: UInt64
}

/// The configuration every member in sync announced.
public struct PolicyAgreement: Sendable, Hashable {
    public var digest: String
    public var policy: ClusterPolicy
}
