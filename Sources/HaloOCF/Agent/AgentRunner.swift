import HaloJSON
import HaloSystem
import Logging

/// The result of one agent invocation, before it is written out.
public struct Invocation: Sendable {
    public let code: OCFExitCode
    /// What goes to standard output (meta-data, usage), if anything.
    public let output: String
    /// The exit reason, for every code that needs one.
    public let reason: Reason?
}

/// Runs one action of one agent the way the OCF contract says: the single entry point from
/// `main` to an agent's code and back to an exit code.
public enum AgentRunner {
    /// The halo release, reported as every agent's version in meta-data.
    public static let haloVersion = HaloRelease.version

    /// Runs `arguments[0]` (the action) and exits the process with its code. Writes output to
    /// standard output and the exit reason as the last line of standard error.
    ///
    /// - Parameter reader: how the agent reads device blocks; `MultiCall` passes this very
    ///   executable (`BoundedReader.thisExecutable`), which it serves reads as.
    public static func main<Agent: ResourceAgent>(
        _ agent: Agent.Type, arguments: [String], environment variables: [String: String], reader: BoundedReader
    ) -> Never {
        let environment = OCFEnvironment(variables)
        let sink = AgentLogSink(systemLog: environment.logging.facility.map {
            SystemLog(identifier: environment.logging.tag ?? "halo-\(Agent.description.name)", facility: $0)
        })
        let invocation = invoke(agent, action: arguments.first, environment: environment, sink: sink, reader: reader)
        if !invocation.output.isEmpty { StandardStream.output.write(invocation.output) }
        if let reason = invocation.reason {
            StandardStream.error.write(ExitDecision.exitReasonLine(reason, prefix: environment.exitReasonPrefix) + "\n")
        }
        CurrentProcess.exit(invocation.code.rawValue)
    }

    /// Runs one action and returns what to print and how to exit, without exiting: the whole
    /// OCF contract, testable in-process.
    public static func invoke<Agent: ResourceAgent>(
        _ agent: Agent.Type, action actionName: String?, environment: OCFEnvironment, sink: any LogSink,
        reader: BoundedReader, now: ContinuousClock.Instant = .now, processes: ProcessRunner = ProcessRunner()
    ) -> Invocation {
        let description = Agent.description
        guard let actionName else {
            return Invocation(code: .invalidArgument, output: usage(agent),
                              reason: "no action given: \(usageLine(agent))")
        }
        guard let action = OCFAction(rawValue: actionName) else {
            return Invocation(code: .unimplemented, output: usage(agent),
                              reason: "unknown action \(ParameterProblem.quoted(actionName)): \(usageLine(agent))")
        }
        switch action {
        case .metaData: return Invocation(code: .success, output: metadata(agent), reason: nil)
        case .usage: return Invocation(code: .success, output: usage(agent), reason: nil)
        default: break
        }
        guard implements(agent, action) else {
            return Invocation(code: .unimplemented, output: "",
                              reason: "\(description.name) does not implement \(action.rawValue)")
        }

        let instance = environment.resourceInstance ?? description.name
        let logger = Logger(label: "halo.\(description.name)") { _ in
            OCFLogHandler(sink: sink, agent: description.name, instance: instance, action: action.rawValue,
                          debug: environment.logging.debug)
        }
        if let unknown = environment.logging.unknownFacility {
            logger.warning("unknown syslog facility in HA_LOGFACILITY: using daemon",
                           metadata: ["halo.facility": "\(unknown)"])
        }
        let result = perform(agent, action: action, environment: environment, instance: instance,
                             logger: logger, now: now, processes: processes, reader: reader)
        let (code, reason) = ExitDecision.decide(result)
        if let reason, code != .notRunning {
            let level: Logger.Level = code == .degraded || code == .degradedPromoted ? .warning : .error
            logger.log(level: level, "\(reason.summary)", metadata: reason.details.mapValues { .string($0) })
        }
        return Invocation(code: code, output: "", reason: reason)
    }

    /// Validation, deadline and check level, then the agent's function for `action`.
    ///
    /// What is wrong with the invocation fails it with 6 (`misconfigured`), except where that
    /// would do harm: an unknown parameter is logged and ignored by every action but
    /// validate-all (a parameter of a newer halo, during a rolling upgrade, must not fail the
    /// resource on every node), and a stop goes ahead despite invalid operation attributes, and
    /// with parameters that do not validate identifies what to stop from those that do
    /// (`stopWithInvalidParameters`) — a stop fails only when the resource may still run.
    static func perform<Agent: ResourceAgent>(
        _ agent: Agent.Type, action: OCFAction, environment: OCFEnvironment, instance: String,
        logger: Logger, now: ContinuousClock.Instant, processes: ProcessRunner, reader: BoundedReader
    ) -> Result<AgentOutcome, AgentFailure> {
        let description = Agent.description
        if environment.resourceInstance == nil && action != .validateAll {
            return .failure(.invalidArgument(
                "OCF_RESOURCE_INSTANCE is not set: run agents through Pacemaker, crm_resource or haloctl"))
        }
        if let problem = environment.problems.first {
            guard action == .stop else { return .failure(.misconfigured("invalid operation attributes: \(problem)")) }
            logger.warning("invalid operation attributes: stopping all the same", metadata: ["halo.problems": "\(environment.problems)"])
        }
        let timeout = environment.operation.timeout ?? description.timeout(action)
        let deadline = Deadline.forAction(timeout: timeout, startedAt: now)
        let state = environment.stateDirectory(agent: description.name)

        // validate-all is the administrator's check, which Pacemaker never runs by itself: there an
        // unknown parameter (a typo?) is a problem; elsewhere it is logged and ignored.
        let unknown = ParameterValues<Agent.Parameters>.unknownParameters(environment.parameters)
        let reported = action == .validateAll ? unknown : []
        for problem in unknown where action != .validateAll { logger.warning("\(problem): ignored") }
        let parameters: ParameterValues<Agent.Parameters>
        switch ParameterValues<Agent.Parameters>.validate(environment.parameters) {
        case .success(let values):
            if !reported.isEmpty { return .failure(.misconfigured(Reason("\(ParameterProblems(problems: reported))"))) }
            parameters = values
        case .failure(let problems):
            if action == .stop {
                logger.warning("stop with parameters that do not validate: stopping what those that do name",
                               metadata: ["halo.problems": "\(problems)"])
                let context = InvalidParameterContext(
                    parameters: PartialParameterValues<Agent.Parameters>(environment.parameters), environment: environment,
                    instance: instance, deadline: deadline, logger: logger, state: state, processes: processes, reader: reader)
                return Result { () throws(AgentFailure) in try Agent.stopWithInvalidParameters(problems, context: context) }
            }
            return .failure(.misconfigured(Reason("\(ParameterProblems(problems: reported + problems.problems))")))
        }
        for warning in parameters.warnings { logger.warning("\(warning)") }
        logger.debug("parameters", metadata: ["halo.parameters": "\(parameters.redactedDescription)"])

        let context = ActionContext(parameters: parameters, environment: environment, action: action,
                                    instance: instance, deadline: deadline, logger: logger, state: state,
                                    processes: processes, reader: reader)
        return Result { () throws(AgentFailure) -> AgentOutcome in
            let outcome = try dispatch(agent, action: action, context: context)
            precondition(outcome == .success || action == .monitor,
                         "\(description.name) \(action.rawValue) returned \(outcome); only monitor reports states")
            return outcome
        }
    }

    static func dispatch<Agent: ResourceAgent>(
        _ agent: Agent.Type, action: OCFAction, context: ActionContext<Agent.Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        let description = Agent.description
        let requested = context.environment.requestedCheckLevel
        switch action {
        case .start: return try Agent.start(context)
        case .stop: return try Agent.stop(context)
        case .monitor:
            let level = CheckLevel.resolve(requested, supported: description.monitorLevels)
            return try Agent.monitor(context, level: level)
        case .validateAll:
            let level = CheckLevel.resolve(requested, supported: description.validateLevels)
            if level > .basic { try Agent.validateEnvironment(context, level: level) }
            return .success
        case .promote: return try (agent as! any PromotableAgent.Type).promoteErased(context)
        case .demote: return try (agent as! any PromotableAgent.Type).demoteErased(context)
        case .notify:
            guard let notification = context.environment.notification else {
                // Pacemaker always describes a notification; a bare `notify` (ocf-tester runs
                // one) announces nothing, so there is nothing to act on.
                context.logger.debug("notify without notification variables: nothing to do")
                return .success
            }
            return try (agent as! any NotifyingAgent.Type).notifyErased(context, notification)
        case .reloadAgent: return try (agent as! any ReloadingAgent.Type).reloadErased(context)
        case .metaData, .usage, .reload, .migrateTo, .migrateFrom, .recover, .status, .methods:
            preconditionFailure("\(action.rawValue) is answered before dispatch")
        }
    }

    /// Whether `agent` implements `action`. The mandatory actions are answered without a
    /// protocol-conformance lookup, which costs the runtime a scan of every conformance record
    /// (tens of microseconds each) — the monitor path makes none.
    static func implements<Agent: ResourceAgent>(_ agent: Agent.Type, _ action: OCFAction) -> Bool {
        switch action {
        case .start, .stop, .monitor, .validateAll, .metaData, .usage: true
        default: supportedActions(agent).contains(action)
        }
    }

    /// The actions `agent` implements, derived from the protocols it adopts.
    public static func supportedActions<Agent: ResourceAgent>(_ agent: Agent.Type) -> [OCFAction] {
        var actions: [OCFAction] = [.start, .stop, .monitor]
        if agent is any PromotableAgent.Type { actions += [.promote, .demote] }
        if agent is any NotifyingAgent.Type { actions.append(.notify) }
        if agent is any ReloadingAgent.Type { actions.append(.reloadAgent) }
        return actions + [.validateAll, .metaData]
    }

    /// The `<action>` elements of the meta-data.
    public static func actionDeclarations<Agent: ResourceAgent>(_ agent: Agent.Type) -> [ActionDeclaration] {
        let description = Agent.description
        return supportedActions(agent).flatMap { action -> [ActionDeclaration] in
            if action == .monitor {
                return description.monitors.map {
                    ActionDeclaration(action: .monitor, timeout: $0.timeout, interval: $0.interval, depth: $0.depth, role: $0.role)
                }
            }
            return [ActionDeclaration(action: action, timeout: description.timeout(action),
                                      interval: nil, depth: nil, role: nil)]
        }
    }

    /// The agent's meta-data XML.
    public static func metadata<Agent: ResourceAgent>(_ agent: Agent.Type) -> String {
        MetadataDocument.render(description: Agent.description, parameters: Agent.Parameters.specs,
                                actions: actionDeclarations(agent), version: haloVersion)
    }

    /// The agent described as JSON, for haloctl, documentation and the conformance runner.
    public static func describe<Agent: ResourceAgent>(_ agent: Agent.Type) -> String {
        let description = Agent.description
        return JSONValue.object([
            ("name", .string(description.name)),
            ("version", .string(haloVersion)),
            ("shortdesc", .string(description.shortDescription)),
            ("longdesc", .string(description.longDescription)),
            ("monitorLevels", .array(description.monitorLevels.map { .int($0.rawValue) })),
            ("validateLevels", .array(description.validateLevels.map { .int($0.rawValue) })),
            ("promotable", .bool(agent is any PromotableAgent.Type)),
            ("parameters", .array(Agent.Parameters.specs.map(\.json))),
            ("actions", .array(actionDeclarations(agent).map(\.json))),
        ]).rendered() + "\n"
    }

    static func usageLine<Agent: ResourceAgent>(_ agent: Agent.Type) -> String {
        "usage: \(Agent.description.name) {\(supportedActions(agent).map(\.rawValue).joined(separator: "|"))|usage}"
    }

    static func usage<Agent: ResourceAgent>(_ agent: Agent.Type) -> String {
        """
        \(usageLine(agent))

        \(Agent.description.shortDescription). An OCF resource agent of halo \(haloVersion);
        Pacemaker runs it with its parameters as OCF_RESKEY_<name> variables. The parameters and
        the recommended operations are in the output of `meta-data`.

        """
    }
}

// Calls through an existential metatype need the context's generic parameter re-bound; these
// helpers open the existential once, so dispatch stays one exhaustive switch.
extension PromotableAgent {
    static func promoteErased<P>(_ context: ActionContext<P>) throws(AgentFailure) -> AgentOutcome {
        try promote(context as! ActionContext<Parameters>)
    }
    static func demoteErased<P>(_ context: ActionContext<P>) throws(AgentFailure) -> AgentOutcome {
        try demote(context as! ActionContext<Parameters>)
    }
}

extension NotifyingAgent {
    static func notifyErased<P>(_ context: ActionContext<P>, _ notification: Notification) throws(AgentFailure) -> AgentOutcome {
        try notify(context as! ActionContext<Parameters>, notification)
    }
}

extension ReloadingAgent {
    static func reloadErased<P>(_ context: ActionContext<P>) throws(AgentFailure) -> AgentOutcome {
        try reloadAgent(context as! ActionContext<Parameters>)
    }
}
