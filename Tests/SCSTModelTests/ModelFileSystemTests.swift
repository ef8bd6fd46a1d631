import Glibc
import HaloSystem
import HaloTesting
import Testing

/// The model served over FUSE answers real system calls the way sysfs does.
@Suite("halo-scst-model: the model as a file system",
       .enabled(if: SCSTModelProcess.isAvailable, "the SCST model needs root and /dev/fuse"), .serialized)
struct ModelFileSystemTests {
    func startModel() throws -> SCSTModelProcess {
        try SCSTModelProcess(options: ["--virtual-block-device", "/dev/vdb=268435456"])
    }

    func write(_ path: String, _ text: String) -> Errno? {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return Errno(rawValue: errno) }
        defer { close(fd) }
        let bytes = Array((text + "\n").utf8)
        return Glibc.write(fd, bytes, bytes.count) == bytes.count ? nil : Errno(rawValue: errno)
    }

    @Test func filesRefuseWhatSysfsRefuses() throws {
        let model = try startModel()
        let root = model.sysfs
        #expect(write("\(root)/handlers/vdisk_nullio/mgmt", "add_device n1 size_mb=8") == nil)
        #expect(throws: Errno.permissionDenied) { try FileSystem.readBytes("\(root)/devices/n1/dump_prs") }
        #expect(write("\(root)/devices/n1/type", "0") == .permissionDenied, "no store function: not even root may write")
        #expect(open("\(root)/devices/n1/new_attribute", O_WRONLY | O_CREAT, 0o644) == -1 && errno == EACCES)
        #expect(mkdir("\(root)/devices/x", 0o755) == -1 && errno == EPERM)
        #expect(unlink("\(root)/devices/n1/usn") == -1 && errno == EPERM)
        #expect(write("\(root)/devices/nosuch/usn", "x") == .noSuchFile)
        #expect(write("\(root)/targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:t1") == nil)
        #expect(write("\(root)/targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:t1") == .exists)
        #expect(try FileSystem.linkTarget("\(root)/devices/n1/handler") == "../../handlers/vdisk_nullio")
        #expect(try FileSystem.resolvedPath("\(root)/handlers/vdisk_nullio/n1") == "\(root)/devices/n1")
    }

    @Test func lastResult_answersEAGAINThroughRead2_whileAQueuedCommandRuns() throws {
        let model = try startModel()
        try model.control("eagain", "writes 1 300")
        #expect(write("\(model.sysfs)/handlers/vdisk_nullio/mgmt", "add_device n1 size_mb=8") == .tryAgain)
        #expect(throws: Errno.tryAgain) { try FileSystem.readBytes("\(model.sysfs)/last_sysfs_mgmt_res") }
        Pause.for(.milliseconds(350))
        #expect(try FileSystem.readBytes("\(model.sysfs)/last_sysfs_mgmt_res") == Array("0\n".utf8))
        #expect((try? FileSystem.info("\(model.sysfs)/devices/n1"))?.type == .directory)
    }

    @Test func theDaemonsDeath_takesTheTargetDirectoriesAway_atOnce() throws {
        let model = try startModel()
        #expect(write("\(model.sysfs)/targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:t1") == nil)
        #expect((try? FileSystem.info("\(model.sysfs)/targets/iscsi/iqn.2026-11.lab.test:t1"))?.type == .directory)
        try model.control("daemon", "kill")
        #expect(throws: Errno.noSuchFile) { try FileSystem.info("\(model.sysfs)/targets/iscsi/iqn.2026-11.lab.test:t1") }
        #expect(try FileSystem.readBytes("\(model.sysfs)/targets/iscsi/open_state") == Array("closed\n".utf8))
        #expect(write("\(model.sysfs)/targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:t1") == .notPermitted)
    }

    @Test func aProgramRunUnderThePrefix_seesTheModelAsSysKernelScstTgt() throws {
        let model = try startModel()
        let result = try ProcessRunner().run(Command(model.prefix[0], Array(model.prefix.dropFirst()) + ["/bin/cat", "/sys/kernel/scst_tgt/targets/iscsi/open_state"]),
                                             deadline: .after(.seconds(10)))
        #expect(result.outputText == "open\n", "\(result.errorText)")
        #expect((try? FileSystem.info("/sys/kernel/scst_tgt")) == nil, "the host's own /sys/kernel is untouched")
    }
}
