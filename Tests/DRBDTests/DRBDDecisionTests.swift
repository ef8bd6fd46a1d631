@testable import DRBDAgent
import HaloDRBD
import HaloOCF
import HaloTesting
import Testing

/// Decisions on real DRBD 8.4 states: monitor outcome, promotion score, promotion refusal.
@Suite("DRBD decisions on captured states")
struct DRBDDecisionTests {
    static let scores = PromotionScores(consistentOnly: 0, peerUpToDate: 10, localUpToDate: 1000, best: 10000)

    static func observation(_ name: String) throws -> DRBDObservation {
        DRBDObservation(version: DRBDVersion("8.4.11"),
                        state: try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-\(name).txt")))
    }

    @Test(arguments: [
        ("prisec-uptodate-node1", OCFExitCode.runningPromoted), ("prisec-uptodate-node2", .success),
        ("secsec-uptodate-node1", .success), ("unconfigured-node1", .notRunning),
        ("diskless-primary-node1", .failedPromoted), ("diskless-secondary-node2", .success),
        ("sb-standalone-primary-node1", .degradedPromoted), ("standalone-inconsistent-node2", .degraded),
        ("suspended-fencing-node1", .degradedPromoted), ("wfconnection-primary-node1", .runningPromoted),
        ("resync-synctarget-node2", .success), ("resync-syncsource-node1", .runningPromoted),
    ])
    func monitorAtLevel0(state: String, code: OCFExitCode) throws {
        let outcome = DRBDDecision.monitor(try Self.observation(state), level: .basic)
        #expect(ExitDecision.decide(.success(outcome)).0 == code)
    }

    /// After promote dropped a fenced peer's connection: configured again only when DRBD is
    /// StandAlone (or its state unknown), never when it still has a connection.
    @Test(arguments: [
        ("standalone-primary-node1", true), ("sb-standalone-primary-node1", true), ("standalone-inconsistent-node2", true),
        ("wfconnection-primary-node1", false), ("prisec-uptodate-node1", false), ("resync-synctarget-node2", false),
    ])
    func aDroppedConnection_isConfiguredAgainOnlyWhenStandAlone(state: String, again: Bool) throws {
        #expect(DRBDDecision.mustListenAgain(try Self.observation(state).state) == again)
    }

    @Test func anUnknownState_isConfiguredAgain() {
        #expect(DRBDDecision.mustListenAgain(nil))
    }

    @Test(arguments: [
        ("wfconnection-primary-node1", OCFExitCode.degradedPromoted, "not connected to peer peer (Connecting)"),
        ("resync-synctarget-node2", .degraded, "volume 0 is Inconsistent"),
        ("resync-syncsource-node1", .degradedPromoted, "resync SyncSource with peer 0 volume 0"),
        ("prisec-uptodate-node1", .runningPromoted, ""),
    ])
    func monitorAtLevel10_alsoReportsReplication(state: String, code: OCFExitCode, phrase: String) throws {
        let outcome = DRBDDecision.monitor(try Self.observation(state), level: .thorough)
        let (decided, reason) = ExitDecision.decide(.success(outcome))
        #expect(decided == code)
        #expect(reason?.summary.contains(phrase) ?? phrase.isEmpty, "\(reason?.summary ?? "")")
    }

    @Test(arguments: [
        ("prisec-uptodate-node1", ScoreDecision.set(10000)), ("prisec-uptodate-node2", .set(10000)),
        ("wfconnection-secondary-node2", .set(1000)), ("wfconnection-primary-node1", .set(10000)),
        ("outdated-wfconnection-node2", .remove), ("resync-synctarget-node2", .set(10)),
        ("diskless-secondary-node2", .set(10)), ("connected-inconsistent-node1", .remove),
        ("unconfigured-node1", .remove), ("standalone-inconsistent-node2", .remove),
    ])
    func promotionScore_followsTheDataState(state: String, decision: ScoreDecision) throws {
        #expect(DRBDDecision.score(try Self.observation(state).state, scores: Self.scores) == decision)
    }

    @Test func aScoreOfZero_meansNoScore_andNoQuorumMeansNone() throws {
        let zero = PromotionScores(consistentOnly: 0, peerUpToDate: 0, localUpToDate: 0, best: 0)
        #expect(DRBDDecision.score(try Self.observation("prisec-uptodate-node1").state, scores: zero) == .remove)
        var state = try #require(try Self.observation("prisec-uptodate-node1").state)
        state.devices[0].hasQuorum = false
        #expect(DRBDDecision.score(state, scores: Self.scores) == .remove)
        state.devices[0].disk = .attaching
        state.devices[0].hasQuorum = nil
        // Attaching while the connected peer is UpToDate: the peer's data counts.
        #expect(DRBDDecision.score(state, scores: Self.scores) == .set(10))
        // Attaching with the peer unknown: in transition, the score stays as it is.
        state.peerDevices[0].peerDisk = .unknown
        #expect(DRBDDecision.score(state, scores: Self.scores) == .keep)
    }

    @Test(arguments: [
        ("outdated-wfconnection-node2", "refusing to promote without access to UpToDate data (volume 0 Outdated)"),
        ("standalone-inconsistent-node2", "refusing to promote without access to UpToDate data (volume 0 Inconsistent)"),
        ("unconfigured-node1", "cannot promote: the DRBD resource is not started on this node"),
    ])
    func promotion_isRefusedWithoutUpToDateData(state: String, reason: String) throws {
        #expect(DRBDDecision.refusalToPromote(try Self.observation(state).state)?.hasPrefix(reason) == true)
    }

    @Test(arguments: ["secsec-uptodate-node1", "prisec-uptodate-node1", "resync-synctarget-node2", "diskless-secondary-node2"])
    func promotion_goesAheadWithUpToDateData(state: String) throws {
        #expect(DRBDDecision.refusalToPromote(try Self.observation(state).state) == nil)
    }

    /// A promote waits while DRBD still shows the peer Primary (it has not noticed the peer's
    /// demotion or death yet), and only then: not on a Primary, not once the peer is unknown,
    /// never with dual-Primary allowed.
    @Test(arguments: [
        ("prisec-uptodate-node2", false, true),
        ("prisec-uptodate-node2", true, false),
        ("prisec-uptodate-node1", false, false),
        ("secsec-uptodate-node1", false, false),
        ("eth1-down-wfconnection-node2", false, false),
        ("unconfigured-node1", false, false),
    ])
    func promotion_waitsForAPeerStillShownPrimary(state: String, dualPrimary: Bool, waits: Bool) throws {
        #expect(DRBDDecision.waitForPeerToLeavePrimary(try Self.observation(state).state, dualPrimary: dualPrimary) == waits)
    }

    @Test func cloneSettings_areChecked() {
        func clone(max: Int = 2, nodeMax: Int = 1, promotedMax: Int = 1, promotedNodeMax: Int = 1, promotable: Bool = true) -> CloneMeta {
            OCFEnvironment([
                "OCF_RESKEY_CRM_meta_clone_max": "\(max)", "OCF_RESKEY_CRM_meta_clone_node_max": "\(nodeMax)",
                "OCF_RESKEY_CRM_meta_promoted_max": "\(promotedMax)", "OCF_RESKEY_CRM_meta_promoted_node_max": "\(promotedNodeMax)",
                "OCF_RESKEY_CRM_meta_promotable": promotable ? "true" : "false",
            ]).clone!
        }
        #expect(DRBDDecision.cloneProblem(clone(), dualPrimary: false) == nil)
        #expect(DRBDDecision.cloneProblem(nil, dualPrimary: false) == "ocf:halo:drbd must run as a promotable clone")
        #expect(DRBDDecision.cloneProblem(clone(nodeMax: 2), dualPrimary: false) == "clone-node-max must be 1, not 2")
        #expect(DRBDDecision.cloneProblem(clone(promotedNodeMax: 2), dualPrimary: false) == "promoted-node-max must be 1, not 2")
        #expect(DRBDDecision.cloneProblem(clone(promotedMax: 3), dualPrimary: true) == "promoted-max must be 1 or 2, not 3")
        #expect(DRBDDecision.cloneProblem(clone(promotedMax: 2), dualPrimary: false)?.hasPrefix("promoted-max=2 needs allow_dual_primary") == true)
        #expect(DRBDDecision.cloneProblem(clone(promotedMax: 2), dualPrimary: true) == nil)
    }

    @Test(arguments: [("0 10 1000 10000", true), ("0 0 0 0", true), ("10 0 1000 10000", false), ("0 10 1000", false), ("a b c d", false)])
    func scores_areFourNonDecreasingNumbers(text: String, valid: Bool) {
        let result = PromotionScores.parameterType.value(from: text)
        if case .success = result { #expect(valid) } else { #expect(!valid) }
    }
}

@Suite("The DRBD agent's state files")
struct DRBDStateFileTests {
    /// The score cache was once named after the instance's characters as a Swift array
    /// (`score-["d", "r", …]`), seen in an strace in the lab.
    @Test func theScoreCache_isNamedAfterTheInstance() {
        #expect(DRBDEffects.scoreCacheName("drbd-lun1") == "score-drbd-lun1")
        #expect(DRBDEffects.scoreCacheName("drbd-lun1:0") == "score-drbd-lun1_0")
    }
}
