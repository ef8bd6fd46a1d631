/// A role in an action declaration of a promotable agent.
public enum ActionRole: String, Sendable, Hashable {
    case promoted = "Promoted"
    case unpromoted = "Unpromoted"
}

/// A recommended recurring monitor, as meta-data advertises it.
public struct MonitorRecommendation: Sendable, Hashable {
    public let interval: Duration
    public let timeout: Duration
    public let depth: CheckLevel
    public let role: ActionRole?

    public init(interval: Duration, timeout: Duration, depth: CheckLevel = .basic, role: ActionRole? = nil) {
        self.interval = interval
        self.timeout = timeout
        self.depth = depth
        self.role = role
    }
}

/// What an agent says about itself, apart from its parameters and its code: names,
/// descriptions, recommended timeouts and monitors, and the check levels it implements.
public struct AgentDescription: Sendable {
    /// The agent's OCF type name (`portal` for `ocf:halo:portal`).
    public let name: String
    public let shortDescription: String
    public let longDescription: String
    /// Recommended timeouts per action; actions not listed get 20 s (Pacemaker's default).
    public let timeouts: [OCFAction: Duration]
    public let monitors: [MonitorRecommendation]
    /// Levels `monitor` implements; 0 is always one of them.
    public let monitorLevels: [CheckLevel]
    /// Levels `validate-all` implements: 0 checks syntax only; higher levels check this node.
    public let validateLevels: [CheckLevel]

    /// - Precondition: the name is a lower-case identifier; monitor and validate levels include 0;
    ///   monitors of a promotable agent (roles set) have distinct intervals.
    public init(
        name: String, shortDescription: String, longDescription: String,
        timeouts: [OCFAction: Duration] = [:], monitors: [MonitorRecommendation],
        monitorLevels: [CheckLevel] = [.basic], validateLevels: [CheckLevel] = [.basic, .thorough]
    ) {
        precondition(Parameter<String>.isValidName(name), "agent name \(name) must be a lower-case identifier")
        precondition(monitorLevels.contains(.basic) && validateLevels.contains(.basic), "level 0 is mandatory")
        precondition(!monitors.isEmpty, "an agent recommends at least one monitor")
        precondition(Set(monitors.map(\.interval)).count == monitors.count,
                     "two monitors with one interval are a Pacemaker configuration error")
        self.name = name
        self.shortDescription = shortDescription
        self.longDescription = longDescription
        self.timeouts = timeouts
        self.monitors = monitors
        self.monitorLevels = monitorLevels
        self.validateLevels = validateLevels
    }

    /// The recommended timeout of `action`.
    public func timeout(_ action: OCFAction) -> Duration { timeouts[action] ?? .seconds(20) }
}

/// One `<action>` element of the meta-data.
public struct ActionDeclaration: Sendable, Hashable {
    public let action: OCFAction
    public let timeout: Duration
    public let interval: Duration?
    public let depth: CheckLevel?
    public let role: ActionRole?
}
