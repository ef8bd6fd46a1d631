import HaloCluster
import HaloJSON
import HaloSystem
import HaloTesting
import Testing

@testable import HaloCtl

/// haloctl against real halod on real corosync in network namespaces (the halod tests' LUN
/// stacks: the test agent for DRBD and the target, ocf:halo:portal for the address): status,
/// a move, a drain and an undrain with --rebalance, each read back from every node's halod.
@Suite("haloctl drives real halod (network namespaces)", .enabled(if: HalodCluster.isAvailable), .serialized)
struct HalodBackendTests {
    @Test("status, move, drain and undrain through the control socket, with the same commands as under Pacemaker")
    func commands() throws {
        // The seed layout's shape: a part on every node (LUKS below DRBD's place), which a move
        // to the node haloctl runs on once waited for forever (found in the VM lab).
        let cluster = try HalodCluster(nodes: 2, stack: .seedShaped)
        let configuration = try HalodManager.loadConfiguration(cluster.configurationPath)
        let manager = HalodManager(socket: cluster.socket(1), configuration: configuration)
        #expect(cluster.wait(.seconds(40)) { cluster.owner(of: "lun1", at: 1) == "node1" && cluster.owner(of: "lun2", at: 1) == "node2" })
        #expect(cluster.wait(.seconds(40)) {
            guard let view = try? manager.view(deadline: .after(.seconds(5))) else { return false }
            return view.luns.allSatisfy(\.isServedByManager)
        })
        let view = try manager.view(deadline: .after(.seconds(5)))
        #expect(view.manager == .halod)
        #expect(view.nodes.map(\.name) == ["node1", "node2"])
        #expect(view.nodes.map(\.state) == [.online, .online])
        let lun1 = try #require(view.lun("lun1"))
        #expect(lun1.servingNode == "node1")
        #expect(lun1.drbdResource == "r1")
        #expect(lun1.preferredNode == "node1")
        #expect(lun1.portals == [PortalEndpoint(address: "\(HalodCluster.portalAddress(1))/24", interface: "eth0")])
        #expect(lun1.layers.map(\.id) == ["key-lun1", "dev-lun1", "target-lun1", "portal-lun1"])

        // A move, watched to the end.
        let progress = Progress(silent: true)
        var move = MoveCommand(lun: "lun1", node: "node2")
        move.timeout = .seconds(60)
        let report = try move.run(manager: manager, liveChecks: nil, progress: progress)
        #expect(report.exitCode == 0, "\(progress.lines)")
        #expect(report.outcome?.result == .moved)
        #expect(report.plan?.steps == ["stop portal-lun1 on node1", "stop target-lun1 on node1", "demote dev-lun1 on node1",
                                       "promote dev-lun1 on node2", "start target-lun1 on node2", "start portal-lun1 on node2"],
                "halod's own order: the portal listed after the target goes down before it and up after it")
        #expect(cluster.owner(of: "lun1", at: 2) == "node2")
        #expect(cluster.addresses(on: 2).contains(HalodCluster.portalAddress(1)))
        #expect(!cluster.addresses(on: 1).contains(HalodCluster.portalAddress(1)))

        // A drain of node2 takes both LUNs to node1; node1 cannot be drained then.
        var drain = DrainCommand(node: "node2")
        drain.timeout = .seconds(60)
        let drainProgress = Progress(silent: true)
        let drained = try drain.run(manager: manager, liveChecks: nil, progress: drainProgress)
        #expect(drained.exitCode == 0, "\(drainProgress.lines)")
        #expect(Set(drained.moves.map(\.lun)) == ["lun1", "lun2"])
        #expect(drained.moves.allSatisfy { $0.to == "node1" })
        #expect(try manager.view(deadline: .after(.seconds(5))).node("node2")?.state == .drained)
        let refused = try DrainCommand(node: "node1").run(manager: manager, liveChecks: nil, progress: Progress(silent: true))
        #expect(refused.exitCode == 1)

        // Undrain with --rebalance: lun2 prefers node2 and goes back; lun1 stays on node1.
        var undrain = UndrainCommand(node: "node2")
        undrain.rebalance = true
        undrain.timeout = .seconds(60)
        let undrainProgress = Progress(silent: true)
        #expect(try undrain.run(manager: manager, liveChecks: nil, progress: undrainProgress) == 0, "\(undrainProgress.lines)")
        #expect(cluster.owner(of: "lun2", at: 1) == "node2")
        #expect(cluster.owner(of: "lun1", at: 1) == "node1")

        // The fencing check runs the configured agent's monitor.
        let fencing = manager.fencingFindings(try manager.view(deadline: .after(.seconds(5))), deadline: .after(.seconds(30)))
        #expect(fencing.contains { $0.check == "fencing.answers" && $0.subject == "test" && $0.severity == .ok }, "\(fencing)")
        #expect(fencing.filter { $0.check == "fencing.devices" }.count == 2)
    }

    @Test("haloctl facts names corosync's members: both nodes joined, then not the one whose corosync died")
    func corosyncMembers() throws {
        let cluster = try HalodCluster(nodes: 2, luns: 1, startHalod: false)
        func corosync(on node: Int) -> JSONValue? {
            guard let result = try? cluster.exec([BuildProducts.executable("haloctl"), "facts", "--output", "json"], on: node),
                  let json = try? JSONValue.parse(result.standardOutput) else { return nil }
            return json["corosync"]?["value"]
        }
        func members(on node: Int) -> [String]? { corosync(on: node)?["members"]?.arrayValue?.compactMap(\.stringValue) }
        #expect(cluster.wait(.seconds(30)) { members(on: 1) == ["node1", "node2"] }, "\(String(describing: corosync(on: 1)))")
        #expect(members(on: 2) == ["node1", "node2"])
        #expect(corosync(on: 1)?["nodes"]?.arrayValue?.compactMap(\.stringValue) == ["node1", "node2"])
        try cluster.kill(2)
        // Its ring goes quiet: node1's corosync forms a membership of one after the token timeout.
        #expect(cluster.wait(.seconds(30)) { members(on: 1) == ["node1"] }, "\(members(on: 1) ?? [])")
        #expect(corosync(on: 1)?["nodes"]?.arrayValue?.count == 2, "the node list keeps both")
    }

    @Test("no halod at the socket: one line, exit 2")
    func noHalod() throws {
        let directory = TemporaryDirectory("haloctl-nohalod")
        try FileSystem.writeAtomically("\(directory.path)/halod.toml", Array(HalodCluster.configuration(nodes: 2, luns: 1, directory: directory.path).utf8))
        let manager = HalodManager(socket: "\(directory.path)/none.sock", configuration: try HalodManager.loadConfiguration("\(directory.path)/halod.toml"))
        do {
            _ = try manager.view(deadline: .after(.seconds(5)))
            Issue.record("a missing halod answered")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.message.contains("halod is not running"))
        }
    }
}

/// How haloctl reads a node of halod's status (the shape StatusReport.nodeJSON writes).
@Suite("haloctl reads halod's node states")
struct HalodNodeStateTests {
    @Test("a node with a fencing to do is unclean, whatever its state says; the others by their fields")
    func states() throws {
        let fencing = #""fencing":{"failedAttempts":0,"lastError":null,"inProgress":null}"#
        func state(_ fields: String) throws -> NodeState { HalodViewBuilder.state(try JSONValue.parse("{\(fields)}")) }
        #expect(try state(#""state":"lost: to be fenced","member":false,"#+fencing) == .unclean)
        #expect(try state(#""state":"not seen running: to be fenced unless its halod joins","member":false,"#+fencing) == .unclean)
        #expect(try state(#""state":"fenced","member":false"#) == .fenced)
        #expect(try state(#""state":"left cleanly","member":false"#) == .offline)
        #expect(try state(#""state":"running","member":true,"inSync":false"#) == .pending)
        #expect(try state(#""state":"running","member":true,"inSync":true,"drained":true"#) == .drained)
        #expect(try state(#""state":"running","member":true,"inSync":true,"drained":false"#) == .online)
    }
}

/// The move plan haloctl shows under halod, in the two orders docs/halod.md describes ("the
/// order of a stack"): the seed's (the portal listed after the target), and the one for
/// initiators that keep DefaultTime2Wait at 2 (the portal listed first, `start_after` the target).
@Suite("haloctl's move plan under halod follows the stack's order")
struct HalodMovePlanTests {
    static func definition(portalFirst: Bool) throws -> LUNConfiguration {
        let drbd = "[[lun.resource]]\nid = \"drbd-lun1\"\nagent = \"ocf:halo:drbd\"\nrole = \"promotable\"\nparams = { resource = \"r1\" }\n\n"
        let target = "[[lun.resource]]\nid = \"target-lun1\"\nagent = \"ocf:halo:lio\"\nparams = { iqn = \"iqn.2026-11.test:lun1\" }\n\n"
        let portal = "[[lun.resource]]\nid = \"portal-lun1\"\nagent = \"ocf:halo:portal\"\n"
            + (portalFirst ? "start_after = \"target-lun1\"\n" : "") + "params = { addresses = \"198.18.41.101/24@eth0\" }\n\n"
        let text = "[cluster]\nname = \"plan\"\n\n[fence_device.f]\nagent = \"fence_dummy\"\n\n"
            + "[[node]]\nname = \"node1\"\nid = 1\nfence = [[\"f\"]]\n\n[[node]]\nname = \"node2\"\nid = 2\nfence = [[\"f\"]]\n\n"
            + "[[lun]]\nname = \"lun1\"\nnodes = [\"node1\", \"node2\"]\n\n" + drbd + (portalFirst ? portal + target : target + portal)
        return try #require(try ClusterConfiguration.load(text, file: "halod.toml").lun(LUNName("lun1")))
    }

    @Test("the seed's order: the addresses go first on the old node and come last on the new one")
    func seedOrder() throws {
        #expect(HalodManager.steps(of: try Self.definition(portalFirst: false), from: "node1", to: "node2")
                == ["stop portal-lun1 on node1", "stop target-lun1 on node1", "demote drbd-lun1 on node1",
                    "promote drbd-lun1 on node2", "start target-lun1 on node2", "start portal-lun1 on node2"])
    }

    @Test("the portal listed first with start_after: its addresses go after the target on the old node, still come after it on the new one")
    func portalFirstWithStartAfter() throws {
        #expect(HalodManager.steps(of: try Self.definition(portalFirst: true), from: "node1", to: "node2")
                == ["stop target-lun1 on node1", "stop portal-lun1 on node1", "demote drbd-lun1 on node1",
                    "promote drbd-lun1 on node2", "start target-lun1 on node2", "start portal-lun1 on node2"])
    }
}
