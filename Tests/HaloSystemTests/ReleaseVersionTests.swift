import HaloSystem
import HaloTesting
import Testing

/// One version everywhere: what the binaries report (`HaloRelease.version`), CHANGELOG.md's newest
/// section and the Debian package's (Packaging/debian/changelog; scripts/package checks the
/// last two again, and the package build the binaries' `--version`).
@Suite("The release version")
struct ReleaseVersionTests {
    func text(_ relativePath: String) throws -> String {
        String(decoding: try FileSystem.readBytes("\(BuildProducts.repositoryRoot)/\(relativePath)", limit: 4 << 20), as: UTF8.self)
    }

    @Test func changelogsNewestSection_isTheReleaseTheBinariesReport() throws {
        let heading = try #require(try text("CHANGELOG.md").split(separator: "\n").first { $0.hasPrefix("## ") })
        let version = heading.dropFirst(3).prefix { $0.isNumber || $0 == "." }
        #expect(String(version) == HaloRelease.version, "CHANGELOG.md's newest section is \(heading)")
    }

    @Test func debianChangelogsNewestEntry_isTheRelease() throws {
        // "halo (0.1.0) unstable; urgency=medium": a native package, no Debian revision.
        let first = try #require(try text("Packaging/debian/changelog").split(separator: "\n").first)
        #expect(first.hasPrefix("halo (\(HaloRelease.version)) "), "Packaging/debian/changelog begins \(first)")
    }
}
