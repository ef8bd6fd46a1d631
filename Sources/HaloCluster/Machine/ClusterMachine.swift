/// One member's side of the replicated state machine: it takes the agreed stream (and what
/// happens locally), keeps the replicated state in sync with the other members, and returns
/// the actions this member must perform.
///
/// ```swift
/// var machine = ClusterMachine(me: MemberID(node: NodeID(1), process: pid), software: "halod 0.1")
/// actions = machine.handle(.configuration(configuration))
/// actions = machine.handle(.membership(change))       // from CPG, in order
/// actions = machine.handle(.message(from: m, message))
/// ```
/// A value owned by the daemon's loop; it reads no clock and does no I/O, so every decision
/// it takes can be replayed in a test from the same events.
public struct ClusterMachine: Sendable {
    /// This member.
    public let me: MemberID
    let software: String
    /// Where this member stands.
    public private(set) var phase: Phase
    /// The round started by the latest membership change, until it completes.
    private(set) var round: SyncRound?
    private var helloCounter: UInt64 = 0
    /// Configurations this node has loaded, by digest (the current one and a few before it:
    /// the fencing actor uses the one the members agreed on, which after a reload may be the
    /// previous one until every member has announced the new one).
    var configurations: [String: ClusterConfiguration] = [:]
    private var configurationOrder: [String] = []
    private(set) var current: ClusterConfiguration?
    private var facts: LocalFacts?
    private var lastQuorum: QuorumReport?
    private var lastAnnounced: Announcement?
    /// The fencing attempts this member drives, by victim.
    public internal(set) var localFencing: [NodeID: LocalFence] = [:]

    /// Where a member stands in the synchronisation protocol.
    public enum Phase: Sendable, Hashable {
        /// Joined, no round completed yet: no state.
        case joining
        /// A round completed without a state for this member: it collects the stream until the
        /// snapshot for one of its anchors arrives.
        case waiting(Waiting)
        /// Holds the replicated state.
        case synced(ClusterState)
    }

    /// A member waiting for a snapshot.
    public struct Waiting: Sendable, Hashable {
        /// Each round completion this member may receive a snapshot for, with the position in
        /// `buffer` the completion was at.
        var anchors: [UInt64: Int]
        /// The events since the earliest anchor.
        var buffer: [AgreedEvent]
    }

    /// An attempt to fence a node as this member (the actor) drives it.
    public enum LocalFence: Sendable, Hashable {
        /// Waiting for the back-off or startup delay of the given failure.
        case delayed(failure: UInt64)
        /// The delay passed; start at the next evaluation.
        case due(failure: UInt64)
        /// The start was multicast and not yet delivered.
        case announced(FenceAttempt)
        /// The fence agents run.
        case running(FenceAttempt)
        /// The result was multicast and not yet delivered.
        case reporting(FenceAttempt)
    }

    public init(me: MemberID, software: String) {
        self.me = me
        self.software = software
        self.phase = .joining
    }

    /// The replicated state, when this member holds it.
    public var state: ClusterState? {
        if case .synced(let state) = phase { return state }
        return nil
    }

    /// Whether a synchronisation round is in progress.
    public var isSynchronising: Bool { round != nil }

    /// The state this node's LUN stacks follow (`StackGoal.of`): none — so they hold — while a
    /// merge decides which partition's state is kept. Until then the members of one group hold
    /// states of different lineages, which may each give the same LUN to their own node.
    public var stateForStacks: ClusterState? { round?.isMerge == true ? nil : state }

    // MARK: The agreed stream

    /// Handles one event of the agreed stream.
    public mutating func handle(_ event: AgreedEvent) -> [ClusterAction] {
        var actions: [ClusterAction] = []
        if case .membership(let change) = event {
            guard change.members.contains(me) else {
                return [.restart(reason: "this member is not in the group's membership any more (evicted)")]
            }
            round = SyncRound(view: change.members, isMerge: change.joined.contains { $0.kind == .merged })
        }
        actions += deliver(event)
        switch event {
        case .membership(let change):
            helloCounter += 1
            actions.append(.send(.hello(Hello(
                view: change.members, nonce: helloCounter, isSynced: state != nil, lineage: state?.lineage,
                lastQuorateRing: state?.lastQuorateRing ?? 0))))
        case .message(let member, .hello(let hello)):
            if var pending = round {
                if let conclusion = pending.record(hello, from: member) {
                    round = nil
                    actions += conclude(conclusion, view: pending.view)
                } else {
                    round = pending
                }
            }
        default:
            break
        }
        actions += fencingActions()
        return actions
    }

    /// Applies an event to the state (or buffers it while waiting), with its own actions.
    private mutating func deliver(_ event: AgreedEvent) -> [ClusterAction] {
        switch phase {
        case .joining:
            return []
        case .waiting(var waiting):
            if case .message(let sender, .snapshot(let snapshot)) = event, snapshot.recipients.contains(me),
               let start = waiting.anchors[snapshot.anchor] {
                var state = snapshot.state
                for past in waiting.buffer[start...] { _ = state.apply(past) }
                phase = .synced(state)
                var actions: [ClusterAction] = [.log(.init(.notice, "in sync with the cluster", ["halo.from": sender.description]))]
                actions += apply(event)
                return actions + reannounce()
            }
            waiting.buffer.append(event)
            phase = .waiting(waiting)
            return []
        case .synced:
            return apply(event)
        }
    }

    /// Applies an event to the state this member holds; the actions only this member takes.
    private mutating func apply(_ event: AgreedEvent) -> [ClusterAction] {
        guard case .synced(var state) = phase else { return [] }
        let applied = state.apply(event)
        phase = .synced(state)
        var actions = applied.log.map(ClusterAction.log)
        guard case .message(let sender, let message) = event else { return actions }
        switch message {
        case .intent(_, let request) where request.member == me:
            actions.append(.reply(request, applied.intentOutcome ?? .refused("not applied")))
        case .fenceStarted(let attempt) where sender == me:
            if applied.fenceStartAccepted, let order = fenceOrder(for: attempt, in: state) {
                localFencing[attempt.victim] = .running(attempt)
                actions.append(.runFence(order))
            } else if applied.fenceStartAccepted {
                // Accepted but this node cannot name the devices: end the attempt at once so
                // that it is retried (by this or another actor) instead of hanging.
                localFencing[attempt.victim] = .reporting(attempt)
                actions.append(.send(.fenceFinished(attempt, .failed(reason: "the fencing member lacks the agreed configuration"))))
            } else {
                localFencing[attempt.victim] = nil
            }
        case .fenceFinished(let attempt, _) where sender == me:
            if localFencing[attempt.victim] == .reporting(attempt) { localFencing[attempt.victim] = nil }
        default:
            break
        }
        return actions
    }

    /// What a completed round means for this member.
    private mutating func conclude(_ conclusion: SyncRound.Conclusion, view: [MemberID]) -> [ClusterAction] {
        guard let lineage = conclusion.keptLineage else {
            phase = .synced(ClusterState.genesis(members: view, lineage: conclusion.anchor))
            return [.log(.init(.notice, "no member held a cluster state: starting one", ["halo.members": view.map(\.description).joined(separator: ",")]))]
                + reannounce()
        }
        var actions: [ClusterAction] = []
        if conclusion.recipients.contains(me) {
            switch phase {
            case .synced(let state) where state.lineage != lineage:
                actions.append(.log(.init(.warning, "this partition's state lost to the other side's after the partition healed; taking theirs")))
                localFencing = localFencing.filter { if case .running = $0.value { true } else { false } }
                phase = .waiting(Waiting(anchors: [conclusion.anchor: 0], buffer: []))
            case .synced:
                break
            case .joining:
                phase = .waiting(Waiting(anchors: [conclusion.anchor: 0], buffer: []))
            case .waiting(var waiting):
                waiting.anchors[conclusion.anchor] = waiting.buffer.count
                phase = .waiting(waiting)
            }
        }
        if conclusion.sender == me, let state {
            actions.append(.send(.snapshot(Snapshot(anchor: conclusion.anchor, recipients: conclusion.recipients, state: state))))
        }
        return actions
    }

    // MARK: Local events

    /// Handles something that happened on this node.
    public mutating func handle(_ event: LocalEvent) -> [ClusterAction] {
        var actions: [ClusterAction] = []
        switch event {
        case .quorum(let report):
            lastQuorum = report
            actions.append(.send(.quorum(report)))
        case .facts(let read):
            facts = read
            actions += announceIfChanged()
        case .configuration(let configuration):
            let digest = configuration.digest
            if configurations[digest] == nil {
                configurationOrder.append(digest)
                if configurationOrder.count > 4 { configurations[configurationOrder.removeFirst()] = nil }
            }
            configurations[digest] = configuration
            current = configuration
            actions += announceIfChanged()
        case .request(let intent, let client):
            let request = RequestID(member: me, number: client)
            if state == nil {
                actions.append(.reply(request, .refused("this node's halod is not in sync with the cluster yet; try again in a moment")))
            } else {
                actions.append(.send(.intent(intent, request)))
            }
        case .fenceFinished(let attempt, let outcome):
            localFencing[attempt.victim] = .reporting(attempt)
            actions.append(.send(.fenceFinished(attempt, outcome)))
        case .connections(let lun, let connections):
            if state != nil { actions.append(.send(.connections(lun, connections))) }
        case .stackFailed(let failure):
            // Only a member in sync reports: a member that is not has no say on placement (its
            // stack's failures show again once it is, in its facts and its next monitors).
            if state != nil { actions.append(.send(.stackFailed(failure))) }
        case .timer(.fenceAttempt(let node, let failure)):
            if localFencing[node] == .delayed(failure: failure) { localFencing[node] = .due(failure: failure) }
        }
        return actions + fencingActions()
    }

    private mutating func announceIfChanged() -> [ClusterAction] {
        guard let current, let facts else { return [] }
        let announcement = Announcement(configurationDigest: current.digest, policy: current.policy, software: software, facts: facts)
        guard announcement != lastAnnounced else { return [] }
        lastAnnounced = announcement
        return [.send(.announce(announcement))]
    }

    /// After this member got in sync: its quorum verdict and facts again, for the state it
    /// now shares (what it sent before may have been applied before its snapshot's point).
    private mutating func reannounce() -> [ClusterAction] {
        var actions: [ClusterAction] = []
        if let lastQuorum { actions.append(.send(.quorum(lastQuorum))) }
        lastAnnounced = nil
        return actions + announceIfChanged()
    }
}
