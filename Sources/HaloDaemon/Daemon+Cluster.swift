import HaloCluster
import HaloControl
import HaloCorosync
import HaloNet
import HaloSystem

/// What comes from corosync and from the fence agents, handed to the machine.
extension Daemon {
    func handle(_ delivery: CorosyncConnection.Delivery) {
        switch delivery {
        case .agreed(let event):
            let owners = machine.state?.luns.mapValues(\.owner)
            let fenceResultsUpTo = machine.state.map { $0.fenceHistory.last?.at ?? 0 }
            if case .membership = event { metrics.membershipChanged() }
            defer {
                if let before = owners, let after = machine.state?.luns {
                    for (lun, record) in after where before[lun] != nil && before[lun]! != record.owner {
                        lastMoves[lun] = WallClock.now
                        metrics.lunMoved(lun, reason: record.reason)
                    }
                }
                if let before = fenceResultsUpTo, let history = machine.state?.fenceHistory {
                    for entry in history where entry.at > before {
                        var succeeded = false
                        if case .succeeded = entry.outcome { succeeded = true }
                        metrics.fenceFinished(victim: configuration.node(entry.attempt.victim)?.name ?? "\(entry.attempt.victim)", succeeded: succeeded)
                    }
                }
            }
            if case .membership(let change) = event, stopRequested != nil, !change.members.contains(machine.me) {
                stacks.cancelAll()
                log.log(.notice, "left the cluster cleanly")
                exitStatus = 0
                return
            }
            perform(machine.handle(event))
            answerFencePeerWaits()
            notifier.status(statusLine)
        case .local(let event):
            perform(machine.handle(event))
        case .ring(let sequence, let nodes):
            log.log(.info, "corosync formed a new ring", ["halo.ring": String(sequence), "halo.nodes": nodes.map { String($0.rawValue) }.joined(separator: ",")])
        case .unreadable(let member, let reason):
            log.log(.warning, "a member sent a message this halod cannot read (another version?)", ["halo.member": member.description, "halo.reason": reason])
        }
    }

    func handle(_ event: FenceRunner.Event) {
        switch event {
        case .agentStarted(let order, let device, let action):
            log.log(.warning, "fence agent started", ["halo.node": String(order.attempt.victim.rawValue), "halo.victim": order.victimName,
                                                     "halo.device": device.name, "halo.agent": device.agent, "halo.action": action,
                                                     "halo.attempt": String(order.attempt.number)])
        case .finished(let attempt, let outcome, let took):
            perform(machine.handle(.fenceFinished(attempt, outcome)))
            let milliseconds: Int64 = took.milliseconds
            log.log(.info, "fence attempt finished", ["halo.node": String(attempt.victim.rawValue), "halo.duration_ms": String(milliseconds)])
        }
    }
}
