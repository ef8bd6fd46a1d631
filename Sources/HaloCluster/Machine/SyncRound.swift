/// One synchronisation round: started by every membership change, complete when every member
/// of the new view has said hello after it. Every member sees the same hellos in the same
/// order, so every member completes the round at the same point of the stream and draws the
/// same conclusion from the same hellos:
///
/// - nobody holds a state: the lineage begins here, with every member in sync (genesis);
/// - members hold states of different lineages (a partition healed): the lineage that saw
///   quorum most recently is kept (ties: the one with the lowest member), the others drop
///   theirs;
/// - every member not in sync (now) gets the kept state in a snapshot from the lowest member
///   holding it, anchored at this completion point.
struct SyncRound: Sendable, Hashable {
    /// The view the round is for.
    let view: [MemberID]
    /// Whether the change that started it merged partitions.
    let isMerge: Bool
    private(set) var hellos: [MemberID: Hello] = [:]

    init(view: [MemberID], isMerge: Bool) {
        self.view = view
        self.isMerge = isMerge
    }

    /// Records a hello; returns the conclusion when it completes the round.
    mutating func record(_ hello: Hello, from member: MemberID) -> Conclusion? {
        guard hello.view == view, view.contains(member), hellos[member] == nil else { return nil }
        hellos[member] = hello
        guard hellos.count == view.count else { return nil }
        return conclusion()
    }

    /// What the completed round decided.
    struct Conclusion: Sendable, Hashable {
        /// The round's identity: the members and their hellos' nonces.
        var anchor: UInt64
        /// The lineage that continues, or nil for genesis.
        var keptLineage: UInt64?
        /// Members that must take a snapshot.
        var recipients: [MemberID]
        /// The member that sends it (nil when nobody needs one).
        var sender: MemberID?
    }

    private func conclusion() -> Conclusion {
        var hash = StableHash()
        hash.combine("round")
        for member in view {
            hash.combine(UInt64(member.node.rawValue))
            hash.combine(UInt64(member.process))
            hash.combine(hellos[member]!.nonce)
        }
        let anchor = hash.value
        var sides: [UInt64: [MemberID]] = [:]
        for member in view {
            if let hello = hellos[member], hello.isSynced, let lineage = hello.lineage { sides[lineage, default: []].append(member) }
        }
        guard !sides.isEmpty else { return Conclusion(anchor: anchor, keptLineage: nil, recipients: [], sender: nil) }
        let kept = sides.max { a, b in
            let quorateA = a.value.map { hellos[$0]!.lastQuorateRing }.max()!, quorateB = b.value.map { hellos[$0]!.lastQuorateRing }.max()!
            if quorateA != quorateB { return quorateA < quorateB }
            return a.value.min()! > b.value.min()!  // the side with the lowest member wins a tie
        }!
        let keepers = Set(kept.value)
        let recipients = view.filter { !keepers.contains($0) }
        return Conclusion(anchor: anchor, keptLineage: kept.key, recipients: recipients, sender: recipients.isEmpty ? nil : kept.value.min())
    }
}
