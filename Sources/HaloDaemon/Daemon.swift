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
    /// halod's version: the halo release (`HaloRelease`).
    public static let version = HaloRelease.version

    let options: DaemonOptions
    var configuration: ClusterConfiguration
    var machine: ClusterMachine
    let corosync: CorosyncConnection
    let log: DaemonLog
    let signals: SignalDescriptor
    let control: ControlServer
    let fencer = FenceRunner()
    var facts: FactsReader
    let stacks: StackRunner
    let metrics = DaemonMetrics(version: Daemon.version)
    /// The `/metrics` endpoint, when `[local] metrics` is set.
    let metricsServer: MetricsServer?
    /// The last disk states read, and the facts last given to the machine.
    var disks: [LUNName: DiskFact]?
    var announcedFacts: LocalFacts?
    let notifier: ServiceNotifier
    var timers: [(due: ContinuousClock.Instant, timer: ClusterTimer)] = []
    var lastWatchdog = ContinuousClock.now
    var stopRequested: ContinuousClock.Instant?
    var exitStatus: Int32?
    /// When each LUN's node last changed, as seen here.
    var lastMoves: [LUNName: Double] = [:]
    /// The iSCSI port whose connections halod watches on the portal addresses.
    static let iSCSIPort: UInt16 = 3260
    /// The connections last reported per LUN served here, and when to read them again.
    var reportedConnections: [LUNName: [ClientConnection]] = [:]
    var nextConnectionsRead = ContinuousClock.now
    /// Per LUN, the placement (its `since`) whose recovery this node already tickled.
    var tickled: [LUNName: UInt64] = [:]
    /// Fence-peer requests waiting for lost peers to be fenced: client → (LUN, the peers).
    var fencePeerWaits: [UInt64: (lun: LUNName, peers: [NodeID])] = [:]
    /// The LUN of each fence-peer request in flight, by client.
    var fencePeerLUNs: [UInt64: LUNName] = [:]
    /// Fence-peer requests the cluster could not decide yet (no quorum verdict for the new
    /// membership, not in sync): asked again until answered or the handler's timeout ends them.
    var fencePeerRetries: [(client: UInt64, lun: LUNName, at: ContinuousClock.Instant)] = []

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

    var watchdogDue: Deadline? {
        notifier.nextWatchdog(after: lastWatchdog).map(Deadline.init)
    }

    /// One turn of the loop: everything that is ready, then what time made due.
    func step(ready: [(descriptor: Int32, events: PollEvents)]) {
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
        if let due = notifier.nextWatchdog(after: lastWatchdog), now >= due {
            notifier.watchdog()
            lastWatchdog = now
        }
        if let stopRequested, now >= stopRequested + .seconds(5) {
            log.log(.warning, "the clean leave was not confirmed within 5 s; stopping anyway")
            exitStatus = 0
        }
    }

    func handle(signal: Int32) {
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
    var stopping: ContinuousClock.Instant?

    /// SIGHUP: reads the configuration again; a file with errors is refused and the running
    /// configuration kept. Members act on the new one once every member announced it.
    func reload() {
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

    /// Carries out the machine's actions.
    func perform(_ actions: [ClusterAction]) {
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

    var statusLine: String {
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
