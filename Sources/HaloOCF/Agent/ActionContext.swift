import HaloSystem
import Logging

/// Everything one action of one agent invocation works with, handed in by the core.
public struct ActionContext<Parameters: ParameterDeclarations> {
    /// The validated, typed parameters.
    public let parameters: ParameterValues<Parameters>
    public let environment: OCFEnvironment
    public let action: OCFAction
    /// The resource instance (`OCF_RESOURCE_INSTANCE`).
    public let instance: String
    /// When the action must be finished: `CRM_meta_timeout` (or the recommended timeout)
    /// minus a safety margin.
    public let deadline: Deadline
    /// Logs with the agent, the resource and the action attached to every entry.
    public let logger: Logger
    /// This agent's state directory under `HA_RSCTMP` (created on first write).
    public let state: StateDirectory
    public let processes: ProcessRunner
    /// Reads device blocks in a child that is abandoned at a deadline: every block-device read
    /// goes through it (DESIGN §4).
    public let reader: BoundedReader

    /// Whether this is a probe (a monitor with interval 0).
    public var isProbe: Bool { environment.isProbe(action) }
}

/// What `stopWithInvalidParameters` gets: the context with each parameter's value where it
/// validated on its own, and `nil` where it did not.
public struct InvalidParameterContext<Parameters: ParameterDeclarations> {
    public let parameters: PartialParameterValues<Parameters>
    public let environment: OCFEnvironment
    public let instance: String
    public let deadline: Deadline
    public let logger: Logger
    public let state: StateDirectory
    public let processes: ProcessRunner
    public let reader: BoundedReader
}
