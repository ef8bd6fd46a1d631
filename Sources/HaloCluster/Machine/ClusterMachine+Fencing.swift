extension ClusterMachine {
    /// What this member does about the nodes that must be fenced, after every event: when it
    /// is the actor (the lowest member in sync, with quorum and an agreed configuration), it
    /// starts each pending fence that nobody runs — at once for a lost node's first attempt,
    /// after the startup delay for a node never seen, after a back-off for a retry. A member
    /// that is not the actor forgets the delays it was waiting on (the new actor has its own).
    mutating func fencingActions() -> [ClusterAction] {
        guard let state else { return [] }
        guard state.fenceActor == me, round?.isMerge != true,
              let digest = state.agreement?.digest, let configuration = configurations[digest]
        else {
            localFencing = localFencing.filter {
                switch $0.value {
                case .running, .reporting: true
                case .delayed, .due, .announced: false
                }
            }
            return []
        }
        var actions: [ClusterAction] = []
        for (victim, task) in state.pendingFences where task.inProgress == nil && victim != me.node {
            let first = task.failedAttempts == 0
            switch localFencing[victim] {
            case .running, .reporting:
                continue  // an earlier attempt of ours must end first
            case .announced(let attempt) where attempt.failure == task.failure:
                continue
            case .delayed(let failure) where failure == task.failure:
                continue
            case .due(let failure) where failure == task.failure:
                break
            default:
                let delay: Duration
                if case .unseen = state.nodes[victim]?.safety, first {
                    delay = configuration.startupFenceDelay
                } else {
                    delay = first ? .zero : Self.backOff(after: task.failedAttempts, limit: configuration.fenceRetryLimit)
                }
                if delay > .zero {
                    localFencing[victim] = .delayed(failure: task.failure)
                    actions.append(.schedule(.fenceAttempt(victim, failure: task.failure), after: delay))
                    if !first {
                        actions.append(.log(.init(.error, "fencing will be retried: no failover until it succeeds", node: victim,
                                                  ["halo.attempts": String(task.failedAttempts), "halo.delay_ms": String(delay.milliseconds)])))
                    }
                    continue
                }
            }
            let attempt = FenceAttempt(victim: victim, failure: task.failure, number: task.failedAttempts + 1)
            localFencing[victim] = .announced(attempt)
            actions.append(.send(.fenceStarted(attempt)))
        }
        return actions
    }

    /// 1 s, 2 s, 4 s, … up to `limit`, after `failures` failed attempts.
    static func backOff(after failures: Int, limit: Duration) -> Duration {
        let seconds = Int64(1) << Int64(min(max(failures - 1, 0), 20))
        return min(.seconds(seconds), limit)
    }

    /// The devices to run for an accepted attempt, from this node's copy of the agreed
    /// configuration.
    func fenceOrder(for attempt: FenceAttempt, in state: ClusterState) -> FenceOrder? {
        guard let digest = state.agreement?.digest, let configuration = configurations[digest],
              let victim = configuration.node(attempt.victim) else { return nil }
        let levels = victim.fenceLevels.map { $0.compactMap { configuration.fenceDevices[$0] } }
        return FenceOrder(attempt: attempt, victimName: victim.name, delay: victim.fenceDelay, levels: levels, plugs: victim.plugs)
    }
}
