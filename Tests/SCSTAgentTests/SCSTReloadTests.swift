import HaloISCSI
import HaloOCF
import Testing
@testable import SCSTAgent

/// `reload-agent` of ocf:halo:scst, as plans from a running target (`SCSTObservation.running`)
/// to changed reloadable settings: never a disable, the LUN in its new set before it leaves the
/// old one, a removed initiator's sessions closed last.
@Suite("ocf:halo:scst reload-agent: the plans")
struct SCSTReloadTests {
    static let ini = "iqn.2026-11.lab.test:ini"
    static let esx = "iqn.2026-11.lab.test:esx2"
    static let acl = SCSTSettings.lab(initiators: [ini])

    static func plan(_ settings: SCSTSettings, from observation: SCSTObservation, chap: ChapUsers = .none) throws -> SCSTReloadPlan {
        try SCSTDecision.reload(settings, observation, chap: chap, node: "node1").get()
    }

    static func hasDisable(_ plan: SCSTReloadPlan) -> Bool {
        plan.steps.contains { $0.step == .disableTarget || $0.step == .enableTarget }
    }

    @Test func anAddedInitiator_joinsTheGroup_undoably() throws {
        var running = SCSTObservation.running(Self.acl)
        running.target?.sessions = [SessionState(initiator: Self.ini, group: "halo")]
        let plan = try Self.plan(.lab(initiators: [Self.ini, Self.esx]), from: running)
        #expect(plan.steps == [SCSTReloadStep(.addInitiator(group: "halo", initiator: Self.esx), undo: [.deleteInitiator(group: "halo", initiator: Self.esx)])])
        #expect(!Self.hasDisable(plan) && !plan.cyclesTarget)
    }

    /// SCST rebinds a removed initiator's session to the default set, which holds none of this
    /// resource's LUNs: it is closed, after every addition, and neither is undone.
    @Test func aRemovedInitiator_leavesTheGroup_andItsSessionIsClosed_last() throws {
        var running = SCSTObservation.running(.lab(initiators: [Self.ini, Self.esx]))
        running.target?.sessions = [SessionState(initiator: Self.ini, group: "halo"), SessionState(initiator: Self.esx, group: "halo")]
        let plan = try Self.plan(.lab(initiators: [Self.esx]), from: running)
        #expect(plan.steps == [
            SCSTReloadStep(.deleteInitiator(group: "halo", initiator: Self.ini), undo: nil),
            SCSTReloadStep(.closeSession(initiator: Self.ini), undo: nil),
        ])
    }

    @Test func portals_andSessionParameters_changeInPlace_withTheObservedValueAsUndo() throws {
        var running = SCSTObservation.running(Self.acl)
        running.target?.parameters["MaxBurstLength"] = "1048576"
        var settings = Self.acl
        settings.portals = [try PortalAddress.parse("198.18.2.21").get()]
        settings.sessionParameters = [try SessionParameter.parse("MaxBurstLength=65536").get()]
        let plan = try Self.plan(settings, from: running)
        #expect(plan.steps == [
            SCSTReloadStep(.setTargetAttribute(attribute: "MaxBurstLength", value: "65536"),
                           undo: [.setTargetAttribute(attribute: "MaxBurstLength", value: "1048576")]),
            SCSTReloadStep(.addAllowedPortal("198.18.2.21"), undo: [.deleteAllowedPortal("198.18.2.21")]),
            SCSTReloadStep(.deleteAllowedPortal("198.18.1.21"), undo: [.addAllowedPortal("198.18.1.21")]),
        ])
    }

    /// A rotated secret: the old account goes before the new one is added (iscsi-scstd refuses a
    /// second account with a user it has); the new one's undo deletes it, the old one has none.
    @Test func aRotatedSecret_replacesTheAccount() throws {
        var running = SCSTObservation.running(Self.acl)
        running.target?.incomingUsers = [ChapAccountState(user: "esx", secretMatches: false)]
        let plan = try Self.plan(Self.acl, from: running, chap: ChapUsers(incoming: "esx"))
        #expect(plan.steps == [
            SCSTReloadStep(.deleteChapUser(outgoing: false, user: "esx"), undo: nil),
            SCSTReloadStep(.addChapUser(outgoing: false), undo: [.deleteChapUser(outgoing: false, user: "esx")]),
        ])
    }

    /// Open access → a list: the group with the LUN and the listed initiators first (their
    /// sessions are rebound to it and keep the LUN), then the LUN leaves the default set and the
    /// sessions of everyone else are closed.
    @Test func fromOpenAccess_toAList_theGroupComesFirst() throws {
        var running = SCSTObservation.running(.lab())
        running.target?.sessions = [SessionState(initiator: Self.ini), SessionState(initiator: "iqn.2026-11.lab.test:stranger")]
        let plan = try Self.plan(Self.acl, from: running)
        #expect(plan.steps.map(\.step) == [
            .createGroup("halo"), .addLUN(group: "halo", device: "disk1", lun: 0), .addInitiator(group: "halo", initiator: Self.ini),
            .deleteLUN(group: nil, lun: 0), .closeSession(initiator: "iqn.2026-11.lab.test:stranger"),
        ])
        #expect(plan.steps.prefix(3).allSatisfy { $0.undo != nil })
        #expect(!Self.hasDisable(plan))
    }

    /// A list → open access: the LUN into the default set first; deleting the group rebinds its
    /// sessions there, where the LUN already is. No session is closed.
    @Test func fromAList_toOpenAccess_theDefaultSetComesFirst() throws {
        var running = SCSTObservation.running(Self.acl)
        running.target?.sessions = [SessionState(initiator: Self.ini, group: "halo")]
        let plan = try Self.plan(.lab(), from: running)
        #expect(plan.steps == [
            SCSTReloadStep(.addLUN(group: nil, device: "disk1", lun: 0), undo: [.deleteLUN(group: nil, lun: 0)]),
            SCSTReloadStep(.deleteGroup("halo"), undo: nil),
        ])
    }

    static let refused: [(String, SCSTObservation, String)] = {
        var otherBacking = SCSTObservation.running(acl)
        otherBacking.device?.filename = "/dev/vdc"
        var otherIdentity = SCSTObservation.running(acl)
        otherIdentity.device?.identity.usn = "b8fdbd32"
        var otherID = SCSTObservation.running(acl)
        otherID.target?.relativeID += 1
        var orphan = SCSTObservation.running(acl)
        orphan.target?.orphanedAccounts = ["OutgoingUser"]
        var leak = SCSTObservation.running(acl)
        leak.target?.groups["halo"]?.luns = [:]
        leak.target?.defaultLUNs = [0: "disk1"]
        var stopped = SCSTObservation.running(acl)
        stopped.target = nil
        var daemonGone = SCSTObservation.running(acl)
        daemonGone.iscsi?.isDaemonConnected = false
        return [
            ("another backing store", otherBacking, "the device disk1 differs (backing /dev/vdc): only a restart changes that, not a reload"),
            ("another identity", otherIdentity, "the device disk1 or its identity differs from the configuration"),
            ("another relative target id", otherID, "the relative target id of iqn.2026-11.lab.test:tgt1 is"),
            ("a CHAP account iscsi-scstd lost", orphan, "iscsi-scstd lost the CHAP account behind OutgoingUser"),
            ("the LUN outside its group", leak, "the LUNs of iqn.2026-11.lab.test:tgt1 are not where its access mode has them"),
            ("no target", stopped, "is not running here: there is nothing to reload (start it)"),
            ("iscsi-scstd gone", daemonGone, "is not running here"),
        ]
    }()

    @Test(arguments: refused)
    func whatIsNotReloadable_isRefused_beforeAnyWrite(_ what: String, _ observation: SCSTObservation, _ phrase: String) {
        guard case .failure(let failure) = SCSTDecision.reload(Self.acl, observation, chap: .none, node: "node1") else {
            Issue.record("\(what): planned")
            return
        }
        #expect(failure.reason.summary.contains(phrase), "\(what): \(failure.reason.summary)")
    }

    @Test func nothingChanged_isAnEmptyPlan() throws {
        #expect(try Self.plan(Self.acl, from: .running(Self.acl)).steps.isEmpty)
        #expect(try Self.plan(.lab(), from: .running(.lab())).steps.isEmpty)
    }

    @Test func theReloadableParameters_areThePortalsTheACLCHAPAndSessionParameters() {
        let reloadable = SCSTParameters.specs.filter(\.isReloadable).map(\.name)
        #expect(Set(reloadable) == ["allowed_portals", "initiators", "chap_file", "session_parameters"])
        #expect(AgentRunner.actionDeclarations(SCSTAgent.self).contains { $0.action == .reloadAgent })
    }
}
