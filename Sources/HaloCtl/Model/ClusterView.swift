import HaloCluster

/// Which cluster manager runs the LUN stacks: haloctl speaks to either with the same commands.
public enum ManagerKind: String, Sendable, Hashable, CaseIterable {
    case pacemaker
    case halod

    /// Its name in sentences.
    public var displayName: String { self == .pacemaker ? "Pacemaker" : "halod" }
}

/// What the cluster manager believes, in the terms haloctl shows: nodes and LUNs. Built by a
/// backend from one consistent snapshot (Pacemaker: one CIB; halod: one status answer); the
/// nodes' live facts are gathered separately and compared with it (`StatusReport`).
public struct ClusterView: Sendable, Hashable {
    public var manager: ManagerKind
    /// The node haloctl runs on, as the manager names it (nil when it is not a member).
    public var localNode: String?
    /// Whether the partition this node is in has quorum (nil: unknown).
    public var quorate: Bool?
    public var nodes: [NodeView]
    public var luns: [LUNView]
    /// What is wrong with the manager's own setup: fencing disabled, leftover move
    /// constraints, members that disagree on the configuration …
    public var findings: [Finding]
    /// Actions the manager is about to take or is taking (empty when it is idle).
    public var pendingActions: [String]

    public init(manager: ManagerKind, localNode: String?, quorate: Bool?, nodes: [NodeView], luns: [LUNView],
                findings: [Finding] = [], pendingActions: [String] = []) {
        self.manager = manager
        self.localNode = localNode
        self.quorate = quorate
        self.nodes = nodes
        self.luns = luns
        self.findings = findings
        self.pendingActions = pendingActions
    }

    public func node(_ name: String) -> NodeView? { nodes.first { $0.name == name } }

    /// The LUN an operator named: by its name, or by any of its resources' ids.
    public func lun(_ name: String) -> LUNView? {
        luns.first { $0.name == name } ?? luns.first { $0.layers.contains { $0.id == name } || $0.managerID == name }
    }
}

/// A node as the manager sees it.
public struct NodeView: Sendable, Hashable {
    public var name: String
    public var state: NodeState
    /// The manager's fencing record of this node, oldest first.
    public var fencing: [FenceRecord]

    public init(name: String, state: NodeState, fencing: [FenceRecord] = []) {
        self.name = name
        self.state = state
        self.fencing = fencing
    }
}

/// A node's state, worst first where several apply.
public enum NodeState: String, Sendable, Hashable, Comparable {
    /// Lost and not yet fenced: nothing it ran may move until it is.
    case unclean
    /// Powered off by fencing and not back.
    case fenced
    case offline
    /// Joining: not yet part of decisions.
    case pending
    /// Kept free of LUNs by an operator (Pacemaker: standby; halod: drained).
    case drained
    /// In maintenance mode: the manager neither starts nor stops anything there.
    case maintenance
    case online

    var rank: Int {
        switch self {
        case .unclean: 0
        case .fenced: 1
        case .offline: 2
        case .pending: 3
        case .drained: 4
        case .maintenance: 5
        case .online: 6
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// Whether a LUN may be placed there.
    public var canServe: Bool { self == .online }

    public var words: String {
        switch self {
        case .unclean: "lost, not yet fenced"
        case .fenced: "fenced"
        case .offline: "offline"
        case .pending: "joining"
        case .drained: "drained"
        case .maintenance: "in maintenance"
        case .online: "online"
        }
    }
}

/// One fencing operation against a node.
public struct FenceRecord: Sendable, Hashable {
    /// Wall time (seconds since 1970) when it completed or failed; nil when unknown.
    public var time: Double?
    public var action: String
    public var succeeded: Bool
    /// Who ran it, with which device, or why it failed.
    public var detail: String

    public init(time: Double?, action: String, succeeded: Bool, detail: String) {
        self.time = time
        self.action = action
        self.succeeded = succeeded
        self.detail = detail
    }
}

/// One LUN: a failover unit (DRBD below, then the target and its portal addresses).
public struct LUNView: Sendable, Hashable {
    /// The operator's name for it (halod: the configured name; Pacemaker: the DRBD resource
    /// name of its promotable clone).
    public var name: String
    /// The manager's handle for moving it (Pacemaker: the promotable clone's id).
    public var managerID: String
    /// The DRBD resource replicating it, if it is replicated.
    public var drbdResource: String?
    /// The node the manager has chosen to serve it (Pacemaker: where the clone is Promoted).
    public var servingNode: String?
    /// Whether every layer runs on `servingNode` as far as the manager knows.
    public var isServedByManager: Bool
    /// The resources making up the LUN, bottom up.
    public var layers: [LayerView]
    /// The portal addresses its target is reached at (`198.19.24.51/24` on `trunk.24`).
    public var portals: [PortalEndpoint]
    /// The iSCSI target's name, when the configuration says it.
    public var targetName: String?
    /// The node the configuration prefers for it, if any.
    public var preferredNode: String?
    /// Nodes the LUN may not run on now (failures, bans, outdated data), with why.
    public var excluded: [String: String]
    /// A move an operator asked for that is not done yet.
    public var pendingMove: String?
    /// When its serving node last changed (wall seconds), as the manager recorded it.
    public var lastMoved: Double?
    /// How long it was not served around that change (seconds), when the records show it.
    public var lastUnservedSeconds: Double?
    /// The manager's own complaints about it (failed actions, configuration errors).
    public var findings: [Finding]

    public init(name: String, managerID: String, drbdResource: String? = nil, servingNode: String? = nil,
                isServedByManager: Bool = false, layers: [LayerView] = [], portals: [PortalEndpoint] = [],
                targetName: String? = nil, preferredNode: String? = nil, excluded: [String: String] = [:],
                pendingMove: String? = nil, lastMoved: Double? = nil, lastUnservedSeconds: Double? = nil,
                findings: [Finding] = []) {
        self.name = name
        self.managerID = managerID
        self.drbdResource = drbdResource
        self.servingNode = servingNode
        self.isServedByManager = isServedByManager
        self.layers = layers
        self.portals = portals
        self.targetName = targetName
        self.preferredNode = preferredNode
        self.excluded = excluded
        self.pendingMove = pendingMove
        self.lastMoved = lastMoved
        self.lastUnservedSeconds = lastUnservedSeconds
        self.findings = findings
    }
}

/// One resource of a LUN and where it runs.
public struct LayerView: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case luks, drbd, target, portal, other
    }

    public var id: String
    public var kind: Kind
    /// Its agent (`ocf:halo:lio`).
    public var agent: String
    /// Per node where it is active: its role (`Promoted`, `Unpromoted`, `Started`).
    public var roles: [String: String]
    /// Nodes where its last action failed.
    public var failedOn: [String]
    /// Nodes where a recurring monitor of it has reported (it is watched there).
    public var monitoredOn: [String]
    /// Per node, the action on it in flight (`promote`).
    public var pending: [String: String]

    public init(id: String, kind: Kind, agent: String, roles: [String: String] = [:], failedOn: [String] = [],
                monitoredOn: [String] = [], pending: [String: String] = [:]) {
        self.id = id
        self.kind = kind
        self.agent = agent
        self.roles = roles
        self.failedOn = failedOn
        self.monitoredOn = monitoredOn
        self.pending = pending
    }
}

/// A portal address of a LUN's target and the interface (VLAN) it lives on: the same reader
/// for both managers' configurations (HaloCluster's `ConfiguredPortal`).
public typealias PortalEndpoint = ConfiguredPortal
