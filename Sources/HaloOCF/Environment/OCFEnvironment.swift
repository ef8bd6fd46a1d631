import HaloSystem

/// What a resource agent process learns from its environment, read once at start.
///
/// Pacemaker's executor sets these (pacemaker lib/services `add_action_env_vars`); ocf-tester,
/// `crm_resource --force-*` and haloctl set subsets of them.
public struct OCFEnvironment: Sendable {
    public let resourceInstance: String?
    public let resourceType: String?
    public let resourceProvider: String?
    /// `OCF_ROOT`, default `/usr/lib/ocf`.
    public let ocfRoot: String
    /// `OCF_RA_VERSION_MAJOR.MINOR` as the caller announced it.
    public let callerAPIVersion: String?
    /// `HA_RSCTMP`: state that lives until reboot, default `/run/resource-agents`.
    public let resourceTemporaryDirectory: String
    /// The prefix of the exit-reason line, `ocf-exit-reason:` unless the caller changes it.
    public let exitReasonPrefix: String
    public let operation: OperationMeta
    public let clone: CloneMeta?
    public let notification: Notification?
    public let logging: LogSettings
    /// The requested check level as given (`OCF_CHECK_LEVEL`, else `OCF_RESKEY_OCF_CHECK_LEVEL`),
    /// `0` when neither is set.
    public let requestedCheckLevel: Int
    /// The resource's parameters: `OCF_RESKEY_<name>` without meta attributes.
    public let parameters: [String: String]
    /// Problems with the operation's own attributes (timeouts, intervals, check level).
    public let problems: [String]
    /// Who runs the agent: Pacemaker (the default), or halod (`HALO_MANAGER=halod`), which
    /// has no attribute daemon: an agent then writes no promotion score.
    public let manager: ClusterManager

    /// The state directory of the agent called `agent` (`HA_RSCTMP/halo-<agent>`): where its
    /// actions keep their state, and where helpers of that agent find it.
    public func stateDirectory(agent: String) -> StateDirectory {
        StateDirectory(path: "\(resourceTemporaryDirectory)/halo-\(agent)")
    }

    /// Reads the environment. Invalid meta values are recorded in `problems` rather than
    /// thrown, so that even `meta-data` can run in any environment.
    public init(_ variables: [String: String]) {
        var problems: [String] = []
        func meta(_ name: String) -> String? { variables["OCF_RESKEY_CRM_meta_\(name)"] }
        func milliseconds(_ name: String) -> Duration? {
            guard let text = meta(name) else { return nil }
            guard let value = Int64(text), value >= 0 else {
                problems.append("CRM_meta_\(name)=\(ParameterProblem.quoted(text)) is not a number of milliseconds")
                return nil
            }
            return .milliseconds(value)
        }
        func integer(_ names: String...) -> Int? {
            for name in names {
                guard let text = meta(name) else { continue }
                if let value = Int(text) { return value }
                problems.append("CRM_meta_\(name)=\(ParameterProblem.quoted(text)) is not a number")
            }
            return nil
        }
        func boolean(_ name: String) -> Bool { meta(name).map { LogSettings.isTrue($0) } ?? false }

        manager = variables["HALO_MANAGER"] == "halod" ? .halod : .pacemaker
        resourceInstance = variables["OCF_RESOURCE_INSTANCE"].flatMap { $0.isEmpty ? nil : $0 }
        resourceType = variables["OCF_RESOURCE_TYPE"]
        resourceProvider = variables["OCF_RESOURCE_PROVIDER"]
        ocfRoot = variables["OCF_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/lib/ocf"
        if let major = variables["OCF_RA_VERSION_MAJOR"] {
            callerAPIVersion = "\(major).\(variables["OCF_RA_VERSION_MINOR"] ?? "0")"
        } else {
            callerAPIVersion = nil
        }
        resourceTemporaryDirectory = variables["HA_RSCTMP"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/resource-agents"
        exitReasonPrefix = variables["OCF_EXIT_REASON_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "ocf-exit-reason:"
        logging = LogSettings(variables)

        operation = OperationMeta(
            timeout: milliseconds("timeout"), interval: milliseconds("interval") ?? .zero, name: meta("name"),
            onNode: meta("on_node"), onNodeUUID: meta("on_node_uuid"), physicalHost: meta("physical_host"),
            crmFeatureSet: variables["OCF_RESKEY_crm_feature_set"])

        if let cloneMax = integer("clone_max") {
            let promotedMax = integer("promoted_max", "master_max") ?? 0
            clone = CloneMeta(
                cloneMax: cloneMax, cloneNodeMax: integer("clone_node_max") ?? 1,
                isGloballyUnique: boolean("globally_unique"), notifies: boolean("notify"),
                isPromotable: boolean("promotable") || promotedMax > 0, promotedMax: promotedMax,
                promotedNodeMax: integer("promoted_node_max", "master_node_max") ?? (promotedMax > 0 ? 1 : 0))
        } else {
            clone = nil
        }
        notification = Self.notification(variables, problems: &problems)

        let level = variables["OCF_CHECK_LEVEL"] ?? variables["OCF_RESKEY_OCF_CHECK_LEVEL"]
        if let level, !level.isEmpty {
            if let value = Int(level), value >= 0 {
                requestedCheckLevel = value
            } else {
                problems.append("OCF_CHECK_LEVEL=\(ParameterProblem.quoted(level)) is not 0, 10 or 20")
                requestedCheckLevel = 0
            }
        } else {
            requestedCheckLevel = 0
        }

        var parameters: [String: String] = [:]
        for (name, value) in variables where name.hasPrefix("OCF_RESKEY_") {
            let parameter = String(name.dropFirst("OCF_RESKEY_".count))
            if parameter.hasPrefix("CRM_meta_") || parameter == "crm_feature_set" || parameter == "OCF_CHECK_LEVEL" {
                continue
            }
            parameters[parameter] = value
        }
        self.parameters = parameters
        self.problems = problems
    }

    /// Whether `action` is a probe: a monitor with interval 0, which Pacemaker runs to learn
    /// the state of a resource on a node, before and apart from any recurring monitor.
    public func isProbe(_ action: OCFAction) -> Bool {
        action == .monitor && operation.interval == .zero
    }

    static func notification(_ variables: [String: String], problems: inout [String]) -> Notification? {
        func value(_ name: String) -> String? { variables["OCF_RESKEY_CRM_meta_notify_\(name)"] }
        func list(_ name: String) -> [String] {
            (value(name) ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        }
        func participants(_ role: String, legacy: String? = nil) -> Notification.Participants {
            var resources = list("\(role)_resource")
            var nodes = list("\(role)_uname")
            if resources.isEmpty, nodes.isEmpty, let legacy {
                resources = list("\(legacy)_resource")
                nodes = list("\(legacy)_uname")
            }
            return .init(resources: resources, nodes: nodes)
        }
        guard let type = value("type") else { return nil }
        guard let phase = NotificationPhase(rawValue: type) else {
            problems.append("CRM_meta_notify_type=\(ParameterProblem.quoted(type)) is neither pre nor post")
            return nil
        }
        return Notification(
            phase: phase, operation: value("operation") ?? "",
            active: participants("active"), inactive: participants("inactive"),
            starting: participants("start"), stopping: participants("stop"),
            promoting: participants("promote"), demoting: participants("demote"),
            promoted: participants("promoted", legacy: "master"),
            unpromoted: participants("unpromoted", legacy: "slave"),
            allNodes: list("all_uname").isEmpty ? list("all_hosts") : list("all_uname"),
            availableNodes: list("available_uname"))
    }
}

/// How an agent logs, from `HA_debug`, `HA_LOGFACILITY` and `HA_LOGTAG`.
public struct LogSettings: Sendable, Hashable {
    /// Debug messages are written only when `HA_debug` is 1 (or yes/true/on).
    public let debug: Bool
    /// The syslog facility; `nil` when `HA_LOGFACILITY` is `none` (standard error only).
    public let facility: SyslogFacility?
    /// The syslog identifier, from `HA_LOGTAG`; the agent's name when unset.
    public let tag: String?
    /// A facility name syslog does not know; `daemon` is used instead and the agent warns.
    /// (A logging setting never fails a resource action.)
    public let unknownFacility: String?

    init(_ variables: [String: String]) {
        debug = Self.isTrue(variables["HA_debug"] ?? "")
        // Pacemaker exports HA_logfacility; ocf-shellfuncs reads HA_LOGFACILITY. Honour both.
        let facilityName = variables["HA_LOGFACILITY"] ?? variables["HA_logfacility"] ?? "daemon"
        switch facilityName.lowercased() {
        case "none", "":
            facility = nil
            unknownFacility = nil
        default:
            facility = SyslogFacility(name: facilityName) ?? .daemon
            unknownFacility = SyslogFacility(name: facilityName) == nil ? facilityName : nil
        }
        tag = (variables["HA_LOGTAG"] ?? variables["HA_logtag"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Pacemaker's and resource-agents' spellings of "true".
    static func isTrue(_ text: String) -> Bool {
        ["1", "yes", "true", "on", "y"].contains(text.lowercased())
    }
}

/// The cluster manager that runs an agent.
public enum ClusterManager: String, Sendable, Hashable {
    case pacemaker
    /// halod (docs/halod.md): it promotes by its own placement, not by promotion scores.
    case halod
}
