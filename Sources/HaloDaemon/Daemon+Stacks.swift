import HaloCluster
import HaloControl
import HaloCorosync
import HaloNet
import HaloSystem

/// This node's LUN stacks: their goals from the agreed state, their results, the initiators'
/// connections and the tickles after a recovery.
extension Daemon {
    /// Reads the initiators connected to the portals of the LUNs whose stacks are up here
    /// (socket diagnostics, every facts interval) and reports the ones that changed. A LUN
    /// still starting, or taken over here and not yet tickled, is not reported: its report
    /// would replace the previous node's connections in the agreed state before the tickle read
    /// them (a stack counts as served from its first start, seconds before it is up).
    func watchConnections(now: ContinuousClock.Instant) {
        guard now >= nextConnectionsRead else { return }
        nextConnectionsRead = now + configuration.local.factsInterval
        guard let state = machine.state else { return }
        let reporting = Set(stacks.stacks.compactMap { name, stack -> LUNName? in
            guard StackPlanner.isUp(stack.local, roles: stack.roles) else { return nil }
            let owesTickle = configuration.local.tickleACKs && state.luns[name]?.awaitsTickle(by: corosync.localNode, tickled: tickled[name]) == true
            return owesTickle ? nil : name
        })
        reportedConnections = reportedConnections.filter { reporting.contains($0.key) }
        guard !reporting.isEmpty else { return }
        let established: [TCPConnection]
        do {
            var diagnostics = try SocketDiagnostics()
            established = try diagnostics.establishedTCP(localPort: Self.iSCSIPort, deadline: .after(.seconds(1)))
        } catch {
            log.log(.debug, "cannot read the TCP connections", ["halo.error": "\(error)"])
            return
        }
        for lun in configuration.luns where reporting.contains(lun.name) {
            let portals = Set(lun.portalAddresses)
            let connections = established.filter { portals.contains($0.local.description) }
                .map { ClientConnection(portal: $0.local.description, portalPort: $0.localPort, client: $0.remote.description, clientPort: $0.remotePort) }
                .sorted()
            if reportedConnections[lun.name] != connections {
                reportedConnections[lun.name] = connections
                perform(machine.handle(.connections(lun.name, connections)))
            }
        }
    }

    /// After this node took a LUN over from another node (lost, moved away from, drained):
    /// once its stack is up here, every connection the other node reported is tickled, so its
    /// initiator reconnects at once — to this node's target, which listens by then.
    func tickleTakenOverLUNs() {
        guard configuration.local.tickleACKs, let state = machine.state else { return }
        for (name, stack) in stacks.stacks {
            guard let record = state.luns[name], record.awaitsTickle(by: corosync.localNode, tickled: tickled[name]),
                  StackPlanner.isUp(stack.local, roles: stack.roles)
            else { continue }
            tickled[name] = record.since
            var sent = 0
            for connection in record.connections {
                guard let local = IPAddress(connection.portal), let remote = IPAddress(connection.client) else { continue }
                do {
                    try TickleACK.send(for: TCPConnection(local: local, localPort: connection.portalPort, remote: remote, remotePort: connection.clientPort))
                    sent += 1
                } catch {
                    log.log(.warning, "a tickle ACK could not be sent", ["halo.lun": name.rawValue, "halo.client": connection.client, "halo.error": "\(error)"])
                }
            }
            metrics.tickles(sent)
            if record.connections.isEmpty {
                log.log(.info, "no initiator was connected to a LUN taken over here as far as its previous node reported: nothing to tickle", ["halo.lun": name.rawValue])
            } else {
                log.log(.notice, "tickled the initiators of a LUN taken over here: they reconnect at once", ["halo.lun": name.rawValue, "halo.connections": String(sent)])
            }
        }
    }

    /// Each LUN's goal from the agreed state; the stacks' next actions; the facts when they
    /// changed (only once every resource was probed: what runs here must be known before the
    /// cluster places anything on what this node says).
    func driveStacks() {
        var goals: [LUNName: StackGoal] = [:]
        for name in stacks.stacks.keys {
            let goal = StackGoal.of(name, for: corosync.localNode, in: machine.stateForStacks, isConfigured: configuration.lun(name) != nil)
            goals[name] = stopping != nil && goal == .serve ? .standby : goal
        }
        stacks.advance(goals: goals)
        tickleTakenOverLUNs()
        watchConnections(now: .now)
        if let disks, stacks.isProbed {
            let current = LocalFacts(disks: disks, running: stacks.served)
            if current != announcedFacts {
                announcedFacts = current
                perform(machine.handle(.facts(current)))
            }
        }
        if let since = stopping, stopRequested == nil {
            let maximumStop = configuration.luns.flatMap(\.resources).map { $0.timeouts.stop + $0.timeouts.demote }.max() ?? .zero
            if stacks.served.isEmpty || ContinuousClock.now >= since + maximumStop + .seconds(5) {
                if !stacks.served.isEmpty { log.log(.error, "LUNs still served here after their stop timeouts; leaving anyway") }
                corosync.leave()
                stopRequested = .now
            }
        }
    }

    func handle(_ event: StackRunner.Event) {
        switch event {
        case .finished(let lun, let step, let resource, let exit, let reason, let took, let failure):
            metrics.agentAction(resource: resource, action: step.action, succeeded: failure == nil, took: took)
            var data = ["halo.lun": lun.rawValue, "halo.resource": resource, "halo.action": step.action.rawValue,
                        "halo.exit": "\(exit)", "halo.duration_ms": String(took.milliseconds)]
            if let reason { data["halo.reason"] = reason }
            guard let failure else {
                if step.action != .monitor { log.log(step.action == .probe ? .info : .notice, "agent action done", data) }
                return
            }
            log.log(.error, "agent action failed", data)
            perform(machine.handle(.stackFailed(StackFailure(
                lun: lun, resource: resource, action: step.action.rawValue, kind: failure,
                reason: reason ?? "\(exit)"))))
        }
    }
}
