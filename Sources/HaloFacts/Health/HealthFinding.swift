import HaloJSON

/// How much a finding matters; ordered, so the worst of a list is its `max()` (haloctl
/// check-health's exit code).
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Checked, and as it should be.
    case ok
    /// Worth knowing; nothing to fix.
    case info
    /// Works now, but weakens failover or will bite later.
    case warning
    /// Fails over badly, loses data, or does not work.
    case critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One result of a health check: what was checked, on what, how it stands, and what to do.
///
/// ```swift
/// HealthFinding(check: "drbd.fencing", severity: .critical, subject: "lun1",
///               message: "lun1 has no fencing policy (DRBD's default, dont-care): …",
///               fix: "set `fencing resource-and-stonith;` in lun1's disk section …")
/// ```
public struct HealthFinding: Sendable, Hashable {
    /// The check's stable id (`drbd.fencing`, `modules.drbd`, `clock.synchronized`): scripts
    /// and haloctl's aggregation key on it, so it never changes once released.
    public var check: String
    public var severity: Severity
    /// What it is about: a resource, a module, an array, an interface; the node's name for
    /// node-wide checks.
    public var subject: String
    /// What was found, in plain words.
    public var message: String
    /// A concrete step that fixes it; `nil` when there is nothing to fix.
    public var fix: String?

    public init(check: String, severity: Severity, subject: String, message: String, fix: String? = nil) {
        self.check = check
        self.severity = severity
        self.subject = subject
        self.message = message
        self.fix = fix
    }

    /// `{"check": …, "severity": "warning", "subject": …, "message": …, "fix": … | null}`.
    public var json: JSONValue {
        .object([("check", .string(check)), ("severity", .string(severity.rawValue)), ("subject", .string(subject)),
                 ("message", .string(message)), ("fix", .optional(fix))])
    }

    /// Reads a finding from `json`.
    ///
    /// - Throws: `FactsDecodingError` naming the member that is missing or wrong.
    public init(json: JSONValue) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: "$")
        self.init(check: try object.string("check"), severity: try object.named("severity", Severity.self),
                  subject: try object.string("subject"), message: try object.string("message"), fix: try object.optionalString("fix"))
    }
}
