import HaloControl
import HaloDaemon
import HaloJSON
import HaloSystem
import HaloTesting
import Testing

/// halod running LUN stacks on real corosync in network namespaces: each LUN is a promotable
/// "device" and a "target" (Tests/System/ocf_halotest: a state file in each node's private /run)
/// and an ocf:halo:portal address on eth0. Every assertion reads the real state in every
/// namespace: which node has the state files and the address.
@Suite("halod runs LUN stacks (real corosync, network namespaces)", .enabled(if: HalodCluster.isAvailable), .serialized)
struct HalodStackTests {
    /// The nodes where LUN `lun`'s stack runs: its target state file and its portal address.
    func servers(_ cluster: HalodCluster, lun: Int, nodes: [Int]) -> [Int] {
        nodes.filter { node in
            cluster.resourceState("target-lun\(lun)", on: node) == "started"
                && cluster.addresses(on: node).contains(HalodCluster.portalAddress(lun))
        }
    }

    /// Waits until LUN `lun` is served by exactly `node` (and its device promoted there, and the
    /// address and target nowhere else among `nodes`).
    func served(_ cluster: HalodCluster, lun: Int, by node: Int, among nodes: [Int], timeout: Duration = .seconds(40)) -> Bool {
        cluster.wait(timeout) {
            cluster.resourceState("dev-lun\(lun)", on: node) == "promoted" && servers(cluster, lun: lun, nodes: nodes) == [node]
                && nodes.filter { $0 != node }.allSatisfy { !cluster.addresses(on: $0).contains(HalodCluster.portalAddress(lun)) }
        }
    }

    @Test("stacks start where the LUNs are placed: promoted device, target, portal; standby nodes hold the device unpromoted")
    func stacksStart() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgentsAndPortal)
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]), "\(cluster.log(1))")
        #expect(served(cluster, lun: 2, by: 2, among: [1, 2, 3]))
        #expect(cluster.resourceState("dev-lun1", on: 2) == "started", "the promotable part runs unpromoted on the others")
        #expect(cluster.resourceState("target-lun1", on: 2) == nil, "the serving parts run only where the LUN is served")
    }

    @Test("a move: the old node stops first, then the new one starts; never both")
    func move() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgentsAndPortal)
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]))
        let trigger = WallClock.now
        let answer = try cluster.request(.move(lun: "lun1", node: "node2"), at: 3)
        #expect(answer["ok"]?.boolValue == true, "\(answer)")
        #expect(served(cluster, lun: 1, by: 2, among: [1, 2, 3]))
        let moved = WallClock.now
        let actions = cluster.agentActions.filter { $0.time >= trigger && $0.resource.hasSuffix("lun1") }
        let stopped = actions.first { $0.node == "node1" && $0.resource == "target-lun1" && $0.action == "stop" }?.time
        let demoted = actions.first { $0.node == "node1" && $0.resource == "dev-lun1" && $0.action == "demote" }?.time
        let promoted = actions.first { $0.node == "node2" && $0.resource == "dev-lun1" && $0.action == "promote" }?.time
        #expect(stopped != nil && demoted != nil && promoted != nil)
        if let demoted, let promoted { #expect(demoted < promoted, "node2 promotes only after node1 demoted") }
        print("halod move: lun1 served by node2 within \(String(moved - trigger).prefix(5)) s of the request (upper bound); "
              + "node1 demoted at +\(String((demoted ?? 0) - trigger).prefix(5)) s, node2 promoted at +\(String((promoted ?? 0) - trigger).prefix(5)) s")
    }

    /// The seed's order on a move, with an initiator (on node3) connected to lun1's portal on
    /// node1: node1 removes the address before its target stops (the target's goodbye has no
    /// address to leave from, so the initiator does not try node1 again), node2 brings it up
    /// only once its target runs, then tickles the initiator's old connection, which fails at
    /// once: the initiator reconnects to a target that listens.
    @Test("the seed's order on a move: the old address goes before the target stops, the new one comes once the target runs, then the initiator is tickled")
    func moveOrderAndTickle() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .seedShaped, local: "facts_interval = \"300ms\"")
        let probe = "\(BuildProducts.repositoryRoot)/Tests/System/tcp-probe"
        for node in [1, 2] { try cluster.launch([probe, "listen", "3260"], on: node) }
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]), "\(cluster.log(1))")
        let out = "\(cluster.directory.path)/client.txt"
        try cluster.launch([probe, "client", HalodCluster.portalAddress(1), "3260", out], on: 3)
        #expect(cluster.wait(.seconds(20)) {
            cluster.status(2)?["luns"]?.arrayValue?.first { $0["name"]?.stringValue == "lun1" }?["initiatorConnections"]?.arrayValue?.count == 1
        }, "node1 reported the initiator's connection")
        // Every action of the target now takes 2 s: long enough to see which side of it the
        // portal's address changes on.
        try FileSystem.writeAtomically("\(cluster.directory.path)/control/slow-target-lun1", Array("2".utf8), permissions: 0o644)
        let trigger = WallClock.now
        let answer = try cluster.request(.move(lun: "lun1", node: "node2"), at: 2)
        #expect(answer["ok"]?.boolValue == true, "\(answer)")
        let address = HalodCluster.portalAddress(1)
        var goneFromNode1: Double?
        var upOnNode2: Double?
        let deadline = Deadline.after(.seconds(40))
        while (goneFromNode1 == nil || upOnNode2 == nil) && !deadline.hasPassed() {
            if goneFromNode1 == nil && !cluster.addresses(on: 1).contains(address) { goneFromNode1 = WallClock.now }
            if upOnNode2 == nil && cluster.addresses(on: 2).contains(address) { upOnNode2 = WallClock.now }
            Pause.for(.milliseconds(50))
        }
        #expect(served(cluster, lun: 1, by: 2, among: [1, 2, 3]))
        #expect(cluster.wait(.seconds(20)) {
            (try? FileSystem.readBytes(out)).map { String(decoding: $0, as: UTF8.self).contains("failed") } ?? false
        }, "the initiator's old connection fails")
        let actions = cluster.agentActions
        // The test agent logs an action when it ends; the target's take 2 s.
        let stopped = actions.last { $0.node == "node1" && $0.resource == "target-lun1" && $0.action == "stop" }?.time
        let started = actions.last { $0.node == "node2" && $0.resource == "target-lun1" && $0.action == "start" }?.time
        let (gone, up) = (try #require(goneFromNode1), try #require(upOnNode2))
        let (stop, start) = (try #require(stopped), try #require(started))
        #expect(gone < stop - 1.5, "node1's address went \(gone - (stop - 2)) s after its target's stop began: the target's FIN would reach the initiator")
        #expect(up > start, "node2's address came up \(start - up) s before its target ran: an initiator would be refused")
        let message = "tickled the initiators of a LUN taken over here: they reconnect at once"
        let tickled = try #require(cluster.eventTime(message, at: 2, since: trigger - 1), "node2 tickled the initiator of the LUN it took over")
        #expect(cluster.events(message, at: 2, since: trigger - 1).first?["data"]?["halo.connections"]?.stringValue == "1",
                "node2 tickled the one connection node1 reported")
        let lines = (try? FileSystem.readBytes(out)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let failed = try #require(lines.split(separator: "\n").first { $0.hasPrefix("failed") }.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(failed >= tickled - 0.2, "the connection failed \(tickled - failed) s before the tickle: something else ended it")
        print("halod move with an initiator: its connection failed \(String(failed - tickled).prefix(5)) s after node2's tickle, "
              + "\(String(failed - up).prefix(5)) s after node2's address came up")
    }

    @Test("a killed node: fenced, then its LUN's stack starts on the next node")
    func crash() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgentsAndPortal)
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]))
        try cluster.kill(1)
        #expect(served(cluster, lun: 1, by: 2, among: [2, 3]), "\(cluster.log(2))")
        #expect(cluster.fenceLog.contains { $0.phase == "done" && $0.plug == "node1" && $0.detail == "ok" })
    }

    @Test("a monitor failure restarts the stack in place; at the threshold the LUN moves")
    func monitorFailure() throws {
        let cluster = try HalodCluster(nodes: 3, extra: "migration_threshold = 2", stack: .testAgents)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 1) == "started" })
        try cluster.breakResource("target-lun1", on: 1)
        #expect(cluster.wait(.seconds(20)) {
            cluster.agentActions.contains { $0.node == "node1" && $0.resource == "target-lun1" && $0.action == "monitor" && $0.code == 7 }
        })
        #expect(cluster.wait(.seconds(20)) { cluster.resourceState("target-lun1", on: 1) == "started" }, "restarted in place")
        #expect(cluster.owner(of: "lun1", at: 2) == "node1")
        try cluster.breakResource("target-lun1", on: 1)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 2) == "started" && cluster.resourceState("target-lun1", on: 1) == nil },
                "the second failure (migration_threshold 2) moves it")
        #expect(cluster.status(3)?["luns"]?.arrayValue?.first?["node"]?.stringValue == "node2")
    }

    @Test("a failed start moves the LUN at once; a failed stop fences the node")
    func failedStartAndStop() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgents)
        try cluster.inject("start", of: "target-lun1", code: 1, on: 1)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 2) == "started" }, "\(cluster.log(1))")
        #expect(cluster.resourceState("target-lun1", on: 1) == nil)
        try cluster.inject("stop", of: "target-lun1", code: 1, on: 2)
        _ = try cluster.request(.move(lun: "lun1", node: "node3"), at: 3)
        #expect(cluster.wait(.seconds(40)) { cluster.fenceLog.contains { $0.phase == "done" && $0.plug == "node2" && $0.detail == "ok" } },
                "node2's failed stop gets it fenced")
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 3) == "started" })
    }

    @Test("a drain moves every LUN off the node and completes; a clean stop stops the stacks, then leaves")
    func drainAndStop() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgentsAndPortal)
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]))
        _ = try cluster.request(.drain(node: "node1"), at: 2)
        #expect(served(cluster, lun: 1, by: 2, among: [1, 2, 3]))
        #expect(cluster.resourceState("dev-lun1", on: 1) == "started", "the drained node keeps its device unpromoted")
        _ = try cluster.request(.undrain(node: "node1"), at: 2)
        try cluster.stop(2)
        #expect(served(cluster, lun: 1, by: 1, among: [1, 3]) || served(cluster, lun: 1, by: 3, among: [1, 3]))
        #expect(cluster.fenceLog.isEmpty, "a clean stop fences nobody")
        #expect(cluster.resourceState("target-lun1", on: 2) == nil, "node2 stopped its stacks before it left")
    }

    @Test("DRBD's fence-peer through the control socket: members outdated at once; a lost peer answered once fenced")
    func fencePeer() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgents)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 1) == "started" })
        let socket = "\(cluster.directory.path)/node1/halod.sock"
        let outdated = try ControlClient.send(.fencePeer(resource: "r1", timeout: 10), to: socket)
        #expect(outdated["drbdExit"]?.intValue == 4, "\(outdated)")
        let refused = try cluster.request(.move(lun: "lun1", node: "node2"), at: 1)
        #expect(refused["error"]?.stringValue?.contains("outdated") == true, "\(refused)")
        #expect(cluster.wait(.seconds(10)) { outdatedNodes(cluster.status(3), lun: "lun1") == ["node2", "node3"] },
                "status shows the outdated copies")
        let unfenced = try ControlClient.send(.unfencePeer(resource: "r1"), to: "\(cluster.directory.path)/node2/halod.sock")
        #expect(unfenced["ok"]?.boolValue == true)
        #expect(cluster.wait(.seconds(10)) { outdatedNodes(cluster.status(1), lun: "lun1") == ["node3"] },
                "node2's resync ended: status no longer shows it outdated")
        #expect(try cluster.request(.move(lun: "lun1", node: "node2"), at: 1)["ok"]?.boolValue == true)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 2) == "started" })

        // node1 (a peer of lun1 now served by node2) is lost; fencing it takes 6 s. The handler
        // asks once the cluster knows node1 is lost (DRBD's own ping may notice first: then the
        // peer is still a member, and outdated, as above).
        try cluster.setFenceDelay(6)
        try cluster.kill(1)
        #expect(cluster.wait(.seconds(20)) {
            cluster.status(2)?["nodes"]?.arrayValue?.first?["state"]?.stringValue == "lost: to be fenced"
        })
        let asked = WallClock.now
        let fenced = try ControlClient.send(.fencePeer(resource: "r1", timeout: 30), to: "\(cluster.directory.path)/node2/halod.sock",
                                            timeout: .seconds(40))
        let answered = WallClock.now
        #expect(fenced["drbdExit"]?.intValue == 7, "\(fenced)")
        let done = cluster.fenceLog.first { $0.phase == "done" && $0.plug == "node1" }?.time
        #expect(done != nil && done! <= answered, "answered only after the fence")
        // The DRBD agent's question before it drops the connection to a dead Primary: yes only
        // when every other node of the LUN is fenced (node3 is a member: no).
        let notAll = try ControlClient.send(.peersFenced(resource: "r1"), to: "\(cluster.directory.path)/node2/halod.sock")
        #expect(notAll["ok"]?.boolValue == false && notAll["error"]?.stringValue == "node3 is not fenced", "\(notAll)")
        print("halod fence-peer: a lost peer answered \(String(answered - asked).prefix(5)) s after the handler asked (the fence agent waits 6 s)")
    }

    /// The nodes `status` shows outdated for LUN (nil: no status, or no such LUN).
    func outdatedNodes(_ status: JSONValue?, lun: String) -> [String]? {
        status?["luns"]?.arrayValue?.first { $0["name"]?.stringValue == lun }?["outdated"]?.arrayValue?.compactMap(\.stringValue)
    }

    @Test("Prometheus metrics: quorum, members, each LUN's node, fencing results and agent actions, in base units")
    func metrics() throws {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgents, metrics: true)
        #expect(cluster.wait(.seconds(40)) { cluster.resourceState("target-lun1", on: 1) == "started" })
        try cluster.kill(3)
        #expect(cluster.wait(.seconds(30)) { cluster.fenceLog.contains { $0.phase == "done" && $0.plug == "node3" } })
        #expect(cluster.wait(.seconds(10)) { cluster.scrape(1)?.contains(#"halo_fencing_attempts_total{node="node3",result="success"} 1"#) == true })
        let text = cluster.scrape(1) ?? ""
        for line in ["HTTP/1.0 200 OK", "halo_cluster_quorate 1", "halo_cluster_members 2", "halo_in_sync 1",
                     #"halo_lun_node_info{lun="lun1",node="node1"} 1"#, #"halo_node_member{node="node3"} 0"#,
                     #"halo_lun_served_here{lun="lun1"} 1"#, #"halo_agent_actions_total{resource="target-lun1",action="start",result="success"} 1"#,
                     "halo_agent_action_duration_seconds_bucket", "halo_membership_changes_total", "# HELP halo_cluster_quorate"] {
            #expect(text.contains(line), "\(line) not in:\n\(text.prefix(3000))")
        }
        #expect(cluster.scrape(1, path: "/other")?.hasPrefix("HTTP/1.0 404") == true)
    }

    /// One crash of node1 with an initiator (on node3) connected to lun1's portal and writing:
    /// when its connection failed after node2 served lun1 again (seconds after the LUN's stack
    /// was up on node2, by node2's "LUN assigned" event), and how many connections node2's
    /// tickle event says it tickled. The target takes 2 s to start on node2 and the connections
    /// are read every 300 ms: a node that reported its (empty) list while the stack was still
    /// starting would have replaced the lost node's list before the tickle read it (seen in
    /// the lab: the tickle then went nowhere and the initiator waited for its retransmission).
    func crashWithInitiator(tickle: Bool) throws -> (servedAgain: Double, failed: Double, tickledEvent: Double?, tickledCount: String?) {
        let cluster = try HalodCluster(nodes: 3, stack: .testAgentsAndPortal,
                                       local: "facts_interval = \"300ms\"\ntickle_acks = \(tickle)")
        let probe = "\(BuildProducts.repositoryRoot)/Tests/System/tcp-probe"
        for node in [1, 2] { try cluster.launch([probe, "listen", "3260"], on: node) }
        #expect(served(cluster, lun: 1, by: 1, among: [1, 2, 3]))
        let out = "\(cluster.directory.path)/client.txt"
        try cluster.launch([probe, "client", HalodCluster.portalAddress(1), "3260", out], on: 3)
        #expect(cluster.wait(.seconds(20)) {
            cluster.status(2)?["luns"]?.arrayValue?.first { $0["name"]?.stringValue == "lun1" }?["initiatorConnections"]?.arrayValue?.count == 1
        }, "node1 reported the initiator's connection")
        let listed = cluster.status(2)?["luns"]?.arrayValue?.first { $0["name"]?.stringValue == "lun1" }?["initiatorConnections"]?.arrayValue
        #expect(listed?.first?.stringValue?.hasSuffix(" → \(HalodCluster.portalAddress(1)):3260") == true, "\(listed ?? [])")
        try FileSystem.writeAtomically("\(cluster.directory.path)/control/slow-target-lun1", Array("2".utf8), permissions: 0o644)
        try cluster.kill(1)
        #expect(served(cluster, lun: 1, by: 2, among: [2, 3]))
        let servedAgain = WallClock.now
        #expect(cluster.wait(.seconds(60)) {
            (try? FileSystem.readBytes(out)).map { String(decoding: $0, as: UTF8.self).contains("failed") } ?? false
        }, "the initiator's old connection fails")
        let lines = (try? FileSystem.readBytes(out)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let failed = lines.split(separator: "\n").first { $0.hasPrefix("failed") }.flatMap { Double($0.split(separator: " ")[1]) } ?? .infinity
        let message = "tickled the initiators of a LUN taken over here: they reconnect at once"
        let tickled = cluster.eventTime(message, at: 2, since: servedAgain - 60)
        let count = cluster.events(message, at: 2, since: servedAgain - 60).first?["data"]?["halo.connections"]?.stringValue
        return (servedAgain, failed, tickled, count)
    }

    @Test("after a crash, the initiators' old connections are tickled: they fail at once instead of after a retransmission back-off")
    func tickleACKs() throws {
        let with = try crashWithInitiator(tickle: true)
        #expect(with.tickledEvent != nil, "node2 tickled the connection")
        #expect(with.tickledCount == "1", "node2 tickled the one connection node1 reported, not the list it read itself while the stack was starting")
        if let tickled = with.tickledEvent { #expect(with.failed >= tickled, "the connection failed after the tickle, not before") }
        let without = try crashWithInitiator(tickle: false)
        print("halod tickle ACK: the initiator's connection failed \(String(with.failed - (with.tickledEvent ?? with.servedAgain)).prefix(5)) s after node2's tickle "
              + "(\(String(with.failed - with.servedAgain).prefix(6)) s from the served check); without tickles \(String(without.failed - without.servedAgain).prefix(6)) s "
              + "from the served check (its next retransmission)")
    }
}
