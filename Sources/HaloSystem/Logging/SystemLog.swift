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
/// Entries go to journald in its native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): one
/// datagram to `/run/systemd/journal/socket`, `NAME=value` lines, and the length-prefixed form
/// for values with a newline. That is what libsystemd's `sd_journal_sendv` sends. halo used to
/// `dlopen` libsystemd for it; the installed halo-agent is statically linked (no dynamic loader
/// at all, see docs/architecture.md), and a static process must not load shared libraries.
/// What is not done: entries too large for one datagram (libsystemd passes those in a memfd);
/// those, and every entry the journal refuses, go to syslog instead.
///
/// Sending is best effort by design: a log line that cannot be delivered must never change an
/// agent's result.
public struct SystemLog: Sendable {
    public let identifier: String
    public let facility: SyslogFacility
    let journalSocket: String
    let useJournal: Bool

    /// - Parameter journalSocket: the journal's native socket; its existence selects journald.
    public init(identifier: String, facility: SyslogFacility,
                journalSocket: String = "/run/systemd/journal/socket") {
        self.identifier = identifier
        self.facility = facility
        self.journalSocket = journalSocket
        useJournal = (try? FileSystem.info(journalSocket).type) == .socket
        if !useJournal { halo_openlog(identifier, facility.rawValue) }
    }

    /// Sends one entry. `fields` become journal fields (names upper-cased, characters other than
    /// A–Z, 0–9 and `_` turned into `_`); syslog gets only the message.
    public func send(_ message: String, priority: SyslogPriority, fields: [(String, String)]) {
        guard useJournal else {
            halo_syslog(priority.rawValue | facility.rawValue, message)
            return
        }
        var entry = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority.rawValue)),
            ("SYSLOG_IDENTIFIER", identifier),
            ("SYSLOG_FACILITY", String(facility.number)),
            ("SYSLOG_PID", String(getpid())),
        ]
        for (name, value) in fields {
            entry.append((Self.journalFieldName(name), value))
        }
        if case .failure = Self.sendDatagram(Self.journalDatagram(entry), to: journalSocket) {
            halo_syslog(priority.rawValue | facility.rawValue, message)
        }
    }

    /// `fields` in the journal's native format: `NAME=value\n`, or, for a value with a newline,
    /// `NAME\n`, the value's length as a little-endian 64-bit integer, the value, `\n`.
    static func journalDatagram(_ fields: [(String, String)]) -> [UInt8] {
        var datagram: [UInt8] = []
        for (name, value) in fields {
            datagram.append(contentsOf: name.utf8)
            let bytes = Array(value.utf8)
            if bytes.contains(0x0A) {
                datagram.append(0x0A)
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { datagram.append(contentsOf: $0) }
            } else {
                datagram.append(UInt8(ascii: "="))
            }
            datagram.append(contentsOf: bytes)
            datagram.append(0x0A)
        }
        return datagram
    }

    /// Sends `datagram` to the datagram socket at `path` from a fresh, unbound socket.
    static func sendDatagram(_ datagram: [UInt8], to path: String) -> Result<Void, Errno> {
        guard let address = UnixSocketAddress(path: path) else { return .failure(Errno(rawValue: ENAMETOOLONG)) }
        return sendDatagram(datagram, to: address)
    }

    /// Sends `datagram` to the abstract datagram socket `name` (systemd's notify socket may be
    /// one: `@name` in `NOTIFY_SOCKET`).
    static func sendDatagram(_ datagram: [UInt8], toAbstract name: String) -> Result<Void, Errno> {
        guard let address = UnixSocketAddress(abstract: name) else { return .failure(Errno(rawValue: ENAMETOOLONG)) }
        return sendDatagram(datagram, to: address)
    }

    static func sendDatagram(_ datagram: [UInt8], to address: UnixSocketAddress) -> Result<Void, Errno> {
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return .failure(Errno.current) }
        defer { close(socket) }
        let sent = datagram.withUnsafeBytes { bytes in
            address.withSocketAddress { sendto(socket, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
        }
        return sent == datagram.count ? .success(()) : .failure(sent < 0 ? Errno.current : Errno(rawValue: EMSGSIZE))
    }

    /// A valid journal field name for `name`: `halo.resource` → `HALO_RESOURCE`.
    static func journalFieldName(_ name: String) -> String {
        var result = String(name.uppercased().map { ($0.isLetter && $0.isASCII) || $0.isNumber ? $0 : "_" })
        while result.hasPrefix("_") { result.removeFirst() }
        return result.isEmpty ? "HALO_FIELD" : result
    }
}
