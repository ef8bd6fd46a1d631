import HaloOCF
import HaloSystem
import Logging

/// What ocf:halo:scst and ocf:halo:lio share around their actions: the node's lock for their
/// target stack, the CHAP credentials file, and a start or reload that the depth-10 monitor
/// must pass afterwards (`change`).
public protocol TargetAgent: ReloadingAgent {
    /// The stack's name in messages ("LIO", "SCST").
    static var stackName: String { get }
    /// The node's lock file for the stack, in the agents' state directory: every change of every
    /// resource of this stack on the node goes through it.
    static var lockFile: String { get }
}

extension TargetAgent {
    /// The meta-data both target agents declare alike: their timeouts (stop's differs: SCST
    /// closes sessions first), a depth-0 monitor every 10 s and a depth-10 one every minute,
    /// monitor depths 0/10/20, validate-all levels 0/10.
    public static func targetDescription(short: String, long: String, stopTimeout: Duration) -> AgentDescription {
        AgentDescription(
            name: name, shortDescription: short, longDescription: long,
            timeouts: [.start: .seconds(60), .stop: stopTimeout, .monitor: .seconds(20), .validateAll: .seconds(20),
                       .reloadAgent: .seconds(60)],
            monitors: [
                MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20)),
                MonitorRecommendation(interval: .seconds(60), timeout: .seconds(30), depth: .thorough),
            ],
            monitorLevels: [.basic, .thorough, .deep],
            validateLevels: [.basic, .thorough])
    }

    /// start and reload-agent around their own plan: the credentials read (`chapFile`), the
    /// node's lock taken, the target read and refused when it cannot work here (`read`),
    /// `change` carried out under the lock; then the target read again, which must pass the
    /// depth-10 monitor (`verify` returns its result; a failure is "`done`, yet: …").
    public static func change<Current>(
        _ context: ActionContext<Parameters>, done: String, chapFile: String?,
        read: (borrowing ChapCredentials?) throws(AgentFailure) -> Current,
        verify: (borrowing ChapCredentials?) throws(AgentFailure) -> Result<AgentOutcome, AgentFailure>,
        _ change: (Current, borrowing ChapCredentials?) throws(AgentFailure) -> Void
    ) throws(AgentFailure) -> AgentOutcome {
        let credentials = try readCredentials(chapFile)
        let lock = try lock(context.state, deadline: context.deadline)
        try change(try read(credentials), credentials)
        _ = consume lock
        if case .failure(let failure) = try verify(credentials) {
            throw .generic(Reason("\(done), yet: \(failure.reason.summary)", details: failure.reason.details))
        }
        return .success
    }

    /// The node's lock for the stack, waited for until `deadline`.
    public static func lock(_ state: StateDirectory, deadline: Deadline) throws(AgentFailure) -> FileLock {
        do {
            return try state.lock(lockFile, deadline: deadline)
        } catch {
            throw .generic(Reason("cannot take the node's \(stackName) lock: \(error)"))
        }
    }

    /// For a depth-10 monitor: the CHAP accounts the target must have (`path`'s) and, in
    /// `credentials`, the secrets to compare. A file this node cannot read is a warning, not a
    /// failure: the target keeps the accounts it has, and a start here fails until it is fixed.
    public static func monitorExpectation(_ path: String?, logger: Logger, credentials: inout ChapCredentials?) -> ChapExpectation {
        let (chap, unreadable) = ChapCredentialsFile.readExpectation(path, credentials: &credentials)
        if let unreadable {
            logger.warning("CHAP accounts not checked: the target keeps its own, and a start on this node fails until chap_file is fixed",
                           metadata: ["halo.chap_file": "\(unreadable.reason.summary)"])
        }
        return chap
    }

    /// The CHAP credentials, from a file that must be root's and readable by root only.
    public static func readCredentials(_ path: String?) throws(AgentFailure) -> ChapCredentials? {
        guard let path else { return nil }
        return try ChapCredentialsFile.read(path)
    }
}
