import HaloCluster
import HaloJSON

/// What `status` shows: the agreed view, rendered for people and scripts alike, with the
/// problems first, in plain words. Local facts (this member's phase, recent events with wall
/// times) are added by the daemon; nothing here is invented: what is unknown says so.
struct StatusReport {
    let machine: ClusterMachine
    let configuration: ClusterConfiguration
    let localNode: NodeID
    let events: [DaemonEvent]
    /// This member's traffic: (sent, sent bytes, delivered, delivered bytes).
    var traffic: (Int, Int, Int, Int) = (0, 0, 0, 0)
    /// This node's stacks: per LUN its goal and each resource's state.
    var stacks: [LocalStackStatus] = []
    /// When each LUN's node last changed, as this member saw it (wall time).
    var lastMoves: [LUNName: Double] = [:]

    func name(_ node: NodeID) -> String { configuration.node(node)?.name ?? "node \(node)" }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("node", .string(name(localNode))),
            ("member", .string(machine.me.description)),
            ("phase", .string(phaseName)),
            ("problems", .array(problems.map(JSONValue.string))),
        ]
        guard let state = machine.state else {
            members.append(("events", eventsJSON))
            return .object(members)
        }
        members += [
            ("quorum", .object([("quorate", .bool(state.quorum.isQuorate)), ("ring", .int(Int(clamping: state.quorum.ring))),
                                ("waitingForNewRing", .bool(state.quorum.awaitingRingAbove != nil)),
                                ("actionsAllowed", .bool(state.quorum.allowsActions))])),
            ("configuration", .object([("digest", .string(configuration.digest)),
                                       ("agreed", state.agreement.map { .string($0.digest) } ?? .null)])),
            ("fenceActor", state.fenceActor.map { .string(name($0.node)) } ?? .null),
            ("sequence", .int(Int(clamping: state.sequence))),
            ("stateDigest", .string({ var hash = StableHash(); hash.combine(state.canonicalBytes); return hash.hex }())),
            ("stateBytes", .int(state.canonicalBytes.count)),
            ("traffic", .object([("messagesSent", .int(traffic.0)), ("bytesSent", .int(traffic.1)),
                                 ("messagesDelivered", .int(traffic.2)), ("bytesDelivered", .int(traffic.3))])),
            ("nodes", .array(state.nodes.sorted { $0.key < $1.key }.map { nodeJSON($0.key, $0.value, state) })),
            ("luns", .array(state.luns.sorted { $0.key < $1.key }.map { lunJSON($0.key, $0.value) })),
            ("fenceHistory", .array(state.fenceHistory.map { entry in
                var fields: [(String, JSONValue)] = [
                    ("victim", .string(name(entry.attempt.victim))), ("attempt", .int(entry.attempt.number)),
                    ("actor", .string(name(entry.actor.node))), ("sequence", .int(Int(clamping: entry.at)))]
                switch entry.outcome {
                case .succeeded(let device): fields += [("succeeded", .bool(true)), ("device", .string(device))]
                case .failed(let reason): fields += [("succeeded", .bool(false)), ("reason", .string(reason))]
                }
                return .object(fields)
            })),
            ("stacks", .array(stacks.map(\.json))),
            ("events", eventsJSON),
        ]
        return .object(members)
    }

    var phaseName: String {
        switch machine.phase {
        case .joining: "joining"
        case .waiting: "waiting for the cluster state"
        case .synced: "in sync"
        }
    }

    var eventsJSON: JSONValue {
        .array(events.map { .object([("time", .string($0.timeText)), ("level", .string($0.entry.level.rawValue)),
                                     ("message", .string($0.entry.message)),
                                     ("data", .object($0.entry.metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]) })
    }

    func nodeJSON(_ id: NodeID, _ record: NodeRecord, _ state: ClusterState) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(name(id))), ("id", .int(Int(id.rawValue))),
            ("member", .bool(record.member != nil)),
            ("inSync", .bool(record.member.map { state.synced.contains($0) } ?? false)),
            ("state", .string(safetyName(record.safety))),
            ("drained", .bool(record.isDrained)),
        ]
        if let task = record.fenceTask {
            fields.append(("fencing", .object([
                ("failedAttempts", .int(task.failedAttempts)),
                ("lastError", task.lastError.map(JSONValue.string) ?? .null),
                ("inProgress", task.inProgress.map { .object([("actor", .string(name($0.actor.node))), ("attempt", .int($0.number))]) } ?? .null),
            ])))
        }
        if let announcement = record.announcement {
            fields.append(("disks", .object(announcement.disks.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .string($0.value.rawValue)) })))
            fields.append(("configuration", .string(announcement.configurationDigest)))
            // The LUN stacks the node reports running (its last announcement): haloctl's
            // "served" for a LUN is its owner reporting it here.
            fields.append(("running", .array(announcement.running.sorted().map { .string($0.rawValue) })))
        }
        return .object(fields)
    }

    func lunJSON(_ lun: LUNName, _ record: LUNRecord) -> JSONValue {
        .object([
            ("name", .string(lun.rawValue)),
            ("node", record.owner.map { .string(name($0)) } ?? .null),
            ("reason", .string(record.reason.summary)),
            ("sinceSequence", .int(Int(clamping: record.since))),
            ("lastMoved", lastMoves[lun].map { .string(DaemonEvent(time: $0, entry: ClusterLogEntry(.info, "")).timeText) } ?? .null),
            ("pendingMove", record.pendingMove.map { .string(name($0)) } ?? .null),
            ("failures", .array(record.failures.sorted { $0.key < $1.key }.map {
                .object([("node", .string(name($0.key))), ("count", .int($0.value.count)), ("banned", .bool($0.value.isBanned)),
                         ("last", .string($0.value.last))])
            })),
            ("configurationError", record.blocked.map(JSONValue.string) ?? .null),
            // DRBD's fence-peer handler outdated these nodes' copies: none is promoted before its
            // resync ends (the after-resync-target handler clears it).
            ("outdated", .array(record.outdated.sorted().map { .string(name($0)) })),
            // The initiators' connections the serving node last reported: what a takeover tickles.
            ("initiatorConnections", .array(record.connections.map {
                .string("\($0.client):\($0.clientPort) → \($0.portal):\($0.portalPort)")
            })),
        ])
    }

    func safetyName(_ safety: NodeSafety) -> String {
        switch safety {
        case .unseen: "not seen running: to be fenced unless its halod joins"
        case .running: "running"
        case .stopped(.leftCleanly): "left cleanly"
        case .stopped(.fenced): "fenced"
        case .lost: "lost: to be fenced"
        }
    }

    /// What needs an admin's eye, most urgent first.
    var problems: [String] {
        guard let state = machine.state else { return ["this halod is not in sync with the cluster yet"] }
        var list: [String] = []
        if !state.quorum.allowsActions {
            list.append(state.quorum.isQuorate ? "waiting for the quorum verdict of the new membership" : "no quorum: nothing is fenced, placed or moved")
        }
        if state.agreement == nil { list.append("the members' configurations differ (or one has not announced): nothing is decided") }
        for (node, task) in state.pendingFences {
            var text = "\(name(node)) must be fenced"
            if task.failedAttempts > 0 { text += ": \(task.failedAttempts) attempts failed, last: \(task.lastError ?? "?")" }
            if task.inProgress != nil { text += " (an attempt is running)" }
            list.append(text)
        }
        for (lun, record) in state.luns.sorted(by: { $0.key < $1.key }) where record.owner == nil {
            list.append("\(lun) is not served: \(record.reason.summary)")
        }
        for stack in stacks where stack.stopFailed {
            list.append("a stop of \(stack.lun)'s stack failed on this node: it will be fenced")
        }
        for (lun, record) in state.luns.sorted(by: { $0.key < $1.key }) {
            for (node, failures) in record.failures.sorted(by: { $0.key < $1.key }) where failures.isBanned {
                list.append("\(lun) may not run on \(name(node)) after it failed there (\(failures.last)): clear it once fixed")
            }
        }
        for (node, record) in state.nodes.sorted(by: { $0.key < $1.key }) where record.fencedMember != nil {
            list.append("\(name(node)) was fenced but its halod is still a member: check the fence device's plug for it")
        }
        return list
    }
}

/// Something the daemon logged, with the wall time, kept for `status`.
struct DaemonEvent: Sendable {
    let time: Double
    let entry: ClusterLogEntry

    var timeText: String {
        let seconds = Int(time)
        let fraction = Int((time - Double(seconds)) * 1000)
        return "\(seconds).\(String(repeating: "0", count: 3 - String(fraction).count))\(fraction)"
    }
}

/// One LUN's stack on this node, for `status`.
struct LocalStackStatus {
    let lun: LUNName
    let goal: StackGoal
    let resources: [(id: String, role: ResourceRole, state: ResourceState)]
    let operation: String?
    let stopFailed: Bool
    let served: Bool

    var json: JSONValue {
        let goalName: String
        switch goal {
        case .serve: goalName = "serve"
        case .standby: goalName = "standby"
        case .absent: goalName = "absent"
        case .hold: goalName = "hold"
        }
        return .object([
            ("lun", .string(lun.rawValue)), ("goal", .string(goalName)), ("served", .bool(served)),
            ("operation", operation.map(JSONValue.string) ?? .null), ("stopFailed", .bool(stopFailed)),
            ("resources", .array(resources.map { .object([("id", .string($0.id)), ("role", .string($0.role.rawValue)), ("state", .string($0.state.rawValue))]) })),
        ])
    }
}
