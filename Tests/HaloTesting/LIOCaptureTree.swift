import Glibc
import HaloSystem

/// LIO's configfs tree rebuilt from the captures in Tests/Fixtures/lio-6.1 as a directory: the
/// paths of a `find` listing (a path with entries below it is a directory, the two captured
/// links are links, every other leaf a file), the contents of the attribute dumps. The LIO
/// agent's tests and haloctl's facts read it.
public enum LIOCaptureTree {
    public static let directory = "\(BuildProducts.repositoryRoot)/Tests/Fixtures/lio-6.1"
    public static let base = "/sys/kernel/config/target"

    /// The links targetcli made (captured with readlink).
    public static let links = [
        "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1/lun/lun_0/59e1f84545": "../../../../../../target/core/iblock_0/drbd0",
        "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1/acls/iqn.2026-11.lab.test:client/lun_0/e85ab7d285":
            "../../../../../../../target/iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1/lun/lun_0",
    ]

    /// Writes the state `state` (`configured`, `empty`, `cleared`) under `root`.
    public static func write(_ state: String, to root: String) throws {
        let listing = try text("find-sys-kernel-config-target-lio-\(state)-node1.txt")
        let paths = listing.split(separator: "\n").filter { $0.hasPrefix(base) }.map { String($0.dropFirst(base.count)).drop { $0 == "/" } }.map(String.init)
        let directories = Set(paths.flatMap { path in
            let parts = path.split(separator: "/")
            return (0..<parts.count).map { parts.prefix($0).joined(separator: "/") }
        })
        let contents = state == "configured" ? try attributeContents() : [:]
        for path in paths.sorted() {
            let full = "\(root)\(base)/\(path)"
            if directories.contains(path) || path.isEmpty {
                try FileSystem.makeDirectories(full, permissions: 0o755)
            } else if let target = links[path] {
                guard symlink(target, full) == 0 else { throw Errno(rawValue: errno) }
            } else {
                try FileSystem.writeAtomically(full, Array((contents[path] ?? "").utf8), permissions: 0o644)
            }
        }
        try FileSystem.makeDirectories("\(root)\(base)", permissions: 0o755)
        // The backing device of the captured target (a file stands for it: only its presence is read).
        try FileSystem.makeDirectories("\(root)/dev", permissions: 0o755)
        try FileSystem.writeAtomically("\(root)/dev/drbd0", [], permissions: 0o600)
    }

    public static func text(_ file: String) throws -> String {
        String(decoding: try FileSystem.readBytes("\(directory)/\(file)", limit: 4 << 20), as: UTF8.self)
    }

    /// Path (relative to the configfs root) → content, from every attribute capture.
    public static func attributeContents() throws -> [String: String] {
        var contents: [String: String] = [:]
        for file in try FileSystem.directoryEntries(directory) where file.hasPrefix("lio-") && !file.hasSuffix(".stderr.txt") {
            let body = try text(file)
            let header = body.split(separator: "\n").first { $0.hasPrefix("# command: cat ") }
            if let header, !body.contains("==> ") {
                // One attribute: `cat PATH`, its content after the `#` lines.
                let path = String(header.dropFirst("# command: cat ".count))
                let content = body.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# ") }
                    .joined(separator: "\n")
                if path.hasPrefix(base) && !content.isEmpty { contents[String(path.dropFirst(base.count + 1))] = content }
                continue
            }
            // Several: `==> PATH <==`, the content, an empty line `echo` added.
            for chunk in body.components(separatedByMarker: "==> ").dropFirst() {
                guard let end = chunk.firstRange(of: " <==\n") else { continue }
                let path = String(chunk[..<end.lowerBound])
                var content = String(chunk[end.upperBound...])
                if content.hasSuffix("\n") { content.removeLast() }
                if path.hasPrefix(base) { contents[String(path.dropFirst(base.count + 1))] = content }
            }
        }
        return contents
    }
}

extension String {
    public func components(separatedByMarker marker: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: marker) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
