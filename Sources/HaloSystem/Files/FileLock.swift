import CHalo
import Glibc

/// Why a lock could not be taken.
public enum LockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process held the lock until the deadline.
    case timedOut(path: String)
    /// The lock file could not be opened or locked.
    case system(path: String, Errno)

    public var description: String {
        switch self {
        case .timedOut(let path): "timed out waiting for the lock \(path)"
        case .system(let path, let errno): "cannot lock \(path): \(errno)"
        }
    }
}

/// An exclusive `flock(2)` lock on a file, held until the value is consumed or destroyed.
///
/// Serialises writers across processes on one node (for example every SCST management write,
/// whichever agent instance makes it). The lock belongs to the open file description, so it
/// is released by `deinit`, by process exit, or by a crash — a lock can never be left stale.
///
/// ```swift
/// let lock = try FileLock.acquire(path: state.path("scst-mgmt.lock"), deadline: context.deadline)
/// try attributes.write(mgmt, line: command)
/// _ = consume lock
/// ```
public struct FileLock: ~Copyable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Takes the lock, waiting (polling with backoff from 2 ms to 100 ms) until `deadline`.
    ///
    /// - Throws: `LockError.timedOut` when another holder kept it past the deadline,
    ///   `.system` when the lock file cannot be created or opened.
    public static func acquire(path: String, deadline: Deadline) throws(LockError) -> FileLock {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600)
        } catch {
            throw .system(path: path, error)
        }
        var pause = Duration.milliseconds(2)
        while true {
            do {
                try Syscall.flock(fd, LOCK_EX | LOCK_NB)
                return FileLock(fd: fd, path: path)
            } catch {
                guard error == .wouldBlock else {
                    Syscall.close(fd)
                    throw .system(path: path, error)
                }
            }
            if deadline.hasPassed() {
                Syscall.close(fd)
                throw .timedOut(path: path)
            }
            Pause.for(min(pause, deadline.remaining()))
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    deinit {
        _ = halo_flock(fd, LOCK_UN)
        Syscall.close(fd)
    }
}
