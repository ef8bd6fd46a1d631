import HaloCluster
import HaloControl
import HaloCorosync
import HaloNet
import HaloSystem

/// The control socket's requests, and DRBD's fence-peer requests waiting for their answer.
extension Daemon {
    /// Answers the fence-peer requests whose peers are now all fenced.
    func answerFencePeerWaits() {
        guard !fencePeerWaits.isEmpty, let state = machine.state else { return }
        for (client, wait) in fencePeerWaits where wait.peers.allSatisfy({ state.nodes[$0]?.safety == .stopped(.fenced) }) {
            fencePeerWaits[client] = nil
            control.send(.drbdAnswer(7, "the peers of \(wait.lun) were fenced"), to: client)
        }
    }

    /// The LUN whose stack has DRBD resource `resource`.
    func lun(drbdResource resource: String) -> LUNName? {
        configuration.luns.first { $0.drbdResource == resource }?.name
    }

    func handle(_ request: Result<ControlRequest, ControlRequestError>, from client: UInt64) {
        switch request {
        case .failure(let error):
            control.send(.failed(error.description), to: client)
        case .success(.status):
            let counters = corosync.counters
            let localStacks = stacks.stacks.values.sorted { $0.configuration.name < $1.configuration.name }.map { stack in
                LocalStackStatus(
                    lun: stack.configuration.name,
                    goal: StackGoal.of(stack.configuration.name, for: corosync.localNode, in: machine.stateForStacks,
                                       isConfigured: configuration.lun(stack.configuration.name) != nil),
                    resources: zip(stack.configuration.resources, stack.local.resources).map { ($0.id, $0.role, $1) },
                    operation: stack.local.operation.map { "\(stack.configuration.resources[$0.resource].id) \($0.action.rawValue)" },
                    stopFailed: stack.local.stopFailed, served: StackPlanner.isServing(stack.local, roles: stack.roles))
            }
            control.send(.status(StatusReport(machine: machine, configuration: configuration, localNode: corosync.localNode,
                                              events: Array(log.recent.suffix(60)),
                                              traffic: (counters.sent, counters.sentBytes, counters.delivered, counters.deliveredBytes),
                                              stacks: localStacks, lastMoves: lastMoves).json),
                         to: client)
        case .success(.move(let lun, let node)):
            guard configuration.lun(LUNName(lun)) != nil else { return control.send(.failed("\(lun) is not a configured LUN"), to: client) }
            guard let target = configuration.node(named: node) else { return control.send(.failed("\(node) is not a configured node"), to: client) }
            perform(machine.handle(.request(.move(LUNName(lun), to: target.id), client: client)))
        case .success(.drain(let node)), .success(.undrain(let node)):
            guard let target = configuration.node(named: node) else { return control.send(.failed("\(node) is not a configured node"), to: client) }
            if case .success(.drain) = request {
                perform(machine.handle(.request(.drain(target.id), client: client)))
            } else {
                perform(machine.handle(.request(.undrain(target.id), client: client)))
            }
        case .success(.clear(let lun)):
            guard configuration.lun(LUNName(lun)) != nil else { return control.send(.failed("\(lun) is not a configured LUN"), to: client) }
            perform(machine.handle(.request(.clear(LUNName(lun)), client: client)))
        case .success(.fencePeer(let resource, _)):
            guard let lun = lun(drbdResource: resource) else {
                return control.send(.failed("no LUN of halod's configuration uses DRBD resource \(resource)"), to: client)
            }
            log.log(.warning, "DRBD lost the peer of a LUN this node holds Primary: its peers are outdated or fenced before I/O resumes",
                    ["halo.lun": lun.rawValue, "halo.drbd": resource])
            fencePeerLUNs[client] = lun
            perform(machine.handle(.request(.fencePeer(lun), client: client)))
        case .success(.unfencePeer(let resource)):
            guard let lun = lun(drbdResource: resource) else {
                return control.send(.failed("no LUN of halod's configuration uses DRBD resource \(resource)"), to: client)
            }
            perform(machine.handle(.request(.unfencePeer(lun), client: client)))
        case .success(.peersFenced(let resource)):
            guard let lun = lun(drbdResource: resource) else {
                return control.send(.failed("no LUN of halod's configuration uses DRBD resource \(resource)"), to: client)
            }
            switch fencedPeers(of: lun) {
            case .success(let fenced): control.send(.done("every peer of \(lun) is fenced: \(fenced.joined(separator: ", "))"), to: client)
            case .failure(let why): control.send(.failed(why.description), to: client)
            }
        }
    }

    /// The other nodes of `lun`, when every one of them is fenced in the agreed state and not a
    /// member (so none can hold the LUN's DRBD resource Primary); otherwise which one is not.
    func fencedPeers(of lun: LUNName) -> Result<[String], ControlRequestError> {
        guard let state = machine.state, let configured = configuration.lun(lun) else {
            return .failure(ControlRequestError("this halod is not in sync with the cluster"))
        }
        let local = configuration.node(corosync.localNode)?.name
        var fenced: [String] = []
        for name in configured.nodes where name != local {
            guard let node = configuration.node(named: name), let record = state.nodes[node.id] else {
                return .failure(ControlRequestError("\(name) is not known to the cluster state"))
            }
            guard record.safety == .stopped(.fenced), record.member == nil else {
                return .failure(ControlRequestError("\(name) is not fenced"))
            }
            fenced.append(name)
        }
        return .success(fenced)
    }
}
