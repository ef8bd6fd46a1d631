extension StackGoal {
    /// What node `me` should do with `lun` now, by the agreed state.
    ///
    /// - Serve it only when the state assigns it here, the cluster is quorate, this node is
    ///   running in the state (not to be fenced), and no other member still reports it served
    ///   (a move: the old node stops first, then this one starts).
    /// - Without quorum: `stop` (the default policy) stops serving; `freeze` holds everything.
    ///   While a new membership's verdict is awaited (milliseconds), everything holds.
    /// - Not in sync, or configurations that differ: hold.
    public static func of(_ lun: LUNName, for me: NodeID, in state: ClusterState?, isConfigured: Bool) -> StackGoal {
        guard isConfigured else { return .absent }
        guard let state, let policy = state.agreement?.policy else { return .hold }
        guard policy.luns[lun]?.contains(me) ?? false else { return .absent }
        if !state.quorum.isQuorate { return policy.noQuorumPolicy == .stop ? .standby : .hold }
        if state.quorum.awaitingRingAbove != nil { return .hold }
        // A node the cluster is to fence (lost, back before its fence) starts nothing: another
        // partition may have given its LUNs away meanwhile, and it will be powered off.
        guard case .running = state.nodes[me]?.safety else { return .standby }
        guard let record = state.luns[lun], record.owner == me, record.blocked == nil else { return .standby }
        let elsewhere = state.nodes.contains { node, other in
            node != me && other.member != nil && (other.announcement?.running.contains(lun) ?? false)
        }
        return elsewhere ? .standby : .serve
    }
}
