import Glibc
@testable import HaloSystem
import HaloTesting
import Testing

@Suite("SystemLog: journal field names and facilities")
struct SystemLogTests {
    @Test(arguments: [
        ("halo.resource", "HALO_RESOURCE"), ("halo.errno", "HALO_ERRNO"), ("_private", "PRIVATE"),
        ("a-b c", "A_B_C"), ("___", "HALO_FIELD"),
    ])
    func metadataKeys_becomeValidJournalFieldNames(key: String, field: String) {
        #expect(SystemLog.journalFieldName(key) == field)
    }

    @Test func facilities_areKnownByTheirSyslogNames() {
        #expect(SyslogFacility(name: "daemon") == .daemon)
        #expect(SyslogFacility(name: "LOCAL7") != nil)
        #expect(SyslogFacility(name: "nosuch") == nil)
    }

    @Test func withoutAJournalSocket_syslogIsUsed() {
        let log = SystemLog(identifier: "halo-test", facility: .daemon, journalSocket: "/nonexistent/socket")
        #expect(!log.useJournal)
    }

    /// What journald receives, read back from a datagram socket standing in for
    /// /run/systemd/journal/socket, and decoded the way journald's native protocol reader does.
    @Test func entries_reachTheJournalSocketInItsNativeFormat() throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/journal.socket"
        let receiver = try DatagramReceiver(path: path)
        let log = SystemLog(identifier: "halo-test", facility: .daemon, journalSocket: path)
        #expect(log.useJournal)
        log.send("first line\nsecond line", priority: .warning,
                 fields: [("halo.resource", "lun1=a"), ("halo.empty", "")])
        let fields = try #require(NativeJournalFormat.decode(receiver.receive()))
        #expect(fields["MESSAGE"] == "first line\nsecond line")
        #expect(fields["PRIORITY"] == "4")
        #expect(fields["SYSLOG_IDENTIFIER"] == "halo-test")
        #expect(fields["SYSLOG_FACILITY"] == "3")
        #expect(fields["SYSLOG_PID"] == String(getpid()))
        #expect(fields["HALO_RESOURCE"] == "lun1=a")
        #expect(fields["HALO_EMPTY"] == "")
    }

    @Test func aJournalThatIsGone_isAnErrorNotACrash() {
        let directory = TemporaryDirectory()
        let result = SystemLog.sendDatagram(Array("MESSAGE=x\n".utf8), to: "\(directory.path)/absent.socket")
        guard case .failure(let error) = result else {
            Issue.record("sending to a missing socket succeeded")
            return
        }
        #expect(error.rawValue == ENOENT)
    }
}

/// journald's reader of the native protocol: `NAME=value\n`, or `NAME\n` + 64-bit LE length +
/// value + `\n`. `nil` for anything malformed.
enum NativeJournalFormat {
    static func decode(_ bytes: [UInt8]) -> [String: String]? {
        var fields: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let end = bytes[index...].firstIndex(where: { $0 == 0x0A || $0 == UInt8(ascii: "=") }) else { return nil }
            let name = String(decoding: bytes[index..<end], as: UTF8.self)
            if bytes[end] == UInt8(ascii: "=") {
                guard let lineEnd = bytes[end...].firstIndex(of: 0x0A) else { return nil }
                fields[name] = String(decoding: bytes[(end + 1)..<lineEnd], as: UTF8.self)
                index = lineEnd + 1
            } else {
                guard end + 9 <= bytes.count else { return nil }
                var length: UInt64 = 0
                for (shift, byte) in bytes[(end + 1)..<(end + 9)].enumerated() { length |= UInt64(byte) << (8 * shift) }
                let valueStart = end + 9, valueEnd = valueStart + Int(length)
                guard valueEnd < bytes.count, bytes[valueEnd] == 0x0A else { return nil }
                fields[name] = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                index = valueEnd + 1
            }
        }
        return fields
    }
}

/// A bound AF_UNIX datagram socket.
final class DatagramReceiver {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let address = try #require(UnixSocketAddress(path: path))
        let bound = address.withSocketAddress { bind(descriptor, $0, $1) }
        guard descriptor >= 0, bound == 0 else { throw Errno(rawValue: errno) }
    }

    deinit { close(descriptor) }

    /// One datagram (the socket is blocking; the sender has already sent).
    func receive() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count > 0 ? Array(buffer[..<count]) : []
    }
}
