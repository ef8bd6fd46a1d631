import HaloFacts
import HaloJSON
import HaloSystem
import Synchronization

/// How much of every node's facts a command needs.
public enum FactsScope: Sendable {
    /// Everything (check-health's): DRBD's configuration and corosync's settings included,
    /// `haloctl facts` on the other nodes.
    case everything
    /// What serving a LUN shows (status, move and drain): without DRBD's configuration (which
    /// spares every node its one program, `drbdadm dump all`) and corosync's settings, read on
    /// the other nodes by halo-agent's static `halo-facts`, which starts in a quarter of
    /// haloctl's time (no dynamic loader, no corosync libraries: 60 ms against 250 ms in the
    /// UML lab).
    case serving
}

/// Gathers the nodes' live facts: this node's in-process, every other node's by running
/// `halo-facts` or `haloctl facts --output json` there (over ssh by default), all at once,
/// each bounded by the deadline. A node whose facts could not be had is `.failed(why)`, never
/// assumed fine.
public final class FactsGatherer: Sendable {
    let localNode: String
    let remote: [String]
    let remoteHaloctl: String
    /// The argv (after `remote`) of halo-agent's `halo-facts` on the other nodes.
    let remoteFacts: [String]
    let collector: FactsCollector
    let scope: FactsScope
    let runner = ProcessRunner(killGracePeriod: .milliseconds(300), drainAfterExit: .milliseconds(100))
    /// Facts already gathered in this run, per node (a command asks several questions of one
    /// snapshot; `forget` drops a node's after the cluster changed it).
    private let cache = Mutex<[String: Reading<NodeFacts>]>([:])
    /// How each node that could not run the cheapest command is asked instead (a node with an
    /// older halo: no `halo-facts`, or a haloctl without `--without-drbd-configuration`),
    /// from then on, not twice on every poll.
    private let fallback = Mutex<[String: Asking]>([:])

    /// The commands that print a node's facts, cheapest first.
    enum Asking: Int, Comparable {
        /// `halo-facts --without-drbd-configuration` (halo-agent, static).
        case factsProgram
        /// `haloctl facts --output json --without-drbd-configuration`.
        case haloctlWithoutConfiguration
        /// `haloctl facts --output json`: everything.
        case haloctl

        static func < (a: Asking, b: Asking) -> Bool { a.rawValue < b.rawValue }
    }

    /// - Parameter collector: this node's reader; by default `FactsCollector.withCorosync` for
    ///   `.everything`, the one without corosync for `.serving` (the same parts as `halo-facts`).
    public init(localNode: String = CurrentProcess.nodeName, remote: [String], remoteHaloctl: String,
                remoteFacts: [String] = ConnectionOptions.defaultRemoteFacts,
                collector: FactsCollector? = nil, scope: FactsScope = .everything) {
        self.localNode = localNode
        self.remote = remote
        self.remoteHaloctl = remoteHaloctl
        self.remoteFacts = remoteFacts
        self.collector = collector ?? (scope == .everything ? .withCorosync : FactsCollector())
        self.scope = scope
    }

    /// How `node` is asked: the cheapest command the scope allows, unless it failed there.
    func asking(_ node: String) -> Asking {
        max(scope == .everything ? .haloctl : .factsProgram, fallback.withLock { $0[node] } ?? .factsProgram)
    }

    /// The command that prints `node`'s facts.
    func command(for node: String) -> Command {
        let program: [String]
        switch asking(node) {
        case .factsProgram: program = remoteFacts + ["--without-drbd-configuration"]
        case .haloctlWithoutConfiguration: program = [remoteHaloctl, "facts", "--output", "json", "--without-drbd-configuration"]
        case .haloctl: program = [remoteHaloctl, "facts", "--output", "json"]
        }
        let argv = remote.map { $0.replacingNodePlaceholder(with: node) } + program
        return Command(argv[0], Array(argv.dropFirst()), outputLimit: 16 << 20)
    }

    /// What to ask instead when `asked` could not run on the node, nil when its answer stands:
    /// a node without `halo-facts` (an older halo-agent, or none: the remote shell's "not
    /// found", exit 127, or "cannot execute", 126) is asked with haloctl; a haloctl from
    /// before `--without-drbd-configuration` refuses it as a usage error (swift-argument-parser:
    /// exit 64, "Unknown option") and is asked without it.
    static func fallback(after asked: Asking, _ result: Result<ProcessResult, SpawnError>) -> Asking? {
        guard case .success(let output) = result else { return nil }
        switch asked {
        case .factsProgram where output.termination == .exited(127) || output.termination == .exited(126):
            return .haloctlWithoutConfiguration
        case .haloctlWithoutConfiguration where output.termination == .exited(64) && output.errorText.contains("--without-drbd-configuration"):
            return .haloctl
        default:
            return nil
        }
    }

    /// How long a node's facts may take: its own reads are bounded at 6 s (both programs);
    /// the rest is ssh's connection and the program's start, which a busy node stretches (in
    /// the lab, 8 s was once too little right after a crash, asked from the rebooted node).
    public static let patience = Duration.seconds(15)

    /// The facts of `nodes`, reusing those already gathered unless `fresh`.
    public func facts(of nodes: [String], fresh: Bool = false, deadline: Deadline = .after(FactsGatherer.patience)) -> [String: Reading<NodeFacts>] {
        let known = fresh ? [:] : cache.withLock { $0 }
        let wanted = nodes.filter { known[$0] == nil }
        let remoteNodes = wanted.filter { $0 != localNode }
        let wantsLocal = wanted.contains(localNode)
        var (local, results) = runner.runTogether(remoteNodes.map(command(for:)), deadline: deadline) {
            wantsLocal ? collector.collect(deadline: deadline, drbdConfiguration: scope == .everything) : nil
        }
        // At most twice more: each time one step dearer, for the nodes that could not answer.
        for _ in 0..<2 {
            let again = remoteNodes.indices.filter { index in
                guard let next = Self.fallback(after: asking(remoteNodes[index]), results[index]) else { return false }
                fallback.withLock { $0[remoteNodes[index]] = next }
                return true
            }
            guard !again.isEmpty else { break }
            let (_, answers) = runner.runTogether(again.map { command(for: remoteNodes[$0]) }, deadline: deadline) { () }
            for (index, result) in zip(again, answers) { results[index] = result }
        }
        var gathered: [String: Reading<NodeFacts>] = [:]
        if let local { gathered[localNode] = .read(local) }
        for (node, result) in zip(remoteNodes, results) {
            gathered[node] = Self.reading(result, node: node)
        }
        cache.withLock { cache in
            for (node, reading) in gathered { cache[node] = reading }
        }
        var answer: [String: Reading<NodeFacts>] = [:]
        for node in nodes { answer[node] = gathered[node] ?? known[node] ?? .failed("not asked") }
        return answer
    }

    public func facts(of node: String, fresh: Bool = false, deadline: Deadline = .after(FactsGatherer.patience)) -> Reading<NodeFacts> {
        facts(of: [node], fresh: fresh, deadline: deadline)[node] ?? .failed("not asked")
    }

    /// The manager's view and the facts of every node it reports reachable, read side by side.
    ///
    /// The nodes in corosync's membership (`members`, this node's view of who is up) are asked
    /// while `view` runs, so a status costs the slower of the two, not their sum; a node the
    /// view adds is asked after it. A node the view reports offline, fenced or unclean reads as
    /// such, and an answer it may have given meanwhile is dropped (the manager decides who
    /// serves). Without `members` (corosync could not be asked) the view comes first and only
    /// the nodes it reports reachable are asked. `members` is read once the view has started:
    /// its waits for corosync cost the view nothing.
    ///
    /// - Throws: the view's error; `HaloctlError` when it has not returned by `deadline`.
    public func viewAndFacts(members: @autoclosure () -> [String]?, deadline: Deadline,
                             view read: @escaping @Sendable () -> Result<ClusterView, HaloctlError>)
        throws(HaloctlError) -> (ClusterView, [String: Reading<NodeFacts>]) {
        let pending = BoundedCall.start(read)
        if let members = members() {
            _ = facts(of: Array(Set(members + [localNode])).sorted())
        }
        guard let answer = pending.wait(until: deadline) else {
            throw HaloctlError("the cluster manager did not answer in time")
        }
        let view = try answer.get()
        return (view, facts(reachableIn: view))
    }

    /// The facts of the nodes `view` reports reachable (those already gathered reused); every
    /// other node's reads as its state.
    public func facts(reachableIn view: ClusterView) -> [String: Reading<NodeFacts>] {
        let reachable = view.nodes.filter { ![.offline, .fenced, .unclean].contains($0.state) }.map(\.name)
        var facts = facts(of: reachable)
        for node in view.nodes where !reachable.contains(node.name) { facts[node.name] = .failed("\(node.name) is \(node.state.words)") }
        return facts
    }

    static func reading(_ result: Result<ProcessResult, SpawnError>, node: String) -> Reading<NodeFacts> {
        switch result {
        case .failure(let error):
            return .failed("cannot run the remote command for \(node): \(error)")
        case .success(let output):
            if output.timedOut { return .failed("\(node) did not answer in time") }
            guard output.succeeded else {
                let reason = output.errorText.split(separator: "\n").last.map(String.init) ?? "exit \(output.termination)"
                return .failed("\(node): \(reason)")
            }
            do {
                return .read(try NodeFacts(json: try JSONValue.parse(output.standardOutput)))
            } catch {
                return .failed("\(node)'s facts are unreadable: \(error)")
            }
        }
    }
}

extension String {
    /// `{node}` replaced by `node`.
    func replacingNodePlaceholder(with node: String) -> String { replacing("{node}", with: node) }
}
