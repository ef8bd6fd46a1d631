/// An action named on an agent's command line (argv[1]).
public enum OCFAction: String, Sendable, CaseIterable {
    case start
    case stop
    case monitor
    case promote
    case demote
    case notify
    case reloadAgent = "reload-agent"
    case validateAll = "validate-all"
    case metaData = "meta-data"
    case usage
    /// Legacy spellings and actions Pacemaker never calls on halo agents: recognised so they
    /// get a precise "not implemented" rather than "unknown action".
    case reload
    case migrateTo = "migrate_to"
    case migrateFrom = "migrate_from"
    case recover
    case status
    case methods
}
