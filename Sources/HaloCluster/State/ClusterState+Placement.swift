extension ClusterState {
    /// Why `node` cannot serve `lun` now, or nil when it can: it must be a member in sync that
    /// announced the agreed configuration, not drained, not lost or fenced-in-place, allowed
    /// to run the LUN, and hold the LUN's data (DRBD UpToDate, or no replication).
    public func ineligibility(of node: NodeID, for lun: LUNName, policy: ClusterPolicy) -> String? {
        guard policy.luns[lun]?.contains(node) ?? false else { return "it is not one of the LUN's nodes" }
        guard let record = nodes[node], let member = record.member else { return "it is not a member of the cluster" }
        guard synced.contains(member) else { return "it is not in sync with the cluster yet" }
        guard let announcement = record.announcement else { return "it has not announced its facts yet" }
        guard announcement.configurationDigest == agreement?.digest else { return "its configuration differs" }
        guard record.fencedMember == nil else { return "it was fenced" }
        guard case .running = record.safety else { return "it must be fenced first" }
        guard !record.isDrained else { return "it is drained" }
        if luns[lun]?.outdated.contains(node) == true {
            return "its copy of the LUN's data was outdated when the replication link failed; it may be promoted after its resync"
        }
        if let failures = luns[lun]?.failures[node], failures.isBanned {
            return "the LUN failed there (\(failures.last)); clear it to allow it again"
        }
        let disk = announcement.disks[lun] ?? .unknown
        guard disk.canServe else { return "its disk for the LUN is \(disk.rawValue), not UpToDate" }
        return nil
    }

    /// Places every LUN that needs it, by the agreed policy: a LUN stays where it is
    /// (placement is sticky) unless an operator's move, a drain or fail-back says otherwise;
    /// a LUN whose owner is lost stays assigned there until the owner is fenced; a LUN with no
    /// owner goes to the first node of its preference list that can take it, once no node it
    /// may run on is waiting to be fenced. Nothing changes without quorum and an agreed policy.
    mutating func place() -> [ClusterLogEntry] {
        guard quorum.allowsActions, let policy = agreement?.policy else { return [] }
        var log: [ClusterLogEntry] = []
        for lun in luns.keys.sorted() {
            guard let preference = policy.luns[lun], var record = luns[lun] else { continue }
            let eligible = preference.filter { ineligibility(of: $0, for: lun, policy: policy) == nil }
            let before = record
            if record.blocked != nil {
                // Nowhere until the configuration changes or an operator clears it; an owner to
                // be fenced still holds it until fenced.
                if let owner = record.owner, nodes[owner]?.fenceTask != nil {
                    record.reason = .waitingForFence(owner)
                } else {
                    record.owner = nil
                    record.reason = .unplaced(.configurationError)
                }
                if record.owner != before.owner { record.since = sequence }
                if record != before { luns[lun] = record }
                continue
            }
            if let target = record.pendingMove, !eligible.contains(target) { record.pendingMove = nil }
            if let owner = record.owner {
                switch nodes[owner]?.safety {
                case .lost, .unseen:
                    // It may be serving the LUN: it stays assigned there until fenced.
                    record.reason = .waitingForFence(owner)
                case .stopped(let why) where nodes[owner]?.member == nil || nodes[owner]?.fencedMember != nil:
                    record.owner = nil
                    record.reason = why == .fenced ? .recovered(from: owner) : .reassigned(from: owner)
                default:
                    if let target = record.pendingMove, target != owner {
                        record.owner = target
                        record.reason = .moved
                        record.pendingMove = nil
                    } else if nodes[owner]?.isDrained == true, let target = eligible.first(where: { $0 != owner }) {
                        record.owner = target
                        record.reason = .drained
                    } else if policy.failsBack, let best = eligible.first, best != owner,
                              let ownerRank = preference.firstIndex(of: owner), let bestRank = preference.firstIndex(of: best), bestRank < ownerRank {
                        record.owner = best
                        record.reason = .failedBack
                    } else if ineligibility(of: owner, for: lun, policy: policy) != nil, nodes[owner]?.isDrained != true {
                        // The owner is a member but can no longer serve (its disk failed, it was
                        // fenced in place, the stack failed there too often): the LUN goes where
                        // it can be served, or nowhere.
                        record.owner = eligible.first
                        record.reason = eligible.first == nil ? .unplaced(.noEligibleNode) : .placed
                    }
                    if record.pendingMove == record.owner { record.pendingMove = nil }
                }
            }
            if record.owner == nil {
                let blocking = preference.first { node in
                    switch nodes[node]?.safety {
                    case .lost, .unseen, .none: true
                    case .running, .stopped: false
                    }
                }
                // A member that runs the LUN's stack already (found by its probes, say after
                // every halod restarted) keeps it, when it can serve it. (One that cannot would
                // lose it again at the next event — the rule above — and so on without end:
                // the LUN goes to a node that can, which starts it once the other has stopped.)
                let runningOn = eligible.filter { node in
                    nodes[node]?.announcement?.running.contains(lun) ?? false
                }
                if let blocking {
                    record.reason = .unplaced(.waitingForFence(blocking))
                } else if let target = runningOn.first {
                    record.owner = target
                    record.reason = .adopted
                } else if let target = eligible.first {
                    record.owner = target
                    if case .unplaced = record.reason { record.reason = .placed }
                } else {
                    record.reason = .unplaced(.noEligibleNode)
                }
            }
            if record.owner != before.owner { record.since = sequence }
            if record != before {
                luns[lun] = record
                if record.owner != before.owner {
                    log.append(.init(.notice, record.owner == nil ? "LUN has no node to serve it" : "LUN assigned",
                                     ["halo.lun": lun.rawValue, "halo.node": record.owner.map { policy.nodes[$0] ?? String(describing: $0) } ?? "",
                                      "halo.reason": record.reason.summary]))
                }
            }
        }
        return log
    }
}

extension PlacementReason {
    /// A few words for logs and status.
    public var summary: String {
        switch self {
        case .placed: "placed"
        case .moved: "moved by request"
        case .drained: "moved off a drained node"
        case .recovered(let node): "recovered from fenced node \(node)"
        case .reassigned(let node): "reassigned from node \(node), which left"
        case .failedBack: "failed back to a preferred node"
        case .adopted: "found running there"
        case .waitingForFence(let node): "its node \(node) may still serve it: waiting for it to be fenced"
        case .unplaced(.noDecisions): "no decisions: no quorum or no agreed configuration"
        case .unplaced(.noEligibleNode): "no node can take it"
        case .unplaced(.waitingForFence(let node)): "waiting for node \(node) to be fenced"
        case .unplaced(.configurationError): "an agent reported a configuration error: fix it (or clear the LUN)"
        }
    }
}
