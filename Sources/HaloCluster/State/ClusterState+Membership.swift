extension ClusterState {
    /// Applies a membership change: members that left uncleanly are lost (fenced before their
    /// LUNs move), clean leaves hold nothing, an attempt whose actor left is abandoned, the
    /// lineage folds the new view in, and a node-level change suspends quorum until a verdict
    /// for the new ring arrives.
    mutating func applyMembership(_ change: MembershipChange) -> [ClusterLogEntry] {
        var log: [ClusterLogEntry] = []
        for departure in change.left {
            let member = departure.member
            let wasSynced = synced.remove(member) != nil
            guard var record = nodes[member.node], record.member == member else { continue }
            record.member = nil
            record.announcement = nil
            if record.fencedMember == member {
                record.fencedMember = nil
                record.safety = .stopped(.fenced)
                log.append(.init(.info, "fenced node left the group", node: member.node))
            } else if wasSynced {
                switch (departure.isFailure, record.safety) {
                case (true, .lost(var task)):
                    // Lost again (it had come back before it was fenced): the attempt in
                    // progress goes on; its success, recorded later, covers this failure too.
                    task.failure = sequence
                    record.safety = .lost(task)
                    log.append(.init(.error, "node lost again before it was fenced", node: member.node, ["halo.reason": departure.kind.rawValue]))
                case (true, _):
                    record.safety = .lost(FenceTask(failure: sequence))
                    log.append(.init(.error, "node lost without a clean leave: it will be fenced before its LUNs move",
                                     node: member.node, ["halo.reason": departure.kind.rawValue]))
                case (false, .lost), (false, .unseen):
                    break  // a clean leave does not make a node that must be fenced safe
                case (false, _):
                    record.safety = .stopped(.leftCleanly)
                    log.append(.init(.notice, "node left cleanly", node: member.node))
                }
            }
            nodes[member.node] = record
        }
        for arrival in change.joined {
            var record = nodes[arrival.member.node]
                ?? NodeRecord(member: nil, safety: .unseen(FenceTask(failure: sequence)), announcement: nil, isDrained: false, fencedMember: nil)
            record.member = arrival.member
            record.announcement = nil
            nodes[arrival.member.node] = record
        }
        members = change.members
        // An attempt whose actor is gone will never report: the next actor starts another.
        for (node, record) in nodes {
            guard var task = record.fenceTask, let running = task.inProgress, !members.contains(running.actor) else { continue }
            task.inProgress = nil
            nodes[node]?.safety = record.safety.replacingTask(task)
            log.append(.init(.warning, "the fencing actor left during an attempt; another member takes over", node: node))
        }
        var hash = StableHash()
        hash.combine(lineage)
        hash.combine("view")
        for member in members { hash.combine(UInt64(member.node.rawValue)); hash.combine(UInt64(member.process)) }
        lineage = hash.value
        if change.changesNodes { quorum.awaitingRingAbove = quorum.ring }
        return log
    }

    /// Marks members as holding the state (a snapshot reached them, or the lineage began with
    /// them). A node that was unseen or stopped is running from now on; a lost node stays
    /// lost (it is fenced even though it came back: it may have kept its LUNs running).
    mutating func markSynced(_ recipients: [MemberID]) {
        for member in recipients where members.contains(member) {
            synced.insert(member)
            guard var record = nodes[member.node], record.member == member else { continue }
            switch record.safety {
            case .unseen, .stopped: record.safety = .running
            case .running, .lost: break
            }
            nodes[member.node] = record
        }
    }

    /// Applies a node's quorum verdict: the newest ring wins; a verdict for an older ring than
    /// the one known is stale and ignored.
    ///
    /// A fence, or a clean leave, vouches for the node as it was then. A node whose corosync
    /// comes back to the ring after it was away, and whose halod is not a member, may have
    /// spent the time in another partition — taken LUNs there, then lost its halod while the
    /// stacks kept running — so it is to be fenced again (after the startup delay, unless its
    /// halod joins) before any LUN moves on its account.
    mutating func applyQuorum(_ report: QuorumReport) -> [ClusterLogEntry] {
        guard report.ring >= quorum.ring else { return [] }
        var log: [ClusterLogEntry] = []
        let ringNodes = report.nodes.sorted()
        if report.ring > quorum.ring {
            let previous = Set(quorum.nodes)
            for node in ringNodes where !previous.contains(node) {
                guard var record = nodes[node], record.member == nil, case .stopped(let why) = record.safety else { continue }
                record.safety = .unseen(FenceTask(failure: sequence))
                nodes[node] = record
                log.append(.init(.warning, "node back in the ring without its halod: it is fenced unless its halod joins",
                                 node: node, ["halo.was": why.rawValue, "halo.ring": String(report.ring)]))
            }
        }
        let could = quorum.allowsActions
        quorum.ring = report.ring
        quorum.isQuorate = report.isQuorate
        quorum.nodes = ringNodes
        if let awaited = quorum.awaitingRingAbove, report.ring > awaited { quorum.awaitingRingAbove = nil }
        if report.isQuorate { lastQuorateRing = max(lastQuorateRing, report.ring) }
        guard could != quorum.allowsActions else { return log }
        return log + [quorum.allowsActions
            ? .init(.notice, "the cluster is quorate", ["halo.ring": String(report.ring)])
            : .init(.warning, "the cluster lost quorum: no fencing, no placement until it is back", ["halo.ring": String(report.ring)])]
    }

    /// Records a member's facts; then recomputes whether the members agree on a configuration.
    mutating func applyAnnouncement(_ announcement: Announcement, from member: MemberID) {
        guard nodes[member.node]?.member == member else { return }
        nodes[member.node]?.announcement = announcement
    }

    /// Whether every member in sync announced the same configuration: then its policy is the
    /// one decisions use. Recomputed after every event.
    mutating func updateAgreement() -> [ClusterLogEntry] {
        let before = agreement?.digest
        var digests: [String: ClusterPolicy] = [:]
        var missing = false
        for member in synced {
            guard let announcement = nodes[member.node]?.announcement, nodes[member.node]?.member == member else {
                missing = true
                continue
            }
            digests[announcement.configurationDigest] = announcement.policy
        }
        if !missing, digests.count == 1, let (digest, policy) = digests.first {
            agreement = PolicyAgreement(digest: digest, policy: policy)
            reconcile(with: policy)
            if before != nil && before != digest {
                // A new configuration: a configuration error an agent reported is judged anew.
                for lun in luns.keys { luns[lun]?.blocked = nil }
            }
        } else {
            agreement = nil
        }
        guard before != agreement?.digest else { return [] }
        if let agreement { return [.init(.notice, "every member holds the same configuration", ["halo.digest": agreement.digest])] }
        if digests.count > 1 {
            return [.init(.error, "members hold different configurations: nothing is decided until they agree",
                          ["halo.digests": digests.keys.sorted().joined(separator: ",")])]
        }
        return []
    }

    /// Adds the records the policy names and this state lacks: a configured node never seen
    /// is unseen (fenced after the startup delay unless it joins), a LUN new to the state has
    /// no owner yet. LUNs the policy no longer has are forgotten.
    mutating func reconcile(with policy: ClusterPolicy) {
        for node in policy.nodes.keys where nodes[node] == nil {
            nodes[node] = NodeRecord(member: nil, safety: .unseen(FenceTask(failure: sequence)), announcement: nil, isDrained: false, fencedMember: nil)
        }
        for lun in policy.luns.keys where luns[lun] == nil {
            luns[lun] = LUNRecord(owner: nil, reason: .unplaced(.noEligibleNode), since: sequence)
        }
        for lun in luns.keys where policy.luns[lun] == nil { luns[lun] = nil }
    }
}

extension NodeSafety {
    func replacingTask(_ task: FenceTask) -> NodeSafety {
        switch self {
        case .unseen: .unseen(task)
        case .lost: .lost(task)
        case .running, .stopped: self
        }
    }
}
