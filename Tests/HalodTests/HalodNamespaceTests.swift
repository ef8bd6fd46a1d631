import HaloControl
import HaloDaemon
import HaloJSON
import HaloSystem
import HaloTesting
import Testing

/// halod on real corosync: three (or two) corosync nodes in network namespaces on this host,
/// halod on each, the namespace fence agent (Tests/System/fence_halotest) powering nodes off
/// by killing their corosync and halod. Every assertion reads the survivors' own status over
/// their control sockets; each scenario prints the times from its trigger.
@Suite("halod on real corosync in network namespaces", .enabled(if: HalodCluster.isAvailable), .serialized)
struct HalodNamespaceTests {
    /// Waits until every listed node reports every LUN placed as `expected` and the same state.
    func converged(_ cluster: HalodCluster, nodes: [Int], expected: [String: String], timeout: Duration = .seconds(30)) -> Bool {
        converged(cluster, nodes: nodes, allowed: expected.mapValues { [$0] }, timeout: timeout)
    }

    /// Waits until every listed node reports each LUN on one of its allowed nodes and the same state.
    func converged(_ cluster: HalodCluster, nodes: [Int], allowed: [String: Set<String>], timeout: Duration = .seconds(30)) -> Bool {
        cluster.wait(timeout) {
            let statuses = nodes.map { cluster.status($0) }
            guard statuses.allSatisfy({ $0?["phase"]?.stringValue == "in sync" }) else { return false }
            for (lun, candidates) in allowed where !nodes.allSatisfy({ cluster.owner(of: lun, at: $0).map(candidates.contains) ?? false }) { return false }
            let states = Set(statuses.compactMap { status in status.flatMap { s in s["sequence"]?.intValue.map { "\($0)/\(s["stateDigest"]?.stringValue ?? "")" } } })
            return states.count == 1
        }
    }

    func seconds(_ time: Double?, since start: Double) -> String {
        time.map { String(format3($0 - start)) + " s" } ?? "—"
    }

    func format3(_ value: Double) -> String {
        let scaled = Int((value * 1000).rounded())
        let sign = scaled < 0 ? "-" : ""
        return "\(sign)\(abs(scaled) / 1000).\(String(repeating: "0", count: 3 - String(abs(scaled) % 1000).count))\(abs(scaled) % 1000)"
    }

    /// Prints the scenario's timeline and returns the membership → fence-agent gap.
    @discardableResult
    func report(_ name: String, _ cluster: HalodCluster, trigger: Double, victim: Int, observer: Int, lun: String?) -> Double? {
        let membership = cluster.eventTime("node lost without a clean leave: it will be fenced before its LUNs move", at: observer, about: victim, since: trigger)
        let agent = cluster.fenceLog.first { $0.phase == "start" && $0.plug == "node\(victim)" && $0.time >= trigger }?.time
        let fenced = cluster.eventTime("node fenced", at: observer, about: victim, since: trigger)
        let assigned = lun.flatMap { lun in
            cluster.status(observer)?["events"]?.arrayValue?.compactMap { event -> Double? in
                guard event["message"]?.stringValue == "LUN assigned", event["data"]?["halo.lun"]?.stringValue == lun,
                      let time = event["time"]?.stringValue.flatMap(Double.init), time >= trigger else { return nil }
                return time
            }.min()
        }
        let gap = (membership != nil && agent != nil) ? (agent! - membership!) * 1000 : nil
        print("halod \(name): from the trigger — membership change seen \(seconds(membership, since: trigger)), fence agent started "
              + "\(seconds(agent, since: trigger)) (\(gap.map { format3($0 / 1000) + " s after the membership change" } ?? "—")), "
              + "fence confirmed \(seconds(fenced, since: trigger)), reassignment agreed \(seconds(assigned, since: trigger))")
        return gap
    }

    @Test("a killed node is fenced by the lowest survivor, its LUN reassigned only after the fence")
    func nodeKilled() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]), "\(cluster.log(1))")
        let trigger = WallClock.now
        try cluster.kill(1)
        #expect(converged(cluster, nodes: [2, 3], expected: ["lun1": "node2", "lun2": "node2"]), "\(cluster.log(2))")
        let runs = cluster.fenceLog.filter { $0.time >= trigger }
        #expect(runs.filter { $0.phase == "start" }.map { "\($0.plug) by \($0.by)" } == ["node1 by node2"])
        let fenced = cluster.eventTime("node fenced", at: 3, about: 1, since: trigger)
        let assigned = cluster.status(3)?["events"]?.arrayValue?.compactMap { event -> Double? in
            event["message"]?.stringValue == "LUN assigned" && event["data"]?["halo.lun"]?.stringValue == "lun1"
                ? event["time"]?.stringValue.flatMap(Double.init) : nil
        }.filter { $0 >= trigger }.min()
        #expect(fenced != nil && assigned != nil && fenced! <= assigned!, "reassignment only after the fence is recorded")
        #expect(cluster.status(2)?["fenceHistory"]?.arrayValue?.last?["actor"]?.stringValue == "node2")
        let gap = report("node killed", cluster, trigger: trigger, victim: 1, observer: 2, lun: "lun1")
        #expect(gap != nil)
    }

    @Test("a cut link: the minority decides nothing; the majority fences it and takes its LUN")
    func linkCut() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]))
        try cluster.setFenceDelay(4)  // a window to look at the minority before it is powered off
        let trigger = WallClock.now
        try cluster.cut(1)
        #expect(cluster.wait(.seconds(20)) { cluster.status(1)?["quorum"]?["actionsAllowed"]?.boolValue == false }, "the minority knows it has no quorum")
        #expect(cluster.owner(of: "lun2", at: 1) == "node2", "the minority moved nothing")
        #expect(cluster.status(1)?["problems"]?.arrayValue?.contains { $0.stringValue?.contains("no quorum") == true } == true)
        #expect(converged(cluster, nodes: [2, 3], expected: ["lun1": "node2"], timeout: .seconds(40)))
        let starts = cluster.fenceLog.filter { $0.phase == "start" && $0.time >= trigger }
        #expect(starts.map(\.by) == ["node2"], "only the majority fences")
        #expect(starts.map(\.plug) == ["node1"])
        report("link cut", cluster, trigger: trigger, victim: 1, observer: 2, lun: "lun1")
    }

    @Test("a clean stop of halod fences nobody; its LUN moves at once")
    func cleanStop() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]))
        let trigger = WallClock.now
        try cluster.stop(1)
        #expect(converged(cluster, nodes: [2, 3], expected: ["lun1": "node2"]))
        let moved = WallClock.now
        #expect(cluster.fenceLog.isEmpty, "no fence agent ran")
        #expect(cluster.status(2)?["nodes"]?.arrayValue?.first?["state"]?.stringValue == "left cleanly")
        print("halod clean stop: LUN reassigned within \(format3(moved - trigger)) s (upper bound: status polled every 100 ms); no fence")
    }

    @Test("the fencer's halod dies during fencing: the next lowest member fences")
    func fencerKilledDuringFencing() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]))
        try cluster.setFenceDelay(3)
        let trigger = WallClock.now
        try cluster.kill(1)
        #expect(cluster.wait(.seconds(20)) { cluster.fenceLog.contains { $0.phase == "start" && $0.by == "node2" } }, "node2 starts fencing node1")
        try cluster.crash(2)
        let crashed = WallClock.now
        #expect(cluster.wait(.seconds(30)) { cluster.fenceLog.contains { $0.phase == "start" && $0.by == "node3" && $0.plug == "node1" } },
                "node3 takes over fencing node1")
        #expect(cluster.wait(.seconds(30)) {
            cluster.status(3)?["fenceHistory"]?.arrayValue?.contains { $0["actor"]?.stringValue == "node3" && $0["victim"]?.stringValue == "node1"
                && $0["succeeded"]?.boolValue == true } == true
        })
        let takeover = cluster.fenceLog.first { $0.phase == "start" && $0.by == "node3" && $0.plug == "node1" }?.time
        print("halod fencer killed: node3's fence agent for node1 started \(seconds(takeover, since: crashed)) after node2's halod was killed "
              + "(trigger: node1 killed \(format3(crashed - trigger)) s before)")
        // node2 (its halod gone uncleanly) is fenced too; alone of three, node3 has no quorum
        // until node2 comes back.
        #expect(cluster.wait(.seconds(30)) { cluster.fenceLog.contains { $0.phase == "done" && $0.plug == "node2" && $0.detail == "ok" } })
        try cluster.setFenceDelay(nil)
        try cluster.boot(2)
        try cluster.start(2)
        // Where the LUNs end depends on whether the fencing results were applied before node3
        // lost quorum (then node3 took them, sticky) or after (then the first node that can).
        #expect(converged(cluster, nodes: [2, 3], allowed: ["lun1": ["node2", "node3"], "lun2": ["node2", "node3"]], timeout: .seconds(60)),
                "\(cluster.log(3))")
    }

    @Test("a fence agent that fails: no reassignment, retries with back-off, loud in status; recovery once it works")
    func failingFenceAgent() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]))
        try cluster.setFenceFails(1, true)
        let trigger = WallClock.now
        try cluster.kill(1)
        #expect(cluster.wait(.seconds(40)) { cluster.fenceLog.filter { $0.phase == "done" && $0.detail == "failed" }.count >= 3 })
        #expect(cluster.owner(of: "lun1", at: 2) == "node1", "no failover while fencing fails")
        let problems = cluster.status(2)?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(problems.contains { $0.contains("node1 must be fenced") && $0.contains("attempts failed") && $0.contains("simulated failure") }, "\(problems)")
        let starts = cluster.fenceLog.filter { $0.phase == "start" }.map(\.time)
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
        print("halod failing fence: attempts at \(starts.map { format3($0 - trigger) }.joined(separator: ", ")) s; waits between them \(gaps.map { format3($0) }.joined(separator: ", ")) s")
        #expect(gaps.count >= 2 && gaps.last! > gaps.first!, "the waits grow")
        try cluster.setFenceFails(1, false)
        #expect(converged(cluster, nodes: [2, 3], expected: ["lun1": "node2"], timeout: .seconds(30)))
    }

    @Test("a fenced node that rejoins gets the state and nothing moves back to it (sticky placement)")
    func rejoin() throws {
        let cluster = try HalodCluster(nodes: 3)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node1", "lun2": "node2"]))
        try cluster.kill(1)
        #expect(converged(cluster, nodes: [2, 3], expected: ["lun1": "node2"]))
        try cluster.boot(1)
        let trigger = WallClock.now
        try cluster.start(1)
        #expect(converged(cluster, nodes: [1, 2, 3], expected: ["lun1": "node2", "lun2": "node2"]), "\(cluster.log(1))")
        print("halod rejoin: node1 in sync with the same state \(format3(WallClock.now - trigger)) s after halod started (upper bound)")
        #expect(cluster.status(1)?["nodes"]?.arrayValue?.first?["state"]?.stringValue == "running")
        #expect(cluster.fenceLog.filter { $0.phase == "start" }.count == 1, "no further fencing")
    }

    @Test("two nodes, link cut: both are quorate; the node with the fence delay survives and serves both LUNs")
    func twoNodeDelay() throws {
        let cluster = try HalodCluster(nodes: 2, nodeExtra: [2: "fence_delay = \"3s\""])
        #expect(converged(cluster, nodes: [1, 2], expected: ["lun1": "node1", "lun2": "node2"]))
        let trigger = WallClock.now
        try cluster.cut(1)
        #expect(cluster.wait(.seconds(30)) { cluster.fenceLog.contains { $0.phase == "done" && $0.plug == "node1" } })
        Pause.for(.seconds(5))  // past node2's delay: node1 must not have fenced it
        #expect(cluster.fenceLog.filter { $0.phase == "start" }.map { "\($0.plug) by \($0.by)" } == ["node1 by node2"])
        #expect(cluster.status(1) == nil, "node1 was powered off")
        #expect(converged(cluster, nodes: [2], expected: ["lun1": "node2", "lun2": "node2"]))
        report("two-node split", cluster, trigger: trigger, victim: 1, observer: 2, lun: "lun1")
    }
}
