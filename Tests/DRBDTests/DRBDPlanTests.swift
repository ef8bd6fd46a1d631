@testable import DRBDAgent
import HaloDRBD
import HaloOCF
import HaloTesting
import Testing

/// The next step of start, stop, promote and demote, decided on captured DRBD 8.4 states
/// (Tests/Fixtures/drbd-8.4) and on what the action has done so far: the table the agent's
/// observe → decide → act loop follows.
@Suite("DRBD actions' next step on captured states")
struct DRBDPlanTests {
    static let scores = DRBDDecisionTests.scores
    typealias Start = DRBDDecision.StartStep
    typealias Stop = DRBDDecision.StopStep
    typealias Promote = DRBDDecision.PromoteStep
    typealias Demote = DRBDDecision.DemoteStep

    static func state(_ name: String) throws -> DRBDResourceState? { try DRBDDecisionTests.observation(name).state }

    static let notLoaded = DRBDObservation(version: nil, state: nil)

    @Test(arguments: [
        // module, state, done → step
        ("module not loaded", nil as String?, [] as [Start], Start.loadModule),
        ("not configured", "unconfigured-node1", [], .adjust),
        ("adjusted, not up yet", "unconfigured-node1", [.adjust], .awaitConnection),
        ("up, peer not connected yet", "wfconnection-secondary-node2", [.adjust], .awaitConnection),
        ("connected Secondary", "secsec-uptodate-node1", [], .finish(.set(10000))),
        ("waited, still not connected", "wfconnection-secondary-node2", [.adjust, .awaitConnection], .finish(.set(1000))),
        ("Primary already (a start after a failed stop)", "prisec-uptodate-node1", [], .demote),
        ("demoted", "prisec-uptodate-node2", [.demote], .finish(.set(10000))),
        ("connected, still Inconsistent", "connected-inconsistent-node1", [.adjust], .finish(.remove)),
    ])
    func start(_ what: String, state: String?, done: [Start], step: Start) throws {
        let observation = state == nil ? Self.notLoaded : try DRBDDecisionTests.observation(state!)
        #expect(DRBDDecision.start("r0", observation, done: Set(done), scores: Self.scores) == step, "\(what)")
    }

    @Test func start_givesUp_whenAdjustBroughtNothingUp_orTheModuleWouldNotLoad() throws {
        let down = try DRBDDecisionTests.observation("unconfigured-node1")
        guard case .fail(let failure) = DRBDDecision.start("r0", down, done: [.adjust, .awaitConnection], scores: Self.scores) else {
            Issue.record("no failure")
            return
        }
        #expect(failure.reason.summary == "drbdadm adjust r0 ran, but the resource is not up")
        guard case .fail(let missing) = DRBDDecision.start("r0", Self.notLoaded, done: [.loadModule], scores: Self.scores) else {
            Issue.record("no failure")
            return
        }
        #expect(ExitDecision.decide(.failure(missing)).0 == .notInstalled)
    }

    @Test(arguments: [
        ("not configured", "unconfigured-node1", [] as [Stop], Stop.finish),
        ("Secondary", "secsec-uptodate-node1", [], .down),
        ("Primary", "prisec-uptodate-node1", [], .demote),
        ("Primary, demoted", "prisec-uptodate-node2", [.demote], .down),
        ("split-brain Primary", "sb-standalone-primary-node1", [], .demote),
        ("down", "down-after-connected-node2", [.down], .finish),
        ("still up after down", "secsec-uptodate-node1", [.down], .fail("r0 is still up after drbdadm down")),
    ])
    func stop(_ what: String, state: String, done: [Stop], step: Stop) throws {
        #expect(DRBDDecision.stop(try Self.state(state), done: Set(done)) == step, "\(what)")
    }

    @Test(arguments: [
        ("Primary", "prisec-uptodate-node1", [] as [Demote], Demote.secondary),
        ("Secondary", "prisec-uptodate-node2", [], .finish),
        ("not configured", "unconfigured-node1", [], .finish),
        ("secondary ran, DRBD still says Primary", "prisec-uptodate-node1", [.secondary], .finish),
    ])
    func demote(_ what: String, state: String, done: [Demote], step: Demote) throws {
        #expect(DRBDDecision.demote(try Self.state(state), done: Set(done)) == step, "\(what)")
    }

    @Test(arguments: [
        // state, done, halod may drop the peer, may still wait → step
        ("UpToDate Secondary", "secsec-uptodate-node2", [] as [Promote], false, true, Promote.primary),
        ("Primary already", "prisec-uptodate-node1", [], false, true, .alreadyPrimary),
        ("promoted", "prisec-uptodate-node1", [.primary], false, true, .finish(.set(10000))),
        ("peer still Primary, Pacemaker", "prisec-uptodate-node2", [], false, true, .waitForPeer),
        ("peer still Primary, halod", "prisec-uptodate-node2", [], true, true, .dropFencedPeer),
        ("peer still Primary, halod dropped it", "prisec-uptodate-node2", [.dropFencedPeer], true, true, .waitForPeer),
        ("peer Primary, wait used up: DRBD would say 11", "prisec-uptodate-node2", [], false, false, .primary),
        ("Outdated, peer gone", "outdated-wfconnection-node2", [], false, true,
         .refuse("refusing to promote without access to UpToDate data (volume 0 Outdated); the peer with good data must be promoted first")),
        ("Inconsistent, syncing from a Primary", "resync-synctarget-node2", [], false, false, .primary),
        ("not configured", "unconfigured-node1", [], false, true, .refuse("cannot promote: the DRBD resource is not started on this node")),
    ])
    func promote(_ what: String, state: String, done: [Promote], mayDropPeer: Bool, mayWait: Bool, step: Promote) throws {
        #expect(DRBDDecision.promote(try Self.state(state), done: Set(done), dualPrimary: false, mayDropPeer: mayDropPeer,
                                     mayWait: mayWait, scores: Self.scores) == step, "\(what)")
    }

    @Test func dualPrimary_neverWaitsForThePeer() throws {
        #expect(DRBDDecision.promote(try Self.state("prisec-uptodate-node2"), done: [], dualPrimary: true, mayDropPeer: true,
                                     mayWait: true, scores: Self.scores) == .primary)
    }

    @Test(arguments: [
        (Int32(17), "DRBD refused promotion without access to UpToDate data: r0: State change failed"),
        (11, "DRBD refused promotion: the peer is Primary, or the device is held open: r0: State change failed"),
        (20, "DRBD's `primary` failed (exit 20): r0: State change failed"),
    ])
    func promoteFailures_sayWhatDRBDsExitStatusMeans(status: Int32, why: String) {
        #expect(DRBDDecision.promoteFailure(exitStatus: status, termination: "exit \(status)", said: "r0: State change failed") == why)
    }

    @Test func demoteFailures_sayWhatDRBDsExitStatusMeans() {
        let heldOpen = "0: State change failed: (-12) Device is held open by someone"
        #expect(DRBDDecision.demoteFailure(resource: "r0", exitStatus: 11, termination: "exit 11", said: heldOpen)
            == "cannot demote r0: the device is held open")
        #expect(DRBDDecision.demoteFailure(resource: "r0", exitStatus: 11, termination: "exit 11", said: "")
            == "cannot demote r0: the device is held open")
        // The same exit status for a refusal that is not about the device's users: DRBD's words, not a guess.
        let refused = "0: State change failed: (-10) State change was refused by peer node"
        #expect(DRBDDecision.demoteFailure(resource: "r0", exitStatus: 11, termination: "exit status 11", said: refused)
            == "cannot demote r0: DRBD's `secondary` failed (exit status 11): \(refused)")
        #expect(DRBDDecision.demoteFailure(resource: "r0", exitStatus: 10, termination: "exit 10", said: "")
            == "cannot demote r0: DRBD's `secondary` failed (exit 10)")
    }
}
