import HaloPacemaker

/// The LUNs a Pacemaker configuration (the CIB's `configuration` section) defines, found the way
/// an admin reads it: a LUN is a promotable clone (DRBD) together with every resource placed
/// with its Promoted instance (the target, the portal addresses), and the clones it needs on
/// every node (LUKS). Nothing is assumed about resource ids.
///
/// - A resource belongs to the LUN when an INFINITY colocation puts it with the clone's Promoted
///   role (`with-rsc-role="Promoted"`, or `Master` in older CIBs), directly or through another
///   member, or as a member of a group so placed; in a colocation made of resource sets, when
///   another set holds the clone with the Promoted role (other set colocations are not read).
/// - The clone's own needs: the clones it is colocated with (`rsc=clone with-rsc=X`).
/// - Its name: the DRBD resource the clone's primitive manages (`resource`/`drbd_resource`
///   parameter), else the clone's id.
public struct PacemakerLayout: Sendable, Hashable {
    public struct Primitive: Sendable, Hashable {
        public var id: String
        /// `ocf:halo:lio`
        public var agent: String
        public var type: String
        public var parameters: [String: String]
    }

    public struct LUN: Sendable, Hashable {
        public var name: String
        /// The promotable clone's id.
        public var clone: String
        /// The clone's primitive.
        public var replication: Primitive
        /// Clones the promotable clone needs below it on every node (LUKS).
        public var below: [Primitive]
        /// Resources that run with the Promoted instance, in configuration order.
        public var onPromoted: [Primitive]
        /// The node a positive location score for the Promoted role prefers, if any (haloctl's
        /// and crm_resource's own move constraints excluded).
        public var preferredNode: String?

        /// Every primitive of the LUN, bottom up.
        public var primitives: [Primitive] { below + [replication] + onPromoted }
    }

    /// A constraint a move or ban left in the configuration.
    public struct MoveConstraint: Sendable, Hashable {
        public var id: String
        public var resource: String
        /// The node it pins the resource to (INFINITY) or bans it from (-INFINITY).
        public var node: String?
        public var isBan: Bool
        /// Whether haloctl created it (`haloctl-move-…`) rather than crm_resource/pcs/crmsh.
        public var isHaloctl: Bool
    }

    public var luns: [LUN]
    public var moveConstraints: [MoveConstraint]
    public var clusterOptions: [String: String]
    /// The fencing devices (`stonith` primitives).
    public var fencingDevices: [Primitive]
    public var nodeNames: [String]

    /// The prefix of the constraints haloctl creates; anything with it is haloctl's to remove.
    public static let haloctlPrefix = "haloctl-move-"

    public init(cib: XMLElement) {
        let configuration = cib.name == "configuration" ? cib : (cib.child("configuration") ?? cib)
        let resources = configuration.child("resources")
        let constraints = configuration.child("constraints")?.children ?? []

        clusterOptions = Self.nvpairs(configuration.child("crm_config")?.children("cluster_property_set") ?? [])
        nodeNames = (configuration.child("nodes")?.children("node") ?? []).compactMap { $0["uname"] }

        // Every resource by id: primitives, and groups/clones as the primitives they hold.
        var primitives: [String: Primitive] = [:]
        var order: [String] = []
        var members: [String: [String]] = [:]  // group or clone id → primitive ids
        var promotableClones: [(id: String, primitive: String)] = []
        var devices: [Primitive] = []
        func add(_ element: XMLElement) -> String? {
            guard let id = element["id"] else { return nil }
            let primitive = Self.primitive(element)
            primitives[id] = primitive
            order.append(id)
            if element["class"] == "stonith" { devices.append(primitive) }
            return id
        }
        for element in resources?.children ?? [] {
            switch element.name {
            case "primitive":
                _ = add(element)
            case "group":
                guard let id = element["id"] else { continue }
                members[id] = element.children("primitive").compactMap(add)
            case "clone", "master":
                guard let id = element["id"] else { continue }
                var held: [String] = element.children("primitive").compactMap(add)
                for group in element.children("group") {
                    let groupMembers = group.children("primitive").compactMap(add)
                    if let groupID = group["id"] { members[groupID] = groupMembers }
                    held += groupMembers
                }
                members[id] = held
                let meta = Self.nvpairs(element.children("meta_attributes"))
                if element.name == "master" || Self.isTrue(meta["promotable"] ?? "false"), let first = held.first {
                    promotableClones.append((id, first))
                }
            default:
                continue
            }
        }
        fencingDevices = devices
        func expand(_ id: String) -> [String] { members[id] ?? (primitives[id] != nil ? [id] : []) }

        // Colocation edges: (dependent, anchor, anchor role).
        var edges: [(dependent: String, anchor: String, role: String?)] = []
        for constraint in constraints where constraint.name == "rsc_colocation" && Self.isInfinity(constraint["score"]) {
            if let rsc = constraint["rsc"], let with = constraint["with-rsc"] {
                edges.append((rsc, with, constraint["with-rsc-role"]))
                continue
            }
            // Resource sets: Pacemaker's set semantics are subtle; haloctl reads only the case
            // that matters to it: a set holding a promotable clone with the Promoted role makes
            // the resources of the other sets run with that Promoted instance.
            let sets = constraint.children("resource_set")
            let promotableIDs = Set(promotableClones.map(\.id))
            for (index, set) in sets.enumerated() where Self.isPromotedRole(set["role"]) {
                for anchor in set.children("resource_ref").compactMap({ $0["id"] }) where promotableIDs.contains(anchor) {
                    for (otherIndex, other) in sets.enumerated() where otherIndex != index {
                        for dependent in other.children("resource_ref").compactMap({ $0["id"] }) {
                            edges.append((dependent, anchor, set["role"]))
                        }
                    }
                }
            }
        }

        var found: [LUN] = []
        for (clone, primitiveID) in promotableClones {
            guard let replication = primitives[primitiveID] else { continue }
            // Members: transitively, what is colocated with the Promoted role or with a member.
            var memberIDs: [String] = []
            var anchors: Set<String> = [clone]
            var changed = true
            while changed {
                changed = false
                for edge in edges where anchors.contains(edge.anchor) && !anchors.contains(edge.dependent) {
                    if edge.anchor == clone && !Self.isPromotedRole(edge.role) { continue }
                    anchors.insert(edge.dependent)
                    memberIDs += expand(edge.dependent)
                    changed = true
                }
            }
            let onPromoted = order.filter { memberIDs.contains($0) }.compactMap { primitives[$0] }
            let below = edges.filter { $0.dependent == clone }.flatMap { expand($0.anchor) }.compactMap { primitives[$0] }
            let name = replication.parameters["resource"] ?? replication.parameters["drbd_resource"] ?? clone
            found.append(LUN(name: name, clone: clone, replication: replication, below: below, onPromoted: onPromoted,
                             preferredNode: Self.preferredNode(of: clone, constraints: constraints)))
        }
        luns = found

        moveConstraints = constraints.compactMap { constraint -> MoveConstraint? in
            guard constraint.name == "rsc_location", let id = constraint["id"], let resource = constraint["rsc"] else { return nil }
            let isHaloctl = id.hasPrefix(Self.haloctlPrefix)
            guard isHaloctl || id.hasPrefix("cli-prefer-") || id.hasPrefix("cli-ban-") else { return nil }
            let node = constraint["node"] ?? constraint.descendants("expression").first { $0["attribute"] == "#uname" }?["value"]
            let score = constraint["score"] ?? constraint.child("rule")?["score"] ?? ""
            return MoveConstraint(id: id, resource: resource, node: node, isBan: score.hasPrefix("-"), isHaloctl: isHaloctl)
        }
    }

    public func lun(named name: String) -> LUN? { luns.first { $0.name == name } }

    /// The fence devices the CIB says fence `node`: its `pcmk_host_list` names the node, or its
    /// `pcmk_host_map` maps it (Pacemaker's separators: spaces, commas, semicolons; a map entry
    /// is `node:port` or `node=port`). A device with neither asks its agent for the list
    /// (`pcmk_host_check=dynamic-list`): only the fencer where it is registered can say.
    public func fencingDevices(for node: String) -> [String] {
        fencingDevices.filter { device in
            let separators: Set<Character> = [" ", ",", ";", "\t", "\n"]
            if let list = device.parameters["pcmk_host_list"],
               list.split(whereSeparator: separators.contains).contains(where: { $0 == node }) {
                return true
            }
            if let map = device.parameters["pcmk_host_map"] {
                return map.split(whereSeparator: separators.contains).contains { entry in
                    entry.split(maxSplits: 1, whereSeparator: { $0 == ":" || $0 == "=" }).first.map { $0 == node } ?? false
                }
            }
            return false
        }.map(\.id)
    }

    /// Whether fencing is enabled (Pacemaker's default: yes).
    public var isFencingEnabled: Bool { clusterOptions["stonith-enabled"].map(Self.isTrue) ?? true }

    // MARK: - Reading

    static func primitive(_ element: XMLElement) -> Primitive {
        let agentClass = element["class"] ?? "?"
        let type = element["type"] ?? "?"
        let agent = element["provider"].map { "\(agentClass):\($0):\(type)" } ?? "\(agentClass):\(type)"
        return Primitive(id: element["id"] ?? "?", agent: agent, type: type,
                         parameters: nvpairs(element.children("instance_attributes")))
    }

    /// The name/value pairs of attribute sets (rules on sets are ignored: haloctl reads the
    /// plain configuration).
    static func nvpairs(_ sets: [XMLElement]) -> [String: String] {
        var values: [String: String] = [:]
        for set in sets {
            for pair in set.children("nvpair") {
                if let name = pair["name"], let value = pair["value"], values[name] == nil { values[name] = value }
            }
        }
        return values
    }

    static func isTrue(_ value: String) -> Bool {
        ["true", "on", "yes", "y", "1"].contains(value.lowercased())
    }

    static func isInfinity(_ score: String?) -> Bool {
        guard let score else { return false }
        return ["INFINITY", "+INFINITY", "inf", "+inf"].contains(score) || (Int(score).map { $0 >= 1_000_000 } ?? false)
    }

    static func isPromotedRole(_ role: String?) -> Bool { role == "Promoted" || role == "Master" }

    static func score(_ text: String?) -> Int? {
        guard let text else { return nil }
        if isInfinity(text) { return 1_000_000 }
        if ["-INFINITY", "-inf"].contains(text) { return -1_000_000 }
        return Int(text)
    }

    /// The node with the highest positive location score for the clone's Promoted role (or
    /// for the clone as a whole), ignoring move and ban constraints.
    static func preferredNode(of clone: String, constraints: [XMLElement]) -> String? {
        var best: (node: String, score: Int)?
        for constraint in constraints where constraint.name == "rsc_location" && constraint["rsc"] == clone {
            let id = constraint["id"] ?? ""
            if id.hasPrefix(haloctlPrefix) || id.hasPrefix("cli-") { continue }
            var candidates: [(String, Int)] = []
            if let node = constraint["node"], let score = score(constraint["score"]),
               constraint["role"] == nil || isPromotedRole(constraint["role"]) {
                candidates.append((node, score))
            }
            for rule in constraint.children("rule") where rule["role"] == nil || isPromotedRole(rule["role"]) {
                guard let score = score(rule["score"]) else { continue }
                let expressions = rule.children("expression")
                if expressions.count == 1, let expression = expressions.first, expression["attribute"] == "#uname",
                   expression["operation"] == "eq", let node = expression["value"] {
                    candidates.append((node, score))
                }
            }
            for (node, score) in candidates where score > 0 && score > (best?.score ?? 0) { best = (node, score) }
        }
        return best?.node
    }
}
