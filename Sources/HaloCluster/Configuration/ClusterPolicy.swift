/// The part of the configuration the replicated decisions read: which nodes exist, where each
/// LUN may run in which order, and the policies. It travels in every announcement, so that a
/// member replaying the agreed stream decides with the same policy as the members that applied
/// it first, whatever its own file says. No secret is in it.
public struct ClusterPolicy: Sendable, Hashable {
    /// Node names by id.
    public var nodes: [NodeID: String]
    /// Each LUN's nodes in order of preference.
    public var luns: [LUNName: [NodeID]]
    public var failsBack: Bool
    public var noQuorumPolicy: NoQuorumPolicy
    /// Failures of a LUN's stack on a node before the LUN moves away.
    public var migrationThreshold: Int

    public init(nodes: [NodeID: String], luns: [LUNName: [NodeID]], failsBack: Bool, noQuorumPolicy: NoQuorumPolicy,
                migrationThreshold: Int = 3) {
        self.nodes = nodes
        self.luns = luns
        self.failsBack = failsBack
        self.noQuorumPolicy = noQuorumPolicy
        self.migrationThreshold = migrationThreshold
    }
}

extension ClusterConfiguration {
    /// The policy this configuration sets.
    public var policy: ClusterPolicy {
        var nodeIDs: [String: NodeID] = [:]
        for node in nodes { nodeIDs[node.name] = node.id }
        var lunNodes: [LUNName: [NodeID]] = [:]
        for lun in luns { lunNodes[lun.name] = lun.nodes.compactMap { nodeIDs[$0] } }
        return ClusterPolicy(
            nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.name) }), luns: lunNodes,
            failsBack: failsBack, noQuorumPolicy: noQuorumPolicy, migrationThreshold: migrationThreshold)
    }
}
