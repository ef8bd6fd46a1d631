import HaloFacts

/// Something haloctl found, in plain words, with what to do about it: the same type the nodes'
/// own health checks report (HaloFacts), so every finding ranks, prints and serialises alike.
public typealias Finding = HealthFinding

extension HealthFinding {
    init(_ severity: Severity, check: String, subject: String, _ message: String, fix: String? = nil) {
        self.init(check: check, severity: severity, subject: subject, message: message, fix: fix)
    }
}
