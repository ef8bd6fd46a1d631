import Glibc
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// Live sessions through the installed agent and the SCST model: who may log in at all, and a
/// start that must not take a LUN away under a session.
extension SCSTAgentProcessTests {
    static let client = "iqn.2026-11.lab.test:client"

    func login(_ bed: SCSTTestBed, _ initiator: String = SCSTAgentProcessTests.client, portal: String = "198.18.1.21") throws {
        try bed.model.control("sessions", "login \(Self.target) \(initiator) 198.18.1.22 \(portal)")
    }

    /// The LUNs a session sees (its `luns` directory, without `mgmt`).
    func sessionLUNs(_ bed: SCSTTestBed, _ initiator: String = SCSTAgentProcessTests.client) -> [String]? {
        bed.list("\(Self.targetPath)/sessions/\(initiator)/luns")?.filter { $0 != "mgmt" }
    }

    /// With an ACL the default LUN set is empty, and iscsi-scstd admits an initiator only to a
    /// target where it has a LUN: one outside the group cannot log in at all (a real initiator
    /// gets a login failure, iscsiadm exit 19) and is not shown the target by discovery.
    @Test func anInitiatorOutsideTheACL_cannotLogIn_norDiscoverTheTarget() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try login(bed)
        #expect(sessionLUNs(bed) == ["0"])
        #expect(try FileSystem.linkTarget("\(bed.model.sysfs)/\(Self.targetPath)/sessions/\(Self.client)/luns/0/device")
                == "../../../../../../../devices/lun1")
        #expect(throws: Errno.permissionDenied) { try login(bed, "iqn.2026-11.lab.test:intruder") }
        #expect(bed.list("\(Self.targetPath)/sessions") == [Self.client])
        // A portal that is not allowed refuses the login altogether, for anyone.
        #expect(throws: Errno.permissionDenied) { try login(bed, "iqn.2026-11.lab.test:other", portal: "10.9.9.9") }
        try bed.model.control("discovery", "\(Self.client) 198.18.1.21")
        #expect(try bed.model.controlText("discovery") == "\(Self.target)\n")
        try bed.model.control("discovery", "iqn.2026-11.lab.test:intruder 198.18.1.21")
        #expect(try bed.model.controlText("discovery") == "")
        // Without an ACL every initiator that reaches an allowed portal logs in and sees the LUN.
        let open = try SCSTTestBed()
        #expect(try open.run("start", open.parameters(extra: ["initiators": ""])).code == 0)
        try login(open, "iqn.2026-11.lab.test:anyone")
        #expect(sessionLUNs(open, "iqn.2026-11.lab.test:anyone") == ["0"])
    }

    /// A start that finds a running target to repair (here a changed identity, which takes the
    /// LUN off its LUN set while it is set) does not do it under a live session: the session
    /// would lose its LUN (on a real initiator "Logical unit not supported", EIO, capacity 0
    /// until a rescan). It refuses, says what the repair would do to whom, and writes nothing; a
    /// restart (stop closes the sessions first) repairs it.
    @Test func aRepairThatWouldRemoveTheLUN_underALiveSession_isRefused_andARestartDoesIt() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("start", parameters).code == 0)
        let expected = Self.snapshot(bed)
        try login(bed)
        bed.write("devices/lun1/prod_id", "tampered")
        let before = try bed.model.writeCount()
        let start = try bed.run("start", parameters)
        #expect(start.code == 1)
        #expect(start.reason == "start would remove LUN 0 of group halo under 1 live session (I/O errors): restart the resource (stop closes sessions first)",
                "\(start.reason ?? "")")
        // What it would repair, and whose sessions, are in the log.
        #expect(start.stderr.contains("prod_id is 'tampered', not 'halo-lun'"), "\(start.stderr)")
        #expect(start.stderr.contains(Self.client), "\(start.stderr)")
        #expect(try bed.model.writeCount() == before, "nothing was written")
        #expect(sessionLUNs(bed) == ["0"], "the session keeps its LUN")
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 1, "the drift is still reported")
        #expect(try bed.run("stop", parameters).code == 0)
        #expect(try bed.run("start", parameters).code == 0)
        #expect(Self.snapshot(bed) == expected)
        // Repairs that leave the LUN where it is go ahead under a session (SCST keeps sessions
        // over a disable).
        try login(bed)
        bed.write("targets/iscsi/mgmt", "add_target_attribute \(Self.target) allowed_portal 10.0.0.1")
        #expect(try bed.run("start", parameters).code == 0)
        #expect(Self.snapshot(bed) == expected)
        #expect(sessionLUNs(bed) == ["0"])
    }

    /// A second OutgoingUser write makes iscsi-scstd drop its outgoing account and keep the
    /// attribute file, which then fails every read with EINVAL and can only go with the target.
    /// The depth-10 monitor says so; start re-creates the target (without sessions), and the
    /// account is right again.
    @Test func aBrokenOutgoingUser_isReported_andStartRecreatesTheTarget() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(extra: ["chap_file": try bed.chapFile()])
        #expect(try bed.run("start", parameters).code == 0)
        #expect(bed.write("targets/iscsi/mgmt", "add_target_attribute \(Self.target) OutgoingUser someone-else other-secret-123") == .exists)
        #expect(bed.read("\(Self.targetPath)/OutgoingUser") == nil, "unreadable")
        let monitor = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"])
        #expect(monitor.code == 1)
        #expect(monitor.reason?.contains("OutgoingUser") == true, "\(monitor.reason ?? "")")
        let start = try bed.run("start", parameters)
        #expect(start.code == 0, "\(start.reason ?? "")")
        #expect(bed.read("\(Self.targetPath)/OutgoingUser") == "tgt-out \(SCSTTestBed.outgoingSecret)\n[key]\n\n")
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
        let writes = try bed.model.controlText("writes")
        #expect(!writes.contains("OutgoingUser tgt-out <secret>\tEEXIST"), "the agent never writes a second OutgoingUser")
    }
}
