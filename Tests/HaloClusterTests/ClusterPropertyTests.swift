import Glibc
import HaloCluster
import PropertyBased
import Testing

/// The invariants of halod's core over random histories of the simulated cluster: kills,
/// partitions and heals, halod stops and crashes, fencing that fails, restarts, operators'
/// requests, disks that go stale — interleaved with message deliveries, timers and fence
/// agents finishing in random order.
@Suite("halod's replicated state machine: invariants over random histories")
struct ClusterPropertyTests {
    /// One random history: each number picks the next thing that happens.
    static func play(_ moves: [Int], configuration text: String, check: (ClusterSimulator, String) -> Void) -> ClusterSimulator {
        var cluster = ClusterSimulator(configuration: Fixtures.configuration(text))
        let ids = cluster.nodeIDs
        let luns = cluster.configuration.luns.map(\.name)
        for node in ids { cluster.startHalod(node) }
        for (index, move) in moves.enumerated() {
            let node = ids[(move / 16) % ids.count]
            let lun = luns[(move / 7) % luns.count]
            let what: String
            switch move % 16 {
            case 0...6:
                let steps = cluster.enabledSteps
                guard !steps.isEmpty else { continue }
                let step = steps[(move / 16) % steps.count]
                cluster.run(step)
                what = "step \(step)"
            case 7:
                cluster.settle(for: .seconds(Int64(move % 5)))
                what = "settle"
            case 8:
                cluster.kill(node)
                what = "kill \(node)"
            case 9:
                cluster.powerOn(node)
                cluster.startHalod(node)
                what = "power on and start \(node)"
            case 10:
                if cluster.member(node) == nil { cluster.startHalod(node); what = "start \(node)" } else { cluster.stopHalod(node); what = "stop \(node)" }
            case 11:
                cluster.crashHalod(node)
                what = "crash halod \(node)"
            case 12:
                let side = ids.filter { ($0.rawValue + UInt32(move)) % 2 == 0 }
                cluster.partition([side, ids.filter { !side.contains($0) }])
                what = "partition \(side)"
            case 13:
                cluster.heal()
                what = "heal"
            case 14:
                cluster.nodes[node]!.fenceFails.toggle()
                what = "fencing of \(node) fails: \(cluster.nodes[node]!.fenceFails)"
            default:
                switch (move / 3) % 6 {
                case 0: cluster.request(.move(lun, to: ids[(move / 5) % ids.count]), at: node); what = "move \(lun)"
                case 1: cluster.request(.drain(ids[(move / 5) % ids.count]), at: node); what = "drain"
                case 2: cluster.request(.undrain(ids[(move / 5) % ids.count]), at: node); what = "undrain"
                case 3:
                    let kinds: [StackFailure.Kind] = [.soft, .startFailed, .hard, .fatal, .stopFailed]
                    let kind = kinds[(move / 11) % kinds.count]
                    cluster.reportFailure(lun, kind, on: node)
                    what = "\(lun) fails \(kind) on \(node)"
                case 4: cluster.request(.clear(lun), at: node); what = "clear \(lun)"
                default: cluster.setDisk(lun, move % 2 == 0 ? .outdated : .notReplicated, on: node); what = "disk \(lun)"
                }
            }
            check(cluster, "move \(index): \(what)")
        }
        return cluster
    }

    /// No LUN is ever served by two nodes, and members of one partition hold the same state.
    static func checkSafety(_ cluster: ClusterSimulator, _ context: String) {
        for lun in cluster.configuration.luns.map(\.name) {
            let servers = cluster.servers(of: lun)
            #expect(servers.count <= 1, "\(lun) served by \(servers) after \(context)")
        }
        var byComponent: [Int: [ClusterSimulator.Node]] = [:]
        for node in cluster.nodes.values where node.isUp { byComponent[node.component, default: []].append(node) }
        for members in byComponent.values {
            let machines = members.compactMap { $0.halod?.machine }
            guard !machines.contains(where: \.isSynchronising) else { continue }
            let states = Set(machines.compactMap { $0.state?.canonicalBytes })
            #expect(states.count <= 1, "members of one partition disagree after \(context)")
        }
    }

    /// After the network heals, every node is powered and runs halod and fencing works: one
    /// state everywhere, and every LUN served by exactly one node.
    static func checkRecovery(_ cluster: inout ClusterSimulator) {
        cluster.heal()
        for node in cluster.nodeIDs {
            cluster.nodes[node]!.fenceFails = false
            cluster.setDiskEverywhere(.notReplicated)
        }
        // Fencing may power a node off again (it was lost in some partition's state): an admin
        // powers it on again, until every node is up and in sync.
        for _ in 0..<8 {
            for node in cluster.nodeIDs {
                cluster.powerOn(node)
                cluster.startHalod(node)
            }
            cluster.settle(for: .seconds(3600))
            if cluster.nodeIDs.allSatisfy({ cluster.nodes[$0]!.isUp && cluster.state($0) != nil }) { break }
        }
        // An admin undrains every node and clears every LUN's failures (a drained node, or one
        // where the LUN failed, rightly gets nothing).
        for node in cluster.nodeIDs { cluster.request(.undrain(node), at: cluster.nodeIDs[0]) }
        for lun in cluster.configuration.luns.map(\.name) { cluster.request(.clear(lun), at: cluster.nodeIDs[0]) }
        cluster.settle(for: .seconds(60))
        let states = cluster.nodeIDs.compactMap { cluster.state($0)?.canonicalBytes }
        #expect(states.count == cluster.nodeIDs.count, "every node in sync")
        #expect(Set(states).count == 1, "one state")
        for lun in cluster.configuration.luns.map(\.name) {
            #expect(cluster.servers(of: lun).count == 1, "\(lun) served once after recovery")
        }
    }

    /// Random histories per test: 300 in the default run (seconds); HALO_PROPERTY_COUNT=10000
    /// runs them at length.
    static let count = getenv("HALO_PROPERTY_COUNT").flatMap { Int(String(cString: $0)) } ?? 300

    /// Histories these tests once found breaking an invariant, replayed exactly as found (a
    /// changed simulator or generator would not find them again by seed).
    static let found: [(configuration: String, moves: [Int])] = [
        // 2026-12-06, seed 02FeipeRa8pJOfOtWASSegzN7zXZ0UZvY08/KlJ5aSg= (shrunk): a fence trusted
        // beyond the node's return to the ring — ClusterScenarioTests tells it step by step.
        (Fixtures.threeNodes, [232, 3676, 992, 617, 379, 1436, 0, 0, 0, 0]),
    ]

    @Test("the histories once found breaking an invariant keep every invariant", arguments: found.indices)
    func foundHistories(_ index: Int) {
        var cluster = Self.play(Self.found[index].moves, configuration: Self.found[index].configuration, check: Self.checkSafety)
        Self.checkRecovery(&cluster)
    }

    @Test("three nodes: never two servers of a LUN, one state per partition, recovery once healed")
    func threeNodes() async {
        await propertyCheck(count: Self.count, input: Gen.int(in: 0...4095).array(of: 10...160)) { moves in
            var cluster = Self.play(moves, configuration: Fixtures.threeNodes, check: Self.checkSafety)
            Self.checkRecovery(&cluster)
        }
    }

    @Test("two nodes (both halves of a split are quorate): the same invariants")
    func twoNodes() async {
        await propertyCheck(count: Self.count, input: Gen.int(in: 0...4095).array(of: 10...160)) { moves in
            var cluster = Self.play(moves, configuration: Fixtures.twoNodes, check: Self.checkSafety)
            Self.checkRecovery(&cluster)
        }
    }
}

extension ClusterSimulator {
    mutating func setDiskEverywhere(_ fact: DiskFact) {
        for node in nodeIDs {
            for lun in configuration.luns.map(\.name) where (machineDisks[node]?[lun] ?? fact) != fact { setDisk(lun, fact, on: node) }
        }
    }
}
