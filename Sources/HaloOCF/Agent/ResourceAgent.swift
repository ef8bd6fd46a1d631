/// An OCF resource agent: its description, its parameters and its actions.
///
/// The core does everything the OCF contract asks of every agent — meta-data, usage, the
/// environment, parameter validation, check levels, deadlines, logging, the exit code and the
/// exit reason — and calls these functions only with validated, typed parameters. An agent
/// implements `start`, `stop` and `monitor`; it adopts `PromotableAgent`,
/// `NotifyingAgent` or `ReloadingAgent` for the optional actions, and the meta-data lists
/// exactly the actions it implements.
///
/// Rules the core cannot check, which every agent keeps (docs/writing-an-agent.md):
/// start and stop are idempotent; monitor returns `.notRunning` only when cleanly stopped;
/// a probe (`context.isProbe`) never fails for a missing device or file; stop fails only when
/// the resource really could not be stopped.
public protocol ResourceAgent: SendableMetatype {
    associatedtype Parameters: ParameterDeclarations

    /// The agent's name (`ocf:halo:<name>`), also `description.name`: a constant, so that the
    /// multi-call binary can dispatch without building any agent's description.
    static var name: String { get }

    /// Name, descriptions, recommended timeouts and monitors, supported check levels.
    static var description: AgentDescription { get }

    /// Brings the resource up; returns `.success` when it is fully up (already up included).
    static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome
    /// Takes the resource down; `.success` when it is down (already down included).
    static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome
    /// Reports the resource's state at `level` (already resolved to one the agent supports).
    static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome
    /// Checks this node for what the parameters need (binaries, devices, files), at `level` ≥ 10.
    /// Syntax (level 0) is checked by the core before any action runs.
    static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure)
    /// `stop` when the parameters do not validate. Pacemaker stops with the parameters the
    /// resource was started with, so this happens after an upgrade that validates more strictly,
    /// or for a resource a probe found active under a configuration that no longer validates:
    /// it may well be running. An agent identifies its resource from the parameters that did
    /// validate (`context.parameters`) and stops it, or throws `.generic`; the default throws,
    /// since a stop that cannot tell what to stop must not report it stopped.
    static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome

    /// Whether `action` may load a shared library with `dlopen(3)` (the luks agent's
    /// libcryptsetup). The installed halo-agent is statically linked, and a static process
    /// cannot load shared libraries safely, so it hands these actions to its dynamically linked
    /// twin (`MultiCall`, docs/architecture.md). The default: no action does.
    static func loadsSharedLibraries(_ action: OCFAction) -> Bool
}

extension ResourceAgent {
    public static func loadsSharedLibraries(_ action: OCFAction) -> Bool { false }

    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {}

    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        throw .cannotStop(without: nil, problems)
    }
}

extension AgentFailure {
    /// The failure of a stop whose parameters do not tell what to stop: `.generic` (a stop that
    /// may have left the resource running must not succeed), the problems last, as Pacemaker
    /// keeps only the start of a reason.
    ///
    /// - Parameter identifying: the parameters that name the resource and did not validate, as
    ///   a phrase ("iqn or device_name"); `nil` when the agent cannot name any.
    public static func cannotStop(without identifying: String?, _ problems: ParameterProblems) -> AgentFailure {
        let what = identifying.map { "without a valid \($0), what to stop cannot be told" }
            ?? "the parameters do not validate, so what to stop cannot be told"
        return .generic(Reason("cannot stop: \(what), and it may still run: \(problems)"))
    }
}

/// An agent for a promotable clone (`promote`, `demote`, and monitor's `.runningPromoted`).
public protocol PromotableAgent: ResourceAgent {
    static func promote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome
    static func demote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome
}

/// An agent that acts on clone notifications.
public protocol NotifyingAgent: ResourceAgent {
    static func notify(_ context: ActionContext<Parameters>, _ notification: Notification) throws(AgentFailure) -> AgentOutcome
}

/// An agent that applies changed `reloadable` parameters without a restart (OCF 1.1 `reload-agent`).
public protocol ReloadingAgent: ResourceAgent {
    static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome
}
