import Glibc
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// reload-agent through the installed agent and the SCST model, with live sessions: what a
/// changed initiator list, CHAP file or portal list does to them, and that the target is never
/// disabled for it. The model rebinds a session when its initiator joins or leaves a group, as
/// SCST's source does (`SCSTModel.rebindSessions`; not captured).
extension SCSTAgentProcessTests {
    static let esx = "iqn.2026-11.lab.test:esx2"

    /// The writes the model received since `count` writes.
    func writes(_ bed: SCSTTestBed, since count: Int) throws -> [String] {
        Array(try bed.model.controlText("writes").split(separator: "\n").map(String.init).dropFirst(count))
    }

    /// The initiators with a session, once a forced close has taken effect (bounded).
    func sessions(_ bed: SCSTTestBed, settledWithout gone: String? = nil) -> [String] {
        let deadline = Deadline.after(.seconds(5))
        while let gone, bed.list("\(Self.targetPath)/sessions")?.contains(gone) == true, !deadline.hasPassed() {
            Pause.for(.milliseconds(20))
        }
        return (bed.list("\(Self.targetPath)/sessions") ?? []).sorted()
    }

    @Test func reload_addsAndRemovesInitiators_underLiveSessions_withoutDisablingTheTarget() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try login(bed)
        var count = try bed.model.writeCount()
        let added = try bed.run("reload-agent", bed.parameters(extra: ["initiators": "\(Self.client) \(Self.esx)"]))
        #expect(added.code == 0, "\(added.stderr)")
        let addWrites = try writes(bed, since: count)
        #expect(addWrites.count == 1 && addWrites.first?.hasPrefix("targets/iscsi/\(Self.target)/ini_groups/halo/initiators/mgmt\tadd \(Self.esx)") == true,
                "\(addWrites)")
        #expect(sessionLUNs(bed) == ["0"], "the live session keeps its LUN")
        try login(bed, Self.esx)
        #expect(sessionLUNs(bed, Self.esx) == ["0"])

        count = try bed.model.writeCount()
        let removed = try bed.run("reload-agent", bed.parameters(extra: ["initiators": Self.esx]))
        #expect(removed.code == 0, "\(removed.stderr)")
        #expect(try !writes(bed, since: count).contains { $0.contains("/enabled\t") }, "the target was never disabled")
        #expect(sessions(bed, settledWithout: Self.client) == [Self.esx], "the removed initiator's session was closed, the other kept")
        #expect(sessionLUNs(bed, Self.esx) == ["0"])
        #expect(throws: Errno.permissionDenied) { try login(bed) }
        #expect(removed.stderr.contains(Self.client), "the log names whose sessions were closed: \(removed.stderr)")
        #expect(try bed.run("monitor", bed.parameters(extra: ["initiators": Self.esx]), extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
    }

    /// Open access → an initiator list: the listed initiator's session is rebound to the new
    /// group and keeps its LUN; everyone else's session is closed; nobody else gets in.
    @Test func reload_fromOpenAccessToAList_keepsTheListedSession_andClosesTheOthers() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters(extra: ["initiators": ""])).code == 0)
        try login(bed)
        try login(bed, "iqn.2026-11.lab.test:stranger")
        let reload = try bed.run("reload-agent", bed.parameters())
        #expect(reload.code == 0, "\(reload.stderr)")
        #expect(sessions(bed, settledWithout: "iqn.2026-11.lab.test:stranger") == [Self.client])
        #expect(sessionLUNs(bed) == ["0"], "rebound to the group, where the LUN is")
        #expect(throws: Errno.permissionDenied) { try login(bed, "iqn.2026-11.lab.test:stranger") }
        #expect(try bed.run("monitor", bed.parameters(), extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
    }

    /// A CHAP secret rotated through a new file: the live session stays; the next login needs
    /// the new secret and the old one is refused. No secret in any output.
    @Test func reload_rotatesTheCHAPSecret_throughANewFile_andTheSessionStays() throws {
        let bed = try SCSTTestBed()
        let first = try bed.chapFile(outgoing: false)
        #expect(try bed.run("start", bed.parameters(extra: ["initiators": "\(Self.client) \(Self.esx)", "chap_file": first])).code == 0)
        try bed.model.control("sessions", "login \(Self.target) \(Self.client) 198.18.1.22 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        let rotated = "halo-CHAP-in-rotated-99"
        let second = bed.directory.file("chap.2")
        try FileSystem.writeAtomically(second, Array("incoming tgt-in \(rotated)\n".utf8), permissions: 0o600)
        let reload = try bed.run("reload-agent", bed.parameters(extra: ["initiators": "\(Self.client) \(Self.esx)", "chap_file": second]))
        #expect(reload.code == 0, "\(reload.stderr)")
        for secret in [rotated, SCSTTestBed.incomingSecret] {
            #expect(!reload.stdout.contains(secret) && !reload.stderr.contains(secret))
        }
        #expect(sessions(bed) == [Self.client], "the live session stays")
        #expect(throws: Errno.notPermitted, "the old secret is refused (the model's CHAP failure)") {
            try bed.model.control("sessions", "login \(Self.target) \(Self.esx) 198.18.1.23 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        }
        try bed.model.control("sessions", "login \(Self.target) \(Self.esx) 198.18.1.23 198.18.1.21 tgt-in \(rotated)")
        #expect(sessions(bed) == [Self.client, Self.esx].sorted())
    }

    /// A portal added and one removed in place: the session stays, a login through the new
    /// portal works, one through the removed portal is refused.
    @Test func reload_changesThePortals_inPlace() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try login(bed)
        let reload = try bed.run("reload-agent", bed.parameters(extra: ["allowed_portals": "198.18.1.21 198.18.2.21", "initiators": "\(Self.client) \(Self.esx)"]))
        #expect(reload.code == 0, "\(reload.stderr)")
        #expect(sessionLUNs(bed) == ["0"])
        try login(bed, Self.esx, portal: "198.18.2.21")
        #expect(throws: Errno.permissionDenied) { try login(bed, "iqn.2026-11.lab.test:third", portal: "198.19.100.50") }
    }

    /// Something reload cannot change (another backing store, changed by hand) is refused before
    /// any write, and the sessions are untouched.
    @Test func reload_refusesAChangeOfTheDisk_withoutWriting() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try login(bed)
        let count = try bed.model.writeCount()
        let reload = try bed.run("reload-agent", bed.parameters(extra: ["block_size": "4096"]))
        #expect(reload.code == 1)
        #expect(reload.reason?.hasSuffix("only a restart changes that, not a reload") == true, "\(reload.reason ?? "")")
        #expect(try bed.model.writeCount() == count)
        #expect(sessionLUNs(bed) == ["0"])
    }
}
