import HaloSystem
import HaloTesting
import Testing

@Suite("FileSystem: stat facts, links and errno")
struct FileSystemTests {
    @Test func fileFacts_comeFromStat() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("key")
        try FileSystem.writeAtomically(path, Array("secret".utf8), permissions: 0o640)
        let info = try FileSystem.info(path)
        #expect(info.type == .regular)
        #expect(info.permissions == 0o640)
        #expect(info.size == 6)
        #expect(try FileSystem.info(directory.path).type == .directory)
        #expect(try FileSystem.info("/dev/null").type == .characterDevice)
        #expect(try FileSystem.info("/dev/null").deviceMajor == 1)
        #expect(try FileSystem.info("/dev/null").deviceMinor == 3)
    }

    @Test func links_areResolvedOrNot_asAsked() throws {
        let directory = TemporaryDirectory()
        try FileSystem.writeAtomically(directory.file("target"), [])
        #expect(symlinkForTest("target", directory.file("link")) == 0)
        #expect(try FileSystem.info(directory.file("link"), followingLinks: false).type == .symbolicLink)
        #expect(try FileSystem.info(directory.file("link")).type == .regular)
        #expect(try FileSystem.linkTarget(directory.file("link")) == "target")
        #expect(try FileSystem.resolvedPath(directory.file("link")).hasSuffix("/target"))
        #expect(throws: Errno.noSuchFile) { try FileSystem.info(directory.file("missing")) }
    }
}

import Glibc
func symlinkForTest(_ target: String, _ path: String) -> Int32 { symlink(target, path) }
