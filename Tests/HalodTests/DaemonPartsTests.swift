@testable import HaloDaemon
import HaloCluster
import HaloControl
import HaloCorosync
@testable import HaloDRBD
import Glibc
import HaloJSON
import HaloPacemaker
import HaloSystem
import HaloTesting
import Testing

@Suite("halod's parts: fence agent input, control protocol, Pacemaker conflicts, startup checks")
struct DaemonPartsTests {
    static let device = FenceDevice(name: "ipmi-node1", agent: "fence_ipmilan", action: .reboot, timeout: .seconds(60),
                                    options: [("ip", "10.0.0.11"), ("username", "admin"), ("password", "s3cr3t-pw")])

    @Test("a fence agent reads action, plug, nodename and the device's options on stdin, in that order")
    func fenceAgentInput() {
        #expect(FenceAgentInput.lines(device: Self.device, action: "off", victim: "node1", plug: "3")
                == "action=off\nplug=3\nnodename=node1\nip=10.0.0.11\nusername=admin\npassword=s3cr3t-pw\n")
        #expect(FenceAgentInput.redacted("login failed for admin with s3cr3t-pw", device: Self.device) == "login failed for *** with ***")
    }

    @Test("control requests: each command, and a clear error for what is not one")
    func controlRequests() throws {
        #expect(try ControlRequest(line: Array(#"{"version":1,"command":"status"}"#.utf8)) == .status)
        #expect(try ControlRequest(line: Array(#"{"version":1,"command":"move","lun":"lun1","node":"node2"}"#.utf8)) == .move(lun: "lun1", node: "node2"))
        #expect(try ControlRequest(line: Array(ControlRequest.drain(node: "node1").line.utf8)) == .drain(node: "node1"))
        for (line, says) in [(#"{"version":2,"command":"status"}"#, "version 2"), (#"{"version":1,"command":"move","lun":"lun1"}"#, "move needs node"),
                             (#"{"version":1,"command":"reboot"}"#, "unknown command reboot"), ("status", "not JSON")] {
            #expect(throws: ControlRequestError.self) { try ControlRequest(line: Array(line.utf8)) }
            do { _ = try ControlRequest(line: Array(line.utf8)) } catch { #expect(error.description.contains(says), "\(error)") }
        }
        #expect(ControlResponse.failed("no").line == #"{"version":1,"ok":false,"error":"no"}"#)
    }

    static let cib = """
        <resources>
          <clone id="drbd-lun1-clone"><primitive id="drbd-lun1" class="ocf" provider="halo" type="drbd">
            <instance_attributes id="a"><nvpair id="a1" name="resource" value="lun1"/></instance_attributes></primitive></clone>
          <group id="g"><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
            <instance_attributes id="b"><nvpair id="b1" name="ip" value="198.19.24.52"/><nvpair id="b2" name="cidr_netmask" value="24"/></instance_attributes></primitive></group>
        </resources>
        """

    static func configuration(_ resources: String) -> ClusterConfiguration {
        try! ClusterConfiguration.load("""
            [fence_device.f]
            agent = "fence_x"
            [[node]]
            name = "node1"
            id = 1
            fence = [["f"]]
            [[lun]]
            name = "lun1"
            nodes = ["node1"]
            \(resources)
            """, file: "t")
    }

    @Test("a Pacemaker primitive of the same agent with an equal unique parameter is a conflict, named")
    func pacemakerConflicts() throws {
        let cib = try XMLElement.parse(Self.cib)
        let unique: (AgentName) -> Set<String>? = { $0.type == "drbd" ? ["resource"] : nil }
        let same = Self.configuration("[[lun.resource]]\nid = \"d1\"\nagent = \"ocf:halo:drbd\"\nparams = { resource = \"lun1\" }")
        let conflicts = PacemakerConflict.find(in: cib, configuration: same, uniqueParameters: unique)
        #expect(conflicts.map(\.pacemakerResource) == ["drbd-lun1"])
        #expect(conflicts.first?.description.contains("d1 is also Pacemaker's resource drbd-lun1 (resource=lun1)") == true)
        let other = Self.configuration("[[lun.resource]]\nid = \"d2\"\nagent = \"ocf:halo:drbd\"\nparams = { resource = \"lun2\" }")
        #expect(PacemakerConflict.find(in: cib, configuration: other, uniqueParameters: unique).isEmpty)
        // Without the agent's meta-data: every shared parameter must be equal.
        let vip = Self.configuration("[[lun.resource]]\nid = \"v\"\nagent = \"ocf:heartbeat:IPaddr2\"\nparams = { ip = \"198.19.24.52\", cidr_netmask = \"24\" }")
        #expect(PacemakerConflict.find(in: cib, configuration: vip, uniqueParameters: unique).map(\.weak) == [true])
        let otherVIP = Self.configuration("[[lun.resource]]\nid = \"v\"\nagent = \"ocf:heartbeat:IPaddr2\"\nparams = { ip = \"198.19.24.52\", cidr_netmask = \"16\" }")
        #expect(PacemakerConflict.find(in: cib, configuration: otherVIP, uniqueParameters: unique).isEmpty)
    }

    @Test("unique parameters come from the agent's meta-data (unique=\"1\" and OCF 1.1 unique-group)")
    func uniqueParametersFromMetadata() {
        let metadata = """
            <resource-agent name="x"><parameters>
            <parameter name="resource" unique-group="resource"/><parameter name="ip" unique="1"/><parameter name="other" unique="0"/>
            </parameters></resource-agent>
            """
        #expect(PacemakerConflict.uniqueParameters(metadata: metadata) == ["resource", "ip"])
    }

    @Test("startup checks: node ids and names as corosync has them, this node configured, the cluster's name")
    func startupChecks() {
        let configuration = Self.configuration("")
        let settings = CorosyncSettings(clusterName: "san1", tokenMilliseconds: 1000, consensusMilliseconds: 1200, isTwoNode: false, waitsForAll: nil)
        #expect(StartupChecks.problems(configuration: configuration, corosyncNodes: [CorosyncNode(id: 1, name: "node1", addresses: [])],
                                       settings: settings, localNode: NodeID(1)).isEmpty)
        let problems = StartupChecks.problems(configuration: configuration, corosyncNodes: [CorosyncNode(id: 1, name: "storage1", addresses: [])],
                                              settings: settings, localNode: NodeID(2))
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("\"storage1\" in corosync's nodelist but \"node1\"") })
        #expect(problems.contains { $0.contains("corosync id 2") })
    }
}

@Suite("halod's facts: each LUN's DRBD disk")
struct FactsReaderTests {
    static let configuration = DaemonPartsTests.configuration("""
        [[lun.resource]]
        id = "d1"
        agent = "ocf:halo:drbd"
        params = { resource = "lun1" }
        """)

    /// Services the reader until a read finishes (bounded).
    static func read(_ reader: FactsReader) -> [LUNName: DiskFact]? {
        let deadline = Deadline.after(.seconds(20))
        while !deadline.hasPassed() {
            var fds = reader.pollRequests().map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), 50)
            if let facts = reader.service(ready: fds.filter { $0.revents != 0 }.map { ($0.fd, PollEvents.readable) }) { return facts }
        }
        return nil
    }

    @Test("with the module loaded, DRBD's netlink family is asked on a thread; when it cannot answer, drbdsetup; neither here: unknown, never UpToDate",
          .enabled(if: (try? FileSystem.info("/sys/module/drbd")) == nil, "this kernel has DRBD: its real state would answer"))
    func netlinkFirst_thenDrbdsetup_thenUnknown() throws {
        let reader = FactsReader(configuration: Self.configuration, moduleLoaded: { true })
        #expect(reader.readsDRBD)
        #expect(reader.service(ready: []) == nil)  // the read started: on its thread
        #expect(reader.pollRequests().count == 1)
        let facts = try #require(Self.read(reader))
        #expect(facts[LUNName("lun1")] == .unknown)
    }

    @Test("without the module, drbdsetup is asked: a missing one is unknown")
    func withoutTheModule_drbdsetupIsAsked() throws {
        let reader = FactsReader(configuration: Self.configuration, moduleLoaded: { false })
        let facts = try #require(Self.read(reader))
        #expect(facts[LUNName("lun1")] == .unknown)
    }

    @Test("the states read decide each LUN's fact")
    func statesDecide() throws {
        let reader = FactsReader(configuration: Self.configuration, moduleLoaded: { false })
        var state = DRBDResourceState(name: "lun1", role: .secondary)
        state.devices = [.init(volume: 0, disk: .upToDate)]
        #expect(reader.facts(from: [state])[LUNName("lun1")] == .upToDate)
        state.devices = [.init(volume: 0, disk: .outdated)]
        #expect(reader.facts(from: [state])[LUNName("lun1")] == .outdated)
        #expect(reader.facts(from: [])[LUNName("lun1")] == .unknown)
        #expect(reader.facts(from: nil)[LUNName("lun1")] == .unknown)
    }
}
