import Glibc
import HaloJSON
import HaloPacemaker
import HaloSystem
import HaloTesting
import Testing

@testable import HaloCtl

/// haloctl against a real two-node Pacemaker 2.1.5 cluster in network namespaces, running the
/// seed layout with Pacemaker's test agents (Stateful for DRBD, Dummy for the rest): every
/// assertion reads the cluster back with Pacemaker's own tools.
@Suite("haloctl drives real Pacemaker (network namespaces)", .enabled(if: PacemakerCluster.isAvailable), .serialized)
struct PacemakerBackendTests {
    func manager(_ cluster: PacemakerCluster) -> PacemakerManager {
        PacemakerManager(tools: ToolRunner(prefix: cluster.prefix("node1")))
    }

    /// Only haloctl's constraints (crm_resource's and the layout's are someone else's).
    func haloctlConstraints(_ cluster: PacemakerCluster) throws -> [String] {
        try cluster.constraints().compactMap { $0["id"] }.filter { $0.hasPrefix(PacemakerLayout.haloctlPrefix) }
    }

    @Test("move: checks, plan, every step, served and monitored on the new node, no constraint left; dry runs and refusals change nothing")
    func move() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        let manager = manager(cluster)
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"])

        // A dry run: the plan, and nothing changes.
        var dry = MoveCommand(lun: "lun1", node: "node2")
        dry.dryRun = true
        let dryProgress = Progress(silent: true)
        let planned = try dry.run(manager: manager, liveChecks: nil, progress: dryProgress)
        #expect(planned.exitCode == 0)
        #expect(planned.plan?.steps.contains("promote drbd-lun1 on node2") == true)
        #expect(planned.plan?.steps.contains("stop target-lun1 on node1") == true)
        #expect(try haloctlConstraints(cluster).isEmpty)
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"])

        // The move.
        let progress = Progress(silent: true)
        var move = MoveCommand(lun: "lun1", node: "node2")
        move.timeout = .seconds(60)
        let report = try move.run(manager: manager, liveChecks: nil, progress: progress)
        let outcome = try #require(report.outcome, "\(progress.lines)")
        #expect(report.exitCode == 0, "\(progress.lines)")
        #expect(outcome.result == .moved)
        #expect(outcome.from == "node1")
        #expect(outcome.steps.contains { $0.text == "drbd-lun1 on node2: Unpromoted → Promoted" }, "\(progress.lines)")
        #expect(outcome.steps.contains { $0.text.hasPrefix("target-lun1 on node2: ") && $0.text.hasSuffix("→ Started") }, "\(progress.lines)")
        #expect(outcome.unserved != nil)
        #expect(try haloctlConstraints(cluster).isEmpty, "haloctl's constraint is removed")
        try cluster.settle()
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node2"], "and the LUN stays")
        #expect(try cluster.nodes(running: "target-lun1", role: "Started") == ["node2"])
        #expect(try cluster.nodes(running: "portal-lun1", role: "Started") == ["node2"])
        print("haloctl move under Pacemaker (namespaces, test agents): \(seconds(outcome.total)) total, unserved \(outcome.unserved.map(seconds) ?? "?")")

        // Moving it where it is: nothing to do.
        let again = try MoveCommand(lun: "lun1", node: "node2").run(manager: manager, liveChecks: nil, progress: Progress(silent: true))
        #expect(again.exitCode == 0)
        #expect(again.outcome == nil)

        // A preference stronger than stickiness would send it back at once: refused before anything changes.
        // (With the layout's 50 it did not: the move above lasted.)
        try cluster.run("node1", ["cibadmin", "--modify", "--xml-pipe", "--scope", "constraints"], input: """
            <rsc_location id="lun1-prefers-node1" rsc="drbd-lun1-clone"><rule id="lun1-prefers-node1-rule" role="Promoted" score="1000">\
            <expression id="lun1-prefers-node1-expr" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>
            """)
        try cluster.settle()
        let lun2Progress = Progress(silent: true)
        let wouldReturn = try MoveCommand(lun: "lun2", node: "node1").run(manager: manager, liveChecks: nil, progress: lun2Progress)
        #expect(wouldReturn.exitCode == 0, "lun2's preference (50) is below the stickiness: it may move: \(lun2Progress.lines)")
        try cluster.settle()
        let backProgress = Progress(silent: true)
        let back = try MoveCommand(lun: "lun2", node: "node2").run(manager: manager, liveChecks: nil, progress: backProgress)
        #expect(back.exitCode == 0, "\(backProgress.lines)")
        try cluster.settle()
        // lun1 went back to node1 by itself when its preference rose to 1000 (above its promotion score on node2:
        // 10 + the stickiness of the drbd, target and portal instances, 410); moving it away now would not last.
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"])
        let refusedProgress = Progress(silent: true)
        let refused = try MoveCommand(lun: "lun1", node: "node2").run(manager: manager, liveChecks: nil, progress: refusedProgress)
        #expect(refused.exitCode == 1)
        #expect(refused.outcome == nil)
        #expect(refused.checks.refusals.contains { $0.contains("back to node1") }, "\(refusedProgress.lines)")
        #expect(try haloctlConstraints(cluster).isEmpty)
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"])

        // Unknown names are usage errors (64) listing what exists.
        do {
            _ = try MoveCommand(lun: "lun9", node: "node2").run(manager: manager, liveChecks: nil, progress: Progress(silent: true))
            Issue.record("an unknown LUN was accepted")
        } catch {
            #expect(error.exitCode == 64)
            #expect(error.message.contains("lun1, lun2"))
        }
    }

    @Test("a move that fails on the new node: reported, the constraint removed, and where the LUN is now said")
    func failedMove() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        // ocf:pacemaker:Dummy's fail_start_on: its start fails on that node.
        try cluster.run("node1", ["crm_resource", "--resource", "target-lun1", "--set-parameter", "fail_start_on", "--parameter-value", "node2"])
        try cluster.settle()
        let progress = Progress(silent: true)
        var move = MoveCommand(lun: "lun1", node: "node2")
        move.timeout = .seconds(60)
        let report = try move.run(manager: manager(cluster), liveChecks: nil, progress: progress)
        #expect(report.exitCode == 1, "\(progress.lines)")
        #expect(report.outcome?.result == .failed)
        #expect(report.outcome?.steps.contains { $0.text.contains("target-lun1 FAILED on node2") } == true, "\(progress.lines)")
        #expect(try haloctlConstraints(cluster).isEmpty, "the move's constraint is removed after the failure")
        try cluster.settle()
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"], "Pacemaker brought it back to node1")
        #expect(report.outcome?.finalState == "lun1 is served by node1", "\(report.outcome?.finalState ?? "")")
        // The failure keeps lun1 off node2 until cleared: the next move is refused, with the fix.
        let refused = try MoveCommand(lun: "lun1", node: "node2").run(manager: manager(cluster), liveChecks: nil, progress: Progress(silent: true))
        #expect(refused.exitCode == 1)
        #expect(refused.checks.refusals.contains { $0.contains("may not run on node2") })
        // clear forgets the failure.
        try cluster.run("node1", ["crm_resource", "--resource", "target-lun1", "--delete-parameter", "fail_start_on"])
        let view = try manager(cluster).view(deadline: .after(.seconds(20)))
        try manager(cluster).clearFailures(try #require(view.lun("lun1")), deadline: .after(.seconds(60)))
        try cluster.settle()
        #expect(try manager(cluster).view(deadline: .after(.seconds(20))).lun("lun1")?.excluded.isEmpty == true)
    }

    @Test("drain moves every LUN off and shows each; refused without a place to go; undrain --rebalance brings the preferred ones back")
    func drain() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        let manager = manager(cluster)
        let progress = Progress(silent: true)
        var drain = DrainCommand(node: "node1")
        drain.timeout = .seconds(90)
        let report = try drain.run(manager: manager, liveChecks: nil, progress: progress)
        #expect(report.exitCode == 0, "\(progress.lines)")
        #expect(report.moves.map(\.lun) == ["lun1"])
        #expect(report.moves.first?.to == "node2")
        #expect(report.moves.first?.after != nil)
        try cluster.settle()
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node2"])
        #expect(try manager.view(deadline: .after(.seconds(20))).node("node1")?.state == .drained)

        // node2 cannot be drained now: its LUNs have nowhere to go. Nothing changes.
        let refusedProgress = Progress(silent: true)
        let refused = try DrainCommand(node: "node2").run(manager: manager, liveChecks: nil, progress: refusedProgress)
        #expect(refused.exitCode == 1)
        #expect(refused.blocked.count == 2, "\(refusedProgress.lines)")
        #expect(try manager.view(deadline: .after(.seconds(20))).node("node2")?.state == .online)

        var undrain = UndrainCommand(node: "node1")
        undrain.rebalance = true
        undrain.timeout = .seconds(60)
        let undrainProgress = Progress(silent: true)
        #expect(try undrain.run(manager: manager, liveChecks: nil, progress: undrainProgress) == 0, "\(undrainProgress.lines)")
        try cluster.settle()
        #expect(try cluster.nodes(running: "drbd-lun1", role: "Promoted") == ["node1"], "lun1 prefers node1: moved back")
        #expect(try cluster.nodes(running: "drbd-lun2", role: "Promoted") == ["node2"])
        #expect(try haloctlConstraints(cluster).isEmpty)
    }
}

/// The haloctl command itself, run on a node of a real Pacemaker cluster (network namespaces),
/// the other node's facts read through `--remote` (cluster-netns exec) as ssh would.
@Suite("the haloctl command on a real Pacemaker node", .enabled(if: PacemakerCluster.isAvailable), .serialized)
struct HaloctlCommandTests {
    func haloctl(_ cluster: PacemakerCluster, _ arguments: [String]) -> [String] {
        cluster.prefix("node1") + [BuildProducts.executable("haloctl")] + arguments
            + ["--remote", "\(cluster.script) exec \(cluster.directory.path) {node}", "--remote-haloctl", BuildProducts.executable("haloctl"),
               "--remote-facts", "\(BuildProducts.executable("halo-agent")) halo-facts"]
    }

    func run(_ cluster: PacemakerCluster, _ arguments: [String], timeout: Duration = .seconds(120)) throws -> ProcessResult {
        let argv = haloctl(cluster, arguments)
        return try ProcessRunner().run(Command(argv[0], Array(argv.dropFirst())), deadline: .after(timeout))
    }

    @Test("status --output json: the schema, every LUN and node, the facts of both nodes; the exit code says the worst")
    func status() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        let result = try run(cluster, ["status", "--output", "json"])
        let json = try JSONValue.parse(result.standardOutput)
        #expect(json["schema"]?.stringValue == "halo.status/1", "\(result.outputText) \(result.errorText)")
        #expect(json["manager"]?.stringValue == "pacemaker")
        #expect(json["luns"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["lun1", "lun2"])
        #expect(json["luns"]?.arrayValue?.first?["node"]?.stringValue == "node1")
        // Both nodes' facts were read (node2's through --remote); none of them has DRBD here,
        // so the LUNs are down — never reported healthy.
        #expect(json["nodes"]?.arrayValue?.map { "\($0["name"]?.stringValue ?? "?") \($0["facts"]?["read"]?.boolValue ?? false)" }
                == ["node1 true", "node2 true"], "\(result.outputText)")
        #expect(json["health"]?.stringValue == "down")
        #expect(result.termination == .exited(2))
        #expect(json["exitCode"]?.intValue == 2)

        // A LUN that does not exist: exit 64, one line.
        let unknown = try run(cluster, ["status", "lun9"])
        #expect(unknown.termination == .exited(64))
        #expect(unknown.errorText.hasPrefix("haloctl: no LUN lun9"))
    }

    @Test("status reads Pacemaker with its libraries in-process: neither cibadmin nor crm_mon runs, and the report is the tools' (a failed action, a drained node, a fencing event)",
          .enabled(if: (try? FileSystem.info("/usr/bin/strace")) != nil, "strace traces which programs haloctl runs"))
    func statusInProcess() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        try cluster.run("node1", ["crm_resource", "--fail", "--resource", "target-lun1", "--node", "node1"])
        try cluster.run("node1", ["crm_attribute", "--node", "node2", "--name", "standby", "--update", "on"])
        try cluster.settle()
        try cluster.run("node1", ["stonith_admin", "--confirm", "node2"])
        try cluster.settle()

        /// haloctl status read `how`, and the programs it (and its children) ran.
        func status(_ how: String) throws -> (json: JSONValue, programs: Set<String>) {
            let trace = "\(cluster.directory.path)/execve-\(how)"
            let argv = haloctl(cluster, ["status", "--output", "json", "--pacemaker-read", how])
            let traced = Array(argv.prefix(4)) + ["strace", "-f", "-qq", "-e", "trace=execve", "-o", trace] + argv.dropFirst(4)
            let result = try ProcessRunner().run(Command(traced[0], Array(traced.dropFirst())), deadline: .after(.seconds(120)))
            #expect(result.errorText.isEmpty, "nothing on standard error: \(result.errorText)")
            let lines = String(decoding: try FileSystem.readBytes(trace), as: UTF8.self).split(separator: "\n")
            let programs = lines.compactMap { line -> String? in
                guard let start = line.firstRange(of: "execve(\"")?.upperBound, let end = line[start...].firstIndex(of: "\"") else { return nil }
                return line[start..<end].split(separator: "/").last.map(String.init)
            }
            return (try JSONValue.parse(result.standardOutput), Set(programs))
        }
        let library = try status("library")
        let tools = try status("tools")
        #expect(library.programs.isDisjoint(with: ["cibadmin", "crm_mon"]), "\(library.programs)")
        #expect(tools.programs.isSuperset(of: ["cibadmin", "crm_mon"]), "\(tools.programs)")
        #expect(library.json == tools.json)
        // And what both say is the cluster's state, not an empty report.
        let problems = library.json["problems"]?.arrayValue?.compactMap { $0["problem"]?.stringValue } ?? []
        #expect(problems.contains { $0.hasPrefix("lun1: target-lun1 asyncmon failed on node1") }, "\(problems)")
        let node2 = library.json["nodes"]?.arrayValue?.first { $0["name"]?.stringValue == "node2" }
        #expect(node2?["fencing"]?.arrayValue?.first?["succeeded"]?.boolValue == true, "node2's fencing event: \(String(describing: node2))")
        #expect(library.json["luns"]?.arrayValue?.compactMap { $0["node"]?.stringValue } == ["node1", "node1"])
    }

    @Test("Ctrl-C in the middle of a move: the constraint is removed and the LUN's state is said; exit 130")
    func interrupt() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        // A slow target (3 s per action) so that the move is caught in the middle.
        try cluster.run("node1", ["crm_resource", "--resource", "target-lun1", "--set-parameter", "op_sleep", "--parameter-value", "3"])
        try cluster.settle()
        let argv = haloctl(cluster, ["move", "lun1", "--to", "node2", "--force"])
        var child = try ProcessRunner().start(Command(argv[0], Array(argv.dropFirst())), deadline: .after(.seconds(120)))
        let deadline = Deadline.after(.seconds(30))
        while !deadline.hasPassed() {
            Pause.for(.milliseconds(200))
            if try cluster.constraints().contains(where: { ($0["id"] ?? "").hasPrefix(PacemakerLayout.haloctlPrefix) }) { break }
        }
        Pause.for(.seconds(1))
        // cluster-netns execs nsenter, which execs haloctl (no fork for these namespaces): the
        // process this test started is haloctl itself.
        let name = String(decoding: try FileSystem.readBytes("/proc/\(child.pid)/comm"), as: UTF8.self)
        #expect(name.hasPrefix("haloctl"), "\(name)")
        _ = kill(child.pid, SIGINT)
        let result = child.wait()
        #expect(result.termination == .exited(130), "\(result.outputText) \(result.errorText)")
        #expect(result.outputText.contains("removed the constraint haloctl-move-drbd-lun1-clone"))
        #expect(result.outputText.contains("interrupted: lun1 is"))
        #expect(try !cluster.constraints().contains { ($0["id"] ?? "").hasPrefix(PacemakerLayout.haloctlPrefix) })
    }

    @Test("move --no-wait returns at once; the background haloctl finishes the move and removes its constraint")
    func background() throws {
        let cluster = try PacemakerCluster(nodes: 2)
        try cluster.loadSeedLayout()
        let started = ContinuousClock.now
        let result = try run(cluster, ["move", "lun2", "--to", "node1", "--force", "--no-wait"])
        #expect(result.succeeded, "\(result.errorText)")
        #expect(result.outputText.contains("continues in the background"))
        let returned = started.duration(to: .now)
        let deadline = Deadline.after(.seconds(60))
        var done = false
        while !deadline.hasPassed() && !done {
            Pause.for(.milliseconds(500))
            done = try cluster.nodes(running: "drbd-lun2", role: "Promoted") == ["node1"]
                && !cluster.constraints().contains { ($0["id"] ?? "").hasPrefix(PacemakerLayout.haloctlPrefix) }
        }
        #expect(done, "the background move finished and left nothing")
        print("haloctl move --no-wait returned after \(returned)")
    }
}
