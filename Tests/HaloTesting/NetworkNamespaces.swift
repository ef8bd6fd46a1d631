import Glibc
import HaloSystem

/// Network namespaces for one test, joined by veth pairs and bridges, removed when released.
/// Addresses used in them come from 198.18.0.0/15; nothing routes out.
public final class NetworkNamespaces: @unchecked Sendable {
    // Immutable after init.
    public let prefix: String
    private let runner = ProcessRunner()

    /// Whether this machine can make namespaces (root, iproute2).
    public static var areAvailable: Bool {
        CurrentProcess.isRoot && ((try? ProcessRunner().run(Command("ip", ["netns", "list"]), deadline: .after(.seconds(5))))?.succeeded ?? false)
    }

    public init(label: String) {
        prefix = "h\(label.prefix(6))\(UInt32.random(in: 0..<0xffff))"
    }

    /// The full name of namespace `name` of this test.
    public func name(_ name: String) -> String { "\(prefix)-\(name)" }

    /// Creates namespace `name` with loopback up.
    public func add(_ name: String) throws {
        try ip(["netns", "add", self.name(name)])
        try ip(["-n", self.name(name), "link", "set", "lo", "up"])
    }

    /// A veth pair between two namespaces, both ends up.
    public func link(_ a: String, _ aInterface: String, _ b: String, _ bInterface: String) throws {
        try ip(["link", "add", aInterface, "netns", name(a), "type", "veth", "peer", "name", bInterface, "netns", name(b)])
        try ip(["-n", name(a), "link", "set", aInterface, "up"])
        try ip(["-n", name(b), "link", "set", bInterface, "up"])
    }

    /// Runs `ip ARGUMENTS` in the root namespace (with -n for a namespace).
    @discardableResult
    public func ip(_ arguments: [String]) throws -> ProcessResult {
        let result = try runner.run(Command("ip", arguments), deadline: .after(.seconds(20)))
        guard result.succeeded else { throw NamespaceError.command("ip \(arguments.joined(separator: " ")): \(result.errorText)") }
        return result
    }

    /// Runs a command inside namespace `name`.
    @discardableResult
    public func run(_ name: String, _ arguments: [String], environment: [String: String] = Command.minimalEnvironment,
                    timeout: Duration = .seconds(60)) throws -> ProcessResult {
        try runner.run(Command("ip", ["netns", "exec", self.name(name)] + arguments, environment: environment),
                       deadline: .after(timeout))
    }

    /// The command prefix that runs something inside namespace `name`.
    public func prefixCommand(_ name: String) -> [String] { ["ip", "netns", "exec", self.name(name)] }

    deinit {
        let list = (try? runner.run(Command("ip", ["netns", "list"]), deadline: .after(.seconds(10))))?.outputText ?? ""
        for line in list.split(separator: "\n") {
            let namespace = String(line.split(separator: " ").first ?? "")
            if namespace.hasPrefix(prefix + "-") {
                _ = try? runner.run(Command("ip", ["netns", "del", namespace]), deadline: .after(.seconds(10)))
            }
        }
    }
}

public enum NamespaceError: Error, CustomStringConvertible {
    case command(String)
    public var description: String {
        switch self {
        case .command(let text): text
        }
    }
}
