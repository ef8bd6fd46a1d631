import HaloSystem
import HaloTesting
import Testing

@Suite("KernelAttributes: sysfs/procfs reads and writes with the kernel's errno")
struct KernelAttributesTests {
    let live = KernelAttributes()

    @Test func aRealProcfsAttribute_isRead() throws {
        let value = try live.readValue("/proc/self/oom_score_adj")
        #expect(Int(value) != nil)
    }

    @Test func theKernelsRejection_isReturnedAsItsErrno() throws {
        // The store function of oom_score_adj rejects garbage and out-of-range values with
        // EINVAL, and changes nothing.
        let before = try live.readValue("/proc/self/oom_score_adj")
        #expect(throws: Errno.invalidArgument) { try live.write("/proc/self/oom_score_adj", line: "abc") }
        #expect(throws: Errno.invalidArgument) { try live.write("/proc/self/oom_score_adj", line: "5000") }
        #expect(try live.readValue("/proc/self/oom_score_adj") == before)
    }

    @Test func aValidWrite_reachesTheKernel() throws {
        let before = try live.readValue("/proc/self/oom_score_adj")
        try live.write("/proc/self/oom_score_adj", line: before)
        #expect(try live.readValue("/proc/self/oom_score_adj") == before)
    }

    @Test func aMissingObject_isENOENT() {
        #expect(throws: Errno.noSuchFile) { try live.read("/sys/kernel/halo-no-such-attribute") }
        #expect(throws: Errno.noSuchFile) { try live.write("/sys/kernel/halo-no-such-attribute", line: "x") }
    }

    @Test func aFixtureRoot_standsForSlash() throws {
        let root = TemporaryDirectory()
        try FileSystem.makeDirectories(root.file("sys/kernel/scst_tgt"))
        try FileSystem.writeAtomically(root.file("sys/kernel/scst_tgt/version"), Array("3.11\n".utf8))
        let attributes = KernelAttributes(root: root.path)
        #expect(try attributes.readValue("/sys/kernel/scst_tgt/version") == "3.11")
        #expect(try attributes.list("/sys/kernel/scst_tgt") == ["version"])
        #expect(attributes.exists("/sys/kernel/scst_tgt/version"))
        #expect(!attributes.exists("/sys/kernel/scst_tgt/handlers"))
        try attributes.write("/sys/kernel/scst_tgt/version", line: "add_target x")
        #expect(try attributes.read("/sys/kernel/scst_tgt/version") == "add_target x\n")
    }

    @Test func withoutNewline_theLineIsWrittenAlone() throws {
        // For store functions that keep a trailing newline as part of the value (LIO's
        // auth/userid and auth/password on Linux 6.1).
        let root = TemporaryDirectory()
        try FileSystem.writeAtomically(root.file("userid"), [])
        try FileSystem.writeAtomically(root.file("password"), [])
        let attributes = KernelAttributes(root: root.path)
        try attributes.write("/userid", line: "lab-in", newline: false)
        #expect(try attributes.read("/userid") == "lab-in")
        let secret = try Secret(capacity: 6) { (buffer) throws(Errno) -> Int in
            buffer.copyBytes(from: Array("s3cr3t".utf8)); return 6
        }
        try attributes.write("/password", prefix: "", secret: secret, newline: false)
        #expect(try attributes.read("/password") == "s3cr3t")
        try attributes.write("/password", prefix: "", secret: secret)
        #expect(try attributes.read("/password") == "s3cr3t\n")
    }

    @Test func aValueWithANewline_neverReachesTheFile() async {
        // An embedded newline would be a second management command: the wrapper traps.
        await #expect(processExitsWith: .failure) {
            let root = TemporaryDirectory()
            try? FileSystem.writeAtomically(root.file("mgmt"), [])
            try? KernelAttributes(root: root.path).write("/mgmt", line: "add_target a\ndel_target b")
        }
    }
}
