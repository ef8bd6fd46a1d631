import HaloOCF
import Synchronization

/// A log sink that keeps every record, for tests that assert on what was logged.
public final class InMemoryLogSink: LogSink {
    private let storage = Mutex<[LogRecord]>([])

    public init() {}

    public func emit(_ record: LogRecord) {
        storage.withLock { $0.append(record) }
    }

    /// Everything logged so far, in order.
    public var records: [LogRecord] { storage.withLock { $0 } }

    /// Every record as the line it would be on standard error.
    public var lines: [String] { records.map(\.standardErrorLine) }
}
