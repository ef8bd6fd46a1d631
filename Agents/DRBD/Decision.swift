import HaloDRBD
import HaloOCF

/// What to do with this node's promotion score.
enum ScoreDecision: Sendable, Hashable {
    case set(Int)
    case remove
    /// In a transitional state (attaching, negotiating): leave the score as it is.
    case keep
}

/// Pure decisions of the DRBD agent.
enum DRBDDecision {
    /// The score this node deserves in `state` (`ocf:linbit:drbd`'s levels).
    static func score(_ state: DRBDResourceState?, scores: PromotionScores) -> ScoreDecision {
        guard let state else { return .remove }
        if state.hasQuorum == false { return .remove }
        func value(_ score: Int) -> ScoreDecision { score > 0 ? .set(score) : .remove }
        if state.allDisksUpToDate {
            if state.role == .primary { return value(scores.best) }
            return state.somePeerDiskUnknown ? value(scores.localUpToDate) : value(scores.best)
        }
        if state.aConnectedPeerIsUpToDate { return value(scores.peerUpToDate) }
        if state.devices.contains(where: { $0.disk.isTransitional }) { return .keep }
        if state.allDisksConsistent { return value(scores.consistentOnly) }
        return .remove
    }

    /// Monitor. Level 0: role and local data; level 10 also replication (connection, peer disks).
    static func monitor(_ observation: DRBDObservation, level: CheckLevel) -> AgentOutcome {
        guard let state = observation.state else { return .notRunning }
        let promoted = state.role == .primary
        if promoted, let failed = state.devices.first(where: { $0.disk == .diskless || $0.disk == .failed }) {
            return .failedPromoted(Reason("Primary without its local disk (volume \(failed.volume) is \(failed.disk.rawValue)): I/O goes to the peer only"))
        }
        var problems: [String] = []
        if state.isSuspended { problems.append("I/O suspended (\(state.suspended ?? ""))") }
        if let standalone = state.connections.first(where: { $0.state == .standAlone }) {
            problems.append("StandAlone towards peer \(standalone.name ?? String(standalone.peerNodeID)): split brain or disconnected by hand, see the kernel log")
        }
        if level >= .thorough {
            for connection in state.connections where connection.state != .connected && connection.state != .standAlone {
                problems.append("not connected to peer \(connection.name ?? String(connection.peerNodeID)) (\(connection.state.rawValue))")
            }
            for device in state.devices where device.disk != .upToDate {
                problems.append("volume \(device.volume) is \(device.disk.rawValue)")
            }
            for peer in state.peerDevices where peer.replication.isResyncing {
                problems.append("resync \(peer.replication.rawValue) with peer \(peer.peerNodeID) volume \(peer.volume)")
            }
        }
        if problems.isEmpty { return promoted ? .runningPromoted : .success }
        let reason = Reason(problems.joined(separator: "; "))
        return promoted ? .degradedPromoted(reason) : .degraded(reason)
    }

    /// Whether promote should wait before asking DRBD: the peer still shows as Primary. Pacemaker
    /// promotes here only after it demoted the peer or fenced its node, so this is DRBD not having
    /// noticed yet that the peer is gone (it learns that from its own ping, up to `ping-int`, 10 s
    /// by default, later). Asking now gets "peer is Primary" (exit 11), and a failed promote costs
    /// a demote, stop, start and promote more; waiting costs seconds. Never with dual-Primary.
    static func waitForPeerToLeavePrimary(_ state: DRBDResourceState?, dualPrimary: Bool) -> Bool {
        guard let state, !dualPrimary, state.role != .primary else { return false }
        return state.aPeerIsPrimary
    }

    /// Whether a connection promote dropped must be configured again: the resource is StandAlone
    /// (or its state unknown). A `disconnect` DRBD did not answer in time may never have taken
    /// effect; a resource that still has a connection needs nothing, and a `connect` would be
    /// refused and reported as a failure that is none.
    static func mustListenAgain(_ state: DRBDResourceState?) -> Bool {
        guard let state, !state.connections.isEmpty else { return true }
        return state.connections.contains { $0.state == .standAlone }
    }

    /// Why promotion must be refused now, or `nil` to go ahead.
    static func refusalToPromote(_ state: DRBDResourceState?) -> String? {
        guard let state else { return "cannot promote: the DRBD resource is not started on this node" }
        if state.role == .primary { return nil }
        if state.hasQuorum == false { return "cannot promote: no quorum" }
        if state.allDisksUpToDate || state.aConnectedPeerIsUpToDate { return nil }
        let disks = state.devices.map { "volume \($0.volume) \($0.disk.rawValue)" }.joined(separator: ", ")
        return "refusing to promote without access to UpToDate data (\(disks.isEmpty ? "no volume" : disks)); "
            + "the peer with good data must be promoted first"
    }

    /// The clone settings halo supports: one instance per node, one Primary per node, at most two
    /// Primaries and two only when dual-primary is allowed.
    static func cloneProblem(_ clone: CloneMeta?, dualPrimary: Bool) -> String? {
        guard let clone else { return "ocf:halo:drbd must run as a promotable clone" }
        guard clone.isPromotable else { return "the clone must be promotable (promotable=true)" }
        if clone.cloneNodeMax != 1 { return "clone-node-max must be 1, not \(clone.cloneNodeMax)" }
        if clone.promotedNodeMax != 1 { return "promoted-node-max must be 1, not \(clone.promotedNodeMax)" }
        if clone.promotedMax > 2 { return "promoted-max must be 1 or 2, not \(clone.promotedMax)" }
        if clone.promotedMax == 2 && !dualPrimary {
            return "promoted-max=2 needs allow_dual_primary=true (and allow-two-primaries in the DRBD configuration)"
        }
        return nil
    }
}

// MARK: - The actions' next step

/// What start, stop, promote and demote do next, decided from what was observed and what the
/// action has done so far: the agent observes, asks, does that one step, observes again — so
/// a state that changes under an action (a peer connecting, DRBD noticing a fenced peer) is
/// decided on as it is, and every branch is table-tested on captured states.
extension DRBDDecision {
    enum StartStep: Hashable, Sendable {
        case loadModule
        /// `drbdadm adjust`: bring the resource up from its configuration.
        case adjust
        /// Wait (a bounded share of start) for every connection to be Connected.
        case awaitConnection
        /// A promotable resource leaves start unpromoted.
        case demote
        /// Started: write the score.
        case finish(ScoreDecision)
        case fail(AgentFailure)
    }

    static func start(_ resource: String, _ observation: DRBDObservation, done: Set<StartStep>, scores: PromotionScores) -> StartStep {
        guard observation.version != nil else {
            return done.contains(.loadModule) ? .fail(.notInstalled("the drbd kernel module is not loaded after modprobe drbd"))
                : .loadModule
        }
        guard let state = observation.state else {
            if !done.contains(.adjust) { return .adjust }
            // drbdadm adjust returned: the wait gives a resource coming up late its chance.
            if !done.contains(.awaitConnection) { return .awaitConnection }
            return .fail(.generic(Reason("drbdadm adjust \(resource) ran, but the resource is not up")))
        }
        let connected = !state.connections.isEmpty && state.connections.allSatisfy { $0.state == .connected }
        if !connected && !done.contains(.awaitConnection) { return .awaitConnection }
        if state.role == .primary && !done.contains(.demote) { return .demote }
        return .finish(score(state, scores: scores))
    }

    enum StopStep: Hashable, Sendable {
        case demote
        /// `drbdadm down`.
        case down
        /// Stopped: remove the score.
        case finish
        /// Still up after `down`: the reason, to which the agent adds the devices' users.
        case fail(String)
    }

    static func stop(_ state: DRBDResourceState?, done: Set<StopStep>) -> StopStep {
        guard let state else { return .finish }
        if state.role == .primary && !done.contains(.demote) { return .demote }
        if !done.contains(.down) { return .down }
        return .fail("\(state.name) is still up after drbdadm down")
    }

    enum DemoteStep: Hashable, Sendable {
        /// The role change to Secondary (`DRBDEffects.changeRole`: netlink, or drbdadm).
        case secondary
        /// Not Primary (any more): write the score when `secondary` ran.
        case finish
    }

    static func demote(_ state: DRBDResourceState?, done: Set<DemoteStep>) -> DemoteStep {
        guard let state, state.role == .primary, !done.contains(.secondary) else { return .finish }
        return .secondary
    }

    enum PromoteStep: Hashable, Sendable {
        /// Primary already: nothing to write either.
        case alreadyPrimary
        /// Under halod, with every other node of the LUN fenced: drop DRBD's connection to the
        /// peer it still shows as Primary instead of waiting for DRBD's ping to notice.
        case dropFencedPeer
        /// Wait a moment and observe again: the peer still shows as Primary.
        case waitForPeer
        /// The role change to Primary (`DRBDEffects.changeRole`: netlink, or drbdadm).
        case primary
        /// Promoted: write the score if it changed.
        case finish(ScoreDecision)
        /// Refused, with the back-off.
        case refuse(String)
    }

    /// - Parameter mayDropPeer: halod runs the stacks and the peer's connection was not dropped yet.
    /// - Parameter mayWait: the share of promote's time for the peer to leave Primary is not used up.
    static func promote(_ state: DRBDResourceState?, done: Set<PromoteStep>, dualPrimary: Bool, mayDropPeer: Bool,
                        mayWait: Bool, scores: PromotionScores) -> PromoteStep {
        if done.contains(.primary) { return .finish(score(state, scores: scores)) }
        if state?.role == .primary { return .alreadyPrimary }
        if waitForPeerToLeavePrimary(state, dualPrimary: dualPrimary) {
            if mayDropPeer && !done.contains(.dropFencedPeer) { return .dropFencedPeer }
            if mayWait { return .waitForPeer }
        }
        if let refusal = refusalToPromote(state) { return .refuse(refusal) }
        return .primary
    }

    /// Why the promotion failed, from drbdsetup's exit status — drbdadm's, or the one the
    /// netlink reply maps to (captured: 17 without access to UpToDate data, 11 when the peer is
    /// Primary or the device is held open).
    static func promoteFailure(exitStatus: Int32?, termination: String, said: String) -> String {
        let why = switch exitStatus {
        case 17: "DRBD refused promotion without access to UpToDate data"
        case 11: "DRBD refused promotion: the peer is Primary, or the device is held open"
        default: "DRBD's `primary` failed (\(termination))"
        }
        return "\(why): \(said)"
    }

    /// Why the demotion failed (captured: 11 and "Device is held open by someone" when the device
    /// is held open). Exit status 11 covers DRBD's other state-change refusals too (the peer
    /// refused, a concurrent state change): for those, DRBD's own line.
    static func demoteFailure(resource: String, exitStatus: Int32?, termination: String, said: String) -> String {
        if exitStatus == 11 && (said.isEmpty || said.contains("held open")) { return "cannot demote \(resource): the device is held open" }
        return "cannot demote \(resource): DRBD's `secondary` failed (\(termination))" + (said.isEmpty ? "" : ": \(said)")
    }
}
