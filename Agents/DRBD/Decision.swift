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
