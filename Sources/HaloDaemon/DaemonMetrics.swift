import HaloCluster
import HaloSystem
import Prometheus

/// halod's Prometheus metrics, named by Prometheus's rules: base units (seconds), `_total`
/// counters, few labels (a node, a LUN, a resource, an action, a result — never a status value
/// as a label: a state is a gauge's value, so a series never vanishes when the state changes).
/// Everything is in memory and updated as it happens or read from the agreed state at scrape
/// time: no collector runs a command, so no scrape can fail half-way or hang (what
/// ha_cluster_exporter's users hit).
final class DaemonMetrics {
    let registry = PrometheusCollectorRegistry()
    private let membershipChanges: Counter
    private let messagesSent: Counter
    private let messagesDelivered: Counter
    private var lastSent = 0, lastDelivered = 0
    /// Owner series by LUN, to remove the old one when the LUN moves.
    private var ownerSeries: [LUNName: (node: String, gauge: Gauge)] = [:]

    init(version: String) {
        membershipChanges = registry.makeCounter(descriptor: Self.name("membership_changes", "total",
            "Changes of the halod process group's membership this member applied."))
        messagesSent = registry.makeCounter(descriptor: Self.name("messages_sent", "total", "Messages this member multicast to the group."))
        messagesDelivered = registry.makeCounter(descriptor: Self.name("messages_delivered", "total",
            "Messages the group delivered to this member (its own included)."))
        registry.makeGauge(descriptor: Self.name("build", "info", "halod's version (always 1)."), labels: [("version", version)]).set(to: 1)
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "halo", metricName: metric, unitName: unit, helpText: help)
    }

    func membershipChanged() { membershipChanges.increment() }

    /// Tickle ACKs sent after taking a LUN over.
    func tickles(_ count: Int) {
        registry.makeCounter(descriptor: Self.name("tickle_connections", "total",
            "Initiator connections this node tickled after taking a LUN over from another node.")).increment(by: Int64(count))
    }

    /// A fencing attempt's result, as every member applies it.
    func fenceFinished(victim: String, succeeded: Bool) {
        registry.makeCounter(descriptor: Self.name("fencing_attempts", "total", "Fencing attempts that ended, by victim and result."),
                             labels: [("node", victim), ("result", succeeded ? "success" : "failure")]).increment()
    }

    /// An agent action this node ran.
    func agentAction(resource: String, action: StackAction, succeeded: Bool, took: Duration) {
        registry.makeCounter(descriptor: Self.name("agent_actions", "total", "Agent actions this node ran, by resource, action and result."),
                             labels: [("resource", resource), ("action", action.rawValue), ("result", succeeded ? "success" : "failure")]).increment()
        registry.makeDurationHistogram(descriptor: Self.name("agent_action_duration", "seconds", "How long agent actions took, by action."),
                                       labels: [("action", action.rawValue)],
                                       buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                 .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60)])
            .recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
    }

    /// A LUN's node changed in the agreed state.
    func lunMoved(_ lun: LUNName, reason: PlacementReason) {
        let kind: String
        switch reason {
        case .placed: kind = "placed"
        case .moved: kind = "requested"
        case .drained: kind = "drained"
        case .recovered: kind = "recovered"
        case .reassigned: kind = "reassigned"
        case .failedBack: kind = "failback"
        case .adopted: kind = "adopted"
        case .waitingForFence, .unplaced: kind = "unplaced"
        }
        registry.makeCounter(descriptor: Self.name("lun_moves", "total", "Changes of a LUN's node in the agreed state, by LUN and cause."),
                             labels: [("lun", lun.rawValue), ("cause", kind)]).increment()
    }

    /// The text exposition, with the gauges read from the agreed state now.
    func render(state: ClusterState?, configuration: ClusterConfiguration, servedHere: Set<LUNName>, traffic: (sent: Int, delivered: Int)) -> [UInt8] {
        messagesSent.increment(by: Int64(max(traffic.sent - lastSent, 0)))
        messagesDelivered.increment(by: Int64(max(traffic.delivered - lastDelivered, 0)))
        (lastSent, lastDelivered) = (traffic.sent, traffic.delivered)
        registry.makeGauge(descriptor: Self.name("in_sync", "", "Whether this member holds the cluster's state (1) or not yet (0).")).set(to: state == nil ? 0 : 1)
        guard let state else { return registry.emitToBuffer() }
        registry.makeGauge(descriptor: Self.name("cluster_quorate", "", "Whether the cluster may decide (quorate, verdict current): 1 or 0."))
            .set(to: state.quorum.allowsActions ? 1 : 0)
        registry.makeGauge(descriptor: Self.name("cluster_members", "", "Members of the halod process group.")).set(to: Double(state.members.count))
        registry.makeGauge(descriptor: Self.name("cluster_configuration_agreed", "", "Whether every member holds the same configuration: 1 or 0."))
            .set(to: state.agreement == nil ? 0 : 1)
        for node in configuration.nodes {
            let record = state.nodes[node.id]
            let labels = [("node", node.name)]
            registry.makeGauge(descriptor: Self.name("node_member", "", "Whether the node's halod is a member of the group: 1 or 0."), labels: labels)
                .set(to: record?.member == nil ? 0 : 1)
            registry.makeGauge(descriptor: Self.name("node_fencing_pending", "", "Whether the node must be fenced before its LUNs move: 1 or 0."), labels: labels)
                .set(to: record?.fenceTask == nil ? 0 : 1)
            registry.makeGauge(descriptor: Self.name("node_fencing_failed_attempts", "", "Failed attempts to fence the node since it was lost."), labels: labels)
                .set(to: Double(record?.fenceTask?.failedAttempts ?? 0))
            registry.makeGauge(descriptor: Self.name("node_drained", "", "Whether an operator drained the node: 1 or 0."), labels: labels)
                .set(to: record?.isDrained == true ? 1 : 0)
        }
        for lun in configuration.luns {
            let record = state.luns[lun.name]
            let labels = [("lun", lun.name.rawValue)]
            registry.makeGauge(descriptor: Self.name("lun_assigned", "", "Whether the LUN has a node to serve it in the agreed state: 1 or 0."), labels: labels)
                .set(to: record?.owner == nil ? 0 : 1)
            registry.makeGauge(descriptor: Self.name("lun_served_here", "", "Whether this node serves the LUN now (its stack up here): 1 or 0."), labels: labels)
                .set(to: servedHere.contains(lun.name) ? 1 : 0)
            let owner = record?.owner.flatMap { configuration.node($0)?.name } ?? ""
            if let previous = ownerSeries[lun.name], previous.node != owner {
                registry.unregisterGauge(previous.gauge)
                ownerSeries[lun.name] = nil
            }
            if !owner.isEmpty, ownerSeries[lun.name] == nil {
                let gauge = registry.makeGauge(descriptor: Self.name("lun_node", "info", "The node the agreed state assigns the LUN to (always 1)."),
                                               labels: [("lun", lun.name.rawValue), ("node", owner)])
                gauge.set(to: 1)
                ownerSeries[lun.name] = (owner, gauge)
            }
        }
        return registry.emitToBuffer()
    }
}

/// The `/metrics` endpoint: a minimal HTTP/1.0 responder on the daemon's loop (GET only, one
/// response per connection, requests bounded to 8 KiB).
final class MetricsServer {
    let listener: TCPListener
    private var clients: [Int32: (connection: StreamConnection, input: [UInt8], output: [UInt8])] = [:]

    init(host: String, port: UInt16) throws(Errno) {
        listener = try TCPListener(host: host, port: port)
    }

    func pollRequests() -> [PollRequest] {
        [PollRequest(listener.descriptor)] + clients.values.map { PollRequest($0.connection.descriptor, $0.output.isEmpty ? .readable : .writable) }
    }

    /// Serves what is ready; `render` makes the body of a scrape.
    func service(ready: [(descriptor: Int32, events: PollEvents)], render: () -> [UInt8]) {
        let readyDescriptors = Set(ready.map(\.descriptor))
        if readyDescriptors.contains(listener.descriptor) {
            while let connection = listener.accept() { clients[connection.descriptor] = (connection, [], []) }
        }
        for (fd, client) in clients where readyDescriptors.contains(fd) {
            var client = client
            if client.output.isEmpty {
                guard let bytes = try? client.connection.read(), !bytes.isEmpty else {
                    clients[fd] = nil
                    continue
                }
                client.input += bytes
                guard let text = String(validating: client.input.prefix(8192), as: UTF8.self) else { clients[fd] = nil; continue }
                guard text.contains("\r\n\r\n") || text.contains("\n\n") || client.input.count >= 8192 else {
                    clients[fd] = client
                    continue
                }
                let line = text.split(separator: "\n").first.map(String.init) ?? ""
                let words = line.split(separator: " ")
                if words.count >= 2, words[0] == "GET", words[1] == "/metrics" || words[1].hasPrefix("/metrics?") {
                    let body = render()
                    client.output = Array("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
                } else {
                    client.output = Array("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhalod serves /metrics only\n".utf8)
                }
            }
            while !client.output.isEmpty {
                guard let written = try? client.connection.write(client.output[...]) else { client.output = []; break }
                if written == 0 { break }
                client.output.removeFirst(written)
            }
            clients[fd] = client.output.isEmpty ? nil : client
        }
    }
}
