import Glibc
import HaloSystem

/// A tree captured from a real SCST target (Tests/Fixtures/scst-3.11): the `ls -lR` listing
/// (directories, files with their modes, links with their targets) joined with the attribute
/// dump (each file's content). Written out as a directory tree it is a fixture the agents'
/// readers run on; compared with the model's tree it checks the model.
public struct SCSTCaptureTree: Sendable {
    public enum Node: Sendable, Hashable {
        case directory
        /// A file: permission bits, and the captured content (`nil` when the capture could not
        /// read it: write-only attributes).
        case file(mode: UInt16, content: [UInt8]?)
        case link(target: String)
    }

    /// Every path below /sys/kernel/scst_tgt ("" is the root itself), relative, with its node.
    public var nodes: [String: Node]

    /// The capture pair `NN-name` (`NN-name.ls-lR.txt`, `NN-name.attrs.txt`).
    public init(_ name: String, directory: String = SCSTModelProcess.captures) throws {
        let listing = String(decoding: try FileSystem.readBytes("\(directory)/\(name).ls-lR.txt", limit: 16 << 20), as: UTF8.self)
        let attributes = try FileSystem.readBytes("\(directory)/\(name).attrs.txt", limit: 16 << 20)
        var nodes: [String: Node] = ["": .directory]
        var current: String?
        let base = "/sys/kernel/scst_tgt"
        for line in listing.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix(base) && line.hasSuffix(":") {
                current = String(line.dropFirst(base.count).dropFirst().dropLast())
                continue
            }
            guard let directory = current else { continue }
            let fields = line.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: true)
            guard fields.count == 9, let type = fields[0].first, "dl-".contains(type) else { continue }
            var name = String(fields[8])
            let path = directory.isEmpty ? "" : "\(directory)/"
            switch type {
            case "d":
                nodes[path + name] = .directory
            case "l":
                let parts = name.split(separator: " -> ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                name = parts[0]
                nodes[path + name] = .link(target: parts[1])
            default:
                nodes[path + name] = .file(mode: Self.mode(fields[0]), content: nil)
            }
        }
        for (path, entry) in Self.attributes(attributes) {
            let relative = String(path.dropFirst(base.count).dropFirst())
            guard case .file(let mode, _)? = nodes[relative], mode & 0o444 != 0 else { continue }
            nodes[relative] = .file(mode: mode, content: entry)
        }
        self.nodes = nodes
    }

    /// `rw-r--r--` as bits.
    static func mode(_ text: Substring) -> UInt16 {
        var mode: UInt16 = 0
        for (index, character) in text.dropFirst().prefix(9).enumerated() where character != "-" {
            mode |= 1 << UInt16(8 - index)
        }
        return mode
    }

    /// The attribute dump's entries: path → content.
    static func attributes(_ bytes: [UInt8]) -> [(String, [UInt8])] {
        let marker = Array("=== /sys/kernel/scst_tgt".utf8)
        var starts: [Int] = []
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0] && Array(bytes[index..<index + marker.count]) == marker {
                starts.append(index)
                index += marker.count
            } else {
                index += 1
            }
        }
        return starts.enumerated().compactMap { number, start in
            let end = number + 1 < starts.count ? starts[number + 1] : bytes.count
            guard let newline = bytes[start..<end].firstIndex(of: 10) else { return nil }
            let header = String(decoding: bytes[(start + 4)..<newline], as: UTF8.self)
            guard let open = header.lastIndex(of: "(") else { return nil }
            return (String(header[..<open].dropLast()), Array(bytes[(newline + 1)..<end]))
        }
    }

    /// Writes the tree under `root` as `root/sys/kernel/scst_tgt/…`: directories, files with
    /// their content and mode, links.
    public func write(to root: String) throws {
        let base = "\(root)/sys/kernel/scst_tgt"
        try FileSystem.makeDirectories(base, permissions: 0o755)
        for (path, node) in nodes.sorted(by: { $0.key < $1.key }) where !path.isEmpty {
            let full = "\(base)/\(path)"
            switch node {
            case .directory:
                try FileSystem.makeDirectories(full, permissions: 0o755)
            case .file(let mode, let content):
                try FileSystem.writeAtomically(full, content ?? [], permissions: mode_t(mode))
                _ = chmod(full, mode_t(mode))
            case .link(let target):
                guard symlink(target, full) == 0 else { throw Errno(rawValue: errno) }
            }
        }
    }
}
