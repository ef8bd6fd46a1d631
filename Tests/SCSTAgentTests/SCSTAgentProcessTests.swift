import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// ocf:halo:scst as Pacemaker runs it — the installed binary, unchanged, in a mount namespace
/// where the SCST model is /sys/kernel/scst_tgt.
@Suite("ocf:halo:scst against the SCST model", .enabled(if: SCSTTestBed.isAvailable, "the SCST model needs root and /dev/fuse"),
       .serialized)
struct SCSTAgentProcessTests {
    static let target = "iqn.2026-11.lab.test:lun1"
    static let targetPath = "targets/iscsi/iqn.2026-11.lab.test:lun1"

    /// What a started resource looks like in the model, for comparing two ways of getting there.
    static func snapshot(_ bed: SCSTTestBed) -> [String] {
        let t = targetPath
        var lines = ["devices: \(bed.list("devices") ?? [])", "driver enabled: \(bed.value("targets/iscsi/enabled") ?? "?")"]
        lines += bed.identity("lun1").sorted { $0.key < $1.key }.map { "lun1 \($0.key)=\($0.value)" }
        for attribute in ["filename", "write_through", "nv_cache", "blocksize"] {
            lines.append("lun1 \(attribute)=\(bed.value("devices/lun1/\(attribute)") ?? "?")")
        }
        lines.append("target entries: \((bed.list(t) ?? []).filter { $0.hasPrefix("allowed_portal") || $0.hasSuffix("User") })")
        lines += ["enabled", "rel_tgt_id", "allowed_portal", "allowed_portal1", "IncomingUser", "OutgoingUser"].map { "\($0)=\(bed.value("\(t)/\($0)") ?? "-")" }
        lines.append("groups: \(bed.list("\(t)/ini_groups") ?? [])")
        lines.append("initiators: \(bed.list("\(t)/ini_groups/halo/initiators") ?? [])")
        lines.append("group luns: \(bed.list("\(t)/ini_groups/halo/luns") ?? []) → \(bed.value("\(t)/ini_groups/halo/luns/0/device") ?? "-")")
        lines.append("default luns: \(bed.list("\(t)/luns") ?? [])")
        return lines
    }

    @Test func theConformanceRunner_passes() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        func with(_ name: String, _ value: String) -> [String: String] { parameters.merging([name: value]) { $1 } }
        let report = ConformanceRunner().run(bed.underTest(parameters, invalid: [
            InvalidParameters("an IQN with a space", with("iqn", "iqn.2026-11.lab.test:a b")),
            InvalidParameters("an IQN in upper case", with("iqn", "iqn.2026-11.lab.test:LUN1")),
            InvalidParameters("a device name with a newline", with("device_name", "lun1\ndel_device x")),
            InvalidParameters("a backing path with ';'", with("backing", "/dev/a;nv_cache=1")),
            InvalidParameters("a portal with a port", with("allowed_portals", "198.18.1.21:3261")),
            InvalidParameters("an initiator that is no iSCSI name", with("initiators", "client")),
            InvalidParameters("a relative target id out of range", with("relative_target_id", "node1=0")),
            InvalidParameters("a serial with a space", with("serial", "a b")),
        ]))
        #expect(report.passed, "\(report.rendered)")
        #expect(report.results.filter { $0.status == .passed }.count > 60)
    }

    @Test(.enabled(if: RealOCFTester().isAvailable, "ocf-tester (resource-agents) is not installed"))
    func theRealOCFTester_passes() throws {
        let tester = RealOCFTester()
        let bed = try SCSTTestBed()
        let outcome = try tester.run(bed.underTest(bed.parameters()))
        #expect(outcome.passed, "\(outcome.output)")
    }

    @Test func startStopAndMonitor_areIdempotent() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("monitor", parameters).code == 7)
        #expect(try bed.run("stop", parameters).code == 0, "stopping a stopped resource succeeds")
        #expect(try bed.model.writeCount() == 0, "and writes nothing")
        #expect(try bed.run("start", parameters).code == 0)
        let afterStart = try bed.model.writeCount()
        #expect(afterStart > 10)
        #expect(try bed.run("start", parameters).code == 0)
        #expect(try bed.model.writeCount() == afterStart, "a second start writes nothing")
        for level in ["0", "10", "20"] {
            #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": level]).code == 0, "level \(level)")
        }
        #expect(try bed.run("stop", parameters).code == 0)
        #expect(try bed.run("stop", parameters).code == 0)
        #expect(try bed.run("monitor", parameters).code == 7)
        #expect(bed.list("devices") == ["1:0:0:0"])
        #expect(bed.list("targets/iscsi")?.contains(Self.target) == false)
    }

    /// Stop with parameters that no longer validate (after an upgrade that checks more
    /// strictly, say): what the resource owns is still named by its IQN, device name, LUN and
    /// serial, so it is removed; when those do not validate, the stop fails instead of claiming
    /// a target stopped that still runs.
    @Test func stopWithParametersThatDoNotValidate_removesWhatTheyStillName_orFails() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(lun: 3)
        #expect(try bed.run("start", parameters).code == 0)
        #expect(bed.list("devices")?.count == 3, "the device, its LUN-0 placeholder and the model's CD-ROM")
        let unnamed = try bed.run("stop", parameters.merging(["iqn": "iqn.2026-11.lab.test:LUN1", "write_cache": "bogus"]) { $1 })
        #expect(unnamed.code == 1)
        #expect(unnamed.reason?.hasPrefix("cannot stop: without a valid iqn, device_name, lun or serial, what to stop cannot be told") == true,
                "\(unnamed.reason ?? "")")
        #expect(bed.list("targets/iscsi")?.contains(Self.target) == true, "nothing was touched")
        let stop = try bed.run("stop", parameters.merging(["write_cache": "bogus", "backing": "relative/path"]) { $1 })
        #expect(stop.code == 0, "\(stop.stderr)")
        #expect(bed.list("devices") == ["1:0:0:0"], "the device and the placeholder are gone")
        #expect(bed.list("targets/iscsi")?.contains(Self.target) == false)
    }

    @Test func start_convergesFromEveryHalfConfiguredState() throws {
        let clean = try SCSTTestBed()
        var parameters = clean.parameters(extra: ["chap_file": try clean.chapFile()])
        #expect(try clean.run("start", parameters).code == 0)
        let expected = Self.snapshot(clean)
        let writes = try clean.model.controlText("writes").split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(writes.count >= 15)
        for count in 0..<writes.count {
            let bed = try SCSTTestBed()
            parameters["backing"] = bed.backing
            parameters["chap_file"] = try bed.chapFile()
            for write in writes.prefix(count) {
                // Recorded with the secret replaced: a half-done CHAP step leaves a wrong secret behind.
                let command = write[1].replacing(clean.backing, with: bed.backing)
                bed.write(write[0], command)
            }
            let start = try bed.run("start", parameters)
            #expect(start.code == 0, "after \(count) of \(writes.count) writes: \(start.stderr)")
            #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 0, "after \(count) writes")
            let snapshot = Self.snapshot(bed).map { $0.replacing(bed.backing, with: clean.backing) }
            #expect(snapshot == expected, "after \(count) of \(writes.count) writes")
            try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        }
    }

    @Test func start_repairsWhatIsWrongInAnExistingTarget() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("start", parameters).code == 0)
        let expected = Self.snapshot(bed)
        let t = Self.targetPath
        // An ACL bypass, a stranger in the group, a portal too many, a changed identity.
        bed.write("\(t)/luns/mgmt", "add lun1 0")
        bed.write("\(t)/ini_groups/halo/initiators/mgmt", "add iqn.2026-11.lab.test:stranger")
        bed.write("targets/iscsi/mgmt", "add_target_attribute \(Self.target) allowed_portal 10.0.0.1")
        bed.write("devices/lun1/prod_id", "tampered")
        let monitor = try bed.run("monitor", parameters)
        #expect(monitor.code == 1)
        #expect(monitor.reason?.contains("default LUN set") == true, "\(monitor.reason ?? "")")
        #expect(try bed.run("start", parameters).code == 0)
        #expect(Self.snapshot(bed) == expected)
        // A device that was created differently is re-created (its LUNs go with it).
        bed.write("\(t)/enabled", "0")
        bed.write("handlers/vdisk_fileio/mgmt", "del_device lun1")
        bed.write("handlers/vdisk_fileio/mgmt", "add_device lun1 filename=\(bed.backing); write_through=0")
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 1)
        #expect(try bed.run("start", parameters).code == 0)
        #expect(Self.snapshot(bed) == expected)
    }

    @Test func twoNodes_presentTheSameIdentity_andTheirOwnRelativeTargetIDs() throws {
        let first = try SCSTTestBed(node: "node1")
        let second = try SCSTTestBed(node: "node2")
        for bed in [first, second] {
            let parameters = bed.parameters(extra: ["handler": "vdisk_fileio", "relative_target_id": "node1=11 node2=12"])
            #expect(try bed.run("start", parameters).code == 0)
        }
        // Different device creation orders must not matter: the second node had another device first.
        #expect(first.identity("lun1") == second.identity("lun1"))
        #expect(first.identity("lun1")["naa_id"]?.hasPrefix("0x6001405") == true)
        #expect(first.value("\(Self.targetPath)/rel_tgt_id") == "11")
        #expect(second.value("\(Self.targetPath)/rel_tgt_id") == "12")
    }

    @Test func theIdentity_doesNotDependOnWhatElseTheNodeHas() throws {
        let bed = try SCSTTestBed()
        bed.write("setup_id", "0x4242")
        bed.write("handlers/vdisk_nullio/mgmt", "add_device other size_mb=1")
        #expect(try bed.run("start", bed.parameters()).code == 0)
        let clean = try SCSTTestBed()
        #expect(try clean.run("start", clean.parameters()).code == 0)
        #expect(bed.identity("lun1") == clean.identity("lun1"))
    }

    @Test func iscsiScstdsDeath_isReportedClearly_andStopStillCleansUp() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("start", parameters).code == 0)
        try bed.model.control("daemon", "kill")
        for probe in [false, true] {
            let monitor = try bed.run("monitor", parameters, extra: probe ? ["OCF_RESKEY_CRM_meta_interval": "0"] : [:])
            #expect(monitor.code == 1, "a dead daemon is a failure, not a clean stop (probe: \(probe))")
            #expect(monitor.reason?.hasPrefix("iscsi-scstd is not connected: its exit deleted every iSCSI target") == true, "\(monitor.reason ?? "")")
        }
        let start = try bed.run("start", parameters)
        #expect(start.code == 1)
        #expect(start.reason?.hasPrefix("iscsi-scstd is not running") == true)
        #expect(try bed.run("stop", parameters).code == 0)
        #expect(bed.list("devices") == ["1:0:0:0"], "the device the daemon left behind is removed")
        #expect(try bed.run("monitor", parameters).code == 7)
        try bed.model.control("daemon", "start")
        #expect(try bed.run("start", parameters).code == 0)
        #expect(bed.value("targets/iscsi/enabled") == "1", "start enables the driver again")
    }

    @Test func underEAGAIN_startWaitsForEachResult_andSucceeds() throws {
        let bed = try SCSTTestBed()
        try bed.model.control("eagain", "writes 1000 40")
        let started = ContinuousClock.now
        let start = try bed.run("start", bed.parameters())
        #expect(start.code == 0, "\(start.stderr)")
        #expect(started.duration(to: .now) > .milliseconds(200), "it waited for each queued command")
        #expect(try bed.model.controlText("writes").contains("EAGAIN"))
        #expect(try bed.run("monitor", bed.parameters(), extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
        #expect(try bed.run("stop", bed.parameters()).code == 0)
        #expect(bed.list("devices") == ["1:0:0:0"])
    }

    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func underEAGAIN_aRefusedCommandFailsStart_withItsOwnErrno() throws {
        let bed = try SCSTTestBed()
        let loop = try LoopDevice(bed.backing)
        bed.write("handlers/vdisk_blockio/mgmt", "add_device squatter filename=\(loop.path)")
        try bed.model.control("eagain", "writes 1000 20")
        let start = try bed.run("start", bed.parameters(extra: ["handler": "vdisk_blockio", "backing": loop.path]))
        #expect(start.code == 1)
        #expect(start.reason?.contains("is in use (another SCST device or an exclusive opener holds it)") == true, "\(start.reason ?? "")")
        #expect(start.stderr.contains("halo.errno=EBUSY"))
    }

    @Test func injectionAttempts_areRefusedBeforeAnyWrite() throws {
        let bed = try SCSTTestBed()
        let attempts: [(String, String)] = [
            ("iqn", "iqn.2026-11.lab.test:lun1\ndel_target iqn.2026-11.lab.test:other"),
            ("iqn", "iqn.2026-11.lab.test:lun1 extra"),
            ("device_name", "lun1\nadd_device evil filename=/etc/shadow"),
            ("device_name", "lun 1"),
            ("backing", "/tmp/x; nv_cache=1"),
            ("backing", "/tmp/x\n"),
            ("initiators", "iqn.2026-11.lab.test:client\nclear"),
            ("initiators", "*"),
            ("initiator_group", "halo\ndel other"),
            ("allowed_portals", "198.18.1.21\n10.0.0.1"),
            ("serial", "abc\ndef"),
            ("vendor", "HALO\nX"),
            ("session_parameters", "QueuedCommands=32\nMaxSessions=1"),
            ("session_parameters", "QueuedCommands=32 32"),
            ("relative_target_id", "node1=1\nnode2=2"),
        ]
        for (name, value) in attempts {
            for action in ["start", "validate-all", "monitor"] {
                let result = try bed.run(action, bed.parameters(extra: [name: value]))
                #expect(result.code == 6, "\(action) with \(name)=\(value.debugDescription)")
            }
        }
        let writes = try bed.model.controlText("writes")
        #expect(writes.isEmpty, "no write reached SCST: \(writes)")
    }

    @Test func stop_closesTheSessions_andLeavesEverythingElse() throws {
        let bed = try SCSTTestBed()
        // Someone else's target and device on the same node.
        bed.write("handlers/vdisk_nullio/mgmt", "add_device theirs size_mb=1")
        bed.write("targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:theirs")
        bed.write("targets/iscsi/iqn.2026-11.lab.test:theirs/luns/mgmt", "add theirs 0")
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21")
        #expect(try bed.run("stop", bed.parameters()).code == 0)
        #expect(bed.list("targets/iscsi")?.contains(Self.target) == false)
        #expect(bed.list("devices") == ["1:0:0:0", "theirs"])
        #expect(bed.list("targets/iscsi/iqn.2026-11.lab.test:theirs/luns") == ["0", "mgmt"])
        #expect(bed.value("targets/iscsi/enabled") == "1", "the driver stays enabled for the other targets")
        let writes = try bed.model.controlText("writes")
        #expect(writes.contains("\(Self.targetPath)/sessions/iqn.2026-11.lab.test:client/force_close\t1\tOK"))
    }

    @Test func stop_fails_whenTheSessionsHangOn() throws {
        let bed = try SCSTTestBed()
        #expect(try bed.run("start", bed.parameters()).code == 0)
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21")
        try bed.model.control("sessions", "hang 1")
        let started = ContinuousClock.now
        let stop = try bed.run("stop", bed.parameters(), extra: ["OCF_RESKEY_CRM_meta_timeout": "5000"])
        #expect(stop.code == 1)
        #expect(stop.reason?.contains("still has sessions after force_close") == true, "\(stop.reason ?? "")")
        #expect(started.duration(to: .now) < .seconds(5), "bounded by the stop timeout")
        #expect(bed.value("\(Self.targetPath)/enabled") == "0", "no new login meanwhile")
    }

    @Test func aLUNOtherThanZero_getsAPlaceholderAtLUNZero() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(lun: 5)
        #expect(try bed.run("start", parameters).code == 0)
        #expect(bed.list("\(Self.targetPath)/ini_groups/halo/luns") == ["0", "5", "mgmt"])
        let placeholder = try #require(bed.list("devices")?.first { $0.hasPrefix("halo-lun0-") })
        #expect(bed.value("devices/\(placeholder)/dummy") == "1")
        #expect(try bed.run("monitor", parameters).code == 0)
        #expect(try bed.run("stop", parameters).code == 0)
        #expect(bed.list("devices") == ["1:0:0:0"])
    }

    @Test func aRelativeTargetIDAnotherTargetUses_isRefusedBeforeAnyWrite() throws {
        let bed = try SCSTTestBed()
        bed.write("targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:theirs")
        bed.write("targets/iscsi/iqn.2026-11.lab.test:theirs/rel_tgt_id", "7")
        let before = try bed.model.writeCount()
        let start = try bed.run("start", bed.parameters(extra: ["relative_target_id": "node1=7 node2=8"]))
        #expect(start.code == 2)
        #expect(start.reason == "relative target id 7 is used by target iqn.2026-11.lab.test:theirs on this node: give each target its own")
        #expect(try bed.model.writeCount() == before)
        let unknown = try bed.run("start", bed.parameters(extra: ["relative_target_id": "node2=8"]))
        #expect(unknown.code == 2)
        #expect(unknown.reason == "relative_target_id gives no id for node node1")
    }

    @Test func theDeepMonitor_readsTheBackingStore() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("start", parameters).code == 0)
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "20"]).code == 0)
        // The backing store is still there for depth 10, but a read of it fails: only depth 20 reads.
        #expect(unlink(bed.backing) == 0 && mkdir(bed.backing, 0o700) == 0)
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
        let deep = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "20"])
        #expect(deep.code == 1)
        #expect(deep.reason == "reading a block of \(bed.backing) failed: EISDIR (Is a directory)", "\(deep.reason ?? "")")
        #expect(rmdir(bed.backing) == 0)
        let gone = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"])
        #expect(gone.code == 1)
        #expect(gone.reason?.contains("is gone (ENOENT)") == true, "\(gone.reason ?? "")")
        #expect(try bed.run("monitor", parameters).code == 0, "depth 0 only looks at SCST")
    }

    /// A backing store whose reads never return (here a FIFO nobody writes to: the reading
    /// child blocks in the kernel, as on a suspended DRBD device): the deep monitor answers
    /// within its timeout, with a reason naming the store — it does not hang with the read.
    @Test func theDeepMonitor_answersInTime_whenTheBackingStoreDoesNotAnswer() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters()
        #expect(try bed.run("start", parameters).code == 0)
        #expect(unlink(bed.backing) == 0 && mkfifo(bed.backing, 0o600) == 0)
        let deep = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "20", "OCF_RESKEY_CRM_meta_timeout": "3000",
                                                              "OCF_RESKEY_CRM_meta_interval": "60000"])
        #expect(deep.code == 1, "\(deep.stderr)")
        #expect(deep.reason?.hasPrefix("reading a block of \(bed.backing) failed: no answer within ") == true, "\(deep.reason ?? "")")
        #expect(deep.reason?.hasSuffix(" s: its I/O hangs") == true, "\(deep.reason ?? "")")
        let probe = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "20", "OCF_RESKEY_CRM_meta_timeout": "3000",
                                                               "OCF_RESKEY_CRM_meta_interval": "0"])
        #expect(probe.code == 1, "a probe reports the hang too, and never 6")
    }
}
