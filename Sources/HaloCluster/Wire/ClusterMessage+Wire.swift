import HaloJSON

extension ClusterMessage {
    /// The wire protocol's version; a member that receives another version ignores the
    /// message and says so (a rolling upgrade across versions is refused, not guessed at).
    public static let protocolVersion = 2

    /// The message as bytes for the group: compact JSON.
    public var encoded: [UInt8] { Array(json.rendered(style: .compact).utf8) }

    /// Reads a message from the group.
    ///
    /// - Throws: `WireError` when the bytes are not a message of this protocol version.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw WireError("not JSON: \(error)") }
        try self.init(json: value)
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [("v", .int(Self.protocolVersion))]
        switch self {
        case .hello(let hello):
            members += [("type", .string("hello")), ("view", .array(hello.view.map(\.json))), ("nonce", hello.nonce.hashJSON),
                        ("synced", .bool(hello.isSynced)), ("lineage", hello.lineage.map(\.hashJSON) ?? .null),
                        ("lastQuorateRing", hello.lastQuorateRing.countJSON)]
        case .snapshot(let snapshot):
            members += [("type", .string("snapshot")), ("anchor", snapshot.anchor.hashJSON),
                        ("recipients", .array(snapshot.recipients.map(\.json))), ("state", snapshot.state.json)]
        case .quorum(let report):
            members += [("type", .string("quorum")), ("ring", report.ring.countJSON), ("quorate", .bool(report.isQuorate)),
                        ("nodes", .array(report.nodes.map(\.json)))]
        case .announce(let announcement):
            members += [("type", .string("announce"))] + announcement.jsonMembers
        case .fenceStarted(let attempt):
            members += [("type", .string("fenceStarted")), ("attempt", attempt.json)]
        case .fenceFinished(let attempt, let outcome):
            members += [("type", .string("fenceFinished")), ("attempt", attempt.json)]
            switch outcome {
            case .succeeded(let device): members += [("succeeded", .bool(true)), ("device", .string(device))]
            case .failed(let reason): members += [("succeeded", .bool(false)), ("reason", .string(reason))]
            }
        case .intent(let intent, let request):
            members += [("type", .string("intent")), ("request", .array([request.member.json, request.number.countJSON]))]
            members += intent.jsonMembers
        case .connections(let lun, let connections):
            members += [("type", .string("connections")), ("lun", .string(lun.rawValue)), ("connections", .array(connections.map(\.json)))]
        case .stackFailed(let failure):
            members += [("type", .string("stackFailed")), ("lun", .string(failure.lun.rawValue)), ("resource", .string(failure.resource)),
                        ("action", .string(failure.action)), ("kind", .string(failure.kind.rawValue)), ("reason", .string(failure.reason))]
        }
        return .object(members)
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "message")
        guard try fields.int("v") == Self.protocolVersion else { throw WireError("protocol version \((try? fields.int("v")) ?? -1), this halod speaks \(Self.protocolVersion)") }
        switch try fields.string("type") {
        case "hello":
            var views: [MemberID] = []
            for member in try fields.array("view") { views.append(try MemberID(json: member)) }
            self = .hello(Hello(view: views, nonce: try fields.hash("nonce"), isSynced: try fields.bool("synced"),
                                lineage: fields.optional("lineage") == nil ? nil : try fields.hash("lineage"),
                                lastQuorateRing: try fields.count("lastQuorateRing")))
        case "snapshot":
            var recipients: [MemberID] = []
            for member in try fields.array("recipients") { recipients.append(try MemberID(json: member)) }
            self = .snapshot(Snapshot(anchor: try fields.hash("anchor"), recipients: recipients, state: try ClusterState(json: try fields.value("state"))))
        case "quorum":
            var nodes: [NodeID] = []
            for node in try fields.array("nodes") { nodes.append(try NodeID(json: node)) }
            self = .quorum(QuorumReport(ring: try fields.count("ring"), isQuorate: try fields.bool("quorate"), nodes: nodes))
        case "announce":
            self = .announce(try Announcement(fields: fields))
        case "fenceStarted":
            self = .fenceStarted(try FenceAttempt(json: try fields.value("attempt")))
        case "fenceFinished":
            let attempt = try FenceAttempt(json: try fields.value("attempt"))
            self = .fenceFinished(attempt, try fields.bool("succeeded") ? .succeeded(device: try fields.string("device")) : .failed(reason: try fields.string("reason")))
        case "intent":
            let request = try fields.array("request")
            guard request.count == 2, let number = request[1].intValue, number >= 0 else { throw WireError("intent: request is [member, number]") }
            self = .intent(try Intent(fields: fields), RequestID(member: try MemberID(json: request[0]), number: UInt64(number)))
        case "connections":
            var connections: [ClientConnection] = []
            for entry in try fields.array("connections") { connections.append(try ClientConnection(json: entry)) }
            self = .connections(LUNName(try fields.string("lun")), connections)
        case "stackFailed":
            guard let kind = StackFailure.Kind(rawValue: try fields.string("kind")) else { throw WireError("stackFailed: unknown kind") }
            self = .stackFailed(StackFailure(lun: LUNName(try fields.string("lun")), resource: try fields.string("resource"),
                                             action: try fields.string("action"), kind: kind, reason: try fields.string("reason")))
        case let other:
            throw WireError("unknown message type \(other)")
        }
    }
}

extension Announcement {
    var jsonMembers: [(String, JSONValue)] {
        [("digest", .string(configurationDigest)), ("software", .string(software)),
         ("disks", .object(disks.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .string($0.value.rawValue)) })),
         ("running", .array(running.sorted().map { .string($0.rawValue) })),
         ("policy", policy.json)]
    }

    init(fields: JSONFields) throws(WireError) {
        var disks: [LUNName: DiskFact] = [:]
        guard let members = try fields.value("disks").objectValue else { throw WireError("announce: disks must be an object") }
        for (name, value) in members {
            guard let text = value.stringValue, let fact = DiskFact(rawValue: text) else { throw WireError("announce: unknown disk state for \(name)") }
            disks[LUNName(name)] = fact
        }
        var running: Set<LUNName> = []
        for name in try fields.array("running") {
            guard let text = name.stringValue else { throw WireError("announce: running holds LUN names") }
            running.insert(LUNName(text))
        }
        self.init(configurationDigest: try fields.string("digest"), policy: try ClusterPolicy(json: try fields.value("policy")),
                  software: try fields.string("software"), facts: LocalFacts(disks: disks, running: running))
    }
}

extension ClusterPolicy {
    var json: JSONValue {
        .object([
            ("nodes", .array(nodes.sorted { $0.key < $1.key }.map { .array([$0.key.json, .string($0.value)]) })),
            ("luns", .array(luns.sorted { $0.key < $1.key }.map { .array([.string($0.key.rawValue), .array($0.value.map(\.json))]) })),
            ("failback", .bool(failsBack)), ("noQuorumPolicy", .string(noQuorumPolicy.rawValue)),
            ("migrationThreshold", .int(migrationThreshold)),
        ])
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "policy")
        var nodes: [NodeID: String] = [:], luns: [LUNName: [NodeID]] = [:]
        for entry in try fields.array("nodes") {
            guard let pair = entry.arrayValue, pair.count == 2, let name = pair[1].stringValue else { throw WireError("policy: a node is [id, name]") }
            nodes[try NodeID(json: pair[0])] = name
        }
        for entry in try fields.array("luns") {
            guard let pair = entry.arrayValue, pair.count == 2, let name = pair[0].stringValue, let list = pair[1].arrayValue else {
                throw WireError("policy: a LUN is [name, [node ids]]")
            }
            var preference: [NodeID] = []
            for node in list { preference.append(try NodeID(json: node)) }
            luns[LUNName(name)] = preference
        }
        guard let policy = NoQuorumPolicy(rawValue: try fields.string("noQuorumPolicy")) else { throw WireError("policy: unknown noQuorumPolicy") }
        self.init(nodes: nodes, luns: luns, failsBack: try fields.bool("failback"), noQuorumPolicy: policy,
                  migrationThreshold: try fields.int("migrationThreshold"))
    }
}

extension FenceAttempt {
    var json: JSONValue {
        .object([("victim", victim.json), ("failure", failure.countJSON), ("number", .int(number))])
    }

    init(json: JSONValue) throws(WireError) {
        let fields = try JSONFields(json, "attempt")
        self.init(victim: try NodeID(json: try fields.value("victim")), failure: try fields.count("failure"), number: try fields.int("number"))
    }
}

extension Intent {
    var jsonMembers: [(String, JSONValue)] {
        switch self {
        case .move(let lun, let node): [("intent", .string("move")), ("lun", .string(lun.rawValue)), ("node", node.json)]
        case .drain(let node): [("intent", .string("drain")), ("node", node.json)]
        case .undrain(let node): [("intent", .string("undrain")), ("node", node.json)]
        case .clear(let lun): [("intent", .string("clear")), ("lun", .string(lun.rawValue))]
        case .fencePeer(let lun): [("intent", .string("fencePeer")), ("lun", .string(lun.rawValue))]
        case .unfencePeer(let lun): [("intent", .string("unfencePeer")), ("lun", .string(lun.rawValue))]
        }
    }

    init(fields: JSONFields) throws(WireError) {
        switch try fields.string("intent") {
        case "clear": self = .clear(LUNName(try fields.string("lun"))); return
        case "fencePeer": self = .fencePeer(LUNName(try fields.string("lun"))); return
        case "unfencePeer": self = .unfencePeer(LUNName(try fields.string("lun"))); return
        default: break
        }
        let node = try NodeID(json: try fields.value("node"))
        switch try fields.string("intent") {
        case "move": self = .move(LUNName(try fields.string("lun")), to: node)
        case "drain": self = .drain(node)
        case "undrain": self = .undrain(node)
        case let other: throw WireError("unknown intent \(other)")
        }
    }
}

extension ClientConnection {
    var json: JSONValue {
        .array([.string(portal), .int(Int(portalPort)), .string(client), .int(Int(clientPort))])
    }

    init(json: JSONValue) throws(WireError) {
        guard let parts = json.arrayValue, parts.count == 4, let portal = parts[0].stringValue, let portalPort = parts[1].intValue.flatMap(UInt16.init(exactly:)),
              let client = parts[2].stringValue, let clientPort = parts[3].intValue.flatMap(UInt16.init(exactly:)) else {
            throw WireError("a connection is [portal, port, client, port]")
        }
        self.init(portal: portal, portalPort: portalPort, client: client, clientPort: clientPort)
    }
}
