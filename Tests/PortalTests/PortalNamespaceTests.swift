import Glibc
import HaloConformance
import HaloNet
import HaloSystem
import HaloTesting
import Testing

/// A node namespace with two portal NICs (p0, p1), each cabled by a veth to a peer namespace
/// (q0, q1) that stands for the initiators and routers of two storage networks.
final class PortalLab: @unchecked Sendable {
    // Immutable after init.
    let namespaces = NetworkNamespaces(label: "portal")
    let directory = TemporaryDirectory("halo-portal")
    let agent: String

    init() throws {
        try namespaces.add("node")
        try namespaces.add("peer")
        try namespaces.link("node", "p0", "peer", "q0")
        try namespaces.link("node", "p1", "peer", "q1")
        try namespaces.ip(["-n", namespaces.name("peer"), "addr", "add", "198.18.10.1/24", "dev", "q0"])
        try namespaces.ip(["-n", namespaces.name("peer"), "addr", "add", "198.18.11.1/24", "dev", "q1"])
        try namespaces.ip(["-n", namespaces.name("peer"), "addr", "add", "fd00:198:10::1/64", "dev", "q0", "nodad"])
        _ = chmod(directory.path, 0o755)
        agent = directory.file("portal")
        guard symlink(BuildProducts.executable("halo-agent"), agent) == 0 else { throw Errno.exists }
    }

    var environment: [String: String] {
        ["HA_RSCTMP": directory.file("rsctmp"), "HA_LOGFACILITY": "none", "OCF_ROOT": "/usr/lib/ocf",
         "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
    }

    /// Runs the agent in the node namespace.
    func run(_ action: String, _ parameters: [String: String], extra: [String: String] = [:], instance: String = "p1")
        throws -> (code: Int32?, reason: String?, stderr: String) {
        var variables = environment
        variables["OCF_RESOURCE_INSTANCE"] = instance
        variables["OCF_RESKEY_CRM_meta_timeout"] = "20000"
        for (name, value) in parameters { variables["OCF_RESKEY_\(name)"] = value }
        variables.merge(extra) { $1 }
        let result = try namespaces.run("node", [agent, action], environment: variables)
        return (result.exitStatus, ActionRun.exitReason(in: result.errorText), result.errorText)
    }

    /// `ip -o addr` and `ip -o link` of a namespace, to compare before and after.
    func snapshot(_ namespace: String = "node") throws -> String {
        try namespaces.run(namespace, ["ip", "-o", "addr", "show"]).outputText
            + (try namespaces.run(namespace, ["ip", "-o", "link", "show"]).outputText)
            .split(separator: "\n").map { $0.replacing(#/ state \w+ .*/#, with: "") }.joined(separator: "\n")
    }

    func ip(_ namespace: String, _ arguments: [String]) throws {
        try namespaces.ip(["-n", namespaces.name(namespace)] + arguments)
    }

    func mac(_ namespace: String, _ interface: String) throws -> String {
        try namespaces.run(namespace, ["cat", "/sys/class/net/\(interface)/address"]).outputText
            .split(separator: "\n").first.map(String.init) ?? ""
    }
}

@Suite("ocf:halo:portal in network namespaces (real kernel, real packets)", .enabled(if: NetworkNamespaces.areAvailable))
struct PortalNamespaceTests {
    static let portal = ["addresses": "198.18.10.10/24@p0 198.18.11.10/24@p1 fd00:198:10::10/64@p0", "dad": "false",
                         "announce_count": "1"]

    @Test func startMonitorStop_areIdempotent_andStopRemovesExactlyWhatStartAdded() throws {
        let lab = try PortalLab()
        let before = try lab.snapshot()
        #expect(try lab.run("monitor", Self.portal).code == 7)
        #expect(try lab.run("start", Self.portal).code == 0)
        #expect(try lab.run("monitor", Self.portal).code == 0)
        let addresses = try lab.namespaces.run("node", ["ip", "-o", "addr", "show"]).outputText
        #expect(addresses.contains("inet 198.18.10.10/24 brd 198.18.10.255 scope global p0"))
        #expect(addresses.contains("inet 198.18.11.10/24 brd 198.18.11.255 scope global p1"))
        #expect(addresses.contains("inet6 fd00:198:10::10/64 scope global"))
        #expect(try lab.run("start", Self.portal).code == 0)
        #expect(try lab.run("monitor", Self.portal, extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
        #expect(try lab.run("stop", Self.portal).code == 0)
        #expect(try lab.run("monitor", Self.portal).code == 7)
        #expect(try lab.run("stop", Self.portal).code == 0)
        #expect(try lab.snapshot() == before)
    }

    /// Two LUNs' portals on one interface and subnet (two targets on one VLAN): the kernel makes
    /// the first address the subnet's primary, the second a secondary, and deletes secondaries
    /// with their primary unless `promote_secondaries` is set. Seen in the VM lab (6 of 12 rounds
    /// of two portals started together, then one stopped): the other LUN's address went with it.
    @Test func oneLUNsPortalStop_leavesAnotherLUNsAddressOfTheSameSubnet() throws {
        let lab = try PortalLab()
        let first = ["addresses": "198.18.10.20/24@p0", "dad": "false", "announce_count": "1"]
        let second = ["addresses": "198.18.10.21/24@p0", "dad": "false", "announce_count": "1"]
        #expect(try lab.run("start", first, instance: "lun1-portal").code == 0)
        #expect(try lab.run("start", second, instance: "lun2-portal").code == 0)
        let both = try lab.namespaces.run("node", ["ip", "-o", "-4", "addr", "show", "dev", "p0"]).outputText
        #expect(both.contains("198.18.10.21/24") && both.contains("secondary"), "the second address is the subnet's secondary: \(both)")
        #expect(try lab.run("stop", first, instance: "lun1-portal").code == 0)
        #expect(try lab.run("monitor", second, instance: "lun2-portal").code == 0, "the second portal's address survived the first's stop")
        let after = try lab.namespaces.run("node", ["ip", "-o", "-4", "addr", "show", "dev", "p0"]).outputText
        #expect(after.contains("198.18.10.21/24") && !after.contains("198.18.10.20/"), "\(after)")
        #expect(try lab.run("stop", second, instance: "lun2-portal").code == 0)
    }

    @Test func announcements_haveTheConfiguredCountIntervalAndContent() throws {
        let lab = try PortalLab()
        let nodeMAC = try lab.mac("node", "p0")
        let v4 = try PacketCapture(lab.namespaces, "peer", interface: "q0", filter: ["arp", "or", "icmp6"],
                                   file: lab.directory.file("q0.pcap"))
        let parameters = ["addresses": "198.18.10.10/24@p0 fd00:198:10::10/64@p0", "dad": "false",
                          "announce_count": "3", "announce_interval": "250ms", "neighbours": "198.18.10.1"]
        #expect(try lab.run("start", parameters).code == 0)
        Pause.for(.milliseconds(1200))
        let frames = try v4.stop()
        let arp = frames.filter { $0.etherType == 0x0806 }.compactMap { frame in ARPPacket(bytes: frame.payload).map { (frame, $0) } }
        let ours = IPv4Address("198.18.10.10")!
        let requests = arp.filter { $0.1.operation == .request && $0.1.senderIP == ours && $0.1.targetIP == ours }
        let replies = arp.filter { $0.1.operation == .reply && $0.1.senderIP == ours && $0.1.targetIP == ours }
        let directed = arp.filter { $0.1.operation == .request && $0.1.senderIP == ours && $0.1.targetIP == IPv4Address("198.18.10.1")! }
        #expect(requests.count == 3)
        #expect(replies.count == 3)
        #expect(directed.count == 3)
        #expect((requests + replies + directed).allSatisfy {
            $0.1.senderMAC.description == nodeMAC && $0.0.destination == MACAddress.broadcast.bytes
        })
        let times = requests.map(\.0.time)
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect((0.2...1.0).contains(later - earlier), "interval \(later - earlier) s")
        }
        let advertisements = frames.filter { $0.etherType == 0x86dd }.compactMap { NeighborDiscovery.advertisement(inPacket: $0.payload) }
            .filter { $0.target == IPv6Address("fd00:198:10::10")! }
        #expect(advertisements.count == 3)
        #expect(advertisements.allSatisfy { $0.isOverride && $0.targetMAC?.description == nodeMAC })
        // The directed request made the router-like peer learn the portal's MAC (RFC 826).
        let neighbour = try lab.namespaces.run("peer", ["ip", "neigh", "show", "198.18.10.10", "dev", "q0"]).outputText
        #expect(neighbour.contains("lladdr \(nodeMAC)"))
        #expect(try lab.run("stop", parameters).code == 0)
    }

    /// Pacemaker may start a started resource (a re-probe after a cleanup, ocf-tester): that
    /// start finds everything up and must leave the first start's announcer sending its rounds.
    @Test func aSecondStart_whileTheAnnouncerRuns_letsItSendEveryRound() throws {
        let lab = try PortalLab()
        let capture = try PacketCapture(lab.namespaces, "peer", interface: "q0", filter: ["arp"],
                                        file: lab.directory.file("again.pcap"))
        let parameters = ["addresses": "198.18.10.10/24@p0", "announce_count": "3", "announce_interval": "250ms"]
        #expect(try lab.run("start", parameters).code == 0)
        Pause.for(.milliseconds(100))   // the announcer is up; its first round is 250 ms away
        #expect(try lab.run("start", parameters).code == 0)
        Pause.for(.milliseconds(1200))
        let ours = IPv4Address("198.18.10.10")!
        let requests = try capture.stop().filter { $0.etherType == 0x0806 }.compactMap { ARPPacket(bytes: $0.payload) }
            .filter { $0.operation == .request && $0.senderIP == ours && $0.targetIP == ours }
        #expect(requests.count == 3)
        #expect(try lab.run("stop", parameters).code == 0)
    }

    @Test func anIdenticalAddressConfiguredOutsideHalo_isReported_neverAdoptedOrRemoved() throws {
        let lab = try PortalLab()
        try lab.ip("node", ["addr", "add", "198.18.10.10/24", "dev", "p0"])
        #expect(try lab.run("monitor", Self.portal).code == 7)
        let start = try lab.run("start", Self.portal)
        #expect(start.code == 2)
        #expect(start.reason == "198.18.10.10 is already on p0, configured outside halo: remove it there or from the portal")
        #expect(try lab.run("stop", Self.portal).code == 0)
        #expect(try lab.namespaces.run("node", ["ip", "-o", "addr", "show", "dev", "p0"]).outputText.contains("198.18.10.10/24"))
    }

    @Test func partialPresence_isAFailureNamingTheMissingEntry_andALostLinkToo() throws {
        let lab = try PortalLab()
        #expect(try lab.run("start", Self.portal).code == 0)
        try lab.ip("node", ["addr", "del", "198.18.11.10/24", "dev", "p1"])
        let partial = try lab.run("monitor", Self.portal)
        #expect(partial.code == 1)
        #expect(partial.reason == "portal partly down: 198.18.11.10/24@p1 missing")
        #expect(try lab.run("start", Self.portal).code == 0)  // converges
        try lab.ip("peer", ["link", "set", "q1", "down"])
        let down = try lab.run("monitor", Self.portal)
        #expect(down.code == 1)
        #expect(down.reason == "portal partly down: p1 (198.18.11.10) has no link")
        #expect(try lab.run("stop", Self.portal).code == 0)
    }

    @Test func level20_findsAnotherHostAnsweringForAPortalAddress() throws {
        let lab = try PortalLab()
        #expect(try lab.run("start", Self.portal).code == 0)
        #expect(try lab.run("monitor", Self.portal, extra: ["OCF_CHECK_LEVEL": "20"]).code == 0)
        try lab.ip("peer", ["addr", "add", "198.18.10.10/24", "dev", "q0"])
        try lab.ip("peer", ["addr", "add", "fd00:198:10::10/64", "dev", "q0", "nodad"])
        let peerMAC = try lab.mac("peer", "q0")
        #expect(try lab.run("monitor", Self.portal).code == 0)  // level 0 cannot see it
        let deep = try lab.run("monitor", Self.portal, extra: ["OCF_CHECK_LEVEL": "20"])
        #expect(deep.code == 1)
        #expect(deep.reason?.contains("198.18.10.10 is also answered by \(peerMAC)") == true, "\(deep.reason ?? "")")
        #expect(deep.reason?.contains("fd00:198:10::10 is also answered by \(peerMAC)") == true, "\(deep.reason ?? "")")
        #expect(try lab.run("stop", Self.portal).code == 0)
    }

    @Test func checkDuplicates_refusesToStart_andLeavesNothing() throws {
        let lab = try PortalLab()
        try lab.ip("peer", ["addr", "add", "198.18.11.10/24", "dev", "q1"])
        let before = try lab.snapshot()
        let start = try lab.run("start", Self.portal.merging(["check_duplicates": "true"]) { $1 })
        #expect(start.code == 1)
        #expect(start.reason?.hasPrefix("198.18.11.10 is already answered by \(try lab.mac("peer", "q1"))") == true, "\(start.reason ?? "")")
        #expect(try lab.snapshot() == before)
        #expect(try lab.run("monitor", Self.portal).code == 7)
    }

    @Test func aMissingParent_is5OnStart_7OnAProbe_0OnStop() throws {
        let lab = try PortalLab()
        let portal = ["addresses": "198.18.10.10/24@p0 198.18.12.10/24@nosuch0"]
        let start = try lab.run("start", portal)
        #expect(start.code == 5)
        #expect(start.reason == "interface nosuch0 does not exist on this node")
        #expect(try lab.run("monitor", portal, extra: ["OCF_RESKEY_CRM_meta_interval": "0"]).code == 7)
        #expect(try lab.run("stop", portal).code == 0)
        #expect(try lab.run("validate-all", portal).code == 0)  // level 0: syntax only
        #expect(try lab.run("validate-all", portal, extra: ["OCF_CHECK_LEVEL": "10"]).code == 5)
        let vlan = try lab.run("start", ["addresses": "198.18.12.10/24@nosuch0.24"])
        #expect(vlan.reason == "parent NIC nosuch0 of nosuch0.24 does not exist on this node")
    }

    @Test func aFailedEntry_rollsBackWhatStartAdded_andSaysWhich() throws {
        let lab = try PortalLab()
        // IPv6 is off on p1, so the kernel refuses the second entry after the first is added.
        try lab.namespaces.run("node", ["sysctl", "-qw", "net.ipv6.conf.p1.disable_ipv6=1"])
        let before = try lab.snapshot()
        let portal = ["addresses": "198.18.10.10/24@p0 fd00:198:11::10/64@p1", "dad": "false"]
        let start = try lab.run("start", portal)
        #expect(start.code == 4 || start.code == 1)
        #expect(start.reason?.contains("add fd00:198:11::10/64 to p1") == true, "\(start.reason ?? "")")
        #expect(try lab.snapshot() == before)
    }

    /// A VLAN on the loopback device: every kernel refuses it (loopback is VLAN-challenged, and
    /// a kernel without 8021q has no VLAN link type at all), so this runs the same on any host.
    /// The address already added on p0 is rolled back.
    @Test func aVLANTheKernelCannotCreate_failsWithTheKernelsWords_andLeavesNothing() throws {
        let lab = try PortalLab()
        let before = try lab.snapshot()
        let start = try lab.run("start", ["addresses": "198.18.10.10/24@p0 198.18.13.10/24@lo.13"])
        #expect(start.code == 1 || start.code == 5, "\(start.reason ?? "")")
        #expect(start.reason?.hasPrefix("create VLAN lo.13 (id 13)") == true, "\(start.reason ?? "")")
        #expect(try lab.snapshot() == before)
    }

    @Test func ipv6DuplicateAddressDetection_isWaitedFor() throws {
        let lab = try PortalLab()
        let portal = ["addresses": "fd00:198:10::10/64@p0", "announce_count": "1"]
        #expect(try lab.run("start", portal).code == 0)
        let addresses = try lab.namespaces.run("node", ["ip", "-o", "-6", "addr", "show", "dev", "p0"]).outputText
        let lines = addresses.split(separator: "\n").filter { $0.contains("fd00:198:10::10/64") }
        #expect(lines.count == 1)
        #expect(!lines.contains { $0.contains("tentative") })
        #expect(try lab.run("stop", portal).code == 0)
    }

    @Test func badInput_isRefusedWith6_andNothingIsTouched() throws {
        let lab = try PortalLab()
        let before = try lab.snapshot()
        let bad: [[String: String]] = [
            ["addresses": "198.18.10.300/24@p0"], ["addresses": "198.18.10.10/24@p0.5000"], ["addresses": "198.18.10.10@p0"],
            ["addresses": "198.18.10.10/24@p0\nip link del p1"], ["addresses": "198.18.10.0/24@p0"], ["addresses": ""],
            ["addresses": "198.18.10.10/24@p0", "mtu": "9"], ["addresses": "198.18.10.10/24@p0", "announce_count": "-1"],
            ["addresses": "198.18.10.10/24@p0", "announce_interval": "5ms"], ["addresses": "198.18.10.10/24@p0", "neighbours": "router"],
            ["addresses": "198.18.10.10/24@p0", "dad": "maybe"], ["addresses": "198.18.10.10/24@p0 198.18.10.10/24@p1"],
        ]
        for parameters in bad {
            for action in ["validate-all", "start", "monitor"] {
                let result = try lab.run(action, parameters)
                #expect(result.code == 6, "\(action) \(parameters): \(result.code.map(String.init) ?? "signal") \(result.stderr)")
                #expect(!(result.reason ?? "").isEmpty)
            }
            // With valid addresses a stop can remove them (nothing here); without, it cannot tell
            // what to remove, and says so rather than claim the portal is down.
            let stop = try lab.run("stop", parameters)
            let addressesInvalid = parameters.count == 1 || parameters["addresses"] == "198.18.10.10/24@p0 198.18.10.10/24@p1"
            if addressesInvalid {
                #expect(stop.code == 1, "stop \(parameters)")
                #expect(stop.reason?.hasPrefix("cannot stop: without a valid addresses, what to stop cannot be told") == true, "\(stop.reason ?? "")")
            } else {
                #expect(stop.code == 0, "stop \(parameters): \(stop.reason ?? "")")
            }
        }
        // An unknown parameter (IPaddr2's nic, say) is refused by validate-all only.
        #expect(try lab.run("validate-all", ["addresses": "198.18.10.10/24@p0", "nic": "p0"]).code == 6)
        #expect(try lab.run("stop", ["addresses": "198.18.10.10/24@p0", "nic": "p0"]).code == 0)
        #expect(try lab.snapshot() == before)
    }

    func underTest(_ lab: PortalLab) -> AgentUnderTest {
        AgentUnderTest(
            path: lab.agent, instance: "conformance", parameters: Self.portal, environment: lab.environment,
            invalidParameterSets: [
                InvalidParameters("an address out of range", ["addresses": "198.18.10.256/24@p0"]),
                InvalidParameters("a VLAN id out of range", ["addresses": "198.18.10.10/24@p0.4095"]),
                InvalidParameters("a network address", ["addresses": "198.18.10.0/24@p0"]),
            ],
            commandPrefix: lab.namespaces.prefixCommand("node"))
    }

    @Test func theConformanceRunner_passes() throws {
        let lab = try PortalLab()
        let report = ConformanceRunner().run(underTest(lab))
        #expect(report.passed, "\(report.rendered)")
        withExtendedLifetime(lab) {}
    }

    @Test(.enabled(if: RealOCFTester().isAvailable, "ocf-tester is not installed"))
    func theRealOCFTester_passes() throws {
        let lab = try PortalLab()
        let outcome = try RealOCFTester().run(underTest(lab))
        #expect(outcome.passed, "\(outcome.output)")
        withExtendedLifetime(lab) {}
    }
}
