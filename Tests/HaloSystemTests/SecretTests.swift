import Glibc
import HaloSystem
import HaloTesting
import Testing

@Suite("Secret and SecretFile: key bytes in one locked owner, facts from the open descriptor")
struct SecretTests {
    @Test func aSecret_holdsExactlyItsBytes_andIsLockedInMemory_asRoot() throws {
        let secret = try Secret(copying: Array("s3cret\n".utf8))
        let (count, bytes, isLocked) = (secret.count, secret.withUnsafeBytes { Array($0) }, secret.isLocked)
        #expect(count == 7)
        #expect(bytes == Array("s3cret\n".utf8))
        if CurrentProcess.isRoot { #expect(isLocked) }
    }

    @Test func aFill_thatThrows_leavesNoSecret() {
        #expect(throws: Errno.ioError) {
            _ = try Secret(capacity: 16) { _ throws(Errno) in throw .ioError }
        }
    }

    @Test func aKeyFile_isReadWhole_andItsFactsDescribeTheOpenFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("key")
        try FileSystem.writeAtomically(path, Array("passphrase".utf8), permissions: 0o400)
        let file = try SecretFile(opening: path)
        // Replacing the path after the open changes nothing about what is checked and read.
        try FileSystem.writeAtomically(path, Array("other".utf8), permissions: 0o644)
        let info = file.info
        #expect(info.type == .regular)
        #expect(info.permissions == 0o400)
        #expect(info.size == 10)
        let key = try file.read(limit: 1024)
        let bytes = key.withUnsafeBytes { Array($0) }
        #expect(bytes == Array("passphrase".utf8))
    }

    @Test func aKeyFile_largerThanTheLimit_isRefused_notCut() throws {
        let directory = TemporaryDirectory()
        try FileSystem.writeAtomically(directory.file("big"), [UInt8](repeating: 65, count: 100))
        let file = try SecretFile(opening: directory.file("big"))
        #expect(throws: Errno.outOfRange) { _ = try file.read(limit: 99) }
        let whole = try file.read(limit: 100).count
        #expect(whole == 100)
    }

    @Test func aDirectory_opens_andSaysSo_aMissingFile_isENOENT_aFIFO_doesNotBlock() throws {
        let directory = TemporaryDirectory()
        let directoryType = try SecretFile(opening: directory.path).info.type
        #expect(directoryType == .directory)
        #expect(throws: Errno.noSuchFile) { _ = try SecretFile(opening: directory.file("missing")) }
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        let fifoType = try SecretFile(opening: directory.file("fifo")).info.type
        #expect(fifoType == .fifo)
    }
}

@Suite("ProcessSet: ending processes we did not start, through pidfds", .serialized)
struct ProcessSetTests {
    @Test func terminate_endsAProcessWithSIGTERM_withinTheGrace() throws {
        let pid = try spawnBackground("/bin/sleep", ["sleep", "60"])
        defer { reapChild(pid) }
        var set = ProcessSet(pids: [pid])
        let start = ContinuousClock.now
        #expect(set.terminate(grace: .seconds(5), deadline: .after(.seconds(10))).isEmpty)
        #expect(start.duration(to: .now) < .seconds(4))
    }

    @Test func terminate_killsAProcessThatIgnoresSIGTERM_afterTheGrace() throws {
        let pid = try spawnBackground("/bin/sh", ["sh", "-c", "trap '' TERM; exec sleep 60"])
        defer { reapChild(pid) }
        Pause.for(.milliseconds(200))  // let the shell install its trap before the signal comes
        var set = ProcessSet(pids: [pid])
        let start = ContinuousClock.now
        #expect(set.terminate(grace: .milliseconds(500), deadline: .after(.seconds(10))).isEmpty)
        #expect(start.duration(to: .now) >= .milliseconds(500))
        #expect(reapChild(pid) == SIGKILL)
    }

    @Test func aPidThatIsGone_isLeftOut() throws {
        let pid = try spawnBackground("/bin/true", ["true"])
        reapChild(pid)
        let set = ProcessSet(pids: [pid])
        let pids = set.pids
        #expect(pids.isEmpty)
    }
}
