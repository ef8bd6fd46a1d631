import HaloSystem
import HaloTesting

/// Writes `path = content` lines (paths relative to `/sys` under `root`) as files, for the
/// trees under Tests/Fixtures/md-sysfs and the module trees the tests make.
enum FixtureTree {
    static func write(_ text: String, under root: String) throws {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstRange(of: " =") else { continue }
            let path = "\(root)/sys/\(line[..<equals.lowerBound])"
            var content = String(line[equals.upperBound...])
            if content.hasPrefix(" ") { content.removeFirst() }
            try FileSystem.makeDirectories(String(path[..<path.lastIndex(of: "/")!]), permissions: 0o755)
            try FileSystem.writeAtomically(path, Array((content + "\n").utf8), permissions: 0o644)
        }
    }
}
