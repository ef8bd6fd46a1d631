import HaloCluster
import Testing

@Suite("halod's configuration file")
struct ConfigurationTests {
    @Test("the seed layout's configuration reads, with its nodes, fencing and LUN stacks")
    func seedLayout_reads() throws {
        let configuration = try ClusterConfiguration.load(Self.seed, file: "halod.toml")
        #expect(configuration.clusterName == "san1")
        #expect(configuration.nodes.map(\.name) == ["node1", "node2"])
        #expect(configuration.node(named: "node2")?.fenceDelay == .seconds(5))
        #expect(configuration.node(named: "node1")?.fenceLevels == [["ipmi-node1"], ["pdu-a", "pdu-b"]])
        #expect(configuration.node(named: "node1")?.plugs == ["pdu-a": "3", "pdu-b": "3"])
        #expect(configuration.fenceDevices["ipmi-node1"]?.options.map(\.0) == ["ip", "username", "password", "lanplus"])
        #expect(configuration.fenceDevices["ipmi-node1"]?.action == .reboot)
        #expect(configuration.fenceDevices["pdu-a"]?.action == .off)
        #expect(configuration.fenceDevices["pdu-a"]?.timeout == .seconds(20))
        #expect(configuration.luns.map(\.name) == ["lun1", "lun2"])
        #expect(configuration.lun("lun1")?.resources.map(\.id) == ["drbd-lun1", "target-lun1", "portal-lun1"])
        #expect(configuration.lun("lun1")?.drbdResource == "lun1")
        #expect(configuration.lun("lun1")?.resources[2].parameter("addresses") == "198.19.24.51/24@trunk.24 198.19.25.51/24@trunk.25")
        #expect(configuration.noQuorumPolicy == .stop)
        #expect(configuration.local.controlSocket == "/run/halo/halod.sock")
        #expect(configuration.policy.luns["lun2"] == [NodeID(2), NodeID(1)])
    }

    @Test("the digest ignores comments, layout and local settings, and follows every shared setting")
    func digest() throws {
        let base = try ClusterConfiguration.load(Self.seed, file: "a")
        let reformatted = try ClusterConfiguration.load("# a comment\n" + Self.seed.replacingLines("[local]\n", with: "[local]\nfacts_interval = \"9s\"\n"), file: "b")
        #expect(base.digest == reformatted.digest)
        let changed = try ClusterConfiguration.load(Self.seed.replacingLines("failback = false", with: "failback = true"), file: "c")
        #expect(base.digest != changed.digest)
        let password = try ClusterConfiguration.load(Self.seed.replacingLines("password = \"secret1\"", with: "password = \"secret2\""), file: "d")
        #expect(base.digest != password.digest, "a fence device's options are shared configuration too")
    }

    @Test("start_after: a resource starts after a later one of its stack, and the digest follows it")
    func startAfter() throws {
        let base = try ClusterConfiguration.load(Self.seed, file: "a")
        #expect(base.lun("lun1")?.startsAfter == [nil, nil, nil])
        let deferred = try ClusterConfiguration.load(Self.seed.replacingLines("id = \"target-lun1\"", with: "id = \"target-lun1\"\nstart_after = \"portal-lun1\""), file: "b")
        #expect(deferred.lun("lun1")?.resources[1].startAfter == "portal-lun1")
        #expect(deferred.lun("lun1")?.startsAfter == [nil, 2, nil])
        #expect(deferred.digest != base.digest, "members must agree on the order they start a stack in")
        #expect(deferred.lun("lun1") != base.lun("lun1"), "a reload sees the change")
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let change: (String, String)
        let line: Int
        let key: String?
        let says: String
        var testDescription: String { says }
    }

    /// Each row: one change to the seed file, and the line, key and words the error must have.
    static let badFiles: [BadFile] = [
        BadFile(change: ("id = 2", "id = 1"), line: 39, key: "node[2].id", says: "also node2's"),
        BadFile(change: ("fence = [[\"ipmi-node2\"]]", "fence = [[\"ipmi-nodes2\"]]"), line: 35, key: "node[1].fence", says: "no [fence_device.ipmi-nodes2] is declared"),
        BadFile(change: ("nodes = [\"node1\", \"node2\"]", "nodes = [\"node1\", \"node3\"]"), line: 45, key: "lun[1].nodes", says: "\"node3\" is not a declared [[node]]"),
        BadFile(change: ("failback = false", "failback = \"no\""), line: 3, key: "cluster.failback", says: "must be true or false"),
        BadFile(change: ("startup_fence_delay = \"30s\"", "startup_fence_delay = 30"), line: 5, key: "cluster.startup_fence_delay", says: "duration in quotes"),
        BadFile(change: ("no_quorum_policy = \"stop\"", "no_quorum_policy = \"ignore\""), line: 4, key: "cluster.no_quorum_policy", says: "write \"stop\" (the default) or \"freeze\""),
        BadFile(change: ("agent = \"ocf:halo:drbd\"", "agent = \"halo:drbd\""), line: 49, key: "lun[1].resource[1].agent", says: "ocf:PROVIDER:TYPE"),
        BadFile(change: ("timeout = \"20s\"", "timout = \"20s\""), line: 24, key: "fence_device.pdu-a.timout", says: "is not a setting here"),
        BadFile(change: ("fence = [[\"ipmi-node2\"]]", "# no fencing"), line: 31, key: "node[1].fence", says: "halod never starts a lost node's LUNs elsewhere before fencing it"),
        BadFile(change: ("name = \"lun2\"", "name = \"lun1\""), line: 63, key: "lun[2].name", says: "declared twice"),
        BadFile(change: ("id = \"portal-lun2\"", "id = \"portal-lun1\""), line: 77, key: "lun[2].resource[3].id", says: "already a resource of lun1"),
        BadFile(change: ("name = \"san1\"", "name = san1"), line: 2, key: nil, says: "strings are written in quotes"),
        BadFile(change: ("[local]", "[cluster]"), line: 7, key: nil, says: "declared twice"),
        BadFile(change: ("lanplus = 1", "lanplus = 1.5"), line: 14, key: nil, says: "floats and dates are not supported"),
        BadFile(change: ("id = \"portal-lun1\"", "id = \"portal-lun1\"\nstart_after = \"target-lun1\""), line: 59, key: "lun[1].resource[3].start_after",
                says: "\"target-lun1\" is listed before \"portal-lun1\", so it starts first anyway"),
        BadFile(change: ("id = \"portal-lun1\"", "id = \"portal-lun1\"\nstart_after = \"target-lun2\""), line: 59, key: "lun[1].resource[3].start_after",
                says: "\"target-lun2\" is not a resource of lun1"),
        BadFile(change: ("params = { resource = \"lun1\" }", "params = { resource = \"lun1\" }\nrole = \"promotable\"\nstart_after = \"target-lun1\""), line: 52,
                key: "lun[1].resource[1].start_after", says: "only a serving resource starts after another serving one (\"drbd-lun1\" is promotable"),
    ]

    @Test("a wrong file names the line and the key and says what to write", arguments: badFiles)
    func badFile_namesLineAndKey(_ row: BadFile) {
        let text = Self.seed.replacingLines(row.change.0, with: row.change.1)
        #expect(text != Self.seed, "the change must apply")
        do {
            _ = try ClusterConfiguration.load(text, file: "/etc/halo/halod.toml")
            Issue.record("accepted: \(row.says)")
        } catch {
            #expect(error.file == "/etc/halo/halod.toml")
            #expect(error.line == row.line, "\(error)")
            #expect(error.key == row.key, "\(error)")
            #expect(error.message.contains(row.says), "\(error)")
            #expect(!error.description.contains("secret"), "no option value in an error")
        }
    }

    @Test("the TOML reader: arrays over lines, inline tables, escapes, dotted keys, nested arrays of tables")
    func tomlReader() throws {
        let table = try TOMLParser.parse("""
            a.b = "x\\ty"   # dotted key
            list = [
              1, 2,   # trailing comma next
              3,
            ]
            literal = 'C:\\path'
            [[t]]
            n = 1
            [[t.sub]]
            m = true
            [[t]]
            n = 2
            """, file: "f")
        guard case .table(let a) = table["a"]?.kind, case .string(let b) = a["b"]?.kind else { Issue.record("a.b"); return }
        #expect(b == "x\ty")
        guard case .array(let list) = table["list"]?.kind else { Issue.record("list"); return }
        #expect(list.map(\.line) == [3, 3, 4])
        guard case .string(let literal) = table["literal"]?.kind else { Issue.record("literal"); return }
        #expect(literal == "C:\\path")
        guard case .array(let tables) = table["t"]?.kind, tables.count == 2, case .table(let first) = tables[0].kind,
              case .array(let subs) = first["sub"]?.kind else { Issue.record("t"); return }
        #expect(subs.count == 1)
        #expect(tables[1].line == 11)
    }

    static let seed = """
        [cluster]
        name = "san1"
        failback = false
        no_quorum_policy = "stop"
        startup_fence_delay = "30s"

        [local]
        control_socket = "/run/halo/halod.sock"

        [fence_device.ipmi-node1]
        agent = "fence_ipmilan"
        action = "reboot"
        timeout = "60s"
        options = { ip = "10.0.0.11", username = "admin", password = "secret1", lanplus = 1 }

        [fence_device.ipmi-node2]
        agent = "fence_ipmilan"
        options = { ip = "10.0.0.12", username = "admin", password = "secret1" }

        [fence_device.pdu-a]
        agent = "fence_apc_snmp"
        action = "off"
        options = { ip = "10.0.0.21" }
        timeout = "20s"

        [fence_device.pdu-b]
        agent = "fence_apc_snmp"
        action = "off"
        options = { ip = "10.0.0.22" }

        [[node]]
        name = "node2"
        id = 2
        fence_delay = "5s"
        fence = [["ipmi-node2"]]

        [[node]]
        name = "node1"
        id = 1
        fence = [["ipmi-node1"], ["pdu-a", "pdu-b"]]
        plugs = { pdu-a = "3", pdu-b = "3" }

        [[lun]]
        name = "lun1"
        nodes = ["node1", "node2"]

        [[lun.resource]]
        id = "drbd-lun1"
        agent = "ocf:halo:drbd"
        params = { resource = "lun1" }

        [[lun.resource]]
        id = "target-lun1"
        agent = "ocf:halo:lio"
        params = { iqn = "iqn.2026-11.lab.test:lun1", device = "/dev/drbd1" }

        [[lun.resource]]
        id = "portal-lun1"
        agent = "ocf:halo:portal"
        params = { addresses = "198.19.24.51/24@trunk.24 198.19.25.51/24@trunk.25" }

        [[lun]]
        name = "lun2"
        nodes = ["node2", "node1"]

        [[lun.resource]]
        id = "drbd-lun2"
        agent = "ocf:halo:drbd"
        params = { resource = "lun2" }

        [[lun.resource]]
        id = "target-lun2"
        agent = "ocf:halo:lio"
        params = { iqn = "iqn.2026-11.lab.test:lun2", device = "/dev/drbd2" }

        [[lun.resource]]
        id = "portal-lun2"
        agent = "ocf:halo:portal"
        params = { addresses = "198.19.24.52/24@trunk.24" }
        """
}

extension String {
    /// The text with the first occurrence of `old` replaced.
    func replacingLines(_ old: String, with new: String) -> String {
        guard let range = firstRange(of: old) else { return self }
        return replacingCharacters(in: range, with: new)
    }
}

@Suite("a LUN's portal addresses, read as the agents read them")
struct ConfiguredPortalTests {
    @Test func halosPortal_entriesSeparatedBySpacesCommasOrTabs() {
        let parameters = ["addresses": "198.19.24.51/24@trunk.24,198.19.25.51/24@trunk.25\t198.19.26.51  fd00::51/64@trunk.27"]
        let portals = ConfiguredPortal.of(type: "portal") { parameters[$0] }
        #expect(portals == [ConfiguredPortal(address: "198.19.24.51/24", interface: "trunk.24"),
                            ConfiguredPortal(address: "198.19.25.51/24", interface: "trunk.25"),
                            ConfiguredPortal(address: "198.19.26.51", interface: nil),
                            ConfiguredPortal(address: "fd00::51/64", interface: "trunk.27")])
        #expect(portals.map(\.host) == ["198.19.24.51", "198.19.25.51", "198.19.26.51", "fd00::51"])
    }

    @Test func ipaddr2_withItsNetmaskAndNIC_andNothingForOtherAgents() {
        let ipaddr2 = ["ip": "10.1.24.10", "cidr_netmask": "24", "nic": "int1.24"]
        #expect(ConfiguredPortal.of(type: "IPaddr2") { ipaddr2[$0] } == [ConfiguredPortal(address: "10.1.24.10/24", interface: "int1.24")])
        #expect(ConfiguredPortal.of(type: "IPaddr2") { _ in nil } == [])
        #expect(ConfiguredPortal.of(type: "lio") { _ in "198.19.24.51" } == [])
    }

    @Test func halodsTickles_andHaloctl_readTheSameAddresses() throws {
        let text = Fixtures.twoNodes + """

            [[lun]]
            name = "lun3"
            nodes = ["node1"]
            [[lun.resource]]
            id = "portal-lun1"
            agent = "ocf:halo:portal"
            params = { addresses = "198.19.24.51/24@trunk.24,198.19.25.51/24@trunk.25" }
            [[lun.resource]]
            id = "ip-lun1"
            agent = "ocf:heartbeat:IPaddr2"
            params = { ip = "198.19.26.51", cidr_netmask = "24" }
            """
        let lun = try #require(try ClusterConfiguration.load(text, file: "halod.toml").luns.first { $0.name.rawValue == "lun3" })
        #expect(lun.portalAddresses == ["198.19.24.51", "198.19.25.51", "198.19.26.51"])
        #expect(lun.portals.map(\.interface) == ["trunk.24", "trunk.25", nil])
    }
}
