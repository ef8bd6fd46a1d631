import HaloSystem

/// Fixtures captured from the real tools, under Tests/Fixtures (each with its capture command).
public enum Fixtures {
    public static let directory = "\(BuildProducts.repositoryRoot)/Tests/Fixtures"

    /// The text of `path` (relative to Tests/Fixtures).
    public static func text(_ path: String) throws -> String {
        String(decoding: try FileSystem.readBytes("\(directory)/\(path)", limit: 16 << 20), as: UTF8.self)
    }

    /// The files in a fixture directory whose names start with `prefix`.
    public static func files(_ directory: String, prefix: String = "") throws -> [String] {
        try FileSystem.directoryEntries("\(self.directory)/\(directory)").filter { $0.hasPrefix(prefix) }
    }
}
