import HaloOCF
import HaloSystem

/// A Swift port of resource-agents' ocf-tester sequence that also checks what ocf-tester
/// does not: monitor returns 8 after promote, an exit reason on every failure, refused
/// parameters give 6 or 2 with a reason and leave nothing behind, every action finishes within
/// its declared timeout, meta-data is valid under all three schemas and the same for an
/// unprivileged user and without any tool on `PATH`.
///
/// Every step runs the agent as a fresh process with the environment Pacemaker would give it
/// (`OCF_RA_VERSION_*`, `CRM_meta_timeout` from the declared timeout, `CRM_meta_interval`,
/// clone meta attributes for a promotable agent).
public struct ConformanceRunner: Sendable {
    public var schemas: SchemaValidator
    /// Run meta-data as `nobody` too (only possible as root).
    public var checkUnprivilegedMetadata: Bool
    public var processes = ProcessRunner()
    /// How long past its declared timeout an action may run before the runner kills it.
    public var killSlack: Duration = .seconds(3)

    public init(schemas: SchemaValidator = SchemaValidator(), checkUnprivilegedMetadata: Bool = CurrentProcess.isRoot) {
        self.schemas = schemas
        self.checkUnprivilegedMetadata = checkUnprivilegedMetadata
    }

    /// Checks meta-data only (schemas, unprivileged and tool-less runs); starts nothing.
    public func checkMetadata(_ agent: AgentUnderTest) -> ConformanceReport {
        var session = Session(agent: agent, runner: self)
        session.checkMetadata()
        return session.report
    }

    /// Runs every check; never throws — a problem running the agent is a failed check.
    public func run(_ agent: AgentUnderTest) -> ConformanceReport {
        var session = Session(agent: agent, runner: self)
        session.checkMetadata()
        guard let metadata = session.metadata else { return session.report }
        session.checkActionNames()
        session.checkValidate()
        guard session.checkStartsStopped() else { return session.report }
        guard session.checkStartAndMonitor() else { return session.report }
        if metadata.declares("notify") { session.checkNotify() }
        if metadata.isPromotable { session.checkPromotion() }
        if metadata.declares("reload-agent") { session.checkReload() }
        session.checkStopStartCycle()
        session.checkInvalidParameters()
        return session.report
    }

    /// Every check that does not need the resource to start: meta-data, action names,
    /// validate-all at each level, monitor and probe of the stopped resource, and the refused
    /// parameter sets (with stop and "nothing runs" after each). For agents whose start needs a
    /// kernel this machine lacks (dm-crypt, DRBD); the VM lab runs `run` for the rest.
    public func runWithoutStarting(_ agent: AgentUnderTest) -> ConformanceReport {
        var session = Session(agent: agent, runner: self)
        session.checkMetadata()
        guard session.metadata != nil else { return session.report }
        session.checkActionNames()
        session.checkValidate()
        guard session.checkStartsStopped() else { return session.report }
        session.checkInvalidParameters()
        session.report.skip("start, monitors of the started resource, stop/start cycle",
                            "not run: this machine cannot start the resource (the VM lab runs them)")
        return session.report
    }
}

/// One conformance run: the agent, what was learnt about it, and the report so far.
struct Session {
    let agent: AgentUnderTest
    let runner: ConformanceRunner
    var report: ConformanceReport
    var metadata: AgentMetadata?
    var description: AgentDescriptionJSON?

    init(agent: AgentUnderTest, runner: ConformanceRunner) {
        self.agent = agent
        self.runner = runner
        report = ConformanceReport(agent: agent.path)
    }

    var isPromotable: Bool { metadata?.isPromotable ?? false }

    // MARK: Running actions

    /// Runs one action and records the checks every run gets: an exit reason on failure, and
    /// completion within the declared timeout.
    @discardableResult
    mutating func act(
        _ action: String, parameters: [String: String]? = nil, probe: Bool = false, role: String? = nil,
        extra: [String: String] = [:], environment replacement: [String: String]? = nil, checkLevel: Int? = nil,
        direct: Bool = false
    ) -> ActionRun {
        let timeout = metadata?.timeout(action, role: role) ?? .seconds(20)
        var environment = replacement ?? baseEnvironment(parameters: parameters ?? agent.parameters)
        environment["OCF_RESKEY_CRM_meta_timeout"] = String(timeout.milliseconds)
        if action == "monitor" {
            let interval = probe ? .zero : (metadata?.monitorInterval(role: role) ?? .seconds(10))
            environment["OCF_RESKEY_CRM_meta_interval"] = String(interval.milliseconds)
        } else {
            environment["OCF_RESKEY_CRM_meta_interval"] = "0"
        }
        if let checkLevel { environment["OCF_CHECK_LEVEL"] = String(checkLevel) }
        environment.merge(extra) { $1 }
        // `direct`: without the command prefix (meta-data needs no namespace, and runs with no PATH).
        let command = direct ? Command(agent.path, [action], environment: environment)
            : agent.command(agent.path, [action], environment: environment)
        let run: ActionRun
        do {
            run = ActionRun(action: action, result: try runner.processes.run(
                command, deadline: .after(timeout + runner.killSlack)))
        } catch {
            report.record("\(action) can be run", false, "\(error)")
            return ActionRun(action: action, result: ProcessResult(
                command: command, termination: .exited(127), standardOutput: [], standardError: [],
                isOutputTruncated: false, isErrorTruncated: false, timedOut: false, duration: .zero))
        }
        if run.result.duration > timeout || run.result.timedOut {
            report.record("\(action) finishes within its declared timeout \(DurationText.render(timeout))", false,
                          "took \(DurationText.render(run.result.duration))")
        }
        if let code = run.code, ![0, 7, 8].contains(code), (run.exitReason ?? "").isEmpty {
            report.record("\(action) failing with \(code) gives an exit reason", false,
                          "stderr: \(run.result.errorText.suffix(200))")
        }
        return run
    }

    /// The environment Pacemaker gives an agent, plus the agent's own.
    func baseEnvironment(parameters: [String: String]) -> [String: String] {
        var environment = Command.minimalEnvironment
        environment["OCF_ROOT"] = "/usr/lib/ocf"
        environment["OCF_RA_VERSION_MAJOR"] = "1"
        environment["OCF_RA_VERSION_MINOR"] = "1"
        environment["OCF_RESOURCE_INSTANCE"] = agent.instance
        environment["OCF_RESOURCE_TYPE"] = String(agent.path.split(separator: "/").last ?? "")
        environment["OCF_RESOURCE_PROVIDER"] = "halo"
        environment["OCF_EXIT_REASON_PREFIX"] = "ocf-exit-reason:"
        environment["HA_LOGFACILITY"] = "none"
        if isPromotable {
            for (name, value) in [("clone_max", "2"), ("clone_node_max", "1"), ("promoted_max", "1"),
                                  ("promoted_node_max", "1"), ("promotable", "true"), ("notify", "true"),
                                  ("globally_unique", "false")] {
                environment["OCF_RESKEY_CRM_meta_\(name)"] = value
            }
        }
        environment.merge(agent.environment) { $1 }
        for (name, value) in parameters { environment["OCF_RESKEY_\(name)"] = value }
        return environment
    }

    /// Runs `action` and records whether its code is one of `expected`.
    @discardableResult
    mutating func expect(
        _ name: String, _ action: String, _ expected: Set<Int32>, parameters: [String: String]? = nil,
        probe: Bool = false, role: String? = nil, extra: [String: String] = [:], checkLevel: Int? = nil
    ) -> Bool {
        let run = act(action, parameters: parameters, probe: probe, role: role, extra: extra, checkLevel: checkLevel)
        let passed = run.code.map(expected.contains) ?? false
        report.record(name, passed, passed ? "" : "expected \(expected.sorted()), got \(run.summary)")
        return passed
    }

    // MARK: The checks

    mutating func checkMetadata() {
        let run = act("meta-data")
        guard run.code == 0, !run.result.standardOutput.isEmpty else {
            report.record("meta-data exits 0 with XML", false, run.summary)
            return
        }
        report.record("meta-data exits 0 with XML", true)
        let xml = run.result.outputText
        let parsed = AgentMetadata(xml: xml)
        metadata = parsed
        report.record("meta-data declares OCF 1.1", parsed.ocfVersion == "1.1", "version \(parsed.ocfVersion ?? "missing")")
        for verdict in runner.schemas.validate(xml) {
            if let valid = verdict.isValid {
                report.record("meta-data is valid under \(verdict.schema)", valid, verdict.messages)
            } else {
                report.skip("meta-data is valid under \(verdict.schema)", verdict.messages)
            }
        }
        for name in ["start", "stop", "monitor", "meta-data", "validate-all"] {
            report.record("meta-data declares \(name)", parsed.declares(name))
        }
        report.record("every action declares a timeout", parsed.actions.allSatisfy { $0.timeout != nil })
        if parsed.isPromotable {
            let roles = Set(parsed.actions.filter { $0.name == "monitor" }.compactMap(\.role))
            report.record("a promotable agent declares Promoted and Unpromoted monitors",
                          roles == ["Promoted", "Unpromoted"], "roles \(roles.sorted())")
        }
        let monitors = parsed.actions.filter { $0.name == "monitor" }
        report.record("monitor intervals are distinct", Set(monitors.map(\.interval)).count == monitors.count)

        var bare = Command.minimalEnvironment
        bare["PATH"] = "/nonexistent"
        let withoutTools = act("meta-data", environment: bare, direct: true)
        report.record("meta-data works without any tool on PATH and without parameters",
                      withoutTools.code == 0 && withoutTools.result.outputText == xml, withoutTools.summary)
        if runner.checkUnprivilegedMetadata {
            // runuser(1) drops to nobody the way ocf-tester's `su nobody` does (setpriv keeps
            // enough privilege to reach a root-only directory, so it would hide that problem).
            let command = Command("runuser", ["-u", "nobody", "--", agent.path, "meta-data"], workingDirectory: "/")
            let result = try? runner.processes.run(command, deadline: .after(.seconds(20)))
            report.record("meta-data works as an unprivileged user (nobody)",
                          result?.succeeded == true && result?.outputText == xml,
                          result.map { "\($0.termination) \($0.errorText.prefix(200))" } ?? "runuser missing")
        }
        description = describe()
    }

    /// The agent's `describe` JSON, from the multi-call binary behind the agent's path.
    func describe() -> AgentDescriptionJSON? {
        guard let binary = try? FileSystem.resolvedPath(agent.path) else { return nil }
        let name = String(agent.path.split(separator: "/").last ?? "")
        guard let result = try? runner.processes.run(Command(binary, ["describe", name]), deadline: .after(.seconds(20))),
              result.succeeded else { return nil }
        return AgentDescriptionJSON.decode(result.outputText)
    }

    mutating func checkActionNames() {
        let unknown = act("no-such-action")
        report.record("an unknown action exits 3 with a reason", unknown.code == 3 && unknown.exitReason != nil, unknown.summary)
    }

    mutating func checkValidate() {
        expect("validate-all exits 0", "validate-all", [0])
        for level in description?.validateLevels.filter({ $0 > 0 }) ?? [10] {
            expect("validate-all at check level \(level) exits 0", "validate-all", [0], checkLevel: level)
        }
    }

    /// The resource must start out stopped; a leftover from an earlier run is stopped first,
    /// as ocf-tester does.
    mutating func checkStartsStopped() -> Bool {
        let first = act("monitor")
        if first.code == 8 {
            expect("demote a resource found promoted", "demote", [0])
        }
        if first.code != 7 {
            guard expect("stop a resource found running", "stop", [0]) else { return false }
        }
        let stopped = expect("monitor of a stopped resource exits 7", "monitor", [7])
        expect("probe of a stopped resource exits 7", "monitor", [7], probe: true)
        return stopped
    }

    mutating func checkStartAndMonitor() -> Bool {
        guard expect("start exits 0", "start", [0]) else { return false }
        expect("monitor after start exits 0", "monitor", [0], role: isPromotable ? "Unpromoted" : nil)
        expect("probe after start exits 0", "monitor", [0], probe: true)
        let depths = Set((description?.monitorLevels ?? []) + (metadata?.monitorDepths ?? [])).filter { $0 > 0 }
        for depth in depths.sorted() {
            expect("monitor at check level \(depth) exits 0", "monitor", [0], checkLevel: depth)
        }
        expect("monitor at an unsupported check level runs the next lower one", "monitor", [0], checkLevel: 15)
        return true
    }

    mutating func checkNotify() {
        expect("notify without notification variables exits 0", "notify", [0])
        let node = "conformance-node"
        expect("notify post-start exits 0", "notify", [0], extra: [
            "OCF_RESKEY_CRM_meta_notify_type": "post", "OCF_RESKEY_CRM_meta_notify_operation": "start",
            "OCF_RESKEY_CRM_meta_notify_start_resource": "\(agent.instance) ",
            "OCF_RESKEY_CRM_meta_notify_start_uname": "\(node) ",
            "OCF_RESKEY_CRM_meta_notify_active_uname": "\(node) ",
            "OCF_RESKEY_CRM_meta_notify_all_uname": "\(node) ",
        ])
    }

    mutating func checkPromotion() {
        guard expect("promote exits 0", "promote", [0]) else { return }
        expect("monitor after promote exits 8", "monitor", [8], role: "Promoted")
        expect("probe after promote exits 8", "monitor", [8], probe: true)
        expect("promote of a promoted resource exits 0", "promote", [0])
        expect("monitor after a second promote exits 8", "monitor", [8], role: "Promoted")
        expect("demote exits 0", "demote", [0])
        expect("monitor after demote exits 0", "monitor", [0], role: "Unpromoted")
        expect("demote of a demoted resource exits 0", "demote", [0])
        expect("monitor after a second demote exits 0", "monitor", [0], role: "Unpromoted")
    }

    mutating func checkReload() {
        expect("reload-agent of a running resource exits 0", "reload-agent", [0])
        expect("monitor after reload-agent exits 0", "monitor", [0], role: isPromotable ? "Unpromoted" : nil)
    }

    mutating func checkStopStartCycle() {
        guard expect("stop exits 0", "stop", [0]) else { return }
        expect("monitor after stop exits 7", "monitor", [7])
        expect("probe after stop exits 7", "monitor", [7], probe: true)
        expect("stop of a stopped resource exits 0", "stop", [0])
        guard expect("start after stop exits 0", "start", [0]) else { return }
        expect("start of a started resource exits 0", "start", [0])
        expect("monitor after a second start exits 0", "monitor", [0], role: isPromotable ? "Unpromoted" : nil)
        expect("final stop exits 0", "stop", [0])
        expect("final stop again exits 0", "stop", [0])
        expect("monitor after the final stop exits 7", "monitor", [7])
    }

    /// Every derived and every supplied invalid parameter set: validate-all and start refuse it
    /// with 6 or 2 and a reason; stop with it exits 0, or 1 with a reason (a stop that cannot
    /// tell what to stop must not claim it stopped); nothing is left running. An unknown
    /// parameter is refused by validate-all only: every other action ignores it.
    mutating func checkInvalidParameters() {
        let unknown = agent.parameters.merging(["halo_conformance_typo": "1"]) { $1 }
        let validate = act("validate-all", parameters: unknown)
        report.record("validate-all refuses an unknown parameter with 6 and a reason",
                      validate.code == 6 && !(validate.exitReason ?? "").isEmpty, validate.summary)
        expect("monitor ignores an unknown parameter", "monitor", [7], parameters: unknown, probe: true)
        expect("stop with an unknown parameter exits 0", "stop", [0], parameters: unknown)
        let sets = derivedInvalidParameterSets() + agent.invalidParameterSets
        for set in sets {
            for action in ["validate-all", "start"] {
                let run = act(action, parameters: set.parameters)
                let refused = run.code == 6 || run.code == 2
                report.record("\(action) refuses \(set.label) with 6 or 2 and a reason",
                              refused && !(run.exitReason ?? "").isEmpty, run.summary)
                if let reason = run.exitReason, let secret = privateValue(in: set.parameters), reason.contains(secret) {
                    report.record("\(action) keeps the private value of \(set.label) out of its exit reason", false, reason)
                }
            }
            let stop = act("stop", parameters: set.parameters)
            report.record("stop with \(set.label) exits 0, or 1 with a reason",
                          stop.code == 0 || (stop.code == 1 && !(stop.exitReason ?? "").isEmpty), stop.summary)
            expect("nothing runs after refusing \(set.label)", "monitor", [7])
        }
        if sets.isEmpty { report.skip("invalid parameters are refused", "no invalid parameter set known") }
    }

    /// Invalid values derived from each parameter's declared type and constraint.
    func derivedInvalidParameterSets() -> [InvalidParameters] {
        var sets: [InvalidParameters] = []
        let parameters: [(name: String, type: String, required: Bool, constraint: AgentDescriptionJSON.Constraint?)] =
            description?.parameters.map { ($0.name, $0.type, $0.required, $0.constraint) }
            ?? metadata?.parameters.map { ($0.name, $0.type, $0.isRequired, nil) } ?? []
        func with(_ name: String, _ value: String?) -> [String: String] {
            var values = agent.parameters
            values[name] = value
            return values
        }
        for parameter in parameters {
            if parameter.required {
                sets.append(InvalidParameters("required \(parameter.name) missing", with(parameter.name, nil)))
            }
            switch parameter.type {
            case "integer":
                sets.append(InvalidParameters("\(parameter.name) not a number", with(parameter.name, "12abc")))
                if let max = parameter.constraint?.max, max < Int.max {
                    sets.append(InvalidParameters("\(parameter.name) above its range", with(parameter.name, String(max + 1))))
                }
                if let min = parameter.constraint?.min, min > Int.min {
                    sets.append(InvalidParameters("\(parameter.name) below its range", with(parameter.name, String(min - 1))))
                }
            case "boolean":
                sets.append(InvalidParameters("\(parameter.name) not a boolean", with(parameter.name, "maybe")))
            default:
                if parameter.constraint?.kind == "options" {
                    sets.append(InvalidParameters("\(parameter.name) not one of its values", with(parameter.name, "no-such-value")))
                }
                sets.append(InvalidParameters("\(parameter.name) with a newline", with(parameter.name, "bad\nvalue")))
            }
        }
        return sets
    }

    /// The value of a private parameter in `parameters` worth searching for in output.
    func privateValue(in parameters: [String: String]) -> String? {
        guard let description else { return nil }
        for parameter in description.parameters where parameter.private {
            if let value = parameters[parameter.name], value.count >= 4 { return value }
        }
        return nil
    }
}
