import HaloFacts
import HaloJSON
import HaloSystem
import Synchronization

/// Gathers the nodes' live facts: this node's in-process, every other node's by running
/// `haloctl facts --output json` there (over ssh by default), all at once, each bounded by
/// the deadline. A node whose facts could not be had is `.failed(why)`, never assumed fine.
public final class FactsGatherer: Sendable {
    let localNode: String
    let remote: [String]
    let remoteHaloctl: String
    let collector: FactsCollector
    /// Whether DRBD's configuration is asked for (check-health's; status, move and drain do
    /// without it, which spares every node its one program, `drbdadm dump all`).
    let drbdConfiguration: Bool
    let runner = ProcessRunner(killGracePeriod: .milliseconds(300), drainAfterExit: .milliseconds(100))
    /// Facts already gathered in this run, per node (a command asks several questions of one
    /// snapshot; `forget` drops a node's after the cluster changed it).
    private let cache = Mutex<[String: Reading<NodeFacts>]>([:])
    /// The nodes whose haloctl refused `--without-drbd-configuration`: asked without it from
    /// then on, not twice on every poll.
    private let predateTheOption = Mutex<Set<String>>([])

    public init(localNode: String = CurrentProcess.nodeName, remote: [String], remoteHaloctl: String,
                collector: FactsCollector = FactsCollector(), drbdConfiguration: Bool = true) {
        self.localNode = localNode
        self.remote = remote
        self.remoteHaloctl = remoteHaloctl
        self.collector = collector
        self.drbdConfiguration = drbdConfiguration
    }

    /// The command that prints `node`'s facts (with DRBD's configuration, whatever this gatherer
    /// wants, for a node whose haloctl predates the option).
    func command(for node: String) -> Command {
        let full = drbdConfiguration || predateTheOption.withLock { $0.contains(node) }
        let argv = remote.map { $0.replacingNodePlaceholder(with: node) } + [remoteHaloctl, "facts", "--output", "json"]
            + (full ? [] : ["--without-drbd-configuration"])
        return Command(argv[0], Array(argv.dropFirst()), outputLimit: 16 << 20)
    }

    /// A remote haloctl from before `--without-drbd-configuration` refuses it as a usage error
    /// (swift-argument-parser: exit 64, "Unknown option"): then it is asked again without.
    static func refusedTheOption(_ result: Result<ProcessResult, SpawnError>) -> Bool {
        guard case .success(let output) = result, output.termination == .exited(64) else { return false }
        return output.errorText.contains("--without-drbd-configuration")
    }

    /// How long a node's facts may take: its own reads are bounded at 6 s (`haloctl facts`);
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
            wantsLocal ? collector.collect(deadline: deadline, drbdConfiguration: drbdConfiguration) : nil
        }
        let older = remoteNodes.indices.filter { Self.refusedTheOption(results[$0]) }
        if !older.isEmpty {
            predateTheOption.withLock { $0.formUnion(older.map { remoteNodes[$0] }) }
            let (_, again) = runner.runTogether(older.map { command(for: remoteNodes[$0]) }, deadline: deadline) { () }
            for (index, result) in zip(older, again) { results[index] = result }
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
    /// the nodes it reports reachable are asked.
    ///
    /// - Throws: the view's error; `HaloctlError` when it has not returned by `deadline`.
    public func viewAndFacts(members: [String]?, deadline: Deadline,
                             view read: @escaping @Sendable () -> Result<ClusterView, HaloctlError>)
        throws(HaloctlError) -> (ClusterView, [String: Reading<NodeFacts>]) {
        guard let members else {
            let view = try read().get()
            return (view, facts(reachableIn: view))
        }
        let pending = BoundedCall.start(read)
        _ = facts(of: Array(Set(members + [localNode])).sorted())
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
