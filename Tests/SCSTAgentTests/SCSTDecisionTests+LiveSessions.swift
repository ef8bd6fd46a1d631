import HaloISCSI
import HaloOCF
import Testing
@testable import SCSTAgent

/// A start on a running target with live sessions: the settings and what was observed → whether
/// the repair may run under the sessions (nil) or is refused with a reason that begins so.
typealias LiveSessionRow = DecisionRow<(settings: SCSTSettings, observation: SCSTObservation), String?>

/// Never a LUN taken away under a live session without saying so (issue 17, item 10), and the
/// target whose OutgoingUser iscsi-scstd dropped (item 6).
@Suite("ocf:halo:scst decisions: repairs under live sessions")
struct SCSTLiveSessionDecisionTests {
    static let lab = SCSTSettings.lab()
    static let acl = SCSTSettings.lab(initiators: ["iqn.2026-11.lab.test:ini"])
    static let inDefault = SessionState(initiator: "iqn.2026-11.lab.test:ini")
    static let inGroup = SessionState(initiator: "iqn.2026-11.lab.test:ini", group: "halo")
    static let tail = "under 1 live session (I/O errors): restart the resource (stop closes sessions first)"

    /// A row whose observation is `settings`' running target, changed by `change`.
    static func row(_ label: String, _ settings: SCSTSettings, _ change: (inout SCSTObservation) -> Void, refusal: String?,
                    location: SourceLocation = #_sourceLocation) -> LiveSessionRow {
        var observation = SCSTObservation.running(settings)
        change(&observation)
        return LiveSessionRow(label, (settings, observation), refusal, location: location)
    }

    static let rows: [LiveSessionRow] = [
        row("identity changed, a session on the default set", lab, {
            $0.device?.identity.usn = "b8fdbd32"
            $0.target?.sessions = [inDefault]
        }, refusal: "start would remove LUN 0 of the default set \(tail)"),
        row("identity changed, a session on the group", acl, {
            $0.device?.identity.product = "tampered"
            $0.target?.sessions = [inGroup]
        }, refusal: "start would remove LUN 0 of group halo \(tail)"),
        row("the device re-created (other backing)", lab, {
            $0.device?.filename = "/dev/vdc"
            $0.target?.sessions = [inDefault]
        }, refusal: "start would delete device disk1 \(tail)"),
        row("the LUN maps another device", lab, {
            $0.target?.defaultLUNs = [0: "null1"]
            $0.target?.sessions = [inDefault, SessionState(initiator: "iqn.2026-11.lab.test:other")]
        }, refusal: "start would remove LUN 0 of the default set under 2 live sessions"),
        row("the group of a configuration without ACL, bound to a session", lab, {
            $0.target?.groups["halo"] = GroupState(initiators: ["iqn.2026-11.lab.test:ini"], luns: [0: "disk1"])
            $0.target?.sessions = [inGroup]
        }, refusal: "start would delete initiator group halo \(tail)"),
        row("an ACL leak, a session bound to the default set that sees it", acl, {
            $0.target?.defaultLUNs = [0: "disk1"]
            $0.target?.sessions = [SessionState(initiator: "iqn.2026-11.lab.test:stranger")]
        }, refusal: "start would remove LUN 0 of the default set \(tail)"),
        row("an ACL leak, the only session in the group: it keeps its LUN", acl, {
            $0.target?.defaultLUNs = [0: "disk1"]
            $0.target?.sessions = [inGroup]
        }, refusal: nil),
        row("a portal too many: no LUN moves", lab, {
            $0.target?.allowedPortals.append("10.0.0.1")
            $0.target?.sessions = [inDefault]
        }, refusal: nil),
        row("a CHAP account not configured: no LUN moves", lab, {
            $0.target?.incomingUsers = [ChapAccountState(user: "old", secretMatches: false)]
            $0.target?.sessions = [inDefault]
        }, refusal: nil),
        row("an OutgoingUser iscsi-scstd dropped: the target must go", lab, {
            $0.target?.orphanedAccounts = ["OutgoingUser"]
            $0.target?.sessions = [inDefault]
        }, refusal: "start would delete the target \(tail)"),
        row("identity changed, no session", lab, { $0.device?.identity.usn = "b8fdbd32" }, refusal: nil),
    ]

    @Test(arguments: rows)
    func aRepairUnderLiveSessions(_ row: LiveSessionRow) {
        let (settings, observation) = row.input
        let steps = SCSTDecision.start(settings, observation, chap: .none, node: "node1")
        #expect(!steps.isEmpty, "there is something to repair", sourceLocation: row.location)
        let refusal = SCSTDecision.liveSessionRefusal(settings, observation, steps, chap: .none)
        switch (refusal, row.expected) {
        case (nil, nil):
            break
        case (.generic(let reason)?, let phrase?):
            #expect(reason.summary.hasPrefix(phrase), "\(reason.summary)", sourceLocation: row.location)
            #expect(reason.details["halo.sessions"]?.contains("iqn.2026-11.lab.test:") == true, sourceLocation: row.location)
            #expect(reason.details["halo.repair"]?.isEmpty == false, sourceLocation: row.location)
        default:
            Issue.record("refusal \(String(describing: refusal)), expected \(row.expected ?? "none")", sourceLocation: row.location)
        }
    }

    @Test func theRefusal_saysWhatItWouldRepair_inTheLog() {
        var observation = SCSTObservation.running(Self.acl)
        observation.device?.identity.product = "tampered"
        observation.target?.sessions = [Self.inGroup]
        let steps = SCSTDecision.start(Self.acl, observation, chap: .none, node: "node1")
        guard case .generic(let reason)? = SCSTDecision.liveSessionRefusal(Self.acl, observation, steps, chap: .none) else {
            Issue.record("not refused")
            return
        }
        #expect(reason.details["halo.repair"] == "the SCSI identity of disk1 changed (prod_id is 'tampered', not 'halo-lun'): multipath would see another disk")
        #expect(reason.details["halo.sessions"] == "iqn.2026-11.lab.test:ini")
        #expect(reason.summary.utf8.count <= ExitDecision.pacemakerReasonLimit, "Pacemaker keeps all of it")
    }

    /// A second OutgoingUser write leaves the file without an account (a real SCST, issue 17);
    /// nothing but deleting the target removes it. The depth-10 monitor says so; start (no
    /// session) deletes the target and builds it again, never writing a second OutgoingUser.
    @Test func anOrphanedOutgoingUser_failsTheDeepMonitor_andStartRecreatesTheTarget() {
        var observation = SCSTObservation.running(Self.lab)
        observation.target?.orphanedAccounts = ["OutgoingUser"]
        SCSTDecisionTests.check(SCSTDecision.monitor(Self.lab, observation, level: .basic), .code(0), "depth 0")
        SCSTDecisionTests.check(SCSTDecision.monitor(Self.lab, observation, level: .thorough, chap: .unreadable),
                                .failure(1, "OutgoingUser of iqn.2026-11.lab.test:tgt1 has no account behind it (iscsi-scstd dropped it): a restart re-creates the target"),
                                "depth 10")
        let steps = SCSTDecision.start(Self.lab, observation, chap: .init(incoming: "in", outgoing: "out"), node: "node1")
        #expect(steps.prefix(3) == [.disableTarget, .deleteTarget, .addTarget], "\(steps)")
        #expect(steps.filter { $0 == .addChapUser(outgoing: true) }.count == 1)
        #expect(!steps.contains(.deleteChapUser(outgoing: true, user: "out")))
        #expect(steps.suffix(2) == [.addLUN(group: nil, device: "disk1", lun: 0), .enableTarget])
        #expect(SCSTDecision.liveSessionRefusal(Self.lab, observation, steps, chap: .init(incoming: "in", outgoing: "out")) == nil)
    }
}
