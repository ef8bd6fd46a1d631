extension ClusterState {
    /// What applying one event produced besides the new state.
    struct Applied: Sendable {
        var log: [ClusterLogEntry] = []
        /// The answer to an intent.
        var intentOutcome: IntentOutcome?
        /// Whether a fence start was accepted.
        var fenceStartAccepted = false
    }

    /// Applies one event of the agreed stream: the one function through which the replicated
    /// state changes. Every member in sync calls it with the same events in the same order and
    /// so holds the same state; it reads no clock and nothing local.
    mutating func apply(_ event: AgreedEvent) -> Applied {
        sequence += 1
        var applied = Applied()
        switch event {
        case .membership(let change):
            applied.log += applyMembership(change)
        case .message(let member, let message):
            switch message {
            case .hello:
                break  // the round is the machine's; the state only counts the event
            case .snapshot(let snapshot):
                markSynced(snapshot.recipients)
            case .quorum(let report):
                applied.log += applyQuorum(report)
            case .announce(let announcement):
                applyAnnouncement(announcement, from: member)
            case .fenceStarted(let attempt):
                applied.fenceStartAccepted = applyFenceStarted(attempt, from: member)
                if applied.fenceStartAccepted {
                    applied.log.append(.init(.warning, "fencing started", node: attempt.victim,
                                             ["halo.attempt": String(attempt.number), "halo.actor": member.description]))
                }
            case .fenceFinished(let attempt, let outcome):
                applied.log += applyFenceFinished(attempt, outcome, from: member)
            case .intent(let intent, _):
                applied.intentOutcome = applyIntent(intent, from: member)
            case .stackFailed(let failure):
                applied.log += applyStackFailure(failure, from: member)
            case .connections(let lun, let connections):
                // Only the node serving the LUN knows its initiators.
                if luns[lun]?.owner == member.node, nodes[member.node]?.member == member {
                    luns[lun]?.connections = connections.sorted()
                }
            }
        }
        applied.log += updateAgreement()
        applied.log += place()
        return applied
    }
}
