import HaloISCSI
import HaloOCF
import Testing
@testable import SCSTAgent

/// The relative target port id a start gives the target (issue 17, item 9).
@Suite("ocf:halo:scst decisions: the relative target id")
struct SCSTRelativeTargetIDDecisionTests {
    static let empty = SCSTObservation(isLoaded: true, handlers: ["vdisk_blockio"], iscsi: .init(isDaemonConnected: true, isEnabled: true))

    static func relativeTargetIDWrite(_ steps: [SCSTStep]) -> String? {
        steps.lazy.compactMap { step -> String? in
            guard case .setTargetAttribute("rel_tgt_id", let value) = step else { return nil }
            return value
        }.first
    }

    /// Initiators and ALUA remember a port by its relative target id: without
    /// `relative_target_id` it is derived from the IQN and the node (SHA-256, like the serial),
    /// pinned here because it must never change between releases.
    @Test func withoutTheParameter_theIDIsDerivedFromTheIQNAndTheNode_andPinned() {
        let lab = SCSTSettings.lab()
        #expect(Self.relativeTargetIDWrite(SCSTDecision.start(lab, Self.empty, chap: .none, node: "node1")) == "60571")
        #expect(Self.relativeTargetIDWrite(SCSTDecision.start(lab, Self.empty, chap: .none, node: "node2")) == "48133")
        var running = SCSTObservation.running(lab)
        running.target?.relativeID = 60571
        #expect(SCSTDecision.start(lab, running, chap: .none, node: "node1") == [], "a running target with it needs nothing")
    }

    @Test func theParameter_stillDecides() {
        let settings = SCSTSettings.lab(relativeTargetID: .perNode(["node1": 11, "node2": 12]))
        #expect(Self.relativeTargetIDWrite(SCSTDecision.start(settings, Self.empty, chap: .none, node: "node1")) == "11")
        #expect(Self.relativeTargetIDWrite(SCSTDecision.start(.lab(relativeTargetID: .everywhere(7)), Self.empty, chap: .none, node: "x")) == "7")
    }

    /// Two targets whose derived ids meet on a node (about 1 in 65535 per pair) cannot both be
    /// enabled there: refused before any write, telling the administrator to set one.
    @Test func aDerivedIDAnotherTargetOfTheNodeUses_isRefusedBeforeAnyWrite() {
        var observation = SCSTObservation.running(.lab())
        observation.otherRelativeIDs = ["iqn.2026-11.lab.test:other": 60571]
        SCSTDecisionTests.check(SCSTDecision.startRefusal(.lab(), observation, node: "node1").map { .failure($0) } ?? .success(.success),
                                .failure(2, "set relative_target_id: the id derived for this target on node1 (60571) is used by target iqn.2026-11.lab.test:other"),
                                "derived id taken")
        SCSTDecisionTests.check(SCSTDecision.startRefusal(.lab(), observation, node: "node2").map { .failure($0) } ?? .success(.success),
                                .code(0), "another node derives another id")
    }
}
