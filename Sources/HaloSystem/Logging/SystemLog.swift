import CHalo
import Glibc

/// Syslog priorities, as journald and syslog(3) use them.
public enum SyslogPriority: Int32, Sendable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A syslog facility, named as in `HA_LOGFACILITY` (`daemon`, `local0` … `local7`, …).
public struct SyslogFacility: RawRepresentable, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The facility called `name`, or `nil` for a name syslog does not know.
    public init?(name: String) {
        let names: [String: Int32] = [
            "kern": LOG_KERN, "user": LOG_USER, "mail": LOG_MAIL, "daemon": LOG_DAEMON,
            "auth": LOG_AUTH, "syslog": LOG_SYSLOG, "lpr": LOG_LPR, "news": LOG_NEWS,
            "uucp": LOG_UUCP, "cron": LOG_CRON, "authpriv": LOG_AUTHPRIV, "ftp": LOG_FTP,
            "local0": LOG_LOCAL0, "local1": LOG_LOCAL1, "local2": LOG_LOCAL2, "local3": LOG_LOCAL3,
            "local4": LOG_LOCAL4, "local5": LOG_LOCAL5, "local6": LOG_LOCAL6, "local7": LOG_LOCAL7,
        ]
        guard let value = names[name.lowercased()] else { return nil }
        rawValue = value
    }

    public static let daemon = SyslogFacility(rawValue: LOG_DAEMON)

    /// The facility number journald records in `SYSLOG_FACILITY`.
    var number: Int32 { rawValue >> 3 }
}

/// Where log lines go besides standard error: the systemd journal, with structured fields,
/// when its socket exists; otherwise syslog(3).
///
/// libsystemd is opened with `dlopen` on the first entry sent, not linked: linking it (and the
/// libgcrypt, lz4, zstd and liblzma it pulls in) cost every agent invocation about 1 ms of
/// start-up, measured, and a monitor that logs nothing never needs it.
///
/// Sending is best effort by design: a log line that cannot be delivered must never change an
/// agent's result.
public struct SystemLog: Sendable {
    public let identifier: String
    public let facility: SyslogFacility
    let useJournal: Bool

    /// - Parameter journalSocket: the journal's native socket; its existence selects journald.
    public init(identifier: String, facility: SyslogFacility,
                journalSocket: String = "/run/systemd/journal/socket") {
        self.identifier = identifier
        self.facility = facility
        useJournal = (try? FileSystem.info(journalSocket).type) == .socket
        if !useJournal { halo_openlog(identifier, facility.rawValue) }
    }

    /// Sends one entry. `fields` become journal fields (names upper-cased, characters other than
    /// A–Z, 0–9 and `_` turned into `_`); syslog gets only the message.
    ///
    /// The corresponding C functions are `sd_journal_sendv` and `syslog`.
    public func send(_ message: String, priority: SyslogPriority, fields: [(String, String)]) {
        guard useJournal else {
            halo_syslog(priority.rawValue | facility.rawValue, message)
            return
        }
        var entries = [
            "MESSAGE=\(message)",
            "PRIORITY=\(priority.rawValue)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "SYSLOG_FACILITY=\(facility.number)",
            "SYSLOG_PID=\(getpid())",
        ]
        for (name, value) in fields {
            entries.append("\(Self.journalFieldName(name))=\(value)")
        }
        let buffers = entries.map { Array($0.utf8) }
        var vectors: [iovec] = []
        vectors.reserveCapacity(buffers.count)
        // The pointers stay valid because `buffers` lives until after the call.
        withExtendedLifetime(buffers) {
            for buffer in buffers {
                buffer.withUnsafeBufferPointer { pointer in
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: pointer.baseAddress),
                                         iov_len: pointer.count))
                }
            }
            if let send = JournalLibrary.sendv {
                _ = vectors.withUnsafeBufferPointer { send($0.baseAddress, Int32($0.count)) }
            } else {
                halo_syslog(priority.rawValue | facility.rawValue, message)
            }
        }
    }

    /// A valid journal field name for `name`: `halo.resource` → `HALO_RESOURCE`.
    static func journalFieldName(_ name: String) -> String {
        var result = String(name.uppercased().map { ($0.isLetter && $0.isASCII) || $0.isNumber ? $0 : "_" })
        while result.hasPrefix("_") { result.removeFirst() }
        return result.isEmpty ? "HALO_FIELD" : result
    }
}

/// `sd_journal_sendv` from libsystemd, loaded once, on first use.
enum JournalLibrary {
    typealias SendV = @convention(c) (UnsafePointer<iovec>?, Int32) -> Int32

    /// The function, or `nil` when libsystemd.so.0 cannot be loaded (then syslog is used).
    /// The corresponding C function is `sd_journal_sendv`.
    static let sendv: SendV? = {
        guard let library = dlopen("libsystemd.so.0", RTLD_LAZY | RTLD_LOCAL),
              let symbol = dlsym(library, "sd_journal_sendv") else { return nil }
        return unsafeBitCast(symbol, to: SendV.self)
    }()
}
