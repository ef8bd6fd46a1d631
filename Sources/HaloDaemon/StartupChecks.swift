import HaloCluster
import HaloCorosync

/// What halod checks against the running corosync before it joins: its configuration must
/// describe this cluster (the same node ids and names as corosync's node list, the cluster's
/// name when given), and this node must be one of its nodes.
enum StartupChecks {
    /// The problems, each saying what to change; empty when the configuration fits.
    static func problems(configuration: ClusterConfiguration, corosyncNodes: [CorosyncNode], settings: CorosyncSettings,
                         localNode: NodeID) -> [String] {
        var problems: [String] = []
        if let name = configuration.clusterName, let running = settings.clusterName, name != running {
            problems.append("the configuration is for cluster \"\(name)\" but corosync runs cluster \"\(running)\": set [cluster] name = \"\(running)\"")
        }
        for node in configuration.nodes {
            guard let known = corosyncNodes.first(where: { $0.id == node.id.rawValue }) else {
                problems.append("node \(node.name) has id \(node.id), which is not in corosync's nodelist (ids: \(corosyncNodes.map { String($0.id) }.joined(separator: ", ")))")
                continue
            }
            if let name = known.name, name != node.name {
                problems.append("node id \(node.id) is \"\(name)\" in corosync's nodelist but \"\(node.name)\" in the configuration: use corosync's name")
            }
        }
        if configuration.node(localNode) == nil {
            problems.append("this node (corosync id \(localNode)) is not a [[node]] of the configuration")
        }
        return problems
    }
}
