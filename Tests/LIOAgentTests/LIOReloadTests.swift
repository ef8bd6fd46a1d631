import HaloISCSI
import HaloOCF
import HaloSystem
import HaloTesting
import Logging
import Testing
@testable import LIOAgent

/// `reload-agent` of ocf:halo:lio on the captured target (Tests/Fixtures/lio-6.1, rebuilt as a
/// directory tree): the plan from what runs to the new reloadable settings, and its effects —
/// the TPG never disabled for a change that keeps the access mode, additions before removals,
/// and a failure half-way undoing what came before it.
@Suite("ocf:halo:lio reload-agent")
struct LIOReloadTests {
    static let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
    static let client = "iqn.2026-11.lab.test:client"
    static let second = "iqn.2026-11.lab.test:esx2"

    /// The lab settings with `change` applied, on the captured target's identity.
    static func settings(_ change: (inout LIOSettings) -> Void = { _ in }) -> LIOSettings {
        var settings = LIOSettings.lab()
        change(&settings)
        return settings
    }

    static func name(_ text: String) -> ISCSIName { try! ISCSIName.parse(text).get() }
    static func portal(_ text: String) -> PortalAddress { try! PortalAddress.parse(text).get() }

    static func plan(_ settings: LIOSettings, chap: ChapUsers = .none) throws -> LIOReloadPlan {
        try LIODecision.reload(settings, try LIOAgentTests.healthy(), chap: chap).get()
    }

    /// The captured target's state as a directory tree with halo's identity written in, and a
    /// view of it.
    static func tree() throws -> (TemporaryDirectory, LIOView) {
        let directory = TemporaryDirectory("halo-lio-reload")
        try LIOCaptureTree.write("configured", to: directory.path)
        let storage = "\(directory.path)\(LIOView.base)/core/iblock_0/drbd0"
        let identity = LIOSettings.lab().identity
        for (attribute, value) in [("wwn/vpd_unit_serial", "T10 VPD Unit Serial Number: \(identity.serial.text)"), ("wwn/vendor_id", identity.vendor.text),
                                   ("wwn/product_id", identity.product.text), ("wwn/revision", identity.revision.text)] {
            try FileSystem.writeAtomically("\(storage)/\(attribute)", Array("\(value)\n".utf8), permissions: 0o644)
        }
        return (directory, LIOView(root: directory.path))
    }

    @Test func anAddedInitiator_getsItsACL_besideTheLiveOne_withoutDisablingTheTPG() throws {
        let plan = try Self.plan(Self.settings { $0.initiators = [Self.name(Self.client), Self.name(Self.second)] })
        let acl = "\(Self.tpg)/acls/\(Self.second)"
        #expect(plan.steps.map(\.step) == [
            .makeDirectory(acl), .makeDirectory("\(acl)/lun_0"), .makeLink("\(acl)/lun_0/halo", target: "\(Self.tpg)/lun/lun_0"),
        ])
        #expect(!plan.cyclesTarget)
        #expect(plan.steps.allSatisfy { $0.undo != nil }, "every addition can be undone")
    }

    @Test func aRemovedInitiator_losesItsACL_last_andThatIsNotUndone() throws {
        let plan = try Self.plan(Self.settings { $0.initiators = [Self.name(Self.second)] })
        let old = "\(Self.tpg)/acls/\(Self.client)"
        #expect(plan.steps.map(\.step).suffix(3) == [
            .removeLink("\(old)/lun_0/e85ab7d285"), .removeDirectory("\(old)/lun_0"), .removeDirectory(old),
        ])
        #expect(plan.steps.first?.step == .makeDirectory("\(Self.tpg)/acls/\(Self.second)"), "the new ACL comes first")
        #expect(plan.steps.suffix(3).allSatisfy { $0.undo == nil }, "LIO closed the removed initiator's sessions: nothing puts them back")
        #expect(!plan.steps.map(\.step).contains { if case .write(let path, _) = $0 { path.hasSuffix("/enable") } else { false } })
    }

    @Test func portals_areAddedAndRemoved_inPlace_eachUndoable() throws {
        let plan = try Self.plan(Self.settings { $0.portals = [Self.portal("198.18.2.11"), Self.portal("[fd00::11]:3261")] })
        #expect(plan.steps == [
            LIOReloadStep(.makeDirectory("\(Self.tpg)/np/198.18.2.11:3260"), undo: [.removeDirectory("\(Self.tpg)/np/198.18.2.11:3260")]),
            LIOReloadStep(.makeDirectory("\(Self.tpg)/np/[fd00::11]:3261"), undo: [.removeDirectory("\(Self.tpg)/np/[fd00::11]:3261")]),
            LIOReloadStep(.removeDirectory("\(Self.tpg)/np/198.18.1.11:3260"), undo: [.makeDirectory("\(Self.tpg)/np/198.18.1.11:3260")]),
        ])
    }

    @Test func aSessionParameter_isWrittenInPlace_andItsOldValueIsTheUndo() throws {
        let observed = try LIOAgentTests.healthy()
        let settings = Self.settings { $0.sessionParameters = [try! SessionParameter.parse("MaxBurstLength=65536").get()] }
        let old = try LIOAgentTests.observe("configured", settings).target?.parameters["MaxBurstLength"]
        #expect(old != nil && old != "65536", "the capture has LIO's default")
        var withParameters = observed
        withParameters.target?.parameters["MaxBurstLength"] = old
        let plan = try LIODecision.reload(settings, withParameters, chap: .none).get()
        #expect(plan.steps == [LIOReloadStep(.write("\(Self.tpg)/param/MaxBurstLength", "65536"), undo: [.write("\(Self.tpg)/param/MaxBurstLength", old!)])])
    }

    /// CHAP turned on: every ACL has its user and secret before the TPG requires them; turned
    /// off: the TPG stops requiring them before the users go. No login in between is asked for
    /// what the target cannot check.
    @Test func chapOn_requiresItLast_chapOff_dropsTheRequirementFirst() throws {
        let acl = "\(Self.tpg)/acls/\(Self.client)"
        let on = try Self.plan(Self.settings(), chap: ChapUsers(incoming: "esx"))
        #expect(on.steps.map(\.step) == [
            .write("\(acl)/auth/userid", "esx"), .writeSecret("\(acl)/auth/password", outgoing: false),
            .write("\(Self.tpg)/attrib/authentication", "1"),
        ])
        #expect(on.steps[0].undo == [.write("\(acl)/auth/userid", "")])
        #expect(on.steps[1].undo == nil, "the old secret is not kept: nothing can write it back")
        var protected = try LIOAgentTests.healthy()
        protected.target?.requiresAuthentication = true
        protected.target?.acls[Self.client]?.authentication = ChapPair(incomingUser: "esx", incomingMatches: true)
        let off = try LIODecision.reload(Self.settings(), protected, chap: .none).get()
        #expect(off.steps.map(\.step) == [
            .write("\(Self.tpg)/attrib/authentication", "0"), .write("\(acl)/auth/userid", ""), .write("\(acl)/auth/password", ""),
        ])
    }

    @Test func aNewSecretForTheSameUser_isWrittenAlone() throws {
        var rotated = try LIOAgentTests.healthy()
        rotated.target?.requiresAuthentication = true
        rotated.target?.acls[Self.client]?.authentication = ChapPair(incomingUser: "esx", incomingMatches: false)
        let plan = try LIODecision.reload(Self.settings(), rotated, chap: ChapUsers(incoming: "esx")).get()
        #expect(plan.steps.map(\.step) == [.writeSecret("\(Self.tpg)/acls/\(Self.client)/auth/password", outgoing: false)])
    }

    /// Open access ↔ an initiator list: LIO keeps generated ACLs' sessions when
    /// generate_node_acls goes to 0, so the TPG is disabled around the change — the one reload
    /// that makes every initiator log in again; its undo re-enables the TPG.
    @Test func switchingToOpenAccess_cyclesTheTPG_withTheReEnableAsItsUndo() throws {
        let plan = try Self.plan(Self.settings { $0.initiators = nil })
        #expect(plan.cyclesTarget)
        #expect(plan.steps.first == LIOReloadStep(.write("\(Self.tpg)/enable", "0"), undo: [.write("\(Self.tpg)/enable", "1")]))
        #expect(plan.steps.last?.step == .write("\(Self.tpg)/enable", "1"))
        #expect(plan.steps.contains { $0.step == .write("\(Self.tpg)/attrib/generate_node_acls", "1") })
        #expect(!plan.steps.contains { if case .write(let path, _) = $0.step { path.hasPrefix("core/") } else { false } },
                "the storage object stays")
    }

    /// Open access → an initiator list: LIO keeps an ACL for every initiator it admitted on its
    /// own (invisible in configfs) and lets it in again after generate_node_acls goes to 0, even
    /// across a disable and enable (the VM lab, 2026-12-06) — so the TPG is removed and made
    /// again, and nothing of that is undone.
    @Test func switchingFromOpenAccessToAList_makesTheTPGAgain_soLIOForgetsWhomItAdmittedOnItsOwn() throws {
        var open = try LIOAgentTests.healthy()
        open.target?.generatesNodeACLs = true
        open.target?.acls = [:]
        let plan = try LIODecision.reload(Self.settings(), open, chap: .none).get()
        let steps = plan.steps.map(\.step)
        #expect(plan.cyclesTarget)
        #expect(plan.steps.allSatisfy { $0.undo == nil })
        #expect(steps.first == .write("\(Self.tpg)/enable", "0"))
        let removed = try #require(steps.firstIndex(of: .removeDirectory(Self.tpg)))
        let made = try #require(steps.firstIndex(of: .makeDirectory(Self.tpg)))
        #expect(removed < made)
        #expect(steps[made...].contains(.write("\(Self.tpg)/attrib/generate_node_acls", "0")))
        #expect(steps[made...].contains(.makeDirectory("\(Self.tpg)/acls/\(Self.client)")))
        #expect(steps.last == .write("\(Self.tpg)/enable", "1"))
        #expect(!steps.contains { if case .write(let path, _) = $0 { path.hasPrefix("core/") } else { false } },
                "the storage object stays")
        #expect(!steps.contains(.removeDirectory("iscsi/iqn.2026-11.lab.test:node1.drbd0")), "the target stays")
    }

    static let unreloadable: [(String, LIOSettings, String)] = [
        ("another backing store", settings { $0.backing = BackingPath(path: "/dev/drbd1") },
         "the storage object drbd0 uses /dev/drbd0, not /dev/drbd1: only a restart changes that, not a reload"),
        ("another serial", settings {
            $0.identity = SCSIIdentity.resolve(target: $0.target, lun: 0, overrides: SCSIIdentity.Overrides(
                serial: UnitSerial(text: "other"), vendor: InquiryText(text: "HALO"), product: InquiryText(text: "halo-lun"),
                revision: InquiryText(text: "0001")))
        }, "the SCSI identity of drbd0 differs"),
        ("another LUN number", settings { $0.lun = 1 }, "is not running here"),
        ("another block size", settings { $0.blockSize = 4096 }, "the block size of drbd0 is 512, not 4096"),
    ]

    @Test(arguments: unreloadable)
    func whatDefinesTheDisk_isNotReloaded(_ what: String, _ settings: LIOSettings, _ phrase: String) throws {
        let result = LIODecision.reload(settings, try LIOAgentTests.healthy(), chap: .none)
        guard case .failure(let failure) = result else {
            Issue.record("\(what): reloaded")
            return
        }
        #expect(failure.reason.summary.contains(phrase), "\(what): \(failure.reason.summary)")
        if case .generic = failure {} else { Issue.record("\(what): \(failure) is not a generic error (1)") }
    }

    @Test func aTargetThatDoesNotRun_isNotReloaded() throws {
        let result = LIODecision.reload(.lab(), try LIOAgentTests.observe("empty"), chap: .none)
        #expect(result.failure?.reason.summary == "iqn.2026-11.lab.test:node1.drbd0 is not running here: there is nothing to reload (start it)")
    }

    @Test func nothingChanged_isAnEmptyPlan() throws {
        #expect(try Self.plan(Self.settings()).steps.isEmpty)
    }

    /// The effects on the tree: the new initiator's ACL and the new portal are there, the live
    /// initiator's ACL and the TPG's enable untouched.
    @Test func theEffects_addAnInitiatorAndAPortal_toTheTree() throws {
        let (directory, view) = try Self.tree()
        defer { withExtendedLifetime(directory) {} }
        let settings = Self.settings {
            $0.initiators = [Self.name(Self.client), Self.name(Self.second)]
            $0.portals = [Self.portal("198.18.1.11"), Self.portal("198.18.2.11")]
        }
        let before = try view.observe(settings, depth: .full, credentials: nil)
        let plan = try LIODecision.reload(settings, before, chap: .none).get()
        try LIOEffects(kernel: view.kernel, logger: Logger(label: "test")).apply(plan, credentials: nil)
        let after = try view.observe(settings, depth: .full, credentials: nil)
        #expect(after.target?.acls[Self.second]?.mappedLUNs[0]?.tpgLUN == 0)
        #expect(after.target?.acls[Self.client] == before.target?.acls[Self.client])
        #expect(Set(after.target?.portals ?? []) == ["198.18.1.11:3260", "198.18.2.11:3260"])
        #expect(after.target?.isEnabled == true)
        #expect(try LIODecision.reload(settings, after, chap: .none).get().steps.isEmpty, "a second reload has nothing to do")
    }

    /// A step the kernel refuses half-way (here a session parameter whose attribute is missing):
    /// the portal added before it is removed again, the ACL after it never made, and the reason
    /// says what stopped it and what was undone.
    @Test func aRefusedStep_undoesTheOnesBeforeIt() throws {
        let (directory, view) = try Self.tree()
        defer { withExtendedLifetime(directory) {} }
        let parameter = "\(directory.path)\(LIOView.base)/\(Self.tpg)/param/MaxBurstLength"
        try FileSystem.remove(parameter)
        let settings = Self.settings {
            $0.initiators = [Self.name(Self.client), Self.name(Self.second)]
            $0.portals = [Self.portal("198.18.1.11"), Self.portal("198.18.2.11")]
            $0.sessionParameters = [try! SessionParameter.parse("MaxBurstLength=65536").get()]
        }
        let before = try view.observe(settings, depth: .full, credentials: nil)
        let plan = try LIODecision.reload(settings, before, chap: .none).get()
        #expect(plan.steps.map(\.step).prefix(2) == [.makeDirectory("\(Self.tpg)/np/198.18.2.11:3260"), .write("\(Self.tpg)/param/MaxBurstLength", "65536")])
        do {
            try LIOEffects(kernel: view.kernel, logger: Logger(label: "test")).apply(plan, credentials: nil)
            Issue.record("the reload went through")
        } catch {
            #expect(error.stopped == .write("\(Self.tpg)/param/MaxBurstLength", "65536"))
            #expect(error.undone == 1)
            let failure = LIODecision.reloadFailure(error, settings)
            #expect(failure.reason.summary.hasPrefix("reload stopped: write 65536 to \(Self.tpg)/param/MaxBurstLength failed"), "\(failure.reason.summary)")
            #expect(failure.reason.summary.hasSuffix("; the 1 change before it undone"), "\(failure.reason.summary)")
        }
        let after = try view.observe(settings, depth: .full, credentials: nil)
        #expect(after.target?.portals == before.target?.portals, "the added portal was removed again")
        #expect(after.target?.acls[Self.second] == nil, "the ACL after the refused step was never made")
    }

    /// The metadata says which parameters reload: exactly the ones the plan applies in place.
    @Test func theReloadableParameters_areThePortalsTheACLCHAPAndSessionParameters() throws {
        let reloadable = LIOParameters.specs.filter(\.isReloadable).map(\.name)
        #expect(Set(reloadable) == ["allowed_portals", "initiators", "chap_file", "session_parameters"])
        #expect(AgentRunner.actionDeclarations(LIOAgent.self).contains { $0.action == .reloadAgent })
        #expect(AgentRunner.metadata(LIOAgent.self).contains(#"<parameter name="initiators" required="0" reloadable="1">"#))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
