import Glibc
@testable import HaloSystem
import HaloTesting
import Testing

@Suite("BlockDevice: direct reads of block devices only")
struct BlockDeviceTests {
    @Test func aRegularFile_isNotABlockDevice() throws {
        let directory = TemporaryDirectory()
        try FileSystem.writeAtomically(directory.file("file"), [UInt8](repeating: 0, count: 8192))
        #expect(throws: Errno.notBlockDevice) { _ = try BlockDevice.read(directory.file("file"), offset: 0, length: 4096) }
        #expect(throws: Errno.noSuchFile) { _ = try BlockDevice.read(directory.file("missing"), offset: 0, length: 4096) }
    }

    static var hasUnboundLoopDevice: Bool {
        (try? FileSystem.info("/dev/loop7"))?.type == .blockDevice
            && (try? BlockDevice.read("/dev/loop7", offset: 0, length: 4096)) != nil
    }

    @Test(.enabled(if: hasUnboundLoopDevice, "needs a readable /dev/loop7 (an unbound loop device)"))
    func anUnboundLoopDevice_readsAsEmpty_andReportsItsNumber() throws {
        // An unbound loop device has size 0: the read ends at once, and the node's facts come back.
        let (read, bytes) = try BlockDevice.read("/dev/loop7", offset: 0, length: 4096)
        #expect(read.deviceMajor == 7 && read.deviceMinor == 7)
        #expect(bytes.count == 0 || bytes.count == 4096)
    }
}

@Suite("BoundedReader: reads in a child that is given up at the deadline")
struct BoundedReaderTests {
    /// The real reading child: the built halo-agent, as `halo-bounded-read`.
    static let haloAgent = BoundedReader.builtHaloAgent

    @Test func aFile_isReadThroughTheChild_withItsFacts() throws {
        let directory = TemporaryDirectory()
        let content = Array("the first bytes\n".utf8) + [UInt8](repeating: 0xa5, count: 5000)
        try FileSystem.writeAtomically(directory.file("image"), content)
        let (info, bytes) = try Self.haloAgent.read(directory.file("image"), length: 4096, mode: .cached, deadline: .after(.seconds(20)))
        #expect(bytes == Array(content.prefix(4096)))
        #expect(info.type == .regular)
        #expect(info.size == Int64(content.count))
    }

    @Test func theChildsErrno_comesBackAsARefusal() {
        let directory = TemporaryDirectory()
        #expect(throws: ReadFailure.refused(.noSuchFile)) {
            _ = try Self.haloAgent.read(directory.file("missing"), length: 4096, mode: .direct, deadline: .after(.seconds(20)))
        }
        try? FileSystem.writeAtomically(directory.file("file"), [UInt8](repeating: 0, count: 4096))
        #expect(throws: ReadFailure.refused(.notBlockDevice)) {
            _ = try Self.haloAgent.read(directory.file("file"), length: 4096, mode: .direct, deadline: .after(.seconds(20)))
        }
    }

    /// A reader that never answers within the deadline: the read must come back as no answer.
    /// Were the deadline not passed on to the child (the bound removed), the reader would end
    /// after 30 s without a word, and the read would be a `readerFailed`, not `noAnswer`.
    @Test func aReaderThatDoesNotAnswer_isGivenUpAtTheDeadline() {
        let silent = BoundedReader(program: Command("/bin/sh", ["-c", "exec sleep 30", "reader"]))
        do {
            _ = try silent.read("/dev/null", length: 4096, mode: .cached, deadline: .after(.milliseconds(800)))
            Issue.record("a reader that never answered gave an answer")
        } catch {
            guard case .noAnswer(let waited) = error else {
                Issue.record("expected no answer, got \(error)")
                return
            }
            #expect(waited > .zero)
            #expect(error.sentence(reading: "/dev/x").hasPrefix("/dev/x did not answer a read within "))
        }
    }

    /// The real child, stuck in the kernel as a read of a hung device would be: opening a FIFO
    /// nobody writes to blocks in `open(2)`. The read comes back as no answer.
    @Test func theRealChild_stuckInTheKernel_isGivenUp() throws {
        let directory = TemporaryDirectory()
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        do {
            _ = try Self.haloAgent.read(directory.file("fifo"), length: 4096, mode: .direct, deadline: .after(.milliseconds(800)))
            Issue.record("a read of a FIFO nobody writes to gave an answer")
        } catch {
            guard case .noAnswer = error else {
                Issue.record("expected no answer, got \(error)")
                return
            }
        }
    }

    @Test func noTimeLeft_isNoAnswer_withoutStartingAChild() {
        let never = BoundedReader(program: Command("/nonexistent/reader"))
        #expect(throws: ReadFailure.noAnswer(within: .zero)) {
            _ = try never.read("/dev/null", length: 4096, mode: .cached, deadline: .after(.zero))
        }
    }

    @Test func theAnswer_isParsedStrictly() throws {
        let ok = Array("ok \(0o100600) 0 0 5 0 5\n".utf8) + Array("hello".utf8)
        let (info, bytes) = try BoundedReader.parse(ok).get()
        #expect(info.type == .regular && info.permissions == 0o600 && info.size == 5)
        #expect(bytes == Array("hello".utf8))
        #expect(throws: ReadFailure.refused(.ioError)) { try BoundedReader.parse(Array("errno 5\n".utf8)).get() }
        for bad in ["", "ok 1 2 3\n", "ok \(0o100600) 0 0 5 0 9\nhello", "errno 0\n", "errno x\n", "something\n"] {
            #expect(throws: ReadFailure.self, "\(bad)") { try BoundedReader.parse(Array(bad.utf8)).get() }
            if case .failure(let failure) = BoundedReader.parse(Array(bad.utf8)), case .refused = failure {
                Issue.record("'\(bad)' parsed as a refusal")
            }
        }
    }
}
