extension ClusterState {
    /// Applies an operator's request. It is refused, with the reason, when the cluster cannot
    /// decide now or the request cannot be carried out; a move is checked against the same
    /// rules placement uses.
    mutating func applyIntent(_ intent: Intent, from member: MemberID) -> IntentOutcome {
        guard synced.contains(member) else { return .refused("the requesting node is not in sync with the cluster yet") }
        guard quorum.allowsActions else { return .refused("the cluster is not quorate: nothing is moved or drained without quorum") }
        guard let policy = agreement?.policy else {
            return .refused("the members' configurations differ (or one has not announced yet): nothing is decided until they agree")
        }
        switch intent {
        case .move(let lun, let target):
            guard let preference = policy.luns[lun], var record = luns[lun] else { return .refused("\(lun) is not a configured LUN") }
            guard let targetName = policy.nodes[target] else { return .refused("node \(target) is not configured") }
            guard preference.contains(target) else {
                return .refused("\(lun) may not run on \(targetName): its nodes are \(preference.compactMap { policy.nodes[$0] }.joined(separator: ", "))")
            }
            if let problem = ineligibility(of: target, for: lun, policy: policy) { return .refused("\(targetName) cannot take \(lun): \(problem)") }
            if record.owner == target { return .accepted("\(lun) is already served by \(targetName)") }
            if let owner = record.owner, nodes[owner]?.fenceTask != nil {
                return .refused("\(lun)'s node \(policy.nodes[owner] ?? String(describing: owner)) must be fenced first: it may still serve the LUN")
            }
            record.pendingMove = target
            luns[lun] = record
            return .accepted("\(lun) moves to \(targetName)")
        case .drain(let node):
            guard let name = policy.nodes[node], nodes[node] != nil else { return .refused("node \(node) is not configured") }
            if nodes[node]!.isDrained { return .accepted("\(name) is already drained") }
            nodes[node]!.isDrained = true
            return .accepted("\(name) is drained: its LUNs move to other nodes")
        case .undrain(let node):
            guard let name = policy.nodes[node], nodes[node] != nil else { return .refused("node \(node) is not configured") }
            nodes[node]!.isDrained = false
            return .accepted(policy.failsBack ? "\(name) takes LUNs again; preferred LUNs move back" : "\(name) takes LUNs again")
        case .fencePeer(let lun):
            guard let preference = policy.luns[lun], luns[lun] != nil else { return .refused("no LUN of the configuration uses this DRBD resource") }
            var lost: [NodeID] = []
            var outdated = false
            for peer in preference where peer != member.node {
                switch nodes[peer]?.safety {
                case .stopped(.fenced):
                    continue
                case .lost, .unseen:
                    lost.append(peer)
                default:
                    luns[lun]!.outdated.insert(peer)
                    outdated = true
                }
            }
            if !lost.isEmpty { return .awaitingFence(lost) }
            return outdated ? .peersOutdated : .peersFenced
        case .unfencePeer(let lun):
            guard luns[lun] != nil else { return .refused("no LUN of the configuration uses this DRBD resource") }
            luns[lun]!.outdated.remove(member.node)
            return .accepted("\(policy.nodes[member.node] ?? "this node") may be promoted for \(lun) again")
        case .clear(let lun):
            guard luns[lun] != nil else { return .refused("\(lun) is not a configured LUN") }
            let had = !luns[lun]!.failures.isEmpty || luns[lun]!.blocked != nil
            luns[lun]!.failures = [:]
            luns[lun]!.blocked = nil
            return .accepted(had ? "\(lun)'s failures are forgotten: it may run where it failed" : "\(lun) had no failures")
        }
    }

    /// Applies a stack failure a node reported.
    mutating func applyStackFailure(_ failure: StackFailure, from member: MemberID) -> [ClusterLogEntry] {
        guard nodes[member.node]?.member == member, synced.contains(member), var record = luns[failure.lun],
              let threshold = agreement?.policy.migrationThreshold else { return [] }
        let node = member.node
        var entry = record.failures[node] ?? LUNFailures(count: 0, isBanned: false, last: "")
        entry.count += 1
        entry.last = "\(failure.resource) \(failure.action): \(failure.reason)"
        var log: [ClusterLogEntry] = []
        let data = ["halo.lun": failure.lun.rawValue, "halo.resource": failure.resource, "halo.action": failure.action,
                    "halo.reason": failure.reason, "halo.failures": String(entry.count)]
        switch failure.kind {
        case .soft:
            entry.isBanned = entry.count >= threshold
            log.append(.init(.warning, entry.isBanned ? "the LUN failed too often on the node: it moves" : "the LUN's stack failed: restarted in place",
                             node: node, data))
        case .startFailed, .hard:
            entry.isBanned = true
            log.append(.init(.error, "the LUN's stack cannot run on the node: it moves", node: node, data))
        case .fatal:
            record.blocked = entry.last
            log.append(.init(.error, "an agent reported a configuration error: the LUN runs nowhere until it is fixed", node: node, data))
        case .stopFailed:
            entry.isBanned = true
            if var nodeRecord = nodes[node], case .running = nodeRecord.safety {
                nodeRecord.safety = .lost(FenceTask(failure: sequence))
                nodes[node] = nodeRecord
            }
            log.append(.init(.error, "a stop failed: the node may still serve the LUN, so it is fenced", node: node, data))
        }
        record.failures[node] = entry
        luns[failure.lun] = record
        return log
    }
}
