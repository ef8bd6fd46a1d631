import HaloSystem

/// Where SwiftPM put the executables the tests run: the directory of the running test binary.
public enum BuildProducts {
    /// The build products directory (e.g. `.build/debug`).
    public static let directory: String = {
        let executable = (try? CurrentProcess.executablePath()) ?? ""
        var parts = executable.split(separator: "/", omittingEmptySubsequences: false)
        // …/.build/debug/haloPackageTests.xctest (a file, or a bundle directory on some setups)
        while let last = parts.last, !last.hasSuffix(".xctest") && parts.count > 1 { parts.removeLast() }
        parts.removeLast()
        return parts.joined(separator: "/")
    }()

    /// The path of the built executable `name`.
    public static func executable(_ name: String) -> String { "\(directory)/\(name)" }

    /// The repository's root directory, from this source file's location.
    public static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/HaloTesting/BuildProducts.swift
        return parts.joined(separator: "/")
    }()
}

extension BoundedReader {
    /// The built `halo-agent` as the reading child (`halo-bounded-read`): what an installed
    /// agent reads device blocks with, for tests that call the agents' views in-process.
    public static let builtHaloAgent = BoundedReader(
        program: Command(BuildProducts.executable("halo-agent"), argumentZero: BoundedReader.programName))
}
