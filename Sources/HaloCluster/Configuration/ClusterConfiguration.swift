/// halod's configuration: the nodes and how each is fenced, the LUN stacks and where each may
/// run, and the cluster-wide policies. Every member must hold the same one (compared by
/// `digest` in the announcements); `local` settings are this node's own and not compared.
///
/// Read from one file an admin writes by hand (`/etc/halo/halod.toml`; docs/halod.md shows the
/// seed layout's). See `ClusterConfiguration.load(_:file:)`.
public struct ClusterConfiguration: Sendable, Hashable {
    /// corosync's `totem.cluster_name` this configuration belongs to, when given.
    public var clusterName: String?
    /// Whether a LUN goes back to a more preferred node once that node can take it again.
    /// Off by default: every move is an outage for the LUN's initiators, so placement is sticky.
    public var failsBack: Bool
    /// What a node that loses quorum does with the LUNs it serves.
    public var noQuorumPolicy: NoQuorumPolicy
    /// How long after the cluster formed a configured node that never joined is fenced
    /// (it may hold LUNs from before; a node that joins in time is not fenced).
    public var startupFenceDelay: Duration
    /// The longest wait between two attempts to fence the same node (the back-off's cap).
    public var fenceRetryLimit: Duration
    /// How many times a LUN's stack may fail on a node (monitor failures, restarted in place)
    /// before the LUN moves to another node (Pacemaker's `migration-threshold`). A failed start
    /// moves it at once (Pacemaker's `start-failure-is-fatal`).
    public var migrationThreshold: Int = 3
    /// The nodes, by node id.
    public var nodes: [NodeConfiguration]
    /// Fence devices by name.
    public var fenceDevices: [String: FenceDevice]
    /// The LUN stacks, in the file's order.
    public var luns: [LUNConfiguration]
    /// This node's own settings.
    public var local: LocalSettings

    /// The digest every member announces: over everything but `local`, in a canonical order,
    /// so two files that mean the same configuration agree even if laid out differently.
    public var digest: String {
        var hash = StableHash()
        hash.combine("halod-configuration-1")
        hash.combine(clusterName ?? "")
        hash.combine(failsBack ? "failback" : "sticky")
        hash.combine(noQuorumPolicy.rawValue)
        hash.combine(UInt64(startupFenceDelay.milliseconds))
        hash.combine(UInt64(fenceRetryLimit.milliseconds))
        for node in nodes.sorted(by: { $0.id < $1.id }) {
            hash.combine(UInt64(node.id.rawValue))
            hash.combine(node.name)
            hash.combine(UInt64(node.fenceDelay.milliseconds))
            for level in node.fenceLevels { hash.combine("level"); level.forEach { hash.combine($0) } }
            for (device, plug) in node.plugs.sorted(by: { $0.key < $1.key }) { hash.combine(device); hash.combine(plug) }
        }
        for (name, device) in fenceDevices.sorted(by: { $0.key < $1.key }) {
            hash.combine(name)
            hash.combine(device.agent)
            hash.combine(device.action.rawValue)
            hash.combine(UInt64(device.timeout.milliseconds))
            for (key, value) in device.options { hash.combine(key); hash.combine(value) }
        }
        hash.combine(UInt64(migrationThreshold))
        for lun in luns.sorted(by: { $0.name < $1.name }) {
            hash.combine(lun.name.rawValue)
            lun.nodes.forEach { hash.combine($0) }
            for resource in lun.resources {
                hash.combine(resource.id)
                hash.combine(resource.agent.description)
                hash.combine(resource.role.rawValue)
                for (key, value) in resource.parameters { hash.combine(key); hash.combine(value) }
                for monitor in resource.monitors {
                    hash.combine(UInt64(monitor.interval.milliseconds))
                    hash.combine(UInt64(monitor.depth))
                    hash.combine(UInt64(monitor.timeout.milliseconds))
                }
                for timeout in [resource.timeouts.start, resource.timeouts.stop, resource.timeouts.promote, resource.timeouts.demote, resource.timeouts.probe] {
                    hash.combine(UInt64(timeout.milliseconds))
                }
                // Only when set, so a configuration without it keeps the fingerprint it had.
                if let after = resource.startAfter { hash.combine("start_after"); hash.combine(after) }
            }
        }
        return hash.hex
    }

    /// The node with this id, if configured.
    public func node(_ id: NodeID) -> NodeConfiguration? { nodes.first { $0.id == id } }

    /// The node with this name, if configured.
    public func node(named name: String) -> NodeConfiguration? { nodes.first { $0.name == name } }

    /// The LUN with this name, if configured.
    public func lun(_ name: LUNName) -> LUNConfiguration? { luns.first { $0.name == name } }
}

/// What a node without quorum does with the LUNs it serves.
public enum NoQuorumPolicy: String, Sendable, Hashable, CaseIterable {
    /// Stop them (the default, as Pacemaker's): a node cut off from the majority will be fenced
    /// and its LUNs started elsewhere; stopping first means no initiator keeps writing to a
    /// node whose data is about to be superseded.
    case stop
    /// Keep them running but start and move nothing: for clusters where losing quorum is
    /// more likely to be the others' failure than this node's isolation. Safe only with DRBD's
    /// fencing policy `resource-and-stonith` (which freezes I/O until the peer is fenced).
    case freeze
}

/// One storage node.
public struct NodeConfiguration: Sendable, Hashable {
    /// The node's name (corosync's `nodelist.node.N.name`).
    public var name: String
    /// corosync's node id for it.
    public var id: NodeID
    /// How long to wait before fencing *this* node (as Pacemaker's `pcmk_delay_base` on the
    /// device that fences it): in a two-node cluster, where both halves of a split are quorate
    /// and race to fence each other, the node with the delay survives, because the other one
    /// is fenced first. Give it to the node that should win a split.
    public var fenceDelay: Duration
    /// Fence devices by level: the levels are tried in order until one succeeds; every device
    /// of a level must succeed (two power supplies).
    public var fenceLevels: [[String]]
    /// The plug (outlet, VM name, port) per device, when it is not the node's name.
    public var plugs: [String: String]
}

/// How a fence device is reached: a standard fence agent and its options.
public struct FenceDevice: Sendable, Hashable {
    public var name: String
    /// The fence agent: a name in /usr/sbin (`fence_ipmilan`) or an absolute path.
    public var agent: String
    /// What fencing asks the device to do.
    public var action: FenceAction
    /// How long one run of the agent may take before it is killed and counted as failed.
    public var timeout: Duration
    /// Options written to the agent's standard input as `key=value` lines (never its argv,
    /// never a log: passwords live here).
    public var options: [(String, String)]

    public init(name: String, agent: String, action: FenceAction, timeout: Duration, options: [(String, String)]) {
        self.name = name
        self.agent = agent
        self.action = action
        self.timeout = timeout
        self.options = options
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.agent == rhs.agent && lhs.action == rhs.action && lhs.timeout == rhs.timeout
            && lhs.options.map(\.0) == rhs.options.map(\.0) && lhs.options.map(\.1) == rhs.options.map(\.1)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(agent)
    }
}

/// The power action a fence device performs.
public enum FenceAction: String, Sendable, Hashable, CaseIterable {
    /// Power off and on again (Pacemaker's default): the node comes back clean.
    case reboot
    /// Power off and leave off: an admin turns it on.
    case off
}

/// One LUN stack: where it may run and the resources it is made of.
public struct LUNConfiguration: Sendable, Hashable {
    public var name: LUNName
    /// Node names in order of preference: the first one that can take the LUN gets it.
    /// Nodes not listed never get it.
    public var nodes: [String]
    /// The stack in start order (stopped in reverse), but for a resource's `startAfter`.
    public var resources: [ResourceConfiguration]

    /// Per resource, the index of the later resource it starts after (`startAfter`), if any.
    public var startsAfter: [Int?] {
        resources.map { resource in resource.startAfter.flatMap { after in resources.firstIndex { $0.id == after } } }
    }

    /// The LUN's portal addresses (`ocf:halo:portal`, `ocf:heartbeat:IPaddr2`): where its
    /// initiators connect.
    public var portals: [ConfiguredPortal] {
        // ConfiguredPortal knows the agent types; only halo's and resource-agents' are meant.
        resources.filter { ["halo", "heartbeat"].contains($0.agent.provider) }
            .flatMap { ConfiguredPortal.of(type: $0.agent.type, parameter: $0.parameter) }
    }

    /// The addresses of the LUN's portal without prefixes and interfaces.
    public var portalAddresses: [String] { portals.map(\.host) }

    /// The DRBD resource whose disk state decides which nodes can take the LUN, when the
    /// stack has one (`ocf:halo:drbd` `resource=`, or `ocf:linbit:drbd` `drbd_resource=`).
    public var drbdResource: String? {
        for resource in resources {
            if resource.agent == AgentName(standard: "ocf", provider: "halo", type: "drbd") { return resource.parameter("resource") }
            if resource.agent == AgentName(standard: "ocf", provider: "linbit", type: "drbd") { return resource.parameter("drbd_resource") }
        }
        return nil
    }
}

/// A resource of a LUN stack: an OCF agent, its parameters, where it runs and how it is
/// watched.
public struct ResourceConfiguration: Sendable, Hashable {
    /// Unique across the configuration.
    public var id: String
    public var agent: AgentName
    /// The agent's parameters (`OCF_RESKEY_<name>`), in the file's order.
    public var parameters: [(String, String)]
    /// Where it runs: on the node serving the LUN, on every node of the LUN, or on every node
    /// and promoted on the serving one.
    public var role: ResourceRole = .serving
    /// Recurring monitors (each at its interval and depth).
    public var monitors: [MonitorSchedule] = [MonitorSchedule(interval: .seconds(10), depth: 0, timeout: .seconds(20))]
    /// Timeouts of the agent's actions.
    public var timeouts: ActionTimeouts = ActionTimeouts()
    /// A serving resource listed later in the same stack that this one starts after, although
    /// it is stopped after it too (an asymmetric order, Pacemaker's `symmetrical=false`). For a
    /// portal listed before its target: the addresses go down after the target on a stop (the
    /// target's goodbye reaches the initiators) and come up after it on a start (an initiator
    /// never finds the address without a listener and is reset).
    public var startAfter: String?

    public init(id: String, agent: AgentName, parameters: [(String, String)], role: ResourceRole = .serving,
                monitors: [MonitorSchedule]? = nil, timeouts: ActionTimeouts = ActionTimeouts(), startAfter: String? = nil) {
        self.id = id
        self.agent = agent
        self.parameters = parameters
        self.role = role
        if let monitors { self.monitors = monitors }
        self.timeouts = timeouts
        self.startAfter = startAfter
    }

    public func parameter(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.id == rhs.id && lhs.agent == rhs.agent && lhs.parameters.map(\.0) == rhs.parameters.map(\.0)
            && lhs.parameters.map(\.1) == rhs.parameters.map(\.1) && lhs.role == rhs.role && lhs.monitors == rhs.monitors
            && lhs.timeouts == rhs.timeouts && lhs.startAfter == rhs.startAfter
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(agent)
    }
}

/// Where a resource of a LUN stack runs.
public enum ResourceRole: String, Sendable, Hashable, CaseIterable {
    /// On the node that serves the LUN only, started in the stack's order after the promotion
    /// and stopped in reverse (a target, a portal, LUKS above DRBD).
    case serving
    /// On every node the LUN may run on, whether it serves or not (LUKS below DRBD).
    case everywhere
    /// Started on every node the LUN may run on, promoted on the serving node (DRBD).
    case promotable
}

/// One recurring monitor of a resource.
public struct MonitorSchedule: Sendable, Hashable {
    public var interval: Duration
    /// `OCF_CHECK_LEVEL`.
    public var depth: Int
    public var timeout: Duration

    public init(interval: Duration, depth: Int, timeout: Duration) {
        self.interval = interval
        self.depth = depth
        self.timeout = timeout
    }
}

/// How long each action of an agent may take before it is killed and counted as failed.
public struct ActionTimeouts: Sendable, Hashable {
    public var start: Duration = .seconds(60)
    public var stop: Duration = .seconds(60)
    public var promote: Duration = .seconds(90)
    public var demote: Duration = .seconds(90)
    /// The probe's (a monitor at interval 0, at start-up).
    public var probe: Duration = .seconds(20)

    public init() {}
}

/// An agent as Pacemaker names it: `ocf:halo:portal`.
public struct AgentName: Sendable, Hashable, CustomStringConvertible {
    public var standard: String
    public var provider: String
    public var type: String

    public init(standard: String, provider: String, type: String) {
        self.standard = standard
        self.provider = provider
        self.type = type
    }

    /// Parses `ocf:provider:type`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "ocf",
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) } })
        else { return nil }
        self.init(standard: parts[0], provider: parts[1], type: parts[2])
    }

    public var description: String { "\(standard):\(provider):\(type)" }
}

/// Settings of this node only, not compared between members.
public struct LocalSettings: Sendable, Hashable {
    /// The control socket haloctl talks to.
    public var controlSocket: String = "/run/halo/halod.sock"
    /// How often the node's facts (DRBD disk states) are read and, when changed, announced.
    public var factsInterval: Duration = .seconds(5)
    /// Where the OCF agents are (`OCF_ROOT`): `resource.d/PROVIDER/TYPE`.
    public var ocfRoot: String = "/usr/lib/ocf"
    /// Whether this node, taking a LUN over from another node (lost, moved, drained), tickles
    /// the initiators' old connections so they reconnect at once (on by default).
    public var tickleACKs = true
    /// Where Prometheus scrapes `/metrics` (host and port); nil: no metrics endpoint (the default).
    public var metrics: (host: String, port: UInt16)?

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.controlSocket == rhs.controlSocket && lhs.factsInterval == rhs.factsInterval && lhs.ocfRoot == rhs.ocfRoot
            && lhs.tickleACKs == rhs.tickleACKs
            && lhs.metrics?.host == rhs.metrics?.host && lhs.metrics?.port == rhs.metrics?.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(controlSocket)
        hasher.combine(ocfRoot)
    }

    public init() {}
}

extension Duration {
    /// Whole milliseconds, rounded down (HaloSystem has the same for the modules that use it;
    /// HaloCluster stays free of it).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
