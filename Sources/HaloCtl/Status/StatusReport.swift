import HaloFacts
import HaloJSON

/// `haloctl status`: the manager's belief and the nodes' live facts side by side, per LUN and
/// per node, problems first, in plain words. Its JSON form is schema `halo.status/1`
/// (docs/haloctl.md); its exit code is 0 healthy, 1 degraded, 2 down or unknown.
public struct StatusReport: Sendable {
    public enum Health: String, Sendable, Hashable, Comparable {
        case healthy, degraded, down, unknown

        var rank: Int {
            switch self {
            case .healthy: 0
            case .degraded: 1
            case .down: 2
            case .unknown: 3
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

        public var exitCode: Int32 {
            switch self {
            case .healthy: 0
            case .degraded: 1
            case .down, .unknown: 2
            }
        }
    }

    /// One LUN, as the report shows it.
    public struct LUN: Sendable {
        public var view: LUNView
        public var health: Health
        public var problems: [String]
        /// Per node: DRBD's state there in words.
        public var drbd: [(node: String, state: String)]
        /// On the serving node: the target (`iqn… enabled, 1 LUN`) or why not.
        public var target: String?
        /// On the serving node: each portal address, its interface and whether it is up.
        public var portals: [(address: String, interface: String?, up: Bool)]
        /// Initiators logged in to the target on the serving node.
        public var initiators: [String]
    }

    public var view: ClusterView
    public var luns: [LUN]
    public var facts: [String: Reading<NodeFacts>]

    public var health: Health { luns.map(\.health).max() ?? (view.findings.contains { $0.severity == .critical } ? .degraded : .healthy) }

    /// The problems of the whole report, worst first.
    public var problems: [(Health, String)] {
        var list: [(Health, String)] = []
        for finding in view.findings where finding.severity >= .warning {
            list.append((.degraded, "\(finding.subject): \(finding.message)"))
        }
        for lun in luns { list += lun.problems.map { (lun.health, "\(lun.view.name): \($0)") } }
        return list.sorted { $0.0 > $1.0 }
    }

    public var exitCode: Int32 {
        let worstFinding: Health = view.findings.contains { $0.severity >= .warning } ? .degraded : .healthy
        return max(health, worstFinding).exitCode
    }

    /// Builds the report for the LUNs named (all when empty).
    ///
    /// - Throws: `HaloctlError.usage` for a LUN that does not exist.
    public init(view: ClusterView, facts: [String: Reading<NodeFacts>], only names: [String] = []) throws(HaloctlError) {
        self.view = view
        self.facts = facts
        var selected: [LUNView] = []
        for name in names {
            guard let lun = view.lun(name) else {
                throw .usage("no LUN \(name); the LUNs are: \(view.luns.map(\.name).joined(separator: ", "))")
            }
            selected.append(lun)
        }
        luns = (names.isEmpty ? view.luns : selected).map { Self.lun($0, view: view, facts: facts) }
    }

    static func lun(_ lun: LUNView, view: ClusterView, facts: [String: Reading<NodeFacts>]) -> LUN {
        var problems: [String] = []
        var health = Health.healthy
        func worsen(_ to: Health, _ problem: String) {
            health = max(health, to)
            problems.append(problem)
        }
        for finding in lun.findings where finding.severity >= .warning {
            worsen(finding.severity == .critical ? .down : .degraded, finding.message)
        }
        var drbd: [(String, String)] = []
        if lun.drbdResource != nil {
            for node in view.nodes.map(\.name) {
                switch facts[node] {
                case .read(let nodeFacts)?:
                    switch LUNFacts(lun: lun, facts: nodeFacts).drbd {
                    case .read(let resource?): drbd.append((node, resource.summary))
                    case .read(nil): drbd.append((node, "not up"))
                    case .failed(let why): drbd.append((node, "unknown (\(why))"))
                    }
                case .failed(let why)?: drbd.append((node, "unknown (\(why))"))
                case nil: drbd.append((node, "unknown (not asked)"))
                }
            }
        }
        var target: String?
        var portals: [(String, String?, Bool)] = []
        var initiators: [String] = []
        guard let node = lun.servingNode else {
            worsen(.down, "not served by any node\(lun.pendingMove.map { " (moving to \($0))" } ?? "")")
            return LUN(view: lun, health: health, problems: problems, drbd: drbd, target: nil, portals: [], initiators: [])
        }
        if !lun.isServedByManager {
            worsen(.down, "\(view.manager.displayName) has it on \(node) but not every part runs: \(MoveOperation.describe(lun))")
        }
        switch facts[node] {
        case .read(let nodeFacts)?:
            let here = LUNFacts(lun: lun, facts: nodeFacts)
            if let resource = here.drbd.value ?? nil {
                if resource.role != .primary { worsen(.down, "DRBD \(resource.name) is \(resource.role.rawValue) on \(node), which serves it") }
                if !resource.allUpToDate { worsen(.down, "DRBD \(resource.name)'s disk on \(node) is not UpToDate") }
                let healthyPeers = resource.connections.filter { $0.state == .connected && $0.volumes.allSatisfy { $0.peerDisk == .upToDate } }
                if healthyPeers.isEmpty {
                    let syncing = resource.connections.contains { $0.volumes.contains { $0.replication.isResyncing } }
                    worsen(.degraded, syncing ? "DRBD \(resource.name) is resyncing: no up-to-date copy elsewhere yet"
                                              : "DRBD \(resource.name) has no connected up-to-date peer: a failure of \(node) now loses the LUN")
                }
            } else if let name = lun.drbdResource {
                if let why = here.drbd.failure {
                    worsen(.unknown, "cannot read DRBD on \(node): \(why)")
                } else {
                    worsen(.down, "DRBD resource \(name) is not up on \(node), which serves it")
                }
            }
            if let iqn = lun.targetName {
                switch here.target {
                case .read(let found?):
                    target = "\(iqn) \(found.isEnabled ? "enabled" : "NOT enabled"), \(found.luns.count) LUN(s)"
                    if !found.isEnabled || found.luns.isEmpty { worsen(.down, "its target on \(node) is \(found.isEnabled ? "without a LUN" : "not enabled")") }
                    initiators = found.sessions.map(\.initiator)
                case .read(nil):
                    target = "\(iqn) missing"
                    worsen(.down, "its target \(iqn) does not exist on \(node)")
                case .failed(let why):
                    target = "unknown (\(why))"
                    worsen(.unknown, "cannot read the targets on \(node): \(why)")
                }
            }
            switch here.portals {
            case .read(let states):
                portals = states.map { ($0.endpoint.address, $0.interface, $0.isUsable) }
                let down = states.filter { !$0.isUsable }
                if !states.isEmpty && down.count == states.count {
                    worsen(.down, "none of its portal addresses is up on \(node)")
                } else if !down.isEmpty {
                    worsen(.degraded, "portal addresses not up on \(node): \(down.map { "\($0.endpoint.host)\($0.interface.map { " on \($0)" } ?? "")" }.joined(separator: ", "))")
                }
            case .failed(let why):
                worsen(.unknown, "cannot read \(node)'s addresses: \(why)")
            }
        case .failed(let why)?:
            worsen(.unknown, "cannot read the live facts of \(node), which serves it: \(why)")
        case nil:
            worsen(.unknown, "the live facts of \(node) were not read")
        }
        let others = view.nodes.filter { $0.name != node && $0.state.canServe && lun.excluded[$0.name] == nil }
        if others.isEmpty { worsen(.degraded, "no other node can take it if \(node) fails") }
        return LUN(view: lun, health: health, problems: problems, drbd: drbd, target: target, portals: portals, initiators: initiators)
    }

    // MARK: - Text

    public var text: String {
        var lines: [String] = []
        let managerName = view.manager.displayName
        lines.append("halo: \(health.rawValue.uppercased()) — \(luns.count) LUN(s) under \(managerName)\(view.quorate == false ? ", NO QUORUM" : "")")
        let problems = self.problems
        if !problems.isEmpty {
            lines.append("")
            lines.append("PROBLEMS")
            for (health, text) in problems { lines.append("  \(health.rawValue.padding(9)) \(text)") }
        }
        lines.append("")
        lines.append("LUNS")
        for lun in luns {
            let prefers = lun.view.preferredNode.map { $0 == lun.view.servingNode ? "" : ", prefers \($0)" } ?? ""
            lines.append("  \(lun.view.name.padding(8)) \(lun.health.rawValue.padding(9)) \(lun.view.servingNode.map { "on \($0)" } ?? "not served")\(prefers)")
            for (node, state) in lun.drbd { lines.append("           drbd \(lun.view.drbdResource ?? "")  \(node): \(state)") }
            if let target = lun.target { lines.append("           target  \(target)") }
            if !lun.portals.isEmpty {
                let up = lun.portals.filter(\.up).count
                lines.append("           portals \(up)/\(lun.portals.count) up: " + lun.portals.map { "\($0.address)\($0.interface.map { "@\($0)" } ?? "")\($0.up ? "" : " DOWN")" }.joined(separator: ", "))
            }
            if lun.view.targetName != nil { lines.append("           initiators \(lun.initiators.isEmpty ? "none logged in" : lun.initiators.joined(separator: ", "))") }
            if let moved = lun.view.lastMoved {
                let unserved = lun.view.lastUnservedSeconds.map { ", unserved about \(seconds($0))" } ?? ""
                lines.append("           last moved \(CivilTime.format(moved))\(unserved)")
            }
        }
        lines.append("")
        lines.append("NODES")
        for node in view.nodes {
            let facts: String = switch self.facts[node.name] {
            case .read(let facts)?: facts.clock.value.map { $0.isSynchronized ? "clock synced" : "CLOCK NOT SYNCED" } ?? "facts read"
            case .failed(let why)?: "facts unreadable: \(why)"
            case nil: "facts not read"
            }
            lines.append("  \(node.name.padding(8)) \(node.state.words.padding(22)) \(facts)")
            for fence in node.fencing.suffix(3) {
                lines.append("           fenced\(fence.succeeded ? "" : " (FAILED)") \(fence.time.map(CivilTime.format) ?? "") \(fence.action) \(fence.detail)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - JSON

    public var json: JSONValue {
        .object([
            ("schema", .string("halo.status/1")),
            ("manager", .string(view.manager.rawValue)),
            ("health", .string(health.rawValue)),
            ("quorate", view.quorate.map(JSONValue.bool) ?? .null),
            ("problems", .array(problems.map { .object([("health", .string($0.0.rawValue)), ("problem", .string($0.1))]) })),
            ("findings", .array(view.findings.map(\.json))),
            ("luns", .array(luns.map { lun in
                .object([
                    ("name", .string(lun.view.name)),
                    ("health", .string(lun.health.rawValue)),
                    ("node", lun.view.servingNode.map(JSONValue.string) ?? .null),
                    ("servedByManager", .bool(lun.view.isServedByManager)),
                    ("preferredNode", lun.view.preferredNode.map(JSONValue.string) ?? .null),
                    ("pendingMove", lun.view.pendingMove.map(JSONValue.string) ?? .null),
                    ("problems", .array(lun.problems.map(JSONValue.string))),
                    ("drbd", .object(lun.drbd.map { ($0.node, .string($0.state)) })),
                    ("target", lun.target.map(JSONValue.string) ?? .null),
                    ("portals", .array(lun.portals.map { .object([("address", .string($0.address)), ("interface", $0.interface.map(JSONValue.string) ?? .null), ("up", .bool($0.up))]) })),
                    ("initiators", .array(lun.initiators.map(JSONValue.string))),
                    ("lastMoved", lun.view.lastMoved.map { .string(CivilTime.format($0)) } ?? .null),
                    ("lastUnservedMilliseconds", lun.view.lastUnservedSeconds.map { .int(Int(($0 * 1000).rounded())) } ?? .null),
                    ("layers", .array(lun.view.layers.map { layer in
                        .object([("id", .string(layer.id)), ("kind", .string(layer.kind.rawValue)), ("agent", .string(layer.agent)),
                                 ("roles", .object(layer.roles.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                                 ("failedOn", .array(layer.failedOn.map(JSONValue.string)))])
                    })),
                ])
            })),
            ("nodes", .array(view.nodes.map { node in
                .object([
                    ("name", .string(node.name)),
                    ("state", .string(node.state.rawValue)),
                    ("facts", facts[node.name]?.failure.map { .object([("error", .string($0))]) } ?? (facts[node.name] == nil ? .null : .object([("read", .bool(true))]))),
                    ("fencing", .array(node.fencing.map { .object([("time", $0.time.map { .string(CivilTime.format($0)) } ?? .null),
                                                                   ("action", .string($0.action)), ("succeeded", .bool($0.succeeded)),
                                                                   ("detail", .string($0.detail))]) })),
                ])
            })),
            ("exitCode", .int(Int(exitCode))),
        ])
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
