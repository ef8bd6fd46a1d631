import HaloSystem
import HaloTesting
import Testing

@Suite("FileLock and StateDirectory")
struct FileLockTests {
    @Test func aHeldLock_makesASecondTakerWaitUntilItsDeadline() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("mgmt.lock")
        let first = try FileLock.acquire(path: path, deadline: .after(.seconds(1)))
        let start = ContinuousClock.now
        #expect(throws: LockError.timedOut(path: path)) {
            _ = try FileLock.acquire(path: path, deadline: .after(.milliseconds(150)))
        }
        #expect(start.duration(to: .now) >= .milliseconds(150))
        _ = consume first
        let again = try FileLock.acquire(path: path, deadline: .after(.milliseconds(50)))
        _ = consume again
    }

    @Test func aLockHeldByAnotherProcess_isSeen() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other.lock")
        // flock(1) from util-linux holds the lock in another process for a while.
        let holder = try ProcessRunner().run(
            Command("/bin/sh", ["-c", "flock \(path) sleep 1 & sleep 0.3; echo held"]), deadline: .after(.seconds(5)))
        #expect(holder.outputText == "held\n")
        #expect(throws: LockError.timedOut(path: path)) {
            _ = try FileLock.acquire(path: path, deadline: .after(.milliseconds(100)))
        }
    }

    @Test func stateFiles_areWrittenAtomically_readAndRemoved() throws {
        let directory = TemporaryDirectory()
        let state = StateDirectory(path: directory.file("halo-test/nested"))
        #expect(try state.read("score") == nil)
        try state.write("score", Array("10000\n".utf8))
        #expect(try state.read("score") == Array("10000\n".utf8))
        #expect(try FileSystem.info(state.path).permissions == 0o700)
        #expect(try FileSystem.info(state.path("score")).permissions == 0o600)
        try state.remove("score")
        try state.remove("score")
        #expect(try state.read("score") == nil)
        #expect(try FileSystem.directoryEntries(state.path).isEmpty)
    }

    @Test func instanceNames_becomePlainStateFileNames() throws {
        #expect(PlainName.of("drbd-lun1") == "drbd-lun1")
        #expect(PlainName.of("drbd-lun1:0") == "drbd-lun1_0")
        #expect(PlainName.of("../a/b\nc") == ".._a_b_c")
        let directory = TemporaryDirectory()
        let state = StateDirectory(path: directory.file("state"))
        try state.write("score-" + PlainName.of("x/../y:1"), [1])
        #expect(try FileSystem.directoryEntries(state.path) == ["score-x_.._y_1"])
    }
}
