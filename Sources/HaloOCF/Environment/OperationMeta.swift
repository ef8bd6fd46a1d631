/// The operation's own attributes, from `OCF_RESKEY_CRM_meta_*`.
public struct OperationMeta: Sendable, Hashable {
    /// The action's timeout (`CRM_meta_timeout`, milliseconds); `nil` when run by hand.
    public let timeout: Duration?
    /// The recurring interval (`CRM_meta_interval`); zero for one-shot actions and probes.
    public let interval: Duration
    /// The operation name Pacemaker recorded (`CRM_meta_name`).
    public let name: String?
    /// The node the operation runs on (`CRM_meta_on_node`).
    public let onNode: String?
    public let onNodeUUID: String?
    public let physicalHost: String?
    /// The CRM feature set (`OCF_RESKEY_crm_feature_set`).
    public let crmFeatureSet: String?
}

/// The clone meta attributes Pacemaker passes to an instance of a clone.
public struct CloneMeta: Sendable, Hashable {
    public let cloneMax: Int
    public let cloneNodeMax: Int
    public let isGloballyUnique: Bool
    /// Whether notify actions are sent (`notify=true` on the clone).
    public let notifies: Bool
    public let isPromotable: Bool
    /// `promoted-max` (or the legacy `master-max`); 0 when not promotable.
    public let promotedMax: Int
    /// `promoted-node-max` (or the legacy `master-node-max`).
    public let promotedNodeMax: Int
}

/// The kind of a notification: before or after the operations it announces.
public enum NotificationPhase: String, Sendable, Hashable {
    case pre, post
}

/// A notification's context (`OCF_RESKEY_CRM_meta_notify_*`): which operation is announced and
/// which instances (resource ids and node names) take part in each role.
public struct Notification: Sendable, Hashable {
    public let phase: NotificationPhase
    /// `start`, `stop`, `promote` or `demote`.
    public let operation: String
    public let active: Participants
    public let inactive: Participants
    public let starting: Participants
    public let stopping: Participants
    public let promoting: Participants
    public let demoting: Participants
    public let promoted: Participants
    public let unpromoted: Participants
    /// Every node that has the clone configured.
    public let allNodes: [String]
    /// Nodes an instance could run on.
    public let availableNodes: [String]

    /// Instances in one role of a notification.
    public struct Participants: Sendable, Hashable {
        public let resources: [String]
        public let nodes: [String]
    }
}
