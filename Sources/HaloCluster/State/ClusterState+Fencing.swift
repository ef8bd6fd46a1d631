extension ClusterState {
    /// The member that fences lost nodes: the lowest node id among the members in sync
    /// (dlm_controld's rule), preferring members whose own node is running — a node that must
    /// itself be fenced fences others only when no member is running (every member came back
    /// before it was fenced: someone must start), and never itself. Nil while decisions are
    /// suspended (no quorum, no agreed configuration): nobody fences then.
    public var fenceActor: MemberID? {
        guard quorum.allowsActions, agreement != nil else { return nil }
        let present = synced.filter { nodes[$0.node]?.member == $0 }
        return present.filter { nodes[$0.node]?.safety == .running }.min() ?? present.min()
    }

    /// Nodes that must be fenced, by id.
    public var pendingFences: [(node: NodeID, task: FenceTask)] {
        nodes.compactMap { node, record in record.fenceTask.map { (node, $0) } }.sorted { $0.node < $1.node }
    }

    /// Applies the actor's announcement that it starts an attempt. It counts only when it
    /// comes from the actor, for the node's current failure, with the next attempt number and
    /// none running; otherwise it is ignored (and the sender learns so by the state).
    mutating func applyFenceStarted(_ attempt: FenceAttempt, from member: MemberID) -> Bool {
        guard member == fenceActor, var task = nodes[attempt.victim]?.fenceTask, task.failure == attempt.failure,
              task.inProgress == nil, attempt.number == task.failedAttempts + 1
        else { return false }
        task.inProgress = InProgressFence(actor: member, number: attempt.number, started: sequence)
        let safety = nodes[attempt.victim]!.safety.replacingTask(task)
        nodes[attempt.victim]?.safety = safety
        return true
    }

    /// Applies the end of an attempt. Success makes the node stopped (it holds nothing: its
    /// LUNs may now be started elsewhere); failure keeps it to be fenced, and nothing of it
    /// moves. Only the attempt in progress counts. A success covers every failure recorded
    /// before it (dlm_controld's rule: the last fence completed after the failure), also one
    /// recorded while the attempt ran.
    mutating func applyFenceFinished(_ attempt: FenceAttempt, _ outcome: FenceOutcome, from member: MemberID) -> [ClusterLogEntry] {
        guard var record = nodes[attempt.victim], var task = record.fenceTask,
              let running = task.inProgress, running.actor == member, running.number == attempt.number
        else { return [] }
        fenceHistory.append(FenceHistoryEntry(attempt: attempt, actor: member, outcome: outcome, at: sequence))
        if fenceHistory.count > Self.fenceHistoryLimit { fenceHistory.removeFirst(fenceHistory.count - Self.fenceHistoryLimit) }
        switch outcome {
        case .succeeded(let device):
            record.safety = .stopped(.fenced)
            if let present = record.member { record.fencedMember = present }
            nodes[attempt.victim] = record
            return [.init(.notice, "node fenced", node: attempt.victim, ["halo.device": device, "halo.attempt": String(attempt.number)])]
        case .failed(let reason):
            task.inProgress = nil
            task.failedAttempts += 1
            task.lastError = reason
            record.safety = record.safety.replacingTask(task)
            nodes[attempt.victim] = record
            return [.init(.error, "fencing failed: the node's LUNs stay where they are until it is fenced",
                          node: attempt.victim, ["halo.attempt": String(attempt.number), "halo.error": reason])]
        }
    }
}
