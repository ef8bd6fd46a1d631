import HaloCluster
import HaloSystem

/// Where halod's log entries go: the journal (native protocol, with the `halo.*` metadata as
/// fields) when it runs under systemd, standard error with a wall-clock time otherwise (or
/// both with `--log-stderr`). Entries at notice and above are also kept for `status`.
final class DaemonLog {
    private let journal: SystemLog?
    private let toStandardError: Bool
    private let minimumLevel: ClusterLogEntry.Level
    private(set) var recent: [DaemonEvent] = []
    static let recentLimit = 200

    init(toStandardError: Bool, debug: Bool) {
        let journal = SystemLog(identifier: "halod", facility: .daemon)
        self.journal = journal
        self.toStandardError = toStandardError
        self.minimumLevel = debug ? .debug : .info
    }

    func callAsFunction(_ entry: ClusterLogEntry) {
        let now = WallClock.now
        if entry.level >= .notice {
            recent.append(DaemonEvent(time: now, entry: entry))
            if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
        }
        guard entry.level >= minimumLevel else { return }
        let fields = entry.metadata.sorted { $0.key < $1.key }
        journal?.send(entry.message, priority: Self.priority(entry.level), fields: fields)
        if toStandardError {
            let data = fields.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            StandardStream.error.write("\(DaemonEvent(time: now, entry: entry).timeText) halod[\(CurrentProcess.id)] \(entry.level.rawValue): \(entry.message)\(data.isEmpty ? "" : " \(data)")\n")
        }
    }

    func log(_ level: ClusterLogEntry.Level, _ message: String, _ metadata: [String: String] = [:]) {
        self(ClusterLogEntry(level, message, metadata))
    }

    static func priority(_ level: ClusterLogEntry.Level) -> SyslogPriority {
        switch level {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}
