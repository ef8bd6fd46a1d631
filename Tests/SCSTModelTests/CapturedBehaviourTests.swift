import HaloSCSTModel
import HaloSystem
import HaloTesting
import Testing

/// The model replays what a real SCST 3.11 target did (Tests/Fixtures/scst-3.11): each captured
/// management write gets the captured errno and leaves the captured `last_sysfs_mgmt_res`, and
/// the tree afterwards is the captured tree.
@Suite("The SCST model against captures of a real SCST 3.11 target")
struct CapturedBehaviourTests {
    @Test func everyCapturedWrite_getsTheCapturedErrno_andLastResult() throws {
        var replay = ModelReplay(daemonConnected: false)
        let mismatches = try replay.replayUpToTheACL()
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(try CapturedWrite.lines("06-error-cases.txt").count > 40, "the replay covers the error cases")
    }

    @Test func withEveryWriteAnsweringEAGAIN_eachCommandStillRuns_andLastResultTellsItsOutcome() throws {
        var replay = ModelReplay()
        try replay.model.control("eagain", "writes 1000 0", now: replay.now).get()
        let mismatches = try replay.replay("20-debug-sysfs-eagain-build.txt")
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(replay.model.list(["devices"]) == ["1:0:0:0", "disk1"])
        #expect(replay.model.list(["targets", "iscsi", ModelReplay.target, "luns"]) == ["0", "mgmt"])
    }

    @Test func whileAQueuedCommandRuns_lastResultAnswersEAGAIN_untilItIsDone() throws {
        var replay = ModelReplay()
        try replay.model.control("eagain", "writes 1 50", now: replay.now).get()
        #expect(replay.write("handlers/vdisk_nullio/mgmt", "add_device n1 size_mb=8") == .failure(.tryAgain))
        #expect(replay.read("last_sysfs_mgmt_res") == .failure(.tryAgain))
        replay.advance(.milliseconds(49))
        #expect(replay.read("last_sysfs_mgmt_res") == .failure(.tryAgain))
        replay.advance(.milliseconds(1))
        #expect(replay.read("last_sysfs_mgmt_res") == .success("0\n"))
        // A parse error in the writer's context never answers EAGAIN and leaves the result alone.
        try replay.model.control("eagain", "writes 1 50", now: replay.now).get()
        #expect(replay.write("targets/iscsi/enabled", "2") == .failure(.invalidArgument))
        #expect(replay.read("last_sysfs_mgmt_res") == .success("0\n"))
    }

    @Test func readsOfAttributesServedByQueuedWork_failWithEAGAIN_whileForced() throws {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        try replay.model.control("eagain", "reads 3", now: replay.now).get()
        #expect(replay.read("devices/disk1/filename") == .failure(.tryAgain))
        #expect(replay.read("devices/disk1/usn") == .success("b8fdbd32\n"), "a plain attribute is not queued work")
        #expect(replay.read("devices/disk1/filename") == .failure(.tryAgain))
        #expect(replay.read("devices/disk1/filename") == .failure(.tryAgain))
        #expect(replay.read("devices/disk1/filename") == .success("/dev/vdb\n[key]\n\n"))
    }

    @Test func theDaemonsExit_dropsEveryISCSITarget_andKeepsTheDevices() throws {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        replay.login()
        replay.model.killDaemon()
        #expect(replay.model.list(["targets", "iscsi"]) == ["mgmt", "open_state", "trace_level", "version"])
        #expect(replay.read("targets/iscsi/open_state") == .success("closed\n"))
        #expect(replay.model.list(["devices"]) == ["1:0:0:0", "disk1", "null1"])
        #expect(replay.model.list(["devices", "disk1", "exported"]) == ["export0"], "only the copy manager's export is left")
        #expect(replay.write("targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:tgt2") == .failure(.notPermitted))
        replay.model.connectDaemon()
        #expect(replay.read("targets/iscsi/enabled") == .success("0\n\n"), "every daemon start leaves the driver disabled")
        #expect(replay.model.list(["targets", "iscsi"])?.contains(ModelReplay.target) == false, "nothing comes back by itself")
    }

    @Test func enablingATargetWhoseRelativeIDAnotherUses_isRefusedWithEBADSLT_beforeAnythingIsQueued() throws {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        replay.write("targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:tgt2")
        #expect(replay.write("targets/iscsi/iqn.2026-11.lab.test:tgt2/rel_tgt_id", "1") == .success(2), "a disabled target may take it")
        replay.write("handlers/vdisk_nullio/mgmt", "foo")
        #expect(replay.lastResult() == "-22")
        #expect(replay.write("targets/iscsi/iqn.2026-11.lab.test:tgt2/enabled", "1") == .failure(.invalidSlot))
        #expect(replay.lastResult() == "-22", "refused in the writer's context")
        #expect(replay.read("targets/iscsi/iqn.2026-11.lab.test:tgt2/enabled") == .success("0\n"))
        #expect(replay.write("targets/iscsi/\(ModelReplay.target)/rel_tgt_id", "0") == .failure(.invalidArgument),
                "0 only on a disabled target")
    }

    @Test func aNewDeviceWhoseGeneratedSerialIsTaken_isRefusedWithEEXIST() throws {
        var replay = ModelReplay()
        replay.write("handlers/vdisk_nullio/mgmt", "add_device a size_mb=1")
        replay.write("handlers/vdisk_nullio/mgmt", "add_device c size_mb=1")
        let cSerial = try replay.read("devices/c/usn").get().split(separator: "\n").first.map(String.init) ?? ""
        replay.write("handlers/vdisk_nullio/mgmt", "del_device c")
        replay.write("devices/a/usn", cSerial)
        #expect(replay.write("handlers/vdisk_nullio/mgmt", "add_device c size_mb=1") == .failure(.exists))
    }

    @Test func identityAttributes_showTheKeyMark_onceSet_andKeepTheirLimits() throws {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        #expect(replay.read("devices/disk1/prod_id") == .success("disk1\n"))
        #expect(replay.write("devices/disk1/prod_id", "halo-lun") == .success(9))
        #expect(replay.read("devices/disk1/prod_id") == .success("halo-lun\n[key]\n"))
        #expect(replay.write("devices/disk1/prod_id", "seventeen-chars-x") == .failure(.invalidArgument))
        #expect(replay.write("devices/disk1/t10_vend_id", "NINECHARS") == .failure(.invalidArgument))
        #expect(replay.write("devices/disk1/usn", String(repeating: "a", count: 21)) == .failure(.invalidArgument))
        #expect(replay.write("devices/disk1/t10_dev_id", String(repeating: "a", count: 25)) == .success(26))
        #expect(replay.write("devices/disk1/naa_id", "0x6001405abcdef0123456789000000000") == .success(35))
        #expect(replay.read("devices/disk1/naa_id") == .success("0x6001405abcdef0123456789000000000\n[key]\n"))
        #expect(replay.write("devices/disk1/naa_id", "7001405abcdef0123456789000000000") == .failure(.invalidArgument))
        #expect(replay.read("devices/disk1/vend_specific_id") == .success("b8fdbd32-disk1\n"), "a new t10_dev_id leaves it alone")
    }

    @Test func aMgmtFile_readsAsItsUsage() throws {
        var replay = ModelReplay()
        let usage = try replay.read("handlers/vdisk_blockio/mgmt").get()
        #expect(usage.hasPrefix("Usage: echo \"add_device device_name [parameters]\" >mgmt"))
        #expect(usage.contains("filename, numa_node_id, nv_cache"))
    }
}
