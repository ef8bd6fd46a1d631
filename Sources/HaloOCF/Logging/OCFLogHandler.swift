import HaloSystem
import Logging

/// One log entry as an agent emits it: the message, its level and context, before a sink
/// formats it.
public struct LogRecord: Sendable, Hashable {
    public let level: Logger.Level
    public let message: String
    /// Metadata with string values, sorted by key when formatted.
    public let metadata: [String: String]
    public let agent: String
    public let instance: String
    public let action: String

    /// The line written to standard error, where Pacemaker's executor captures it:
    /// `INFO: p_lun1 start: message (halo.key=value)`.
    public var standardErrorLine: String {
        var line = "\(Self.label(level)): \(instance) \(action): \(message)"
        let context = metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }
        if !context.isEmpty { line += " (\(context.joined(separator: " ")))" }
        return line
    }

    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRIT"
        }
    }

    var priority: SyslogPriority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}

/// Where formatted log records go.
public protocol LogSink: Sendable {
    func emit(_ record: LogRecord)
}

/// The sink agents use: every record to standard error (captured by Pacemaker's executor into
/// its log) and to the journal or syslog, with the resource and action as fields
/// (`journalctl HALO_RESOURCE=p_lun1`).
public struct AgentLogSink: LogSink {
    let systemLog: SystemLog?

    public init(systemLog: SystemLog?) { self.systemLog = systemLog }

    public func emit(_ record: LogRecord) {
        StandardStream.error.write(record.standardErrorLine + "\n")
        guard let systemLog else { return }
        var fields = [("halo.agent", record.agent), ("halo.resource", record.instance), ("halo.action", record.action)]
        fields += record.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        systemLog.send("\(record.instance) \(record.action): \(record.message)", priority: record.priority, fields: fields)
    }
}

/// A swift-log handler that stamps every entry with the agent, the resource instance and the
/// action, and hands it to a `LogSink`.
public struct OCFLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let sink: any LogSink
    let agent: String
    let instance: String
    let action: String

    public init(sink: any LogSink, agent: String, instance: String, action: String, debug: Bool) {
        self.sink = sink
        self.agent = agent
        self.instance = instance
        self.action = action
        logLevel = debug ? .debug : .info
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        sink.emit(LogRecord(
            level: event.level, message: event.message.description,
            metadata: merged.mapValues { "\($0)" }, agent: agent, instance: instance, action: action))
    }
}
