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
            if let owner = record.owner, case .lost = nodes[owner]?.safety {
                return .refused("\(lun)'s node \(policy.nodes[owner] ?? String(describing: owner)) is lost and not fenced yet")
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
        }
    }
}
