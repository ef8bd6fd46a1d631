import HaloFacts
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
    /// How long, after each move, the initiators that were logged in before it may take to
    /// log in again on the new node before the rehearsal goes on (a move back while an
    /// initiator is still logging in stops the target under it: a stall of its retry timers).
    public var loginTimeout: Duration = .seconds(90)

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

    /// How long the initiators took to log in again on a node after a move.
    public struct Reconnection: Sendable, Equatable {
        public var node: String
        /// The initiators logged in before the move.
        public var initiators: [String]
        /// When the last of them was logged in, after the move ended; nil when not all were.
        public var after: Duration?
        /// Those not logged in by the end of the wait.
        public var missing: [String]
        /// Why the node's sessions could not be read at the end, when they could not.
        public var failure: String?

        var json: JSONValue {
            .object([
                ("node", .string(node)),
                ("initiators", .array(initiators.map(JSONValue.string))),
                ("loggedInMilliseconds", after.map { .int(Int($0 / .milliseconds(1))) } ?? .null),
                ("missing", .array(missing.map(JSONValue.string))),
                ("failure", failure.map(JSONValue.string) ?? .null),
            ])
        }
    }

    public struct Report: Sendable {
        public var moves: [MoveCommand.Report] = []
        /// After each move (when initiators were logged in before it): their return.
        public var reconnections: [Reconnection] = []
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
                ("reconnections", .array(reconnections.map(\.json))),
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
        var writerEnds: ContinuousClock.Instant?
        if let client {
            writerLog = "/var/tmp/haloctl-rehearse-\(lunView.name)-\(CurrentProcess.id).log"
            progress.line("   starting the verifying writer on \(client.host) (\(client.device), \(client.seconds) s)")
            let argv = client.remote.map { $0.replacingNodePlaceholder(with: client.host) }
                + [client.writer, "write", client.device, writerLog, "--tag", Self.tag(lunView.name), "--seconds", String(client.seconds), "--interval", "10"]
            do {
                writer = try ProcessRunner().start(Command(argv[0], Array(argv.dropFirst())), deadline: Deadline.after(.seconds(client.seconds + 60)))
                writerEnds = .now + .seconds(client.seconds)
            } catch {
                throw .refused("cannot start the writer on \(client.host): \(error)")
            }
            // A baseline of undisturbed writes before the move.
            Pause.for(.seconds(5))
        }

        // The initiators logged in now: after each move the rehearsal waits for them on the new
        // node, so a move back never catches one mid-login and the report shows how long the
        // clients took to come back, not only how long the nodes took.
        var initiators: [String] = []
        if let liveChecks {
            switch liveChecks.loggedIn(lunView, on: home, deadline: Deadline.after(.seconds(8))) {
            case .read(let names):
                initiators = names.sorted()
                progress.line("   initiators logged in on \(home): \(initiators.isEmpty ? "none (the rehearsal cannot show the clients' return)" : initiators.joined(separator: ", "))")
            case .failed(let why):
                progress.line("   cannot read the initiators logged in on \(home) (\(why)): their return is not measured")
            }
        }
        func awaitReturn(on node: String) {
            guard let liveChecks, !initiators.isEmpty else { return }
            let reconnection = Self.awaitLogins(of: initiators, on: node, limit: loginTimeout, progress: progress) { deadline in
                liveChecks.loggedIn(lunView, on: node, deadline: deadline)
            }
            report.reconnections.append(reconnection)
            if reconnection.after == nil { report.exitCode = max(report.exitCode, 1) }
        }

        progress.line("2. move to \(target)")
        var move = MoveCommand(lun: lunView.name, node: target)
        move.timeout = timeout
        let there = try move.run(manager: manager, liveChecks: liveChecks, progress: progress)
        report.moves.append(there)
        report.exitCode = there.exitCode
        if there.exitCode == 0 { awaitReturn(on: target) }
        if back && there.exitCode == 0 {
            progress.line("3. move back to \(home)")
            if initiators.isEmpty { Pause.for(.seconds(3)) }  // no initiator to wait for: a short pause instead
            var returning = MoveCommand(lun: lunView.name, node: home)
            returning.timeout = timeout
            let returned = try returning.run(manager: manager, liveChecks: liveChecks, progress: progress)
            report.moves.append(returned)
            report.exitCode = max(report.exitCode, returned.exitCode)
            if returned.exitCode == 0 { awaitReturn(on: home) }
        }
        report.recordedUnserved = (try? manager.view(deadline: Deadline.after(.seconds(20))))?.lun(lunView.name)?.lastUnservedSeconds

        if let client, var running = writer.take() {
            // The writer must still have been writing when the last move and the initiators'
            // return were over, or part of the rehearsal went unobserved.
            let outlasted = writerEnds.map { ContinuousClock.now >= $0 } ?? true
            progress.line("   waiting for the writer on \(client.host) to finish its \(client.seconds) s")
            let wrote = running.wait()
            let argv = client.remote.map { $0.replacingNodePlaceholder(with: client.host) }
                + [client.writer, "verify", client.device, writerLog, "--tag", Self.tag(lunView.name)]
            let verified = try? ProcessRunner().run(Command(argv[0], Array(argv.dropFirst())), deadline: Deadline.after(.seconds(120)))
            let (json, written) = Self.verdict(writeExit: wrote.termination, verify: verified)
            let verdict = outlasted
                ? "FAILED: the rehearsal outlasted the writer's \(client.seconds) s, so its end was not observed (a longer --client-seconds); the writer's own verdict: \(written)"
                : written
            report.client = json
            report.clientVerdict = verdict
            progress.line("   client: \(verdict)")
            if !verdict.hasPrefix("ok") { report.exitCode = max(report.exitCode, 1) }
        }

        for (index, moved) in report.moves.enumerated() {
            guard let outcome = moved.outcome else { continue }
            progress.line("move \(index + 1): \(outcome.from ?? "?") → \(outcome.to) \(outcome.result.rawValue) in \(seconds(outcome.total)); unserved about \(outcome.unserved.map(seconds) ?? "unknown")")
        }
        for reconnection in report.reconnections {
            progress.line(reconnection.after.map { "the initiators logged in again on \(reconnection.node) \(seconds($0)) after the move" }
                ?? "the initiators did NOT all log in again on \(reconnection.node): \(reconnection.missing.joined(separator: ", "))")
        }
        if let recorded = report.recordedUnserved { progress.line("the manager recorded the last move's unserved window as about \(seconds(recorded)) (whole-second records)") }
        return report
    }

    /// Waits until every one of `initiators` is logged in on `node` (as `read` reports, polled
    /// every `interval`), at most `limit`, with a live line while it waits.
    static func awaitLogins(of initiators: [String], on node: String, limit: Duration, interval: Duration = .milliseconds(500),
                            progress: Progress, read: (Deadline) -> Reading<Set<String>>) -> Reconnection {
        let start = ContinuousClock.now
        let deadline = Deadline.after(limit)
        var missing = initiators
        var failure: String?
        while true {
            switch read(Deadline.after(.seconds(8)).earlier(deadline)) {
            case .read(let names):
                failure = nil
                missing = initiators.filter { !names.contains($0) }
            case .failed(let why):
                failure = why
            }
            if missing.isEmpty && failure == nil {
                let after = ContinuousClock.now - start
                progress.endLive()
                progress.line("   initiators logged in again on \(node) after \(seconds(after)): \(initiators.joined(separator: ", "))")
                return Reconnection(node: node, initiators: initiators, after: after, missing: [], failure: nil)
            }
            if deadline.hasPassed() { break }
            progress.live("   waiting for \(missing.joined(separator: ", ")) to log in again on \(node) (\(seconds(ContinuousClock.now - start)))")
            Pause.for(min(interval, deadline.remaining()))
        }
        progress.endLive()
        let why = failure.map { "cannot read \(node)'s sessions: \($0)" }
            ?? "not logged in again on \(node) within \(seconds(limit)): \(missing.joined(separator: ", ")) (the initiators' retry timers: docs/initiator-timeouts.md)"
        progress.line("   \(why)")
        return Reconnection(node: node, initiators: initiators, after: nil, missing: missing, failure: failure)
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
