import HaloSystem

/// DRBD's configuration read from its files the way drbdadm finds it, without running drbdadm:
/// `/etc/drbd.conf` and what it includes (`include "drbd.d/*.res";`, a shell pattern relative
/// to the including file's directory, its matches in sorted order, as drbdadm's parser
/// resolves it). For DRBD's usermode helper (`halo-drbd-helper`), which must know a resource's
/// handlers in the time one program takes.
///
/// Only the plain case is read; anything drbdadm might resolve differently is a problem, so
/// the caller asks drbdadm instead: a versioned file drbdadm would prefer (`/etc/drbd-84.conf`
/// and its kin), an include nested deeper than drbdadm's own files do or inside a section, an
/// include of a named file that is missing, a file over 1 MiB, more than 256 files.
public enum DRBDConfigurationFiles {
    /// The files drbd-utils 9 tries before `/etc/drbd.conf`, in its order: the first that exists
    /// is the configuration.
    public static let preferred = ["/etc/drbd-90.conf", "/etc/drbd-84.conf", "/etc/drbd-83.conf", "/etc/drbd-82.conf", "/etc/drbd-08.conf"]
    public static let main = "/etc/drbd.conf"

    /// Every resource of the configuration under `directory` (`/etc`, or a test's), with the
    /// settings halo checks; a setting the resource leaves out is `common`'s.
    public static func resources(in directory: String = "/etc") throws(ConfigurationDumpProblem) -> [DRBDResourceConfiguration] {
        for path in preferred.map({ directory + $0.dropFirst("/etc".count) }) where (try? FileSystem.info(path)) != nil {
            throw ConfigurationDumpProblem(problem: "\(path) exists, which drbdadm reads before \(main)")
        }
        var files = 0
        return ConfigurationDump.resources(of: try statements(of: directory + "/drbd.conf", depth: 0, files: &files))
    }

    /// The top-level statements of `path`, each `include` replaced by the statements of the
    /// files it names.
    static func statements(of path: String, depth: Int, files: inout Int) throws(ConfigurationDumpProblem) -> [ConfigurationStatement] {
        files += 1
        guard files <= 256 else { throw ConfigurationDumpProblem(problem: "more than 256 configuration files") }
        let bytes: [UInt8]
        do {
            // A regular file only: a FIFO or a device would hold the read (and DRBD's I/O) open.
            guard try FileSystem.info(path).type == .regular else { throw Errno.invalidArgument }
            bytes = try FileSystem.readBytes(path, limit: (1 << 20) + 1)
        } catch {
            throw ConfigurationDumpProblem(problem: "cannot read \(path) as a regular file: \(error)")
        }
        guard bytes.count <= 1 << 20 else { throw ConfigurationDumpProblem(problem: "\(path) is larger than 1 MiB") }
        let parsed = try ConfigurationStatement.parse(ConfigurationDump.tokens(String(decoding: bytes, as: UTF8.self)))
        if let nested = parsed.compactMap(\.body).first(where: containsInclude) {
            throw ConfigurationDumpProblem(problem: "\(path): an include inside a section (`\(nested.first?.words.joined(separator: " ") ?? "")`…)")
        }
        var result: [ConfigurationStatement] = []
        for statement in parsed {
            guard statement.words.first == "include" else {
                result.append(statement)
                continue
            }
            guard statement.words.count == 2, statement.body == nil, depth < 2 else {
                throw ConfigurationDumpProblem(problem: "\(path): an include halo does not resolve (`\(statement.words.joined(separator: " "))`)")
            }
            for included in try matches(statement.words[1], from: path) {
                result += try statements(of: included, depth: depth + 1, files: &files)
            }
        }
        return result
    }

    /// Whether `statements`, or a section within them, include a file.
    static func containsInclude(_ statements: [ConfigurationStatement]) -> Bool {
        statements.contains { $0.words.first == "include" || ($0.body.map(containsInclude) ?? false) }
    }

    /// The files `pattern` names, relative to the directory of `including`.
    static func matches(_ pattern: String, from including: String) throws(ConfigurationDumpProblem) -> [String] {
        let directory = including.lastIndex(of: "/").map { String(including[..<$0]) } ?? "."
        let absolute = pattern.hasPrefix("/") ? pattern : directory + "/" + pattern
        let found: [String]
        do {
            found = try FileSystem.glob(absolute)
        } catch {
            throw ConfigurationDumpProblem(problem: "cannot list \(absolute): \(error)")
        }
        if found.isEmpty && !pattern.contains(where: { "*?[".contains($0) }) {
            throw ConfigurationDumpProblem(problem: "\(including) includes \(absolute), which does not exist")
        }
        return found
    }
}
