import HaloCluster

enum Fixtures {
    /// Three nodes, each with one fence device; four LUNs with different preferences.
    static let threeNodes = """
        [cluster]
        name = "sim"
        startup_fence_delay = "30s"

        [fence_device.power]
        agent = "fence_sim"
        options = { password = "s3cret" }

        [[node]]
        name = "node1"
        id = 1
        fence = [["power"]]

        [[node]]
        name = "node2"
        id = 2
        fence = [["power"]]

        [[node]]
        name = "node3"
        id = 3
        fence = [["power"]]

        [[lun]]
        name = "lun1"
        nodes = ["node1", "node2", "node3"]

        [[lun]]
        name = "lun2"
        nodes = ["node2", "node3", "node1"]

        [[lun]]
        name = "lun3"
        nodes = ["node3", "node1"]

        [[lun]]
        name = "lun4"
        nodes = ["node1", "node2"]
        """

    /// Two nodes (two_node): node2 has the fence delay, so node1 wins a fencing race.
    static let twoNodes = """
        [fence_device.power]
        agent = "fence_sim"

        [[node]]
        name = "node1"
        id = 1
        fence = [["power"]]

        [[node]]
        name = "node2"
        id = 2
        fence = [["power"]]
        fence_delay = "5s"

        [[lun]]
        name = "lun1"
        nodes = ["node1", "node2"]

        [[lun]]
        name = "lun2"
        nodes = ["node2", "node1"]
        """

    static func configuration(_ text: String) -> ClusterConfiguration {
        try! ClusterConfiguration.load(text, file: "halod.toml")
    }

    /// A cluster of the given configuration with halod started on every node and settled.
    static func running(_ text: String = threeNodes) -> ClusterSimulator {
        var cluster = ClusterSimulator(configuration: configuration(text))
        for node in cluster.nodeIDs { cluster.startHalod(node) }
        cluster.settle()
        return cluster
    }
}

extension LUNName: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

extension NodeID: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt32) { self.init(value) }
}
