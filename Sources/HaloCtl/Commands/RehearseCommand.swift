import HaloJSON
import HaloSystem

/// `haloctl rehearse LUN [--to NODE] [--back] [--client HOST --client-device DEV]`: failover
/// testing as a named use. A dry run, then a real planned switchover (and back), each step
/// with its time and the window in which no node served the LUN; with a client, the project's
/// verifying writer runs on the initiator throughout and its stall and integrity verdict are
/// added (a verdict that could not be taken fails the rehearsal).
public struct RehearseCommand: Sendable {
    public var lun: String
    public var node: String?
    public var back = false
    public var timeout: Duration = .seconds(300)
    public var client: Client?

    /// The initiator and what runs there.
    public struct Client: Sendable {
        public var host: String
        /// The LUN's block device on the initiator (`/dev/disk/by-path/…`).
        public var device: String
        public var writer = "/usr/lib/halo/halo-writer"
        /// How long the writer runs: the rehearsal must end within it.
        public var seconds = 120
        /// The argv prefix that runs a command on `host` (`{node}` replaced).
        public var remote: [String]

        public init(host: String, device: String, remote: [String]) {
            self.host = host
            self.device = device
            self.remote = remote
        }
    }

    public init(lun: String) { self.lun = lun }

    public struct Report: Sendable {
        public var moves: [MoveCommand.Report] = []
        /// The manager's own record of the last move's unserved window (whole seconds).
        public var recordedUnserved: Double?
        /// The writer's verify result on the client, when one ran.
        public var client: JSONValue?
        public var clientVerdict: String?
        public var exitCode: Int32 = 0

        public var json: JSONValue {
            .object([
                ("schema", .string("halo.rehearsal/1")),
                ("moves", .array(moves.map(\.json))),
                ("recordedUnservedMilliseconds", recordedUnserved.map { .int(Int(($0 * 1000).rounded())) } ?? .null),
                ("client", client ?? .null),
                ("clientVerdict", clientVerdict.map(JSONValue.string) ?? .null),
                ("exitCode", .int(Int(exitCode))),
            ])
        }
    }

    public func run(manager: any ClusterManager, liveChecks: LiveChecks?, progress: Progress) throws(HaloctlError) -> Report {
        let view = try manager.view(deadline: Deadline.after(.seconds(20)))
        guard let lunView = view.lun(lun) else {
            throw .usage("no LUN \(lun); the LUNs are: \(view.luns.map(\.name).joined(separator: ", "))")
        }
        guard let home = lunView.servingNode else { throw .refused("\(lunView.name) is not served now: a rehearsal starts from a served LUN") }
        let target = node ?? view.nodes.first { $0.name != home && $0.state.canServe && lunView.excluded[$0.name] == nil }?.name
        guard let target else { throw .refused("no other node can take \(lunView.name) now: nothing to rehearse") }
        var report = Report()

        progress.line("rehearsal of \(lunView.name): \(home) → \(target)\(back ? " → \(home)" : "")")
        progress.line("1. dry run")
        var dry = MoveCommand(lun: lunView.name, node: target)
        dry.dryRun = true
        let planned = try dry.run(manager: manager, liveChecks: liveChecks, progress: progress)
        guard planned.exitCode == 0 else {
            report.moves.append(planned)
            report.exitCode = planned.exitCode
            progress.line("the rehearsal stops: the move would be refused")
            return report
        }

        var writer: ChildProcess?
        var writerLog = ""
        if let client {
            writerLog = "/var/tmp/haloctl-rehearse-\(lunView.name)-\(CurrentProcess.id).log"
            progress.line("   starting the verifying writer on \(client.host) (\(client.device), \(client.seconds) s)")
            let argv = client.remote.map { $0.replacingNodePlaceholder(with: client.host) }
                + [client.writer, "write", client.device, writerLog, "--tag", Self.tag(lunView.name), "--seconds", String(client.seconds), "--interval", "10"]
            do {
                writer = try ProcessRunner().start(Command(argv[0], Array(argv.dropFirst())), deadline: Deadline.after(.seconds(client.seconds + 60)))
            } catch {
                throw .refused("cannot start the writer on \(client.host): \(error)")
            }
            // A baseline of undisturbed writes before the move.
            Pause.for(.seconds(5))
        }

        progress.line("2. move to \(target)")
        var move = MoveCommand(lun: lunView.name, node: target)
        move.timeout = timeout
        let there = try move.run(manager: manager, liveChecks: liveChecks, progress: progress)
        report.moves.append(there)
        report.exitCode = there.exitCode
        if back && there.exitCode == 0 {
            progress.line("3. move back to \(home)")
            Pause.for(.seconds(3))
            var returning = MoveCommand(lun: lunView.name, node: home)
            returning.timeout = timeout
            let returned = try returning.run(manager: manager, liveChecks: liveChecks, progress: progress)
            report.moves.append(returned)
            report.exitCode = max(report.exitCode, returned.exitCode)
        }
        report.recordedUnserved = (try? manager.view(deadline: Deadline.after(.seconds(20))))?.lun(lunView.name)?.lastUnservedSeconds

        if let client, var running = writer.take() {
            progress.line("   waiting for the writer on \(client.host) to finish its \(client.seconds) s")
            let wrote = running.wait()
            let argv = client.remote.map { $0.replacingNodePlaceholder(with: client.host) }
                + [client.writer, "verify", client.device, writerLog, "--tag", Self.tag(lunView.name)]
            let verified = try? ProcessRunner().run(Command(argv[0], Array(argv.dropFirst())), deadline: Deadline.after(.seconds(120)))
            let (json, verdict) = Self.verdict(writeExit: wrote.termination, verify: verified)
            report.client = json
            report.clientVerdict = verdict
            progress.line("   client: \(verdict)")
            if !verdict.hasPrefix("ok") { report.exitCode = max(report.exitCode, 1) }
        }

        for (index, moved) in report.moves.enumerated() {
            guard let outcome = moved.outcome else { continue }
            progress.line("move \(index + 1): \(outcome.from ?? "?") → \(outcome.to) \(outcome.result.rawValue) in \(seconds(outcome.total)); unserved about \(outcome.unserved.map(seconds) ?? "unknown")")
        }
        if let recorded = report.recordedUnserved { progress.line("the manager recorded the last move's unserved window as about \(seconds(recorded)) (whole-second records)") }
        return report
    }

    /// The writer's tag for a LUN: letters, digits, - and _, at most 8.
    static func tag(_ lun: String) -> String {
        String(lun.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }.prefix(8)).nonEmpty ?? "LUN"
    }

    /// The client's verdict: the writer must have run to its end and verify must have read
    /// every acknowledged block back; anything it could not measure fails.
    static func verdict(writeExit: Termination, verify: ProcessResult?) -> (JSONValue?, String) {
        guard writeExit == .exited(0) else { return (nil, "FAILED: the writer did not finish cleanly (\(writeExit)): the stall and integrity were not measured") }
        guard let verify else { return (nil, "FAILED: halo-writer verify could not be run") }
        guard let json = try? JSONValue.parse(verify.standardOutput) else {
            return (nil, "FAILED: halo-writer verify printed no verdict (exit \(verify.termination)): \(verify.errorText.prefix(200))")
        }
        let lost = json["lost"]?.intValue ?? -1
        let corrupt = json["corrupt"]?.intValue ?? -1
        let wrongTag = json["wrongTag"]?.intValue ?? -1
        let unreadable = json["unreadable"]?.intValue ?? -1
        let errors = json["writeErrors"]?.intValue ?? -1
        let acknowledged = json["acknowledged"]?.intValue ?? 0
        let gap = json["longestGapSeconds"]?.doubleValue
        let counts = "\(acknowledged) writes acknowledged, \(lost) lost, \(corrupt) corrupt, \(wrongTag) of another LUN, \(unreadable) unreadable, \(errors) write errors"
        let stall = gap.map { "longest stall \(seconds($0))" } ?? "stall unknown"
        let clean = lost == 0 && corrupt == 0 && wrongTag == 0 && unreadable == 0 && acknowledged > 0 && gap != nil && verify.succeeded
        return (json, "\(clean ? "ok" : "FAILED"): \(stall); \(counts)\(errors > 0 ? " (the initiator saw errors: its timeouts are too short)" : "")")
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
