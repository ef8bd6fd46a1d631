import HaloJSON

extension ClusterState {
    /// The state as canonical JSON: keys in a fixed order, nodes by id, LUNs by name, sets
    /// sorted. Two members with equal states render the same bytes (the tests compare them).
    public var json: JSONValue {
        .object([
            ("lineage", lineage.hashJSON),
            ("sequence", sequence.countJSON),
            ("members", .array(members.map(\.json))),
            ("synced", .array(synced.sorted().map(\.json))),
            ("quorum", .object([("ring", quorum.ring.countJSON), ("quorate", .bool(quorum.isQuorate)),
                                ("nodes", .array(quorum.nodes.map(\.json))),
                                ("awaitingRingAbove", quorum.awaitingRingAbove.map(\.countJSON) ?? .null)])),
            ("lastQuorateRing", lastQuorateRing.countJSON),
            ("agreement", agreement.map { .object([("digest", .string($0.digest)), ("policy", $0.policy.json)]) } ?? .null),
            ("nodes", .array(nodes.sorted { $0.key < $1.key }.map { $0.value.json(id: $0.key) })),
            ("luns", .array(luns.sorted { $0.key < $1.key }.map { $0.value.json(name: $0.key) })),
            ("fenceHistory", .array(fenceHistory.map(\.json))),
        ])
    }

    /// The canonical bytes of the state.
    public var canonicalBytes: [UInt8] { Array(json.rendered(style: .compact).utf8) }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "state")
        var members: [MemberID] = [], synced: Set<MemberID> = []
        for member in try fields.array("members") { members.append(try MemberID(json: member)) }
        for member in try fields.array("synced") { synced.insert(try MemberID(json: member)) }
        let quorumFields = try JSONFields(try fields.value("quorum"), "quorum")
        var ringNodes: [NodeID] = []
        for node in try quorumFields.array("nodes") { ringNodes.append(try NodeID(json: node)) }
        let quorum = QuorumView(
            ring: try quorumFields.count("ring"), isQuorate: try quorumFields.bool("quorate"), nodes: ringNodes,
            awaitingRingAbove: quorumFields.optional("awaitingRingAbove") == nil ? nil : try quorumFields.count("awaitingRingAbove"))
        var agreement: PolicyAgreement?
        if let value = fields.optional("agreement") {
            let agreed = try JSONFields(value, "agreement")
            agreement = PolicyAgreement(digest: try agreed.string("digest"), policy: try ClusterPolicy(json: try agreed.value("policy")))
        }
        var nodes: [NodeID: NodeRecord] = [:]
        for entry in try fields.array("nodes") {
            let (id, record) = try NodeRecord.read(entry)
            nodes[id] = record
        }
        var luns: [LUNName: LUNRecord] = [:]
        for entry in try fields.array("luns") {
            let (name, record) = try LUNRecord.read(entry)
            luns[name] = record
        }
        var history: [FenceHistoryEntry] = []
        for entry in try fields.array("fenceHistory") { history.append(try FenceHistoryEntry(json: entry)) }
        self.init(lineage: try fields.hash("lineage"), sequence: try fields.count("sequence"), members: members, synced: synced,
                  nodes: nodes, quorum: quorum, lastQuorateRing: try fields.count("lastQuorateRing"), luns: luns,
                  fenceHistory: history, agreement: agreement)
    }
}

extension NodeRecord {
    func json(id: NodeID) -> JSONValue {
        .object([
            ("id", id.json),
            ("member", member.map(\.json) ?? .null),
            ("safety", safety.json),
            ("announcement", announcement.map { .object($0.jsonMembers) } ?? .null),
            ("drained", .bool(isDrained)),
            ("fencedMember", fencedMember.map(\.json) ?? .null),
        ])
    }

    static func read(_ json: JSONValue) throws(WireError) -> (NodeID, NodeRecord) {
        let fields = try JSONFields(json, "node")
        let record = NodeRecord(
            member: fields.optional("member") == nil ? nil : try MemberID(json: try fields.value("member")),
            safety: try NodeSafety(json: try fields.value("safety")),
            announcement: fields.optional("announcement") == nil ? nil : try Announcement(fields: try JSONFields(try fields.value("announcement"), "announcement")),
            isDrained: try fields.bool("drained"),
            fencedMember: fields.optional("fencedMember") == nil ? nil : try MemberID(json: try fields.value("fencedMember")))
        return (try NodeID(json: try fields.value("id")), record)
    }
}

extension NodeSafety {
    var json: JSONValue {
        switch self {
        case .unseen(let task): .object([("state", .string("unseen")), ("task", task.json)])
        case .running: .object([("state", .string("running"))])
        case .stopped(let reason): .object([("state", .string("stopped")), ("reason", .string(reason.rawValue))])
        case .lost(let task): .object([("state", .string("lost")), ("task", task.json)])
        }
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "safety")
        switch try fields.string("state") {
        case "unseen": self = .unseen(try FenceTask(json: try fields.value("task")))
        case "running": self = .running
        case "stopped":
            guard let reason = StopReason(rawValue: try fields.string("reason")) else { throw WireError("safety: unknown stop reason") }
            self = .stopped(reason)
        case "lost": self = .lost(try FenceTask(json: try fields.value("task")))
        case let other: throw WireError("safety: unknown state \(other)")
        }
    }
}

extension FenceTask {
    var json: JSONValue {
        .object([
            ("failure", failure.countJSON), ("failedAttempts", .int(failedAttempts)),
            ("lastError", lastError.map(JSONValue.string) ?? .null),
            ("inProgress", inProgress.map { .object([("actor", $0.actor.json), ("number", .int($0.number)), ("started", $0.started.countJSON)]) } ?? .null),
        ])
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "task")
        self.init(failure: try fields.count("failure"))
        failedAttempts = try fields.int("failedAttempts")
        lastError = fields.optional("lastError") == nil ? nil : try fields.string("lastError")
        if let value = fields.optional("inProgress") {
            let running = try JSONFields(value, "inProgress")
            inProgress = InProgressFence(actor: try MemberID(json: try running.value("actor")), number: try running.int("number"),
                                         started: try running.count("started"))
        }
    }
}

extension LUNRecord {
    func json(name: LUNName) -> JSONValue {
        .object([
            ("name", .string(name.rawValue)),
            ("owner", owner.map(\.json) ?? .null),
            ("reason", reason.json),
            ("since", since.countJSON),
            ("pendingMove", pendingMove.map(\.json) ?? .null),
            ("failures", .array(failures.sorted { $0.key < $1.key }.map {
                .object([("node", $0.key.json), ("count", .int($0.value.count)), ("banned", .bool($0.value.isBanned)), ("last", .string($0.value.last))])
            })),
            ("blocked", blocked.map(JSONValue.string) ?? .null),
            ("outdated", .array(outdated.sorted().map(\.json))),
            ("connections", .array(connections.map(\.json))),
        ])
    }

    static func read(_ json: JSONValue) throws(WireError) -> (LUNName, LUNRecord) {
        let fields = try JSONFields(json, "lun")
        var record = LUNRecord(
            owner: fields.optional("owner") == nil ? nil : try NodeID(json: try fields.value("owner")),
            reason: try PlacementReason(json: try fields.value("reason")), since: try fields.count("since"))
        record.pendingMove = fields.optional("pendingMove") == nil ? nil : try NodeID(json: try fields.value("pendingMove"))
        for entry in try fields.array("failures") {
            let failure = try JSONFields(entry, "failure")
            record.failures[try NodeID(json: try failure.value("node"))] =
                LUNFailures(count: try failure.int("count"), isBanned: try failure.bool("banned"), last: try failure.string("last"))
        }
        record.blocked = fields.optional("blocked") == nil ? nil : try fields.string("blocked")
        for node in try fields.array("outdated") { record.outdated.insert(try NodeID(json: node)) }
        for entry in try fields.array("connections") { record.connections.append(try ClientConnection(json: entry)) }
        return (LUNName(try fields.string("name")), record)
    }
}

extension PlacementReason {
    var json: JSONValue {
        switch self {
        case .placed: .object([("kind", .string("placed"))])
        case .moved: .object([("kind", .string("moved"))])
        case .drained: .object([("kind", .string("drained"))])
        case .recovered(let node): .object([("kind", .string("recovered")), ("node", node.json)])
        case .reassigned(let node): .object([("kind", .string("reassigned")), ("node", node.json)])
        case .failedBack: .object([("kind", .string("failedBack"))])
        case .adopted: .object([("kind", .string("adopted"))])
        case .waitingForFence(let node): .object([("kind", .string("waitingForFence")), ("node", node.json)])
        case .unplaced(.noDecisions): .object([("kind", .string("unplaced")), ("why", .string("noDecisions"))])
        case .unplaced(.noEligibleNode): .object([("kind", .string("unplaced")), ("why", .string("noEligibleNode"))])
        case .unplaced(.waitingForFence(let node)):
            .object([("kind", .string("unplaced")), ("why", .string("waitingForFence")), ("node", node.json)])
        case .unplaced(.configurationError): .object([("kind", .string("unplaced")), ("why", .string("configurationError"))])
        }
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "reason")
        func node() throws(WireError) -> NodeID { try NodeID(json: try fields.value("node")) }
        switch try fields.string("kind") {
        case "placed": self = .placed
        case "moved": self = .moved
        case "drained": self = .drained
        case "recovered": self = .recovered(from: try node())
        case "reassigned": self = .reassigned(from: try node())
        case "failedBack": self = .failedBack
        case "adopted": self = .adopted
        case "waitingForFence": self = .waitingForFence(try node())
        case "unplaced":
            switch try fields.string("why") {
            case "noDecisions": self = .unplaced(.noDecisions)
            case "noEligibleNode": self = .unplaced(.noEligibleNode)
            case "waitingForFence": self = .unplaced(.waitingForFence(try node()))
            case "configurationError": self = .unplaced(.configurationError)
            case let other: throw WireError("reason: unknown unplaced \(other)")
            }
        case let other: throw WireError("reason: unknown kind \(other)")
        }
    }
}

extension FenceHistoryEntry {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("attempt", attempt.json), ("actor", actor.json), ("at", at.countJSON)]
        switch outcome {
        case .succeeded(let device): members += [("succeeded", .bool(true)), ("device", .string(device))]
        case .failed(let reason): members += [("succeeded", .bool(false)), ("reason", .string(reason))]
        }
        return .object(members)
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "fence history")
        self.init(attempt: try FenceAttempt(json: try fields.value("attempt")), actor: try MemberID(json: try fields.value("actor")),
                  outcome: try fields.bool("succeeded") ? .succeeded(device: try fields.string("device")) : .failed(reason: try fields.string("reason")),
                  at: try fields.count("at"))
    }
}
