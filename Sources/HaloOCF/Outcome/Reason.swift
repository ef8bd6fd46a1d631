import HaloSystem

/// Why an action ended the way it did: the sentence an administrator reads in `crm_mon` and
/// the log, saying what happened and what to fix, plus context fields for the log.
///
/// Pacemaker keeps only the first 128 characters of an exit reason, so the summary leads with
/// what matters; `details` go to the log (as `halo.*` metadata), never into the exit reason.
public struct Reason: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public let summary: String
    public let details: [String: String]

    public init(_ summary: String, details: [String: String] = [:]) {
        self.summary = summary
        self.details = details
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }

    public var description: String { summary }
}

/// What an action found or achieved, when it did not fail.
///
/// "Not running" and "running promoted" are answers, not errors (monitor reports them), so
/// they are outcomes; only failures are thrown as `AgentFailure`.
public enum AgentOutcome: Sendable, Hashable {
    case success
    /// The resource is cleanly stopped (monitor only).
    case notRunning
    /// The resource runs in the promoted role (monitor only).
    case runningPromoted
    /// Promoted, but broken: Pacemaker will demote, stop and restart it.
    case failedPromoted(Reason)
    /// Running, with a problem worth showing; Pacemaker treats it as running.
    case degraded(Reason)
    /// Promoted, with a problem worth showing; Pacemaker treats it as running promoted.
    case degradedPromoted(Reason)
}

/// Why an action failed, in OCF's terms: each case is one kind of recovery Pacemaker will do.
public enum AgentFailure: Error, Sendable, Hashable {
    /// Something failed that may work again (soft: restart here or elsewhere). Code 1.
    case generic(Reason)
    /// Configured in a way that cannot work *on this node* (hard: banned from this node). Code 2.
    case invalidArgument(Reason)
    /// The action is not implemented. Code 3.
    case unimplemented(Reason)
    /// Missing privileges on this node. Code 4.
    case insufficientPrivileges(Reason)
    /// Something this resource needs is missing on this node (hard, this node). Code 5.
    case notInstalled(Reason)
    /// The configuration is inherently invalid (fatal: stopped on every node). Code 6.
    /// Never for something wrong with this node's environment.
    case misconfigured(Reason)

    /// The failure a system call's `errno` means, mapped by class once: missing things are
    /// "not installed", refused access is "insufficient privileges", the rest is generic.
    /// - Parameter what: what was being done, e.g. "open /dev/drbd1"; it starts the reason.
    public static func from(_ errno: Errno, while what: String) -> AgentFailure {
        let reason = Reason("\(what): \(errno)", details: ["halo.errno": errno.symbol])
        switch errno {
        case .noSuchFile, .notDirectory, .noExecutableFormat, .noSuchDevice, .noSuchDeviceOrAddress:
            return .notInstalled(reason)
        case .permissionDenied, .notPermitted:
            return .insufficientPrivileges(reason)
        default:
            return .generic(reason)
        }
    }

    /// The failure a program that cannot be run means: "not installed" when it is missing or
    /// not executable, generic when the system refused to start it.
    /// - Parameter package: the Debian package that provides the program, named in the reason.
    public static func from(_ error: SpawnError, package: String) -> AgentFailure {
        switch error {
        case .notFound(let executable):
            .notInstalled(Reason("\(executable) not found: install the \(package) package"))
        case .notExecutable(let executable, let errno):
            .notInstalled(Reason("\(executable) cannot be executed (\(errno)): reinstall \(package)"))
        case .system(let operation, let errno):
            .generic(Reason("cannot run a program: \(operation): \(errno)", details: ["halo.errno": errno.symbol]))
        }
    }

    public var reason: Reason {
        switch self {
        case .generic(let reason), .invalidArgument(let reason), .unimplemented(let reason),
             .insufficientPrivileges(let reason), .notInstalled(let reason), .misconfigured(let reason):
            reason
        }
    }
}
