/// Why a bounded read (`BoundedReader`) brought back no data.
public enum ReadFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// `open(2)` or `pread(2)` failed, or the path is no block device (`ENOTBLK`).
    case refused(Errno)
    /// The read did not finish within `within`, so the reading process was abandoned: the
    /// device's I/O hangs (a DRBD device suspended by its fencing policy, a device-mapper path
    /// queueing I/O with no path left). `within` is zero when the deadline left no time to try.
    case noAnswer(within: Duration)
    /// The reading process could not be started, or ended without an answer: what happened.
    case readerFailed(String)

    /// The errno of a refused read; `nil` for the other failures.
    public var errno: Errno? {
        if case .refused(let errno) = self { return errno }
        return nil
    }

    /// A short name for logs and lists: the errno's symbol, `no answer in 17.2 s`, `reader failed`.
    public var symbol: String {
        switch self {
        case .refused(let errno): errno.symbol
        case .noAnswer(let waited): "no answer in \(Self.seconds(waited))"
        case .readerFailed: "reader failed"
        }
    }

    public var description: String {
        switch self {
        case .refused(let errno): "\(errno)"
        case .noAnswer(let waited) where waited == .zero: "not read: the action's deadline left no time"
        case .noAnswer(let waited): "no answer within \(Self.seconds(waited)): its I/O hangs"
        case .readerFailed(let what): "the reading process \(what)"
        }
    }

    /// One sentence saying what happened to a read of `path`, for an exit reason.
    public func sentence(reading path: String) -> String {
        switch self {
        case .noAnswer(let waited) where waited > .zero:
            "\(path) did not answer a read within \(Self.seconds(waited)): its I/O hangs"
        default:
            "reading \(path) failed: \(self)"
        }
    }

    /// `17.2 s`: tenths of a second are what an administrator compares with a timeout.
    static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.milliseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
