/// A change of the halod process group's membership, as the agreed stream delivers it.
public struct MembershipChange: Sendable, Hashable {
    /// The members after the change.
    public var members: [MemberID]
    /// Who left, and how.
    public var left: [Departure]
    /// Who joined, and how.
    public var joined: [Arrival]

    public init(members: [MemberID], left: [Departure], joined: [Arrival]) {
        self.members = members.sorted()
        self.left = left.sorted { $0.member < $1.member }
        self.joined = joined.sorted { $0.member < $1.member }
    }

    /// Whether the node-level membership changed (a node went down or came back): the quorum
    /// verdict of the old ring no longer holds.
    public var changesNodes: Bool {
        left.contains { $0.kind == .nodeDown } || joined.contains { $0.kind == .merged }
    }
}

/// A member that left.
public struct Departure: Sendable, Hashable {
    public var member: MemberID
    public var kind: Kind

    public enum Kind: String, Sendable, Hashable {
        /// It called leave: halod stopped cleanly.
        case clean
        /// Its node left the cluster (killed, crashed, cut off).
        case nodeDown
        /// It ended without leaving (crashed, killed) on a node that stays.
        case processDown
    }

    public init(member: MemberID, kind: Kind) {
        self.member = member
        self.kind = kind
    }

    /// Whether the leave was unclean: the node must be fenced before its LUNs move.
    public var isFailure: Bool { kind != .clean }
}

/// A member that joined.
public struct Arrival: Sendable, Hashable {
    public var member: MemberID
    public var kind: Kind

    public enum Kind: String, Sendable, Hashable {
        /// It called join: a halod that started.
        case joined
        /// It was already a member on the other side of a partition that healed.
        case merged
    }

    public init(member: MemberID, kind: Kind) {
        self.member = member
        self.kind = kind
    }
}

/// One event of the agreed stream: what every member sees in the same order.
public enum AgreedEvent: Sendable, Hashable {
    case membership(MembershipChange)
    case message(from: MemberID, ClusterMessage)
}
