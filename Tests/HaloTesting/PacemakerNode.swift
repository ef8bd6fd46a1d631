import HaloPacemaker
import HaloSystem

/// A real one-node corosync + Pacemaker cluster in a network namespace
/// (Tests/System/cluster-netns), stopped when released.
public final class PacemakerNode: @unchecked Sendable {
    // Immutable after init.
    public let directory = TemporaryDirectory("halo-pcmk")
    let script = "\(BuildProducts.repositoryRoot)/Tests/System/cluster-netns"
    private let runner = ProcessRunner()
    /// The command prefix that runs a program on the node.
    public let prefix: [String]

    /// Whether this machine can run one: root, corosync and pacemakerd installed.
    public static var isAvailable: Bool {
        CurrentProcess.isRoot && (try? FileSystem.info("/usr/sbin/corosync")) != nil && (try? FileSystem.info("/usr/sbin/pacemakerd")) != nil
    }

    public init() throws {
        let up = try runner.run(Command(script, ["up", directory.path, "1"]), deadline: .after(.seconds(60)))
        guard up.succeeded else { throw NamespaceError.command("cluster-netns up: \(up.errorText)") }
        let wait = try runner.run(Command(script, ["wait", directory.path, "1"]), deadline: .after(.seconds(120)))
        guard wait.succeeded else { throw NamespaceError.command("cluster-netns wait: \(wait.errorText)") }
        let pid = String(decoding: try FileSystem.readBytes("\(directory.path)/node1/corosync.pid"), as: UTF8.self)
            .split(separator: "\n").first.map(String.init) ?? ""
        prefix = ["nsenter", "-t", pid, "-n", "-m", "-u"]
        try run(["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"])
    }

    /// Runs a program on the node; throws when it fails.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
        let result = try runner.run(Command(prefix[0], Array(prefix.dropFirst()) + arguments, standardInput: input.map { Array($0.utf8) }),
                                    deadline: .after(.seconds(30)))
        guard result.succeeded else { throw NamespaceError.command("\(arguments.joined(separator: " ")): \(result.errorText)") }
        return result
    }

    /// A promotable clone `drbd-<resource>-clone` of ocf:halo:drbd, stopped (target-role).
    public func configureDRBDClone(resource: String) throws {
        try run(["cibadmin", "--create", "--scope", "resources", "--xml-pipe"], input: """
            <clone id="drbd-\(resource)-clone"><meta_attributes id="drbd-\(resource)-clone-meta">\
            <nvpair id="drbd-\(resource)-clone-promotable" name="promotable" value="true"/>\
            <nvpair id="drbd-\(resource)-clone-target-role" name="target-role" value="Stopped"/></meta_attributes>\
            <primitive id="drbd-\(resource)" class="ocf" provider="halo" type="drbd">\
            <instance_attributes id="drbd-\(resource)-params"><nvpair id="drbd-\(resource)-resource" name="resource" value="\(resource)"/>\
            </instance_attributes></primitive></clone>
            """)
    }

    /// The location constraints in the CIB.
    public func constraints() throws -> [XMLElement] {
        try XMLElement.parse(try run(["cibadmin", "--query", "--scope", "constraints"]).outputText).children("rsc_location")
    }

    deinit {
        _ = try? runner.run(Command(script, ["down", directory.path]), deadline: .after(.seconds(60)))
    }
}
