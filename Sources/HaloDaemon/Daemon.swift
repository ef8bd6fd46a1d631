import HaloControl
import HaloCluster
import HaloCorosync
import HaloNet
import HaloSystem

/// How halod was started.
public struct DaemonOptions: Sendable {
    public var configurationPath = "/etc/halo/halod.toml"
    /// Log to standard error too (tests, running in a terminal).
    public var logToStandardError = false
    public var debug = false
    /// Overrides the configuration's control socket (tests).
    public var controlSocket: String?

    public init() {}
}

/// Why halod could not start or had to stop, with the exit status it ends with.
public struct DaemonFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// 78 (`EX_CONFIG`) for a configuration problem: systemd does not restart it
    /// (`RestartPreventExitStatus=78` in halod.service); 1 otherwise.
    public let status: Int32

    static func configuration(_ message: String) -> DaemonFailure { DaemonFailure(message: message, status: 78) }
    static func runtime(_ message: String) -> DaemonFailure { DaemonFailure(message: message, status: 1) }

    public var description: String { message }
}

/// The daemon: one thread, one `poll` loop over corosync's descriptors, the signal
/// descriptor, the control socket and its clients, running fence agents and fact reads, and
/// timers. Every event goes to the `ClusterMachine`; the machine's actions are performed
/// here, and nothing here decides. The loop never blocks on anything but `poll`.
///
/// A single loop rather than a task group of services (STYLE §6.3): corosync's handles must
/// be used from the thread that owns them, every other input is a descriptor too, and one
/// loop keeps the order of events explicit and the daemon small (docs/halod.md, "Inside").
public final class Daemon {
    public static let version = "0.1"

    let options: DaemonOptions
    private(set) var configuration: ClusterConfiguration
    private(set) var machine: ClusterMachine
    let corosync: CorosyncConnection
    let log: DaemonLog
    let signals: SignalDescriptor
    let control: ControlServer
    let fencer = FenceRunner()
    private(set) var facts: FactsReader
    let stacks: StackRunner
    let metrics = DaemonMetrics(version: Daemon.version)
    /// The `/metrics` endpoint, when `[local] metrics` is set.
    let metricsServer: MetricsServer?
    /// The last disk states read, and the facts last given to the machine.
    private var disks: [LUNName: DiskFact]?
    private var announcedFacts: LocalFacts?
    let notifier: ServiceNotifier
    private var timers: [(due: ContinuousClock.Instant, timer: ClusterTimer)] = []
    private var lastWatchdog = ContinuousClock.now
    private var stopRequested: ContinuousClock.Instant?
    private var exitStatus: Int32?

    /// Loads the configuration, checks it against corosync and Pacemaker, connects and joins.
    ///
    /// - Throws: `DaemonFailure` saying what is wrong.
    public init(options: DaemonOptions) throws(DaemonFailure) {
        self.options = options
        log = DaemonLog(toStandardError: options.logToStandardError, debug: options.debug)
        let text: String
        do {
            text = String(decoding: try FileSystem.readBytes(options.configurationPath), as: UTF8.self)
        } catch {
            throw .configuration("cannot read \(options.configurationPath): \(error)")
        }
        do {
            configuration = try ClusterConfiguration.load(text, file: options.configurationPath)
        } catch {
            throw .configuration(error.description)
        }
        corosync = try Self.connect(log: log)
        let map: ConfigurationMap
        do { map = try ConfigurationMap() } catch { throw .runtime("cannot read corosync's configuration map: \(error)") }
        let problems: [String]
        do {
            problems = StartupChecks.problems(configuration: configuration, corosyncNodes: try map.nodes(),
                                              settings: try map.settings(), localNode: corosync.localNode)
        } catch {
            throw .runtime("cannot read corosync's node list: \(error)")
        }
        guard problems.isEmpty else { throw .configuration(problems.joined(separator: "; ")) }
        if let cib = PacemakerConflict.readCIB() {
            var cache: [AgentName: Set<String>?] = [:]
            let conflicts = PacemakerConflict.find(in: cib, configuration: configuration) { agent in
                if let known = cache[agent] { return known }
                let unique = PacemakerConflict.uniqueParameters(of: agent)
                cache[agent] = unique
                return unique
            }
            guard conflicts.isEmpty else { throw .configuration(conflicts.map(\.description).joined(separator: "; ")) }
        }
        do {
            signals = try SignalDescriptor(signals: [DaemonSignal.terminate, DaemonSignal.interrupt, DaemonSignal.hangup])
        } catch {
            throw .runtime("cannot open a signal descriptor: \(error)")
        }
        let socket = options.controlSocket ?? configuration.local.controlSocket
        do {
            if let slash = socket.lastIndex(of: "/"), slash != socket.startIndex {
                try? FileSystem.makeDirectories(String(socket[..<slash]), permissions: 0o755)
            }
            control = try ControlServer(path: socket)
        } catch {
            throw .runtime("cannot listen on the control socket \(socket): \(error)")
        }
        notifier = ServiceNotifier(environment: CurrentProcess.environment())
        if let endpoint = configuration.local.metrics {
            do {
                metricsServer = try MetricsServer(host: endpoint.host, port: endpoint.port)
            } catch {
                throw .runtime("cannot listen for metrics on \(endpoint.host):\(endpoint.port): \(error)")
            }
        } else {
            metricsServer = nil
        }
        facts = FactsReader(configuration: configuration)
        stacks = StackRunner(configuration: configuration, localNode: corosync.localNode)
        machine = ClusterMachine(me: MemberID(node: corosync.localNode, process: UInt32(CurrentProcess.id)), software: "halod \(Self.version)")
        perform(machine.handle(.configuration(configuration)))
        if !facts.readsDRBD { disks = facts.staticFacts }
        do {
            try corosync.join(until: .after(.seconds(30)))
        } catch {
            throw .runtime("cannot join corosync's process group \(CorosyncConnection.groupName): \(error)")
        }
        log.log(.notice, "halod joined the cluster", ["halo.node": String(corosync.localNode.rawValue), "halo.digest": configuration.digest,
                                                     "halo.socket": socket])
        notifier.ready(status: "joined; waiting for the cluster state")
    }

    /// corosync's services, retried for a while: at boot corosync may still be starting.
    static func connect(log: DaemonLog) throws(DaemonFailure) -> CorosyncConnection {
        let deadline = Deadline.after(.seconds(30))
        while true {
            do {
                return try CorosyncConnection()
            } catch .notRunning where !deadline.hasPassed() {
                Pause.for(.seconds(1))
            } catch .notFound {
                throw .configuration("corosync runs without a quorum provider; halod needs one (quorum { provider: corosync_votequorum })")
            } catch {
                throw .runtime("cannot connect to corosync: \(error)")
            }
        }
    }

    /// Runs until SIGTERM (or corosync goes away); returns the exit status.
    public func run() -> Int32 {
        while exitStatus == nil {
            var requests = [PollRequest(corosync.groupDescriptor), PollRequest(corosync.quorumDescriptor), PollRequest(signals.descriptor)]
            requests += control.pollRequests() + fencer.pollRequests() + facts.pollRequests() + stacks.pollRequests()
            requests += metricsServer?.pollRequests() ?? []
            let now = ContinuousClock.now
            var wake = [timers.map(\.due).min().map(Deadline.init), fencer.nextWake(now: now), facts.nextWake(now: now), stacks.nextWake(now: now),
                        stacks.served.isEmpty ? nil : Deadline(nextConnectionsRead),
                        fencePeerRetries.map(\.at).min().map(Deadline.init),
                        control.nextWake(), watchdogDue, stopRequested.map { Deadline($0 + .seconds(5)) }].compactMap { $0 }.min()
            if corosync.hasBacklog { wake = [wake, Deadline.after(.milliseconds(20))].compactMap { $0 }.min() }
            let ready: [(descriptor: Int32, events: PollEvents)]
            do {
                ready = try Poller.wait(requests, until: wake)
            } catch {
                log.log(.error, "poll failed", ["halo.errno": String(describing: error)])
                return 1
            }
            step(ready: ready)
        }
        return exitStatus ?? 0
    }

    private var watchdogDue: Deadline? {
        notifier.watchdogInterval.map { Deadline(lastWatchdog + $0 / 2) }
    }

    /// One turn of the loop: everything that is ready, then what time made due.
    private func step(ready: [(descriptor: Int32, events: PollEvents)]) {
        let readyDescriptors = Set(ready.map(\.descriptor))
        if readyDescriptors.contains(signals.descriptor) {
            for signal in signals.take() { handle(signal: signal) }
        }
        let groupReady = readyDescriptors.contains(corosync.groupDescriptor)
        let quorumReady = readyDescriptors.contains(corosync.quorumDescriptor)
        if groupReady || quorumReady || corosync.hasBacklog {
            do {
                for delivery in try corosync.dispatch(groupReady: groupReady, quorumReady: quorumReady) { handle(delivery) }
            } catch {
                log.log(.error, "lost the connection to corosync: halod stops (systemd restarts it with corosync)", ["halo.error": error.description])
                exitStatus = 1
                return
            }
        }
        for (client, request) in control.service(ready: ready) { handle(request, from: client) }
        metricsServer?.service(ready: ready) {
            let counters = corosync.counters
            return metrics.render(state: machine.state, configuration: configuration, servedHere: stacks.served,
                                  traffic: (counters.sent, counters.delivered))
        }
        fencer.service(ready: ready)
        for event in fencer.takeEvents() { handle(event) }
        if let read = facts.service(ready: ready) { disks = read }
        for event in stacks.service(ready: ready) { handle(event) }
        driveStacks()
        let now = ContinuousClock.now
        let dueRetries = fencePeerRetries.filter { $0.at <= now }
        fencePeerRetries.removeAll { $0.at <= now }
        for retry in dueRetries where control.isWaiting(retry.client) {
            perform(machine.handle(.request(.fencePeer(retry.lun), client: retry.client)))
        }
        while let index = timers.indices.first(where: { timers[$0].due <= now }) {
            let timer = timers.remove(at: index).timer
            perform(machine.handle(.timer(timer)))
        }
        if let interval = notifier.watchdogInterval, now >= lastWatchdog + interval / 2 {
            notifier.watchdog()
            lastWatchdog = now
        }
        if let stopRequested, now >= stopRequested + .seconds(5) {
            log.log(.warning, "the clean leave was not confirmed within 5 s; stopping anyway")
            exitStatus = 0
        }
    }

    /// When each LUN's node last changed, as seen here.
    private var lastMoves: [LUNName: Double] = [:]

    private func handle(_ delivery: CorosyncConnection.Delivery) {
        switch delivery {
        case .agreed(let event):
            let owners = machine.state?.luns.mapValues(\.owner)
            let fenceResultsUpTo = machine.state.map { $0.fenceHistory.last?.at ?? 0 }
            if case .membership = event { metrics.membershipChanged() }
            defer {
                if let before = owners, let after = machine.state?.luns {
                    for (lun, record) in after where before[lun] != nil && before[lun]! != record.owner {
                        lastMoves[lun] = WallClock.now
                        metrics.lunMoved(lun, reason: record.reason)
                    }
                }
                if let before = fenceResultsUpTo, let history = machine.state?.fenceHistory {
                    for entry in history where entry.at > before {
                        var succeeded = false
                        if case .succeeded = entry.outcome { succeeded = true }
                        metrics.fenceFinished(victim: configuration.node(entry.attempt.victim)?.name ?? "\(entry.attempt.victim)", succeeded: succeeded)
                    }
                }
            }
            if case .membership(let change) = event, stopRequested != nil, !change.members.contains(machine.me) {
                stacks.cancelAll()
                log.log(.notice, "left the cluster cleanly")
                exitStatus = 0
                return
            }
            perform(machine.handle(event))
            answerFencePeerWaits()
            notifier.status(statusLine)
        case .local(let event):
            perform(machine.handle(event))
        case .ring(let sequence, let nodes):
            log.log(.info, "corosync formed a new ring", ["halo.ring": String(sequence), "halo.nodes": nodes.map { String($0.rawValue) }.joined(separator: ",")])
        case .unreadable(let member, let reason):
            log.log(.warning, "a member sent a message this halod cannot read (another version?)", ["halo.member": member.description, "halo.reason": reason])
        }
    }

    private func handle(_ event: FenceRunner.Event) {
        switch event {
        case .agentStarted(let order, let device, let action):
            log.log(.warning, "fence agent started", ["halo.node": String(order.attempt.victim.rawValue), "halo.victim": order.victimName,
                                                     "halo.device": device.name, "halo.agent": device.agent, "halo.action": action,
                                                     "halo.attempt": String(order.attempt.number)])
        case .finished(let attempt, let outcome, let took):
            perform(machine.handle(.fenceFinished(attempt, outcome)))
            let milliseconds: Int64 = took.milliseconds
            log.log(.info, "fence attempt finished", ["halo.node": String(attempt.victim.rawValue), "halo.duration_ms": String(milliseconds)])
        }
    }

    private func handle(signal: Int32) {
        switch signal {
        case DaemonSignal.hangup:
            reload()
        default:
            guard stopping == nil else { return }
            log.log(.notice, "stopping: the LUNs served here are stopped, then halod leaves the cluster cleanly (no node fences this one for it)")
            notifier.stopping()
            fencer.cancelAll()
            stopping = .now
        }
    }

    /// SIGTERM was received (then: stop serving, then leave).
    private var stopping: ContinuousClock.Instant?

    /// The iSCSI port whose connections halod watches on the portal addresses.
    static let iSCSIPort: UInt16 = 3260
    /// The connections last reported per LUN served here, and when to read them again.
    private var reportedConnections: [LUNName: [ClientConnection]] = [:]
    private var nextConnectionsRead = ContinuousClock.now
    /// Per LUN, the placement (its `since`) whose recovery this node already tickled.
    private var tickled: [LUNName: UInt64] = [:]

    /// Reads the initiators connected to the portals of the LUNs served here (socket
    /// diagnostics, every facts interval) and reports the ones that changed.
    private func watchConnections(now: ContinuousClock.Instant) {
        guard now >= nextConnectionsRead else { return }
        nextConnectionsRead = now + configuration.local.factsInterval
        let served = stacks.served
        reportedConnections = reportedConnections.filter { served.contains($0.key) }
        guard !served.isEmpty, machine.state != nil else { return }
        let established: [TCPConnection]
        do {
            var diagnostics = try SocketDiagnostics()
            established = try diagnostics.establishedTCP(localPort: Self.iSCSIPort, deadline: .after(.seconds(1)))
        } catch {
            log.log(.debug, "cannot read the TCP connections", ["halo.error": "\(error)"])
            return
        }
        for lun in configuration.luns where served.contains(lun.name) {
            let portals = Set(lun.portalAddresses)
            let connections = established.filter { portals.contains($0.local.description) }
                .map { ClientConnection(portal: $0.local.description, portalPort: $0.localPort, client: $0.remote.description, clientPort: $0.remotePort) }
                .sorted()
            if reportedConnections[lun.name] != connections {
                reportedConnections[lun.name] = connections
                perform(machine.handle(.connections(lun.name, connections)))
            }
        }
    }

    /// After this node took a LUN whose node was lost: once its stack is up here, every
    /// connection the lost node had is tickled, so its initiator reconnects at once.
    private func tickleRecoveredLUNs() {
        guard configuration.local.tickleACKs, let state = machine.state else { return }
        for (name, stack) in stacks.stacks {
            guard let record = state.luns[name], record.owner == corosync.localNode, case .recovered = record.reason,
                  tickled[name] != record.since, stack.local.operation == nil,
                  StackPlanner.next(stack.local, roles: stack.roles, goal: .serve) == nil, StackPlanner.isServing(stack.local, roles: stack.roles)
            else { continue }
            tickled[name] = record.since
            var sent = 0
            for connection in record.connections {
                guard let local = IPAddress(connection.portal), let remote = IPAddress(connection.client) else { continue }
                do {
                    try TickleACK.send(for: TCPConnection(local: local, localPort: connection.portalPort, remote: remote, remotePort: connection.clientPort))
                    sent += 1
                } catch {
                    log.log(.warning, "a tickle ACK could not be sent", ["halo.lun": name.rawValue, "halo.client": connection.client, "halo.error": "\(error)"])
                }
            }
            metrics.tickles(sent)
            log.log(.notice, "tickled the initiators of a recovered LUN: they reconnect at once", ["halo.lun": name.rawValue, "halo.connections": String(sent)])
        }
    }

    /// Each LUN's goal from the agreed state; the stacks' next actions; the facts when they
    /// changed (only once every resource was probed: what runs here must be known before the
    /// cluster places anything on what this node says).
    private func driveStacks() {
        var goals: [LUNName: StackGoal] = [:]
        for name in stacks.stacks.keys {
            let goal = StackGoal.of(name, for: corosync.localNode, in: machine.state, isConfigured: configuration.lun(name) != nil)
            goals[name] = stopping != nil && goal == .serve ? .standby : goal
        }
        stacks.advance(goals: goals)
        tickleRecoveredLUNs()
        watchConnections(now: .now)
        if let disks, stacks.isProbed {
            let current = LocalFacts(disks: disks, running: stacks.served)
            if current != announcedFacts {
                announcedFacts = current
                perform(machine.handle(.facts(current)))
            }
        }
        if let since = stopping, stopRequested == nil {
            let maximumStop = configuration.luns.flatMap(\.resources).map { $0.timeouts.stop + $0.timeouts.demote }.max() ?? .zero
            if stacks.served.isEmpty || ContinuousClock.now >= since + maximumStop + .seconds(5) {
                if !stacks.served.isEmpty { log.log(.error, "LUNs still served here after their stop timeouts; leaving anyway") }
                corosync.leave()
                stopRequested = .now
            }
        }
    }

    private func handle(_ event: StackRunner.Event) {
        switch event {
        case .finished(let lun, let step, let resource, let exit, let reason, let took, let failure):
            metrics.agentAction(resource: resource, action: step.action, succeeded: failure == nil, took: took)
            var data = ["halo.lun": lun.rawValue, "halo.resource": resource, "halo.action": step.action.rawValue,
                        "halo.exit": "\(exit)", "halo.duration_ms": String(took.milliseconds)]
            if let reason { data["halo.reason"] = reason }
            guard let failure else {
                if step.action != .monitor { log.log(step.action == .probe ? .info : .notice, "agent action done", data) }
                return
            }
            log.log(.error, "agent action failed", data)
            perform(machine.handle(.stackFailed(StackFailure(
                lun: lun, resource: resource, action: step.action.rawValue, kind: failure,
                reason: reason ?? "\(exit)"))))
        }
    }

    /// SIGHUP: reads the configuration again; a file with errors is refused and the running
    /// configuration kept. Members act on the new one once every member announced it.
    private func reload() {
        do {
            let text = String(decoding: try FileSystem.readBytes(options.configurationPath), as: UTF8.self)
            let loaded = try ClusterConfiguration.load(text, file: options.configurationPath)
            guard loaded.node(corosync.localNode) != nil else {
                log.log(.error, "the reloaded configuration does not name this node; keeping the running one")
                return
            }
            configuration = loaded
            facts = FactsReader(configuration: loaded)
            stacks.reconfigure(loaded, localNode: corosync.localNode)
            perform(machine.handle(.configuration(loaded)))
            if !facts.readsDRBD { disks = facts.staticFacts }
            log.log(.notice, "configuration reloaded", ["halo.digest": loaded.digest])
        } catch {
            log.log(.error, "the configuration was not reloaded: it has an error; the running one is kept", ["halo.error": String(describing: error)])
        }
    }

    /// Fence-peer requests waiting for lost peers to be fenced: client → (LUN, the peers).
    private var fencePeerWaits: [UInt64: (lun: LUNName, peers: [NodeID])] = [:]
    /// The LUN of each fence-peer request in flight, by client.
    private var fencePeerLUNs: [UInt64: LUNName] = [:]
    /// Fence-peer requests the cluster could not decide yet (no quorum verdict for the new
    /// membership, not in sync): asked again until answered or the handler's timeout ends them.
    private var fencePeerRetries: [(client: UInt64, lun: LUNName, at: ContinuousClock.Instant)] = []

    /// Answers the fence-peer requests whose peers are now all fenced.
    private func answerFencePeerWaits() {
        guard !fencePeerWaits.isEmpty, let state = machine.state else { return }
        for (client, wait) in fencePeerWaits where wait.peers.allSatisfy({ state.nodes[$0]?.safety == .stopped(.fenced) }) {
            fencePeerWaits[client] = nil
            control.send(.drbdAnswer(7, "the peers of \(wait.lun) were fenced"), to: client)
        }
    }

    /// The LUN whose stack has DRBD resource `resource`.
    private func lun(drbdResource resource: String) -> LUNName? {
        configuration.luns.first { $0.drbdResource == resource }?.name
    }

    private func handle(_ request: Result<ControlRequest, ControlRequestError>, from client: UInt64) {
        switch request {
        case .failure(let error):
            control.send(.failed(error.description), to: client)
        case .success(.status):
            let counters = corosync.counters
            let localStacks = stacks.stacks.values.sorted { $0.configuration.name < $1.configuration.name }.map { stack in
                LocalStackStatus(
                    lun: stack.configuration.name,
                    goal: StackGoal.of(stack.configuration.name, for: corosync.localNode, in: machine.state,
                                       isConfigured: configuration.lun(stack.configuration.name) != nil),
                    resources: zip(stack.configuration.resources, stack.local.resources).map { ($0.id, $0.role, $1) },
                    operation: stack.local.operation.map { "\(stack.configuration.resources[$0.resource].id) \($0.action.rawValue)" },
                    stopFailed: stack.local.stopFailed, served: StackPlanner.isServing(stack.local, roles: stack.roles))
            }
            control.send(.status(StatusReport(machine: machine, configuration: configuration, localNode: corosync.localNode,
                                              events: Array(log.recent.suffix(60)),
                                              traffic: (counters.sent, counters.sentBytes, counters.delivered, counters.deliveredBytes),
                                              stacks: localStacks, lastMoves: lastMoves).json),
                         to: client)
        case .success(.move(let lun, let node)):
            guard configuration.lun(LUNName(lun)) != nil else { return control.send(.failed("\(lun) is not a configured LUN"), to: client) }
            guard let target = configuration.node(named: node) else { return control.send(.failed("\(node) is not a configured node"), to: client) }
            perform(machine.handle(.request(.move(LUNName(lun), to: target.id), client: client)))
        case .success(.drain(let node)), .success(.undrain(let node)):
            guard let target = configuration.node(named: node) else { return control.send(.failed("\(node) is not a configured node"), to: client) }
            if case .success(.drain) = request {
                perform(machine.handle(.request(.drain(target.id), client: client)))
            } else {
                perform(machine.handle(.request(.undrain(target.id), client: client)))
            }
        case .success(.clear(let lun)):
            guard configuration.lun(LUNName(lun)) != nil else { return control.send(.failed("\(lun) is not a configured LUN"), to: client) }
            perform(machine.handle(.request(.clear(LUNName(lun)), client: client)))
        case .success(.fencePeer(let resource, _)):
            guard let lun = lun(drbdResource: resource) else {
                return control.send(.failed("no LUN of halod's configuration uses DRBD resource \(resource)"), to: client)
            }
            log.log(.warning, "DRBD lost the peer of a LUN this node holds Primary: its peers are outdated or fenced before I/O resumes",
                    ["halo.lun": lun.rawValue, "halo.drbd": resource])
            fencePeerLUNs[client] = lun
            perform(machine.handle(.request(.fencePeer(lun), client: client)))
        case .success(.unfencePeer(let resource)):
            guard let lun = lun(drbdResource: resource) else {
                return control.send(.failed("no LUN of halod's configuration uses DRBD resource \(resource)"), to: client)
            }
            perform(machine.handle(.request(.unfencePeer(lun), client: client)))
        }
    }

    /// Carries out the machine's actions.
    private func perform(_ actions: [ClusterAction]) {
        for action in actions {
            switch action {
            case .send(let message):
                corosync.send(message.encoded)
            case .runFence(let order):
                fencer.start(order)
                for event in fencer.takeEvents() { handle(event) }
            case .schedule(let timer, let delay):
                timers.append((ContinuousClock.now + delay, timer))
            case .reply(let request, let outcome):
                switch outcome {
                case .accepted(let message): control.send(.done(message), to: request.number)
                case .refused(let reason):
                    if let lun = fencePeerLUNs[request.number], control.isWaiting(request.number) {
                        // DRBD holds I/O until the handler answers: a transient refusal is asked
                        // again rather than answered with a failure that would keep it frozen.
                        log.log(.info, "fence-peer request not decided yet; asking again", ["halo.lun": lun.rawValue, "halo.reason": reason])
                        fencePeerRetries.append((request.number, lun, ContinuousClock.now + .milliseconds(300)))
                    } else {
                        control.send(.failed(reason), to: request.number)
                    }
                case .peersOutdated: control.send(.drbdAnswer(4, "the peers are outdated: none is promoted before its resync"), to: request.number)
                case .peersFenced: control.send(.drbdAnswer(7, "the peers were fenced"), to: request.number)
                case .awaitingFence(let peers):
                    // The answer waits for the fence (DRBD keeps I/O frozen meanwhile), bounded
                    // by the handler's own timeout on the control socket.
                    fencePeerWaits[request.number] = (fencePeerLUNs[request.number] ?? LUNName("?"), peers)
                    answerFencePeerWaits()
                }
            case .log(let entry):
                log(entry)
            case .restart(let reason):
                guard stopRequested == nil else { continue }
                log.log(.error, "halod must restart", ["halo.reason": reason])
                exitStatus = 1
            }
        }
    }

    private var statusLine: String {
        guard let state = machine.state else { return "waiting for the cluster state" }
        let served = state.luns.values.filter { $0.owner == corosync.localNode }.count
        return "\(state.members.count) members, \(state.quorum.allowsActions ? "quorate" : "NOT quorate"), serving \(served) of \(state.luns.count) LUNs"
    }
}

extension Daemon {
    /// Reads and checks a configuration file without starting (`halod --check`).
    ///
    /// - Returns: the configuration's digest.
    /// - Throws: `DaemonFailure` with the error.
    public static func check(configurationPath: String) throws(DaemonFailure) -> String {
        let text: String
        do {
            text = String(decoding: try FileSystem.readBytes(configurationPath), as: UTF8.self)
        } catch {
            throw .configuration("cannot read \(configurationPath): \(error)")
        }
        do {
            return try ClusterConfiguration.load(text, file: configurationPath).digest
        } catch {
            throw .configuration(error.description)
        }
    }
}

/// Standard error for executables that have no Foundation.
public enum StandardError {
    public static func print(_ line: String) { StandardStream.error.write(line + "\n") }
}
