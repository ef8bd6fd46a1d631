import ArgumentParser
import HaloCtl
import HaloFacts
import HaloJSON
import HaloSystem

/// haloctl: the operator's tool (docs/haloctl.md).
@main
struct Haloctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haloctl",
        abstract: "Status, moves, drains, health checks and failover rehearsals for a halo SAN, under Pacemaker or halod.",
        discussion: """
            haloctl speaks to the cluster manager that runs halo's LUN stacks: halod through its control \
            socket, or Pacemaker through its own tools (cibadmin, crm_mon, crm_simulate, crm_attribute, \
            crm_resource). It reads each node's live facts (DRBD, the target, the portal addresses) by \
            running halo-agent's halo-facts (or `haloctl facts`) there over ssh (--remote). A move never \
            leaves a constraint behind.

            Exit codes: 0 healthy or done; 1 degraded, refused or failed; 2 down, unknown, or no cluster \
            here; 64 a wrong name or option; 130 interrupted.
            """,
        version: HaloRelease.version,
        subcommands: [Status.self, Move.self, Drain.self, Undrain.self, Clear.self, CheckHealth.self, Rehearse.self, Facts.self])
}

/// The options every command that talks to the cluster shares.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The cluster manager: pacemaker or halod (default: halod if its socket answers, else Pacemaker).",
                               valueName: "manager"))
    var manager: String?

    @Option(help: "halod's configuration file.")
    var halodConfig = "/etc/halo/halod.toml"

    @Option(help: "halod's control socket (default: the configuration's).")
    var socket: String?

    @Option(help: ArgumentHelp("How to run a command on another node: an argv prefix split on spaces, {node} replaced by the node's name (never a shell).",
                               valueName: "command"))
    var remote = ConnectionOptions.defaultRemote

    @Option(help: "haloctl's path on the other nodes.")
    var remoteHaloctl = "/usr/sbin/haloctl"

    @Option(help: ArgumentHelp("What prints a node's facts for status, move, drain and rehearse on the other nodes (halo-agent's static halo-facts; haloctl facts where it is missing): an argv split on spaces.",
                               valueName: "command"))
    var remoteFacts = ConnectionOptions.defaultRemoteFacts.joined(separator: " ")

    @Option(help: ArgumentHelp("How to read a Pacemaker cluster: library (Pacemaker's libraries in-process; its tools when they cannot be loaded) or tools (cibadmin and crm_mon).",
                               valueName: "how"))
    var pacemakerRead = PacemakerReading.library.rawValue

    var connection: ConnectionOptions {
        get throws {
            var options = ConnectionOptions()
            if let manager {
                guard let kind = ManagerKind(rawValue: manager) else {
                    throw ValidationError("--manager must be pacemaker or halod, not \(manager)")
                }
                options.manager = kind
            }
            options.halodConfiguration = halodConfig
            options.halodSocket = socket
            options.remote = ConnectionOptions.remotePrefix(remote)
            options.remoteHaloctl = remoteHaloctl
            options.remoteFacts = ConnectionOptions.remotePrefix(remoteFacts)
            guard !options.remoteFacts.isEmpty else {
                throw ValidationError("--remote-facts must name a program (default: \(ConnectionOptions.defaultRemoteFacts.joined(separator: " ")))")
            }
            guard let reading = PacemakerReading(rawValue: pacemakerRead) else {
                throw ValidationError("--pacemaker-read must be library or tools, not \(pacemakerRead)")
            }
            options.pacemakerReading = reading
            options.prepareRemote()
            return options
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Runs a command body, turning haloctl's errors into one line and their exit code.
func perform(_ body: () throws(HaloctlError) -> Int32) throws {
    let code: Int32
    do {
        code = try body()
    } catch {
        StandardStream.error.write("haloctl: \(error.message)\n")
        throw ExitCode(error.exitCode)
    }
    if code != 0 { throw ExitCode(code) }
}

func duration(_ text: String) throws -> Duration {
    guard let value = Int(text.hasSuffix("s") ? String(text.dropLast()) : text), value > 0 else {
        throw ValidationError("a timeout is a whole number of seconds (300 or 300s), not \(text)")
    }
    return .seconds(value)
}

struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move one LUN to a chosen node, watch every step, and leave no constraint behind.",
        discussion: """
            First checks that NODE can take the LUN (online and not drained, DRBD running and UpToDate there \
            and connected, the portal interfaces present with the serving node's MTU, the target software \
            loaded), then asks the manager what it would do (Pacemaker: crm_simulate) and refuses a move that \
            would not last (a preference stronger than stickiness would move it back). Then moves it, shows \
            each step with its time, waits until the LUN is served and monitored on NODE, and removes the \
            constraint it created. On failure, timeout or Ctrl-C it removes the constraint and says exactly \
            where the LUN is.
            """)

    @Argument(help: "The LUN (its name, or the id of one of its resources).")
    var lun: String

    @Option(name: .customLong("to"), help: "The node that should serve it.")
    var node: String

    @Flag(help: "Print the checks and the steps the manager would take; change nothing.")
    var dryRun = false

    @Flag(help: "Return once the move is asked for; a background haloctl watches it and removes the constraint (its result goes to the journal).")
    var noWait = false

    @Option(help: "How long to wait for the move, in seconds.")
    var timeout = "300"

    @Flag(help: "Skip the checks of NODE's live facts (the manager's own rules still apply).")
    var force = false

    @Option(help: "text, or json (schema halo.move/1) for scripts.")
    var output = OutputFormat.text

    @Flag(help: .hidden)
    var background = false

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        var command = MoveCommand(lun: lun, node: node)
        command.dryRun = dryRun
        command.timeout = try duration(timeout)
        command.force = force
        if background {
            // The detached half of --no-wait: everything to the journal.
            try perform { () throws(HaloctlError) in
                let progress = Progress(silent: true, log: BackgroundMove.log)
                return try command.run(manager: try connection.connect(), liveChecks: NodeFactsChecks(connection: connection), progress: progress).exitCode
            }
            return
        }
        if noWait && !dryRun {
            try perform { () throws(HaloctlError) in
                try BackgroundMove.launch(arguments: Array(CommandLine.arguments.dropFirst()))
                print("the move of \(lun) to \(node) continues in the background: journalctl -t haloctl shows how it ends")
                return 0
            }
            return
        }
        try perform { () throws(HaloctlError) in
            let manager = try connection.connect()
            let progress = Progress(silent: output == .json)
            let report = try command.run(manager: manager, liveChecks: NodeFactsChecks(connection: connection), progress: progress)
            if output == .json { print(report.json.rendered(indent: 0)) }
            return report.exitCode
        }
    }
}

struct Drain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move every LUN off a node for maintenance, and keep it free of LUNs until undrained.",
        discussion: """
            Refuses (unless --force) when a LUN on NODE has nowhere to go, saying why (for example the other \
            node's disk is not UpToDate). Then drains NODE (Pacemaker: standby) and shows each LUN as it moves \
            and how long it took; completes when every LUN is served and monitored elsewhere.
            """)

    @Argument(help: "The node to drain.")
    var node: String

    @Flag(inversion: .prefixedNo, help: "Wait until every LUN is served elsewhere.")
    var wait = true

    @Option(help: "How long to wait, in seconds.")
    var timeout = "600"

    @Flag(help: "Drain even if a LUN has nowhere to go (it stops being served).")
    var force = false

    @Option(help: "text, or json (schema halo.drain/1).")
    var output = OutputFormat.text

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        var command = DrainCommand(node: node)
        command.wait = wait
        command.timeout = try duration(timeout)
        command.force = force
        try perform { () throws(HaloctlError) in
            let manager = try connection.connect()
            let report = try command.run(manager: manager, liveChecks: NodeFactsChecks(connection: connection),
                                         progress: Progress(silent: output == .json))
            if output == .json { print(report.json.rendered(indent: 0)) }
            return report.exitCode
        }
    }
}

struct Undrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Let a drained node take LUNs again; --rebalance moves the LUNs that prefer it back, one at a time.")

    @Argument(help: "The node to undrain.")
    var node: String

    @Flag(help: "Move the LUNs that prefer NODE back to it, one at a time, each checked and watched like haloctl move.")
    var rebalance = false

    @Option(help: "How long to wait for each move back, in seconds.")
    var timeout = "300"

    @Flag(help: "Move back without the checks of the node's live facts (as move --force).")
    var force = false

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        var command = UndrainCommand(node: node)
        command.rebalance = rebalance
        command.force = force
        command.timeout = try duration(timeout)
        try perform { () throws(HaloctlError) in
            try command.run(manager: try connection.connect(), liveChecks: NodeFactsChecks(connection: connection), progress: Progress())
        }
    }
}

struct Clear: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a LUN's failures once their cause is fixed, so it may run where it failed again.")

    @Argument(help: "The LUN.")
    var lun: String

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        try perform { () throws(HaloctlError) in
            let manager = try connection.connect()
            let view = try manager.view(deadline: Deadline.after(.seconds(20)))
            guard let found = view.lun(lun) else {
                throw .usage("no LUN \(lun); the LUNs are: \(view.luns.map(\.name).joined(separator: ", "))")
            }
            try manager.clearFailures(found, deadline: Deadline.after(.seconds(60)))
            print("\(found.name)'s failures are cleared")
            return 0
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per LUN: the node serving it and live facts from every node; per node: its state and fencing history.",
        discussion: """
            Problems come first, in plain words. The live facts come from each node itself (halo-facts \
            over --remote): DRBD's role, disk and peer on every node; on the serving node the target enabled \
            with its LUN, each portal address up on its interface, the initiators logged in; when the LUN last \
            moved and how long it was unserved (the manager's records). Exit code: 0 healthy, 1 degraded, \
            2 down or unknown (a node whose facts cannot be read makes its LUNs unknown, never healthy).
            """)

    @Argument(help: "The LUNs to show (all when none is named).")
    var luns: [String] = []

    @Option(help: "text, or json (schema halo.status/1, docs/haloctl.md).")
    var output = OutputFormat.text

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        try report(connection, output, scope: .serving) { (_, view, facts) throws(HaloctlError) in
            let report = try StatusReport(view: view, facts: facts, only: luns)
            return (report.json, report.text, report.exitCode)
        }
    }
}

/// A report of the cluster and every node's facts, printed as text or JSON; its exit code.
func report(_ connection: ConnectionOptions, _ output: OutputFormat, scope: FactsScope = .everything,
            _ build: (any ClusterManager, ClusterView, [String: Reading<NodeFacts>]) throws(HaloctlError) -> (JSONValue, String, Int32)) throws {
    try perform { () throws(HaloctlError) in
        let manager = try connection.connect()
        let gatherer = FactsGatherer(remote: connection.remote, remoteHaloctl: connection.remoteHaloctl, remoteFacts: connection.remoteFacts, scope: scope)
        let deadline = Deadline.after(.seconds(20))
        let (view, facts) = try gatherer.viewAndFacts(members: CorosyncReader.members(deadline: .after(.seconds(1))),
                                                      deadline: Deadline(deadline.instant.advanced(by: .seconds(1)))) {
            Result { () throws(HaloctlError) in try manager.view(deadline: deadline) }
        }
        let (json, text, code) = try build(manager, view, facts)
        StandardStream.output.write(output == .json ? json.rendered(indent: 0) + "\n" : text)
        return code
    }
}

struct CheckHealth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-health",
        abstract: "Everything that would make the first failover go wrong, each with a fix.",
        discussion: """
            On every node: kernel modules, DRBD's fencing policy and halo's handlers, disks and connections, \
            md arrays, the clock, corosync's token, consensus and two_node. Across nodes: portal interfaces \
            and MTUs, corosync's settings. The manager: fencing configured for every node and every device \
            answering its monitor, leftover move constraints, quorum. And what the initiators' timeouts must \
            be for the failover times on record. Exit code: 0 nothing worse than a note, 1 a warning, 2 critical.
            """)

    @Option(help: "text, or json (schema halo.health/1).")
    var output = OutputFormat.text

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let connection = try cluster.connection
        try report(connection, output) { (manager, view, facts) throws(HaloctlError) in
            let report = HealthReport.build(view: view, facts: facts, fencing: manager.fencingFindings(view, deadline: Deadline.after(.seconds(120))))
            return (report.json, report.text, report.exitCode)
        }
    }
}

struct Rehearse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rehearse a failover: a dry run, then a real planned switchover (and back), timed step by step.",
        discussion: """
            Reports each step's time and the window in which no node served the LUN, as haloctl saw it and as \
            the manager recorded it. After each move it waits for the initiators that were logged in before \
            it to log in again on the new node (--login-timeout), and reports how long they took: a move back \
            never catches an initiator mid-login. With --client, the project's verifying writer (halo-writer) writes to the \
            LUN on that initiator throughout; the rehearsal then also reports the client's longest stall and \
            whether every acknowledged write is on the disk. A verdict that could not be taken fails.
            """)

    @Argument(help: "The LUN.")
    var lun: String

    @Option(name: .customLong("to"), help: "The node to switch over to (default: another node that can take it).")
    var node: String?

    @Flag(help: "Move it back to where it was afterwards.")
    var back = false

    @Option(help: "An initiator to run the verifying writer on (reached with --remote).")
    var client: String?

    @Option(help: "The LUN's block device on the initiator (required with --client).")
    var clientDevice: String?

    @Option(help: "halo-writer's path on the initiator.")
    var clientWriter = "/usr/lib/halo/halo-writer"

    @Option(help: "How long the writer runs, in seconds (the rehearsal must finish within it).")
    var clientSeconds = 120

    @Option(help: "How long to wait for each move, in seconds.")
    var timeout = "300"

    @Option(help: "How long, after each move, the initiators logged in before it may take to log in again on the new node, in seconds.")
    var loginTimeout = "90"

    @Option(help: "text, or json (schema halo.rehearsal/1).")
    var output = OutputFormat.text

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if client != nil && clientDevice == nil { throw ValidationError("--client needs --client-device (the LUN's device on the initiator)") }
    }

    func run() throws {
        let connection = try cluster.connection
        var command = RehearseCommand(lun: lun)
        command.node = node
        command.back = back
        command.timeout = try duration(timeout)
        command.loginTimeout = try duration(loginTimeout)
        if let client, let clientDevice {
            var spec = RehearseCommand.Client(host: client, device: clientDevice, remote: connection.remote)
            spec.writer = clientWriter
            spec.seconds = clientSeconds
            command.client = spec
        }
        try perform { () throws(HaloctlError) in
            let report = try command.run(manager: try connection.connect(), liveChecks: NodeFactsChecks(connection: connection),
                                         progress: Progress(silent: output == .json))
            if output == .json { print(report.json.rendered(indent: 0)) }
            return report.exitCode
        }
    }
}

struct Facts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "This node's live facts (DRBD, targets, links and addresses, md arrays, clock, modules, corosync).",
        discussion: "What the other commands read from every node; the JSON is schema halo.facts/1 (docs/haloctl-facts.md).")

    @Option(help: "text, or json (schema halo.facts/1).")
    var output = OutputFormat.text

    @Flag(help: "Skip DRBD's configuration (drbdadm dump all): it then reads as failed, not asked for. What status, move and drain ask for.")
    var withoutDRBDConfiguration = false

    func run() throws {
        let facts = FactsCollector.withCorosync.collect(deadline: Deadline.after(.seconds(6)), drbdConfiguration: !withoutDRBDConfiguration)
        if output == .json {
            print(facts.json.rendered(style: .compact))
        } else {
            print(facts.json.rendered(indent: 0))
        }
    }
}
