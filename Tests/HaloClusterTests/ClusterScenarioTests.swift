import HaloCluster
import Testing

/// The rules of halod's core, each on a recorded scenario of the simulated cluster.
@Suite("halod's replicated state machine: scenarios")
struct ClusterScenarioTests {
    /// Every member's state, as canonical bytes.
    func statesAreIdentical(_ cluster: ClusterSimulator, _ nodes: [NodeID]) -> Bool {
        let states = nodes.compactMap { cluster.state($0)?.canonicalBytes }
        return states.count == nodes.count && Set(states).count == 1
    }

    @Test("three nodes start together: one state everywhere, each LUN on its first node")
    func startup_placesEveryLUNOnItsPreferredNode() {
        let cluster = Fixtures.running()
        #expect(statesAreIdentical(cluster, [1, 2, 3]))
        #expect(cluster.owner(of: "lun1", at: 1) == 1)
        #expect(cluster.owner(of: "lun2", at: 1) == 2)
        #expect(cluster.owner(of: "lun3", at: 1) == 3)
        #expect(cluster.owner(of: "lun4", at: 1) == 1)
        #expect(cluster.state(1)?.agreement != nil)
        #expect(cluster.fenceRuns.isEmpty)
    }

    @Test("a killed node is fenced by the lowest survivor before its LUNs move")
    func killedNode_isFencedBeforeItsLUNsMove() {
        var cluster = Fixtures.running()
        cluster.kill(1)
        // Deliver everything, but do not let the fence device finish yet.
        while let component = cluster.queues.filter({ !$0.value.isEmpty }).keys.first { cluster.flush(component) }
        #expect(cluster.fenceJobs.count == 1)
        #expect(cluster.fenceJobs.first?.actor.node == 2)
        #expect(cluster.fenceJobs.first?.order.attempt.victim == 1)
        #expect(cluster.owner(of: "lun1", at: 2) == 1, "lun1 stays with the lost node until it is fenced")
        #expect(cluster.state(2)?.luns["lun1"]?.reason == .waitingForFence(1))
        cluster.settle()
        #expect(cluster.fenceRuns.map(\.victim) == [1])
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
        #expect(cluster.owner(of: "lun4", at: 3) == 2)
        #expect(cluster.state(2)?.luns["lun1"]?.reason == .recovered(from: 1))
        #expect(statesAreIdentical(cluster, [2, 3]))
    }

    @Test("a clean stop of halod fences nobody and reassigns the node's LUNs")
    func cleanStop_fencesNobody() {
        var cluster = Fixtures.running()
        cluster.stopHalod(1)
        cluster.settle()
        #expect(cluster.fenceRuns.isEmpty)
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
        #expect(cluster.state(2)?.luns["lun1"]?.reason == .reassigned(from: 1))
        #expect(cluster.state(2)?.nodes[1]?.safety == .stopped(.leftCleanly))
    }

    @Test("a crashed halod (its node still up) is fenced: its stacks may still run")
    func crashedHalod_isFenced() {
        var cluster = Fixtures.running()
        cluster.crashHalod(3)
        cluster.settle()
        #expect(cluster.fenceRuns.map(\.victim) == [3])
        #expect(cluster.owner(of: "lun3", at: 1) == 1)
    }

    @Test("a cut link: the minority decides nothing, the majority fences it, then takes its LUNs")
    func linkCut_minorityDoesNotAct_majorityFences() {
        var cluster = Fixtures.running()
        cluster.partition([[1], [2, 3]])
        cluster.settle(for: .milliseconds(500))
        #expect(cluster.state(1)?.quorum.allowsActions == false)
        #expect(cluster.owner(of: "lun2", at: 1) == 2, "the minority changes nothing")
        #expect(cluster.fenceJobs.allSatisfy { $0.actor.node != 1 })
        cluster.settle()
        #expect(cluster.fenceRuns.map(\.victim) == [1])
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
        #expect(cluster.servers(of: "lun1") == [2])
    }

    @Test("the actor's halod dies during fencing: the next lowest member fences")
    func actorDiesDuringFencing_nextLowestTakesOver() {
        var cluster = Fixtures.running()
        cluster.kill(1)
        while let component = cluster.queues.filter({ !$0.value.isEmpty }).keys.first { cluster.flush(component) }
        #expect(cluster.fenceJobs.first?.actor.node == 2)
        cluster.crashHalod(2)
        cluster.settle()
        // node3 fenced node1 (node2's abandoned attempt ran too: its agent outlived its halod)
        // and node2, whose halod died uncleanly. Alone of three, node3 then has no quorum.
        #expect(cluster.fenceRuns.contains { $0.victim == 1 && $0.succeeded })
        #expect(cluster.fenceRuns.contains { $0.victim == 2 && $0.succeeded })
        #expect(cluster.state(3)?.fenceHistory.contains { $0.actor.node == 3 && $0.attempt.victim == 1 } == true)
        #expect(cluster.state(3)?.quorum.allowsActions == false)
        #expect(cluster.servers(of: "lun1").isEmpty)
    }

    @Test("a fence that fails: no failover, retries with back-off, then recovery once it works")
    func fenceFailure_noRecoveryUntilSuccess() {
        var cluster = Fixtures.running()
        cluster.nodes[1]!.fenceFails = true
        cluster.kill(1)
        cluster.settle(for: .seconds(20))
        let attempts = cluster.fenceRuns.filter { $0.victim == 1 }
        #expect(attempts.count >= 3)
        #expect(attempts.allSatisfy { !$0.succeeded })
        let gaps = zip(attempts.dropFirst(), attempts).map { $0.at - $1.at }
        #expect(gaps == gaps.sorted(), "the waits between attempts grow")
        #expect(cluster.owner(of: "lun1", at: 2) == 1, "no recovery while fencing fails")
        #expect(cluster.servers(of: "lun1").isEmpty)
        guard case .lost(let task) = cluster.state(2)?.nodes[1]?.safety else {
            Issue.record("node1 should be lost")
            return
        }
        #expect(task.failedAttempts >= 3)
        #expect(task.lastError == "simulated failure")
        #expect(cluster.logs.contains { $0.level == .error && $0.message.contains("fencing failed") })
        cluster.nodes[1]!.fenceFails = false
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
    }

    @Test("a fenced node that comes back gets the state, and nothing until it announces")
    func rejoin_getsStateAndKeepsStickyPlacement() {
        var cluster = Fixtures.running()
        cluster.kill(1)
        cluster.settle()
        cluster.powerOn(1)
        cluster.startHalod(1)
        cluster.settle()
        #expect(statesAreIdentical(cluster, [1, 2, 3]))
        #expect(cluster.state(1)?.nodes[1]?.safety == .running)
        #expect(cluster.owner(of: "lun1", at: 1) == 2, "placement is sticky: no fail-back by default")
        #expect(cluster.fenceRuns.map(\.victim) == [1])
    }

    @Test("a node that never joins is fenced after the startup delay; one that joins in time is not")
    func startupFencing() {
        var cluster = ClusterSimulator(configuration: Fixtures.configuration(Fixtures.threeNodes))
        cluster.startHalod(1)
        cluster.startHalod(2)
        cluster.settle(for: .seconds(10))
        #expect(cluster.fenceRuns.isEmpty)
        #expect(cluster.state(1)?.luns["lun3"]?.owner == nil, "lun3 may be on node3: not placed before node3 is known")
        #expect(cluster.state(1)?.luns["lun4"]?.owner == 1, "lun4 cannot be on node3: placed at once")
        cluster.settle(for: .seconds(60))
        #expect(cluster.fenceRuns.map(\.victim) == [3])
        #expect(cluster.owner(of: "lun3", at: 1) == 1)

        var timely = ClusterSimulator(configuration: Fixtures.configuration(Fixtures.threeNodes))
        timely.startHalod(1)
        timely.startHalod(2)
        timely.settle(for: .seconds(10))
        timely.startHalod(3)
        timely.settle()
        #expect(timely.fenceRuns.isEmpty)
        #expect(timely.owner(of: "lun3", at: 1) == 3)
    }

    @Test("two nodes split: both are quorate; the node with the fence delay wins")
    func twoNodeSplit_fenceDelayDecides() {
        var cluster = Fixtures.running(Fixtures.twoNodes)
        #expect(cluster.owner(of: "lun1", at: 1) == 1)
        cluster.partition([[1], [2]])
        cluster.settle()
        #expect(cluster.nodes[1]!.isUp == false, "node1 is fenced first (no delay)")
        #expect(cluster.nodes[2]!.isUp)
        #expect(cluster.servers(of: "lun1") == [2])
        #expect(cluster.servers(of: "lun2") == [2])
    }

    @Test("a partition heals before fencing could succeed: one state survives, the other side is fenced")
    func mergeAfterFailedFencing_keepsOneState() {
        var cluster = Fixtures.running(Fixtures.twoNodes)
        cluster.nodes[1]!.fenceFails = true
        cluster.nodes[2]!.fenceFails = true
        cluster.partition([[1], [2]])
        cluster.settle(for: .seconds(8))
        #expect(cluster.servers(of: "lun1") == [1])
        #expect(cluster.servers(of: "lun2") == [2])
        cluster.heal()
        cluster.settle(for: .seconds(2))
        let synced = cluster.nodeIDs.filter { cluster.state($0) != nil }
        #expect(synced.count == 1 || statesAreIdentical(cluster, synced))
        cluster.nodes[1]!.fenceFails = false
        cluster.nodes[2]!.fenceFails = false
        cluster.settle()
        #expect(cluster.nodeIDs.filter { cluster.nodes[$0]!.isUp }.count == 1, "the merged loser is fenced")
        for lun: LUNName in ["lun1", "lun2"] { #expect(cluster.servers(of: lun).count == 1) }
    }

    @Test("members with different configurations decide nothing until they agree")
    func differentConfigurations_freezeDecisions() {
        var cluster = Fixtures.running()
        var other = Fixtures.configuration(Fixtures.threeNodes)
        other.failsBack = true
        cluster.perform(cluster.member(3)!, local: .configuration(other))
        cluster.settle()
        #expect(cluster.state(1)?.agreement == nil)
        cluster.stopHalod(1)
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 1, "no reassignment while configurations differ")
        #expect(cluster.logs.contains { $0.message.contains("different configurations") })
        cluster.perform(cluster.member(3)!, local: .configuration(Fixtures.configuration(Fixtures.threeNodes)))
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
    }

    @Test("a move intent moves the LUN and is answered; a move the rules forbid is refused with the reason")
    func moveIntent() {
        var cluster = Fixtures.running()
        cluster.request(.move("lun1", to: 3), at: 2, client: 7)
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 1) == 3)
        #expect(cluster.state(1)?.luns["lun1"]?.reason == .moved)
        #expect(cluster.replies.last?.0 == RequestID(member: cluster.member(2)!, number: 7))
        #expect(cluster.replies.last?.1 == .accepted("lun1 moves to node3"))

        cluster.request(.move("lun4", to: 3), at: 1, client: 8)
        cluster.settle()
        guard case .refused(let reason) = cluster.replies.last?.1 else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("may not run on node3"))

        cluster.setDisk("lun1", .outdated, on: 2)
        cluster.settle()
        cluster.request(.move("lun1", to: 2), at: 1, client: 9)
        cluster.settle()
        guard case .refused(let diskReason) = cluster.replies.last?.1 else { Issue.record("expected a refusal"); return }
        #expect(diskReason.contains("outdated"))
        #expect(cluster.owner(of: "lun1", at: 1) == 3)
    }

    @Test("drain moves every LUN off the node and gives it none; undrain lets it take LUNs again")
    func drainAndUndrain() {
        var cluster = Fixtures.running()
        cluster.request(.drain(1), at: 3)
        cluster.settle()
        for lun: LUNName in ["lun1", "lun2", "lun3", "lun4"] { #expect(cluster.owner(of: lun, at: 2) != 1) }
        #expect(cluster.owner(of: "lun1", at: 2) == 2)
        #expect(cluster.owner(of: "lun3", at: 2) == 3)
        cluster.request(.move("lun1", to: 1), at: 2)
        cluster.settle()
        guard case .refused(let reason) = cluster.replies.last?.1 else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("drained"))
        cluster.request(.undrain(1), at: 2)
        cluster.settle()
        #expect(cluster.state(2)?.nodes[1]?.isDrained == false)
        #expect(cluster.owner(of: "lun1", at: 2) == 2, "sticky: undrain moves nothing back without fail-back")
    }

    @Test("a LUN is recovered on the next node whose disk is UpToDate")
    func recoveryRespectsDiskState() {
        var cluster = Fixtures.running()
        cluster.setDisk("lun1", .inconsistent, on: 2)
        cluster.settle()
        cluster.kill(1)
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 3)
    }

    @Test("the lost node's record survives a rejoin of its halod before fencing: it is still fenced")
    func lostNodeRejoiningBeforeFence_isStillFenced() {
        var cluster = Fixtures.running()
        cluster.nodes[3]!.fenceFails = true
        cluster.crashHalod(3)
        cluster.settle(for: .seconds(3))
        cluster.startHalod(3)
        cluster.settle(for: .seconds(3))
        #expect(cluster.state(3) != nil)
        guard case .lost = cluster.state(1)?.nodes[3]?.safety else { Issue.record("node3 must stay lost"); return }
        #expect(cluster.state(1)?.ineligibility(of: 3, for: "lun3", policy: cluster.state(1)!.agreement!.policy) != nil)
        cluster.nodes[3]!.fenceFails = false
        cluster.settle()
        #expect(cluster.fenceRuns.last?.victim == 3 && cluster.fenceRuns.last?.succeeded == true)
        #expect(cluster.servers(of: "lun3") == [1])
    }

    @Test("stack failures: soft ones restart in place until the threshold, a failed start moves the LUN at once")
    func stackFailures() {
        var cluster = Fixtures.running()
        cluster.reportFailure("lun1", .soft, on: 1)
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 1, "one soft failure: restarted in place")
        #expect(cluster.state(2)?.luns["lun1"]?.failures[1]?.count == 1)
        cluster.reportFailure("lun1", .soft, on: 1)
        cluster.settle()
        cluster.reportFailure("lun1", .soft, on: 1)
        cluster.settle()
        #expect(cluster.owner(of: "lun1", at: 2) == 2, "the third failure (migration_threshold 3) moves it")
        cluster.request(.move("lun1", to: 1), at: 3)
        cluster.settle()
        guard case .refused(let reason) = cluster.replies.last?.1 else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("failed there"))
        cluster.request(.clear("lun1"), at: 3)
        cluster.settle()
        #expect(cluster.state(2)?.luns["lun1"]?.failures.isEmpty == true)
        #expect(cluster.owner(of: "lun1", at: 2) == 2, "clearing does not move it back (sticky)")
        cluster.reportFailure("lun2", .startFailed, on: 2)
        cluster.settle()
        #expect(cluster.owner(of: "lun2", at: 1) == 3, "a failed start moves the LUN at once")
    }

    @Test("a configuration error (exit 6) keeps the LUN off every node until cleared")
    func fatalFailure() {
        var cluster = Fixtures.running()
        cluster.reportFailure("lun3", .fatal, on: 3)
        cluster.settle()
        #expect(cluster.owner(of: "lun3", at: 1) == nil)
        #expect(cluster.state(1)?.luns["lun3"]?.reason == .unplaced(.configurationError))
        cluster.request(.clear("lun3"), at: 1)
        cluster.settle()
        #expect(cluster.owner(of: "lun3", at: 1) == 3)
    }

    @Test("a failed stop: the node may still serve the LUN, so it is fenced before the LUN moves")
    func failedStop() {
        var cluster = Fixtures.running()
        cluster.reportFailure("lun2", .stopFailed, on: 2)
        while let component = cluster.queues.filter({ !$0.value.isEmpty }).keys.first { cluster.flush(component) }
        #expect(cluster.owner(of: "lun2", at: 1) == 2, "it stays with node2 until node2 is fenced")
        cluster.settle()
        #expect(cluster.fenceRuns.map(\.victim) == [2])
        #expect(cluster.owner(of: "lun2", at: 1) == 3)
    }

    @Test("DRBD's fence-peer handler: members are outdated (not promoted before their resync), lost peers fenced first")
    func fencePeer() {
        var cluster = Fixtures.running()
        cluster.request(.fencePeer("lun1"), at: 1)
        cluster.settle()
        #expect(cluster.replies.last?.1 == .peersOutdated)
        #expect(cluster.state(3)?.luns["lun1"]?.outdated == [2, 3])
        cluster.request(.move("lun1", to: 2), at: 3)
        cluster.settle()
        guard case .refused(let reason) = cluster.replies.last?.1 else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("outdated"))
        cluster.request(.unfencePeer("lun1"), at: 2)
        cluster.settle()
        #expect(cluster.state(1)?.luns["lun1"]?.outdated == [3], "node2's resync ended: it may be promoted again")

        var lost = Fixtures.running()
        lost.nodes[2]!.fenceFails = true
        lost.kill(2)
        lost.settle(for: .seconds(2))
        lost.request(.fencePeer("lun4"), at: 1)
        lost.settle(for: .seconds(2))
        #expect(lost.replies.last?.1 == .awaitingFence([2]), "a lost peer must be fenced before DRBD resumes I/O")
        lost.nodes[2]!.fenceFails = false
        lost.settle()
        lost.request(.fencePeer("lun4"), at: 1)
        lost.settle()
        #expect(lost.replies.last?.1 == .peersFenced)
    }

    /// The history ClusterPropertyTests.threeNodes found (seed
    /// 02FeipeRa8pJOfOtWASSegzN7zXZ0UZvY08/KlJ5aSg=), told step by step: a fence vouches for the
    /// node as it was when it was powered off, not for what it did after it came back elsewhere.
    @Test("a node fenced, rebooted into the other partition, then back in the ring without its halod: fenced again before its LUN moves")
    func fencedNodeBackFromTheOtherPartition_isFencedAgain() {
        var cluster = Fixtures.running()
        cluster.kill(3)
        cluster.partition([[2], [1, 3]])
        cluster.settle()
        #expect(cluster.fenceRuns.map(\.victim) == [3], "node1 fenced node3 (the attempt began while node1 had quorum)")
        #expect(cluster.state(1)?.nodes[3]?.safety == .stopped(.fenced))
        #expect(cluster.owner(of: "lun3", at: 1) == 3, "node1 alone has no quorum: lun3 stays assigned")

        // node3 boots into node2's side, where lun3 is still its own — but node3 is lost there
        // (to be fenced), so it starts nothing. (node2 cannot fence anyone meanwhile.)
        cluster.nodes[3]!.fenceFails = true
        cluster.nodes[1]!.fenceFails = true
        cluster.powerOn(3)
        cluster.startHalod(3)
        cluster.settle(for: .seconds(5))
        #expect(cluster.owner(of: "lun3", at: 3) == 3)
        #expect(cluster.servers(of: "lun3") == [], "a node to be fenced starts nothing")
        // Before that rule it served lun3 there, and then its halod died with the stack running:
        // the state the next step must guard against, whatever led to it.
        cluster.crashHalod(3)
        cluster.leftover[3] = ["lun3"]
        cluster.nodes[1]!.fenceFails = false

        // The network moves node3's corosync to node1's side: quorate, and node1's state says
        // node3 was fenced. node3 is back without its halod: it may serve lun3.
        cluster.partition([[2], [1, 3]])
        cluster.settle(for: .seconds(20))
        guard case .unseen = cluster.state(1)?.nodes[3]?.safety else {
            Issue.record("node3 back in the ring without its halod is not to be fenced: \(String(describing: cluster.state(1)?.nodes[3]?.safety))")
            return
        }
        #expect(cluster.servers(of: "lun3") == [3], "node1 does not take lun3 while node3 may serve it")
        #expect(cluster.state(1)?.luns["lun3"]?.reason == .waitingForFence(3))
        #expect(cluster.logs.contains { $0.message.contains("back in the ring without its halod") && $0.metadata["halo.node"] == "3" })

        // After the startup delay node1 fences it: nobody serves lun3 (node1 alone has no
        // quorum to take it) until node3 is back with its halod.
        cluster.nodes[3]!.fenceFails = false
        cluster.settle()
        #expect(cluster.fenceRuns.last?.victim == 3 && cluster.fenceRuns.last?.succeeded == true)
        #expect(cluster.servers(of: "lun3") == [])
        cluster.powerOn(3)
        cluster.startHalod(3)
        cluster.settle()
        #expect(cluster.servers(of: "lun3").count == 1)
    }

    @Test("a node back in the ring whose halod joins within the startup delay is not fenced")
    func nodeBackWithItsHalod_isNotFenced() {
        var cluster = Fixtures.running()
        cluster.stopHalod(3)
        cluster.settle()
        cluster.kill(3)  // a maintenance reboot after a clean stop
        cluster.settle()
        #expect(cluster.state(1)?.nodes[3]?.safety == .stopped(.leftCleanly))
        cluster.powerOn(3)
        cluster.settle(for: .seconds(10))
        guard case .unseen = cluster.state(1)?.nodes[3]?.safety else {
            Issue.record("node3's corosync is back without its halod: it is to be fenced unless its halod joins")
            return
        }
        cluster.startHalod(3)
        cluster.settle()
        #expect(cluster.fenceRuns.isEmpty)
        #expect(cluster.state(1)?.nodes[3]?.safety == .running)
        #expect(cluster.servers(of: "lun3") == [1], "placement is sticky: lun3 stays on node1")
    }

    /// Found by the two-node random histories: a node that runs a LUN it can no longer serve
    /// adopted it at one event (its announcement said running) and lost it at the next (it cannot
    /// serve it), starting and stopping it without end.
    @Test("a LUN running where it cannot be served is stopped there, not adopted again and again")
    func runningWhereItCannotBeServed_isNotAdopted() {
        var cluster = Fixtures.running(Fixtures.twoNodes)
        #expect(cluster.servers(of: "lun1") == [1])
        cluster.setDisk("lun1", .outdated, on: 2)
        cluster.setDisk("lun1", .outdated, on: 1)
        cluster.settle()
        #expect(!cluster.didNotSettle)
        #expect(cluster.servers(of: "lun1") == [])
        #expect(cluster.state(1)?.luns["lun1"]?.reason == .unplaced(.noEligibleNode))
        cluster.setDisk("lun1", .notReplicated, on: 2)
        cluster.settle()
        #expect(cluster.servers(of: "lun1") == [2])
    }
}
