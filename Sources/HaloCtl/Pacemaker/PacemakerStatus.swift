import HaloPacemaker

/// What `crm_mon --output-as=xml` says: the nodes, where each resource instance runs in which
/// role, the failed actions and the fencing history — Pacemaker's own reading of the CIB's
/// status section, never recomputed here.
public struct PacemakerStatus: Sendable, Hashable {
    public struct Node: Sendable, Hashable {
        public var name: String
        public var online: Bool
        public var standby: Bool
        public var standbyOnFail: Bool
        public var maintenance: Bool
        public var pending: Bool
        public var unclean: Bool

        public var state: NodeState {
            if unclean { return .unclean }
            if !online { return pending ? .pending : .offline }
            if pending { return .pending }
            if standby || standbyOnFail { return .drained }
            if maintenance { return .maintenance }
            return .online
        }
    }

    /// One active instance of a resource on a node.
    public struct Instance: Sendable, Hashable {
        public var node: String
        /// `Started`, `Promoted`, `Unpromoted`, `Starting`, `Stopping`, `Promoting`, `Demoting`, …
        public var role: String
        public var failed: Bool
        public var managed: Bool
    }

    /// A failed action (crm_mon's `failures`).
    public struct Failure: Sendable, Hashable {
        /// The resource id (from the operation key `<resource>_<task>_<interval>`).
        public var resource: String
        public var node: String
        public var task: String
        public var exitReason: String
        public var exitStatus: String
        /// `2026-12-05 14:43:25Z`
        public var when: String
    }

    public struct FenceEvent: Sendable, Hashable {
        public var target: String
        public var action: String
        /// `success`, `failed`, `pending`
        public var status: String
        public var delegate: String?
        public var origin: String?
        public var completed: String?
        public var exitReason: String?
    }

    /// An operation in crm_mon's node history (its latest of each kind per resource and node).
    public struct Operation: Sendable, Hashable {
        public var node: String
        public var resource: String
        /// `start`, `stop`, `promote`, `demote`, `monitor`, `probe`
        public var task: String
        /// 193: still running (Pacemaker records pending operations).
        public var rc: Int
        /// Milliseconds; 0 for one-shot operations.
        public var interval: Int
        public var call: Int

        public var isPending: Bool { rc == 193 }
    }

    public var nodes: [Node]
    /// Resource id (primitive id; a clone's instances under their primitive's id) → instances.
    public var instances: [String: [Instance]]
    public var failures: [Failure]
    public var operations: [Operation]
    public var fenceHistory: [FenceEvent]
    public var dc: String?
    public var quorate: Bool?

    /// - Parameter source: what wrote the document (`crm_mon`, or `pcmk_status` in process),
    ///   named in an error.
    /// - Throws: `HaloctlError` (exit 2) when the document is not crm_mon's result, or is one
    ///   that reports a failure.
    public init(crmMon root: XMLElement, from source: String = "crm_mon") throws(HaloctlError) {
        guard root.name == "pacemaker-result" else {
            throw .noCluster("\(source): the output is not crm_mon's XML (root element \(root.name))")
        }
        if let status = root.child("status"), let code = status["code"], code != "0" {
            throw .noCluster("\(source): \(status["message"] ?? "failed") (code \(code))")
        }
        let dcElement = root.child("summary")?.child("current_dc")
        dc = dcElement?["present"] == "true" ? dcElement?["name"] : nil
        quorate = dcElement?["present"] == "true" ? dcElement?["with_quorum"] == "true" : nil
        nodes = (root.child("nodes")?.children("node") ?? []).compactMap { element -> Node? in
            guard let name = element["name"], element["type"] == nil || element["type"] == "member" else { return nil }
            return Node(name: name, online: element["online"] == "true", standby: element["standby"] == "true",
                        standbyOnFail: element["standby_onfail"] == "true", maintenance: element["maintenance"] == "true",
                        pending: element["pending"] == "true", unclean: element["unclean"] == "true")
        }
        var instances: [String: [Instance]] = [:]
        for resource in root.child("resources")?.descendants("resource") ?? [] {
            guard let rawID = resource["id"], resource["active"] == "true" else { continue }
            // Unique clones name instances `id:N`; the primitive's id is what the CIB knows.
            let id = String(rawID.split(separator: ":").first ?? Substring(rawID))
            for node in resource.children("node") {
                guard let name = node["name"] else { continue }
                instances[id, default: []].append(Instance(node: name, role: resource["role"] ?? "Started",
                                                           failed: resource["failed"] == "true",
                                                           managed: resource["managed"] != "false"))
            }
        }
        self.instances = instances
        failures = (root.child("failures")?.children("failure") ?? []).compactMap { element -> Failure? in
            guard let key = element["op_key"], let node = element["node"] else { return nil }
            let task = element["task"] ?? "?"
            return Failure(resource: Self.resource(fromOperationKey: key, task: task), node: node, task: task,
                           exitReason: element["exitreason"] ?? "", exitStatus: element["exitstatus"] ?? "?",
                           when: element["last-rc-change"] ?? "")
        }
        var operations: [Operation] = []
        for node in root.child("node_history")?.children("node") ?? [] {
            guard let nodeName = node["name"] else { continue }
            for resource in node.children("resource_history") {
                guard let id = resource["id"] else { continue }
                for op in resource.children("operation_history") {
                    operations.append(Operation(
                        node: nodeName, resource: id, task: op["task"] ?? "?", rc: op["rc"].flatMap(Int.init) ?? -1,
                        interval: op["interval"].map { Int($0.filter(\.isNumber)) ?? 0 } ?? 0,
                        call: op["call"].flatMap(Int.init) ?? -1))
                }
            }
        }
        self.operations = operations
        fenceHistory = (root.child("fence_history")?.children("fence_event") ?? []).map(Self.fenceEvent)
    }

    /// Reads `stonith_admin --history=* --output-as=xml`.
    public static func fenceHistory(stonithAdmin root: XMLElement) -> [FenceEvent] {
        root.descendants("fence_event").map(fenceEvent)
    }

    static func fenceEvent(_ element: XMLElement) -> FenceEvent {
        FenceEvent(target: element["target"] ?? "?", action: element["action"] ?? "?", status: element["status"] ?? "?",
                   delegate: element["delegate"], origin: element["origin"], completed: element["completed"],
                   exitReason: element["exit-reason"])
    }

    /// `target-lun1_monitor_10000` → `target-lun1` (the key is `<resource>_<task>_<interval>`;
    /// resource ids may themselves contain underscores).
    static func resource(fromOperationKey key: String, task: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return key }
        return parts.dropLast(2).joined(separator: "_")
    }

    public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }

    /// The instances of `resource`.
    public func instances(of resource: String) -> [Instance] { instances[resource] ?? [] }

    /// Where `resource` runs in `role` (Promoted instances of a promotable clone's primitive).
    public func nodes(running resource: String, role: String) -> [String] {
        instances(of: resource).filter { $0.role == role || (role == "Promoted" && $0.role == "Master") }.map(\.node)
    }
}

extension PacemakerStatus {
    /// The element names crm_mon gives the lists of its XML, by the list's name in
    /// `pcmk_status`'s document. Both come from the same XML formatter; crm_mon asks it to
    /// substitute its own names (`<nodes>`), `pcmk_status` does not (`<list name="nodes">`).
    /// Each pair seen in a document of Pacemaker 2.1.5's `pcmk_status` (a node fenced, a failed
    /// action: HaloctlCommandTests.statusInProcess); a list not named here keeps its
    /// generic form, which no reading of crm_mon's document looks at.
    static let crmMonListNames: [String: String] = [
        "cluster summary": "summary",
        "nodes": "nodes",
        "full list of resources": "resources",
        "node attributes": "node_attributes",
        "operations": "node_history",
        "failed resource actions": "failures",
        "fencing history": "fence_history",
    ]

    /// `pcmk_status`'s document in crm_mon's shape: its top-level lists renamed (names compared
    /// without case), everything else as it is.
    static func crmMonShape(_ document: XMLElement) -> XMLElement {
        let children = document.children.map { child -> XMLElement in
            guard child.name == "list", let list = child["name"], let name = crmMonListNames[list.lowercased()] else { return child }
            return XMLElement(name, attributes: child.attributes.filter { $0.name != "name" && $0.name != "count" },
                              children: child.children, text: child.text)
        }
        return XMLElement(document.name, attributes: document.attributes, children: children, text: document.text)
    }
}
