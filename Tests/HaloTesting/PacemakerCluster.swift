import HaloPacemaker
import HaloSystem

/// A real corosync + Pacemaker cluster of `count` nodes in network namespaces
/// (Tests/System/cluster-netns), with fencing disabled and resource-stickiness 100, stopped
/// when released. For haloctl's tests: `load` puts a layout in, `settle` waits for the
/// scheduler to have nothing left to do.
public final class PacemakerCluster: @unchecked Sendable {
    // Immutable after init.
    public let directory = TemporaryDirectory("halo-pcmkc")
    public let script = "\(BuildProducts.repositoryRoot)/Tests/System/cluster-netns"
    public let count: Int
    private let runner = ProcessRunner()

    public static var isAvailable: Bool { PacemakerNode.isAvailable }

    public init(nodes count: Int) throws {
        self.count = count
        let up = try runner.run(Command(script, ["up", directory.path, String(count)]), deadline: .after(.seconds(60)))
        guard up.succeeded else { throw NamespaceError.command("cluster-netns up: \(up.errorText)") }
        let wait = try runner.run(Command(script, ["wait", directory.path, String(count)]), deadline: .after(.seconds(120)))
        guard wait.succeeded else { throw NamespaceError.command("cluster-netns wait: \(wait.errorText)") }
        try run("node1", ["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"])
        try run("node1", ["crm_attribute", "--type", "rsc_defaults", "--name", "resource-stickiness", "--update", "100"])
    }

    /// The command prefix that runs a program on `node`.
    public func prefix(_ node: String) -> [String] { [script, "exec", directory.path, node] }

    /// Runs a program on `node`; throws when it fails.
    @discardableResult
    public func run(_ node: String, _ arguments: [String], input: String? = nil, deadline: Duration = .seconds(30)) throws -> ProcessResult {
        let argv = prefix(node) + arguments
        let result = try runner.run(Command(argv[0], Array(argv.dropFirst()), standardInput: input.map { Array($0.utf8) }),
                                    deadline: .after(deadline))
        guard result.succeeded else {
            throw NamespaceError.command("\(arguments.joined(separator: " ")) on \(node): \(result.errorText)\(result.outputText)")
        }
        return result
    }

    /// Replaces the resources and constraints with the fixture layout (Tests/Fixtures/haloctl).
    public func loadSeedLayout() throws {
        try run("node1", ["cibadmin", "--replace", "--scope", "resources", "--xml-pipe"], input: try Fixtures.text("haloctl/layout-resources.xml"))
        try run("node1", ["cibadmin", "--replace", "--scope", "constraints", "--xml-pipe"], input: try Fixtures.text("haloctl/layout-constraints.xml"))
        try settle()
    }

    /// Waits (≤ `timeout`) until nothing is planned and nothing is in flight.
    public func settle(timeout: Duration = .seconds(90)) throws {
        let deadline = Deadline.after(timeout)
        while !deadline.hasPassed() {
            Pause.for(.milliseconds(500))
            let planned = try run("node1", ["crm_simulate", "--live-check", "--run", "--output-as=xml"]).outputText
            if planned.contains("<rsc_action ") { continue }
            let status = try run("node1", ["cibadmin", "--query", "--scope", "status"]).outputText
            if status.contains("op-status=\"-1\"") { continue }
            return
        }
        throw NamespaceError.command("the cluster did not settle within \(timeout)")
    }

    /// The CIB's constraints.
    public func constraints() throws -> [XMLElement] {
        try XMLElement.parse(try run("node1", ["cibadmin", "--query", "--scope", "constraints"]).outputText).children
    }

    /// Where `resource` runs in `role`, per crm_mon.
    public func nodes(running resource: String, role: String) throws -> [String] {
        let root = try XMLElement.parse(try run("node1", ["crm_mon", "--output-as=xml", "--one-shot"]).outputText)
        return (root.child("resources")?.descendants("resource") ?? [])
            .filter { ($0["id"] ?? "") == resource && $0["role"] == role }
            .flatMap { $0.children("node").compactMap { $0["name"] } }
    }

    deinit {
        _ = try? runner.run(Command(script, ["down", directory.path]), deadline: .after(.seconds(60)))
    }
}
