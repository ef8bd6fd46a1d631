import HaloOCF
import HaloSystem
import Logging

/// The settings a target agent's decisions read: the target's definition both stacks share,
/// read as members of the settings themselves (`settings.target`, `settings.chapFile`), beside
/// the stack's own.
@dynamicMemberLookup
public protocol TargetSettings: Sendable {
    var definition: TargetDefinition { get set }
}

extension TargetSettings {
    public subscript<Value>(dynamicMember member: WritableKeyPath<TargetDefinition, Value>) -> Value {
        get { definition[keyPath: member] }
        set { definition[keyPath: member] = newValue }
    }
}

/// What a target agent reads of its stack: the depth-20 read's result is part of it.
public protocol TargetObservation: Sendable {
    var deepRead: DeepRead? { get set }
}

/// How much of the target a read covers.
public enum TargetDepth: Sendable, Hashable {
    /// Depth-0 monitor and stop: presence, enablement, the LUN's mapping, the ACL.
    case basic
    /// Depth-10 monitor, start and reload: also the storage's attributes and identity,
    /// portals, CHAP, session parameters, the backing store.
    case full
}

/// The reader of a target stack's kernel interface (LIO's configfs, SCST's sysfs).
public protocol TargetView {
    associatedtype Settings: TargetSettings
    associatedtype Observation: TargetObservation

    /// Reads the target at `depth`; `credentials` are compared in place with the stack's.
    func observe(_ settings: Settings, depth: TargetDepth, credentials: borrowing ChapCredentials?) throws(Errno) -> Observation
    /// Depth 20: one block of the backing store, read as the stack reads it; nil when there is
    /// no storage to read.
    func deepRead(_ settings: Settings, _ observation: Observation, reader: BoundedReader, deadline: Deadline) -> DeepRead?
}

/// A target agent as the glue both ocf:halo:scst and ocf:halo:lio share sees it: how it reads
/// its settings, the reader of its stack (`TargetView`), and what its monitor and start refusal
/// decide. From these, `monitor`, `validateEnvironment` and `observe` are the same code
/// for both stacks.
public protocol TargetStack: TargetAgent {
    associatedtype Settings: TargetSettings
    associatedtype Observation: TargetObservation
    associatedtype View: TargetView where View.Settings == Settings, View.Observation == Observation

    static func settings(_ parameters: ParameterValues<Parameters>) -> Settings
    static func view(_ context: ActionContext<Parameters>) -> View
    /// Where the stack's state is, for the message of a read that failed
    /// ("LIO's state in /sys/kernel/config/target").
    static var stateLocation: String { get }
    static func monitorDecision(_ settings: Settings, _ observation: Observation, level: CheckLevel,
                                chap: ChapExpectation) -> Result<AgentOutcome, AgentFailure>
    /// Whether the target cannot be started here (checked by start, reload and validate-all).
    static func startRefusal(_ settings: Settings, _ observation: Observation,
                             context: ActionContext<Parameters>) -> AgentFailure?
    /// Takes down what `settings` names (stop, and a stop whose other parameters do not validate).
    static func stop(_ settings: Settings, state: StateDirectory, deadline: Deadline, logger: Logger) throws(AgentFailure) -> AgentOutcome
}

/// What start and reload-agent work from: the settings, the CHAP users and the target as it
/// runs, read under the node's lock for the stack, and the reader it was read with.
public struct TargetChange<Stack: TargetStack> {
    public let settings: Stack.Settings
    public let users: ChapUsers
    public let observation: Stack.Observation
    public let view: Stack.View
}

extension TargetStack {
    /// start and reload-agent around their own plan (`TargetAgent.change`): the target read
    /// under the node's lock and refused when it cannot work here (`startRefusal`); after
    /// `change`, read again for the depth-10 monitor.
    public static func change(_ context: ActionContext<Parameters>, done: String,
                              _ change: (TargetChange<Self>, borrowing ChapCredentials?) throws(AgentFailure) -> Void)
        throws(AgentFailure) -> AgentOutcome {
        let settings = settings(context.parameters)
        let view = view(context)
        return try self.change(context, done: done, chapFile: settings.chapFile, read: { (credentials) throws(AgentFailure) in
            let observation = try observe(view, settings, .full, credentials)
            if let refusal = startRefusal(settings, observation, context: context) { throw refusal }
            return TargetChange<Self>(settings: settings, users: ChapUsers(credentials), observation: observation,
                                      view: view)
        }, verify: { (credentials) throws(AgentFailure) in
            monitorDecision(settings, try observe(view, settings, .full, credentials), level: .thorough,
                            chap: .configured(ChapUsers(credentials)))
        }, change)
    }

    /// The view's read, a failure of which is the agent's generic failure with the errno's symbol.
    public static func observe(_ view: View, _ settings: Settings, _ depth: TargetDepth,
                               _ credentials: borrowing ChapCredentials?) throws(AgentFailure) -> Observation {
        do {
            return try view.observe(settings, depth: depth, credentials: credentials)
        } catch {
            throw AgentFailure.generic(Reason("cannot read \(stateLocation): \(error)", details: ["halo.errno": error.symbol]))
        }
    }

    public static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try stop(settings(context.parameters), state: context.state, deadline: context.deadline, logger: context.logger)
    }

    /// Takes down what `settings` says the resource owns, under the node's lock: the steps
    /// `decide` gives for a basic read, carried out by `effects`. A step the kernel refuses is
    /// a failure only when a new read still leaves something to take down (gone meanwhile —
    /// the daemon exited, someone else removed it — is stopped all the same). The steps taken.
    public static func stop<Effects: TargetEffects>(
        _ settings: Settings, view: View, effects: Effects, state: StateDirectory, deadline: Deadline,
        decide: (Observation) -> [Effects.Step], failure: (StepFailure<Effects.Step>) -> AgentFailure
    ) throws(AgentFailure) -> [Effects.Step] {
        let lock = try lock(state, deadline: deadline)
        let steps = decide(try observe(view, settings, .basic, nil))
        do {
            try effects.apply(steps, credentials: nil)
        } catch {
            if !decide(try observe(view, settings, .basic, nil)).isEmpty { throw failure(error) }
        }
        _ = consume lock
        return steps
    }

    /// Depth 0 reads the target's presence; depth 10 also reads the CHAP file (a file that
    /// cannot be read is a warning, not a failure: the target keeps its accounts) and compares;
    /// depth 20 adds the block read.
    public static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        let settings = settings(context.parameters)
        let view = view(context)
        guard level >= .thorough else {
            return try monitorDecision(settings, try observe(view, settings, .basic, nil), level: level, chap: .configured(.none)).get()
        }
        var credentials: ChapCredentials? = nil
        let chap = monitorExpectation(settings.chapFile, logger: context.logger, credentials: &credentials)
        var observation = try observe(view, settings, .full, credentials)
        if level >= .deep { observation.deepRead = view.deepRead(settings, observation, reader: context.reader, deadline: context.deadline) }
        return try monitorDecision(settings, observation, level: level, chap: chap).get()
    }

    /// Level 10: the CHAP file reads and the target could be started here.
    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        let settings = settings(context.parameters)
        let credentials = try readCredentials(settings.chapFile)
        if let refusal = startRefusal(settings, try observe(view(context), settings, .full, credentials), context: context) {
            throw refusal
        }
    }
}
