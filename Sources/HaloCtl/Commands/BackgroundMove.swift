import HaloSystem

/// `haloctl move --no-wait`: the move goes on in a detached haloctl (its own session, no
/// terminal) that watches it to the end and removes its constraint, and writes what happened to
/// the journal (`journalctl -t haloctl`). The caller returns at once; nothing is left behind
/// even then.
public enum BackgroundMove {
    /// The flag the detached haloctl runs with.
    public static let flag = "--background"

    /// Starts the detached haloctl with the same arguments, `--no-wait` replaced by `--background`.
    public static func launch(arguments: [String]) throws(HaloctlError) {
        let path: String
        do { path = try CurrentProcess.executablePath() } catch { throw HaloctlError("cannot find haloctl's own executable: \(error)") }
        let rest = arguments.filter { $0 != "--no-wait" } + [flag]
        do {
            _ = try ProcessRunner().launchDetached(Command(path, rest, environment: CurrentProcess.environment()))
        } catch {
            throw HaloctlError("cannot start the background haloctl: \(error)")
        }
    }

    /// The log a background haloctl reports to.
    public static var log: SystemLog { SystemLog(identifier: "haloctl", facility: .daemon) }
}
