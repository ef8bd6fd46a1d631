import Glibc
import HaloSystem
import HaloTesting
import Testing

/// The verifying writer as e2e/run uses it: `write` on a device (here a regular file, read and
/// written with O_DIRECT like a disk), then `verify` reads every acknowledged block back.
@Suite("halo-writer write, then verify")
struct WriterProcessTests {
    let writer = BuildProducts.executable("halo-writer")

    /// A 64-block "disk" written for half a second under `tag`.
    func writtenDisk(_ directory: TemporaryDirectory, tag: String) throws -> (disk: String, log: String) {
        let disk = directory.file("disk"), log = directory.file("writer.log")
        let fd = open(disk, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 64 * 4096) == 0)
        close(fd)
        let write = try ProcessRunner().run(
            Command(writer, ["write", disk, log, "--tag", tag, "--blocks", "64", "--seconds", "0.5"]), deadline: .after(.seconds(30)))
        #expect(write.exitStatus == 0, "write: \(write.errorText)")
        return (disk, log)
    }

    func verify(_ disk: String, _ log: String, tag: String) throws -> (status: Int32?, json: String) {
        let result = try ProcessRunner().run(Command(writer, ["verify", disk, log, "--tag", tag]), deadline: .after(.seconds(30)))
        return (result.exitStatus, result.outputText)
    }

    @Test func verify_withTheWritersTag_findsEveryBlockIntact() throws {
        let directory = TemporaryDirectory("halo-writer")
        let (disk, log) = try writtenDisk(directory, tag: "LUN1")
        let (status, json) = try verify(disk, log, tag: "LUN1")
        #expect(status == 0, "\(json)")
        #expect(json.contains("\"lost\": 0,") && json.contains("\"corrupt\": 0,") && json.contains("\"unreadable\": 0,"))
        #expect(json.contains("\"wrongTag\": 0,"), "\(json)")
    }

    /// Another LUN's blocks (intact, checksummed, but written under another tag) are not this
    /// LUN's writes: a target that serves the wrong backing device must fail the verify.
    @Test func verify_withAnotherTag_countsEveryBlockAsWrongTagAndFails() throws {
        let directory = TemporaryDirectory("halo-writer")
        let (disk, log) = try writtenDisk(directory, tag: "LUN1")
        let (status, json) = try verify(disk, log, tag: "LUN2")
        #expect(status == 1, "\(json)")
        let checked = json.firstMatch(of: /"blocksChecked": (\d+)/).map { Int($0.1) ?? -1 } ?? -1
        #expect(checked > 0)
        #expect(json.contains("\"wrongTag\": \(checked),"), "\(json)")
    }

    /// A verify without a tag would check nothing it could name: refused as a usage error.
    @Test func verify_withoutATag_isAUsageError() throws {
        let directory = TemporaryDirectory("halo-writer")
        let (disk, log) = try writtenDisk(directory, tag: "LUN1")
        let result = try ProcessRunner().run(Command(writer, ["verify", disk, log]), deadline: .after(.seconds(30)))
        #expect(result.exitStatus == 2, "\(result.outputText)")
    }
}
