import HaloOCF
import HaloSystem

/// Reading a CHAP credentials file, with the hygiene rule both target agents apply: a regular
/// file owned by root, with no access for group or others. The path is private (never in a
/// reason); so is the content, of course.
public enum ChapCredentialsFile {
    /// The credentials in the file at `path`.
    ///
    /// - Throws: `notInstalled` when the file is missing on this node, `insufficientPrivileges`
    ///   when it cannot be read, `invalidArgument` when it breaks the hygiene rule or does not
    ///   parse (both are about this node's copy of the file, so never `misconfigured`).
    public static func read(_ path: String) throws(AgentFailure) -> ChapCredentials {
        let file: SecretFile
        do {
            file = try SecretFile(opening: path)
        } catch {
            switch error {
            case .noSuchFile, .notDirectory: throw .notInstalled("the CHAP credentials file (chap_file) does not exist on this node")
            case .permissionDenied: throw .insufficientPrivileges("the CHAP credentials file (chap_file) cannot be read: run as root")
            default: throw .generic(Reason("cannot open the CHAP credentials file: \(error)", details: ["halo.errno": error.symbol]))
            }
        }
        guard file.info.type == .regular else { throw .invalidArgument("the CHAP credentials file (chap_file) is not a regular file") }
        guard file.info.owner == 0, file.info.permissions & 0o077 == 0 else {
            throw .invalidArgument("the CHAP credentials file (chap_file) must be owned by root with mode 0400 or 0600 (it holds secrets)")
        }
        let bytes: Secret
        do {
            bytes = try file.read(limit: ChapCredentials.fileLimit)
        } catch {
            throw .invalidArgument(Reason("cannot read the CHAP credentials file: \(error)", details: ["halo.errno": error.symbol]))
        }
        switch ChapCredentials.parse(bytes) {
        case .success(let credentials): return credentials
        case .failure(let problem): throw .invalidArgument("the CHAP credentials file (chap_file): \(problem)")
        }
    }
}

extension ChapCredentialsFile {
    /// What a depth-10 monitor compares the target's CHAP accounts with, the credentials put in
    /// `credentials` for the view to compare the secrets with.
    ///
    /// A monitor only compares: a file that is gone or refused (a configuration-management run
    /// that changed its mode, say) says nothing about the running target, so it is never a
    /// monitor failure — which on every node would ban a healthy LUN from the cluster. The
    /// comparison is skipped instead, and the caller logs `unreadable`'s reason; start and
    /// validate-all refuse the file (`read`).
    public static func readExpectation(_ path: String?, credentials: inout ChapCredentials?) -> (ChapExpectation, unreadable: AgentFailure?) {
        guard let path else { return (.configured(.none), nil) }
        do {
            credentials = try read(path)
        } catch {
            return (.unreadable, error)
        }
        return (.configured(ChapUsers(credentials)), nil)
    }
}
