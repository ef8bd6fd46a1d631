/// A process in a corosync process group: the node it runs on and its process id.
///
/// Peers are keyed by both: a node can have several processes in one group (a second daemon
/// instance, or a restarted one whose leave is not yet delivered).
public struct GroupMember: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The corosync node id (`nodelist.node.N.nodeid`).
    public var nodeID: UInt32
    /// The process id on that node.
    public var processID: UInt32

    public init(nodeID: UInt32, processID: UInt32) {
        self.nodeID = nodeID
        self.processID = processID
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.nodeID, lhs.processID) < (rhs.nodeID, rhs.processID)
    }

    public var description: String { "\(nodeID)/\(processID)" }
}

/// Why a process joined or left a group, as corosync reports it.
public enum MembershipReason: UInt32, Sendable, Hashable {
    /// The process called `cpg_join`.
    case joined = 1
    /// The process called `cpg_leave`: a clean leave.
    case left = 2
    /// The process's node left the cluster (killed, crashed, or cut off).
    case nodeDown = 3
    /// The process was already a member on a node that just (re)joined the cluster: a merge.
    case nodeUp = 4
    /// The process ended without `cpg_leave` (it crashed or was killed) on a node that stays.
    case processDown = 5
    /// corosync gave no reason (member lists).
    case unspecified = 0
}

/// A change of a process group's membership (the CPG configuration change callback).
public struct GroupMembershipChange: Sendable, Hashable {
    /// The group's members after the change.
    public var members: [GroupMember]
    /// Who left, and why.
    public var left: [(member: GroupMember, reason: MembershipReason)]
    /// Who joined, and how.
    public var joined: [(member: GroupMember, reason: MembershipReason)]

    public init(members: [GroupMember], left: [(member: GroupMember, reason: MembershipReason)],
                joined: [(member: GroupMember, reason: MembershipReason)]) {
        self.members = members
        self.left = left
        self.joined = joined
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.members == rhs.members
            && lhs.left.map(\.member) == rhs.left.map(\.member) && lhs.left.map(\.reason) == rhs.left.map(\.reason)
            && lhs.joined.map(\.member) == rhs.joined.map(\.member) && lhs.joined.map(\.reason) == rhs.joined.map(\.reason)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members)
        hasher.combine(left.map(\.member))
        hasher.combine(joined.map(\.member))
    }
}

/// The identity of a totem ring (one membership of the whole cluster): its representative
/// node and a sequence number that grows with every new ring.
public struct RingID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nodeID: UInt32
    public var sequence: UInt64

    public init(nodeID: UInt32, sequence: UInt64) {
        self.nodeID = nodeID
        self.sequence = sequence
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.sequence, lhs.nodeID) < (rhs.sequence, rhs.nodeID) }

    public var description: String { "\(nodeID).\(sequence)" }
}

/// Something corosync told this process, in the order its libraries delivered it.
public enum CorosyncEvent: Sendable, Hashable {
    /// The process group's membership changed.
    case membership(GroupMembershipChange)
    /// The cluster's node-level membership (the totem ring) changed.
    case ring(RingID, nodes: [UInt32])
    /// A message multicast to the group, in the group's total order.
    case message(from: GroupMember, bytes: [UInt8])
    /// The quorum state (votequorum's verdict for a ring).
    case quorum(isQuorate: Bool, ring: RingID, nodes: [UInt32])
}
