import HaloControl
import HaloJSON
import HaloSystem

/// Real corosync nodes in network namespaces with halod on each (Tests/System/halod-netns),
/// the namespace fence agent Tests/System/fence_halotest configured for every node; torn
/// down when released.
public final class HalodCluster: @unchecked Sendable {
    // Immutable after init.
    public let directory = TemporaryDirectory("halod")
    public let count: Int
    let script = "\(BuildProducts.repositoryRoot)/Tests/System/halod-netns"
    public let configurationPath: String
    private let runner = ProcessRunner()
    /// Processes started in nodes' namespaces for a test, ended (by PID) when the cluster goes.
    private var background: [Int32] = []

    /// Whether this machine can run it: root, corosync, network namespaces.
    public static var isAvailable: Bool {
        CurrentProcess.isRoot && (try? FileSystem.info("/usr/sbin/corosync")) != nil && NetworkNamespaces.areAvailable
    }

    /// What each LUN's stack is made of in the test configuration.
    public enum StackKind: Sendable {
        /// No resources: placement only (part 1).
        case none
        /// `dev-lunN` (promotable) and `target-lunN` (serving): Tests/System/ocf_halotest. The
        /// device is configured as `ocf:halo:drbd` with `resource = "rN"` (so halod knows it as
        /// the LUN's DRBD resource), the test agent standing in for it under that name.
        case testAgents
        /// The same, and `portal-lunN`: ocf:halo:portal with 198.18.41.(100+N)/24 on eth0.
        case testAgentsAndPortal
        /// The seed layout's shape and order: `key-lunN` on every node (the test agent, role
        /// everywhere: where LUKS below DRBD stands), `dev-lunN` (promotable), `target-lunN`,
        /// `portal-lunN` (started after the target, stopped before it).
        case seedShaped
    }

    /// The configuration of `count` nodes (each fenced by fence_halotest) and `luns` LUNs,
    /// LUN i preferring node ((i − 1) mod count) + 1, then the others in order.
    public static func configuration(nodes count: Int, luns: Int, directory: String, extra: String = "",
                                     nodeExtra: [Int: String] = [:], stack: StackKind = .none, metrics: Bool = false,
                                     local: String = "") -> String {
        var text = """
            [cluster]
            name = "halodtest"
            startup_fence_delay = "5s"
            fence_retry_limit = "4s"
            \(extra)

            [fence_device.test]
            agent = "\(BuildProducts.repositoryRoot)/Tests/System/fence_halotest"
            timeout = "20s"
            options = { dir = "\(directory)" }

            """
        for node in 1...count {
            text += "\n[[node]]\nname = \"node\(node)\"\nid = \(node)\nfence = [[\"test\"]]\n\(nodeExtra[node] ?? "")\n"
        }
        for lun in 1...max(luns, 1) where luns > 0 {
            let first = (lun - 1) % count + 1
            let order = [first] + (1...count).filter { $0 != first }
            text += "\n[[lun]]\nname = \"lun\(lun)\"\nnodes = [\(order.map { "\"node\($0)\"" }.joined(separator: ", "))]\n"
            guard stack != .none else { continue }
            let monitor = "monitor = [{ interval = \"2s\" }]\ntimeouts = { start = \"10s\", stop = \"10s\", promote = \"10s\", demote = \"10s\", probe = \"10s\" }"
            let portal = "\n[[lun.resource]]\nid = \"portal-lun\(lun)\"\nagent = \"ocf:halo:portal\"\n"
                + "params = { addresses = \"\(portalAddress(lun))/24@eth0\" }\n\(monitor)\n"
            if stack == .seedShaped {
                text += "\n[[lun.resource]]\nid = \"key-lun\(lun)\"\nagent = \"ocf:test:halotest\"\nrole = \"everywhere\"\n"
                    + "params = { control = \"\(directory)/control\", identity = \"key\(lun)\" }\n\(monitor)\n"
            }
            text += "\n[[lun.resource]]\nid = \"dev-lun\(lun)\"\nagent = \"ocf:halo:drbd\"\nrole = \"promotable\"\n"
                + "params = { control = \"\(directory)/control\", resource = \"r\(lun)\" }\n\(monitor)\n"
            text += "\n[[lun.resource]]\nid = \"target-lun\(lun)\"\nagent = \"ocf:test:halotest\"\n"
                + "params = { control = \"\(directory)/control\", identity = \"lun\(lun)\" }\n\(monitor)\n"
            if stack == .testAgentsAndPortal || stack == .seedShaped { text += portal }
        }
        if stack != .none || metrics || !local.isEmpty {
            text += "\n[local]\n\(local)\n"
            if stack != .none { text += "ocf_root = \"\(directory)/ocf\"\n" }
            if metrics { text += "metrics = \"127.0.0.1:9664\"\n" }
        }
        return text
    }

    /// The portal address of LUN `lun` in the test configuration.
    public static func portalAddress(_ lun: Int) -> String { "198.18.41.\(100 + lun)" }

    /// Brings up `nodes` corosync nodes and starts halod on each with the configuration.
    public init(nodes: Int, luns: Int = 2, token: Int = 1000, extra: String = "", nodeExtra: [Int: String] = [:],
                stack: StackKind = .none, metrics: Bool = false, local: String = "", startHalod: Bool = true) throws {
        count = nodes
        configurationPath = "\(directory.path)/halod.toml"
        if stack != .none {
            // DRBD's stand-in for the facts halod reads (Tests/System/drbdsetup-standin).
            try FileSystem.makeDirectories("\(directory.path)/sbin", permissions: 0o755)
            try FileSystem.writeAtomically("\(directory.path)/sbin/drbdsetup", Array("""
                #!/bin/sh
                HALOTEST_CONTROL='\(directory.path)/control' exec '\(BuildProducts.repositoryRoot)/Tests/System/drbdsetup-standin' "$@"

                """.utf8), permissions: 0o755)
        }
        try script(["up", directory.path, String(nodes), String(token)], timeout: .seconds(90))
        if stack != .none {
            try FileSystem.makeDirectories("\(directory.path)/control", permissions: 0o755)
            try FileSystem.makeDirectories("\(directory.path)/ocf/resource.d/test", permissions: 0o755)
            try FileSystem.makeDirectories("\(directory.path)/ocf/resource.d/halo", permissions: 0o755)
            try FileSystem.symlink("\(BuildProducts.repositoryRoot)/Tests/System/ocf_halotest", at: "\(directory.path)/ocf/resource.d/test/halotest")
            try FileSystem.symlink(BuildProducts.executable("halo-agent"), at: "\(directory.path)/ocf/resource.d/halo/portal")
            try FileSystem.symlink("\(BuildProducts.repositoryRoot)/Tests/System/ocf_halotest", at: "\(directory.path)/ocf/resource.d/halo/drbd")
        }
        try FileSystem.writeAtomically(configurationPath, Array(Self.configuration(
            nodes: nodes, luns: luns, directory: directory.path, extra: extra, nodeExtra: nodeExtra, stack: stack, metrics: metrics,
            local: local).utf8),
            permissions: 0o600)
        if startHalod { for node in 1...nodes { try start(node) } }
    }

    @discardableResult
    func script(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> ProcessResult {
        var environment = Command.minimalEnvironment
        environment["HALOD"] = BuildProducts.executable("halod")
        let result = try runner.run(Command(script, arguments, environment: environment), deadline: .after(timeout))
        guard result.succeeded else { throw NamespaceError.command("halod-netns \(arguments.joined(separator: " ")): \(result.errorText)") }
        return result
    }

    public func start(_ node: Int) throws { try script(["start", directory.path, String(node), configurationPath]) }
    public func stop(_ node: Int) throws { try script(["stop", directory.path, String(node)]) }
    public func crash(_ node: Int) throws { try script(["crash", directory.path, String(node)]) }
    public func kill(_ node: Int) throws { try script(["kill", directory.path, String(node)]) }
    public func boot(_ node: Int) throws { try script(["boot", directory.path, String(node)], timeout: .seconds(60)) }
    public func cut(_ node: Int) throws { try script(["cut", directory.path, String(node)]) }
    public func heal(_ node: Int) throws { try script(["heal", directory.path, String(node)]) }

    /// Makes fencing of `node` fail (or work again).
    public func setFenceFails(_ node: Int, _ fails: Bool) throws {
        let path = "\(directory.path)/fence-fail-node\(node)"
        if fails { try FileSystem.writeAtomically(path, [], permissions: 0o644) } else { try? FileSystem.remove(path) }
    }

    /// Makes every fence agent run wait `seconds` before acting (nil: no wait).
    public func setFenceDelay(_ seconds: Int?) throws {
        let path = "\(directory.path)/fence-sleep"
        if let seconds { try FileSystem.writeAtomically(path, Array("\(seconds)\n".utf8), permissions: 0o644) } else { try? FileSystem.remove(path) }
    }

    /// halod's status on `node` (the `status` object), or nil when it does not answer.
    public func status(_ node: Int) -> JSONValue? {
        (try? ControlClient.send(.status, to: socket(node), timeout: .seconds(5)))?["status"]
    }

    /// Sends a request to `node`'s halod.
    public func request(_ request: ControlRequest, at node: Int) throws -> JSONValue {
        try ControlClient.send(request, to: socket(node))
    }

    public func socket(_ node: Int) -> String { "\(directory.path)/node\(node)/halod.sock" }

    /// The node serving `lun` in `node`'s view.
    public func owner(of lun: String, at node: Int) -> String? {
        status(node)?["luns"]?.arrayValue?.first { $0["name"]?.stringValue == lun }?["node"]?.stringValue
    }

    /// The wall time of the first event with `message` (and `node` metadata, if given) in
    /// `node`'s status at or after `since`.
    public func eventTime(_ message: String, at node: Int, about victim: Int? = nil, since: Double) -> Double? {
        events(message, at: node, about: victim, since: since).compactMap { $0["time"]?.stringValue.flatMap(Double.init) }.min()
    }

    /// The events with `message` in node's status since `since` (about `victim`, when given),
    /// oldest first.
    public func events(_ message: String, at node: Int, about victim: Int? = nil, since: Double) -> [JSONValue] {
        (status(node)?["events"]?.arrayValue ?? []).filter { event in
            guard event["message"]?.stringValue == message, let time = event["time"]?.stringValue.flatMap(Double.init), time >= since else { return false }
            return victim == nil || event["data"]?["halo.node"]?.stringValue == victim.map(String.init)
        }.sorted { ($0["time"]?.stringValue.flatMap(Double.init) ?? 0) < ($1["time"]?.stringValue.flatMap(Double.init) ?? 0) }
    }

    /// The fence agent's runs: (start or done, time, plug, action or result, the node that ran it).
    public var fenceLog: [(phase: String, time: Double, plug: String, detail: String, by: String)] {
        guard let bytes = try? FileSystem.readBytes("\(directory.path)/fence.log") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 5, let time = Double(words[1]) else { return nil }
            return (words[0], time, words[2], words[3], words[4])
        }
    }

    /// Waits (polling every 100 ms) until `condition` holds or `timeout` passes.
    @discardableResult
    public func wait(_ timeout: Duration, until condition: () -> Bool) -> Bool {
        let deadline = Deadline.after(timeout)
        while !deadline.hasPassed() {
            if condition() { return true }
            Pause.for(.milliseconds(100))
        }
        return condition()
    }

    /// Makes the test agent's `action` of resource `id` fail with `code` (nil: work again), on
    /// every node or only on `node`.
    public func inject(_ action: String, of id: String, code: Int?, on node: Int? = nil) throws {
        let path = "\(directory.path)/control/fail-\(action)-\(id)\(node.map { "-node\($0)" } ?? "")"
        if let code { try FileSystem.writeAtomically(path, Array("\(code)\n".utf8), permissions: 0o644) } else { try? FileSystem.remove(path) }
    }

    /// Whether resource `id`'s state file exists on `node` (its private /run), and what it says.
    public func resourceState(_ id: String, on node: Int) -> String? {
        guard let result = try? script(["exec", directory.path, String(node), "cat", "/run/halotest-\(id)"]) else { return nil }
        return result.outputText.split(separator: "\n").first.map(String.init)
    }

    /// Removes resource `id`'s state file on `node` (the resource "dies" there).
    public func breakResource(_ id: String, on node: Int) throws {
        try script(["exec", directory.path, String(node), "rm", "-f", "/run/halotest-\(id)"])
    }

    /// The IPv4 addresses on `node`'s eth0.
    public func addresses(on node: Int) -> [String] {
        guard let result = try? script(["exec", directory.path, String(node), "ip", "-4", "-o", "addr", "show", "dev", "eth0"]) else { return [] }
        return result.outputText.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let index = words.firstIndex(of: "inet"), index + 1 < words.count else { return nil }
            return words[index + 1].split(separator: "/").first.map(String.init)
        }
    }

    /// The test agent's actions so far: (time, node, resource, action, exit code).
    public var agentActions: [(time: Double, node: String, resource: String, action: String, code: Int)] {
        guard let bytes = try? FileSystem.readBytes("\(directory.path)/control/actions.log", limit: 16 << 20) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 5, let time = Double(words[0]), let code = Int(words[4]) else { return nil }
            return (time, words[1], words[2], words[3], code)
        }
    }

    /// An HTTP GET of `path` from halod's metrics endpoint on `node` (127.0.0.1:9664 inside it).
    public func scrape(_ node: Int, path: String = "/metrics") -> String? {
        let client = "import socket,sys\ns=socket.create_connection(('127.0.0.1',9664),5)\ns.sendall(b'GET \(path) HTTP/1.0\\r\\n\\r\\n')\n"
            + "d=b''\nwhile True:\n  c=s.recv(65536)\n  if not c: break\n  d+=c\nsys.stdout.write(d.decode())\n"
        return (try? script(["exec", directory.path, String(node), "python3", "-c", client]))?.outputText
    }

    /// The halod log of a node (for failure messages).
    public func log(_ node: Int) -> String {
        (try? FileSystem.readBytes("\(directory.path)/node\(node)/halod.log")).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Runs `arguments` inside node `node` (its network, mount and UTS namespaces) and waits for it.
    public func exec(_ arguments: [String], on node: Int, timeout: Duration = .seconds(30)) throws -> ProcessResult {
        try runner.run(Command(script, ["exec", directory.path, String(node)] + arguments), deadline: .after(timeout))
    }

    /// Starts `arguments` inside node `node` in the background; it is ended when the cluster goes.
    public func launch(_ arguments: [String], on node: Int) throws {
        let pid = try runner.launchDetached(Command(script, ["exec", directory.path, String(node)] + arguments))
        background.append(pid)
    }

    deinit {
        for pid in background { runner.endDetached(pid) }
        _ = try? runner.run(Command(script, ["down", directory.path]), deadline: .after(.seconds(30)))
    }
}
