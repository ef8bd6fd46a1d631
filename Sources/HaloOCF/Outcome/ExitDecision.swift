/// The one place an action's result becomes an OCF exit code and an exit reason.
public enum ExitDecision {
    /// The exit code for a result and the reason to print with it (`nil` when the code needs none).
    public static func decide(_ result: Result<AgentOutcome, AgentFailure>) -> (OCFExitCode, Reason?) {
        switch result {
        case .success(.success): (.success, nil)
        case .success(.notRunning): (.notRunning, nil)
        case .success(.runningPromoted): (.runningPromoted, nil)
        case .success(.failedPromoted(let reason)): (.failedPromoted, reason)
        case .success(.degraded(let reason)): (.degraded, reason)
        case .success(.degradedPromoted(let reason)): (.degradedPromoted, reason)
        case .failure(.generic(let reason)): (.genericError, reason)
        case .failure(.invalidArgument(let reason)): (.invalidArgument, reason)
        case .failure(.unimplemented(let reason)): (.unimplemented, reason)
        case .failure(.insufficientPrivileges(let reason)): (.insufficientPrivileges, reason)
        case .failure(.notInstalled(let reason)): (.notInstalled, reason)
        case .failure(.misconfigured(let reason)): (.notConfigured, reason)
        }
    }

    /// The most characters of an exit reason Pacemaker keeps (pacemaker lib/services,
    /// `EXIT_REASON_MAX_LEN`).
    public static let pacemakerReasonLimit = 128

    /// The exit-reason line for `reason`: one line (control characters become spaces), cut to
    /// the bytes Pacemaker keeps — on a character boundary, with an ellipsis when cut.
    public static func exitReasonLine(_ reason: Reason, prefix: String) -> String {
        let text = String(reason.summary.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : Character($0)
        })
        guard text.utf8.count > pacemakerReasonLimit else { return prefix + text }
        let ellipsis = "…"
        var kept = ""
        for character in text {
            if kept.utf8.count + character.utf8.count + ellipsis.utf8.count > pacemakerReasonLimit { break }
            kept.append(character)
        }
        return prefix + kept + ellipsis
    }
}
