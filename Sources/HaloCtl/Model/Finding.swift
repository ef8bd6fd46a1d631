/// Something haloctl found, in plain words, with what to do about it.
public struct Finding: Sendable, Hashable {
    public enum Severity: Int, Sendable, Hashable, Comparable, CaseIterable {
        case ok = 0
        case info = 1
        case warning = 2
        case critical = 3

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        public var name: String {
            switch self {
            case .ok: "ok"
            case .info: "info"
            case .warning: "warning"
            case .critical: "critical"
            }
        }
    }

    /// A stable identifier of the check (`pacemaker.stonith`, `lun.portal`), for scripts.
    public var check: String
    public var severity: Severity
    /// What it is about: a node, a LUN, a resource.
    public var subject: String
    public var message: String
    /// The command or change that fixes it.
    public var fix: String?

    public init(_ severity: Severity, check: String, subject: String, _ message: String, fix: String? = nil) {
        self.check = check
        self.severity = severity
        self.subject = subject
        self.message = message
        self.fix = fix
    }
}
