@testable import HaloSystem
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
}
