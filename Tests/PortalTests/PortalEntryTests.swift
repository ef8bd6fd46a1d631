import HaloNet
@testable import PortalAgent
import Testing

@Suite("Portal entries: ADDRESS/PREFIX@INTERFACE")
struct PortalEntryTests {
    @Test(arguments: [
        ("10.1.24.10/24@int1.24", "10.1.24.10", 24, "int1.24", "int1", 24),
        ("10.1.29.10/24@int6.29", "10.1.29.10", 24, "int6.29", "int6", 29),
        ("192.0.2.10/24@eth0", "192.0.2.10", 24, "eth0", nil, nil),
        ("fd00:24::10/64@int1.24", "fd00:24::10", 64, "int1.24", "int1", 24),
        ("10.1.29.10/24@enp129s0f1np1.29=lun1v29", "10.1.29.10", 24, "lun1v29", "enp129s0f1np1", 29),
        ("198.18.0.1/32@bond0", "198.18.0.1", 32, "bond0", nil, nil),
        ("198.18.0.1/31@bond0.4094", "198.18.0.1", 31, "bond0.4094", "bond0", 4094),
    ] as [(String, String, Int, String, String?, Int?)])
    func validEntries_parse(text: String, address: String, prefix: Int, interface: String, parent: String?, vlan: Int?) throws {
        let entry = try PortalEntry.parse(text).get()
        #expect(entry.address == IPAddress(address))
        #expect(entry.prefixLength == prefix)
        #expect(entry.interface == interface)
        #expect(entry.parent == parent)
        #expect(entry.vlanID == vlan)
    }

    @Test(arguments: [
        ("10.1.24.10/24", "not ADDRESS/PREFIX@INTERFACE"),
        ("10.1.24.10@int1", "not an IP address with a /prefix"),
        ("10.1.24.300/24@int1", "not an IP address"),
        ("010.1.24.10/24@int1", "not an IP address"),
        ("10.1.24.10/33@int1", "not 1…32"),
        ("10.1.24.10/0@int1", "not 1…32"),
        ("fd00::1/129@int1", "not 1…128"),
        ("10.1.24.0/24@int1", "network address"),
        ("10.1.24.255/24@int1", "broadcast address"),
        ("224.0.0.5/24@int1", "not a unicast address"),
        ("127.0.0.2/8@lo", "not a unicast address"),
        ("fe80::1/64@int1", "not a global unicast address"),
        ("ff02::1/64@int1", "not a global unicast address"),
        ("10.1.24.10/24@int1.0", "VLAN id 0"),
        ("10.1.24.10/24@int1.4095", "VLAN id 4095"),
        ("10.1.24.10/24@enp129s0f1np1.29", "Linux refuses"),
        ("10.1.24.10/24@int1.24=", "Linux refuses"),
        ("10.1.24.10/24@eth0=x", "only a VLAN"),
        ("10.1.24.10/24@a/b", "Linux refuses"),
        ("10.1.24.10/24@", "Linux refuses"),
        ("10.1.24.10/24@a@b", "not ADDRESS/PREFIX@INTERFACE"),
    ])
    func invalidEntries_sayWhatIsWrong(text: String, phrase: String) {
        guard case .failure(let problem) = PortalEntry.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.message.contains(phrase), "\(problem.message)")
    }

    @Test func aList_isSeparatedBySpacesOrCommas() throws {
        let list = try PortalEntries.parse("10.1.24.10/24@int1.24, 10.1.25.10/24@int2.25  fd00::10/64@int1.24").get()
        #expect(list.entries.map(\.description) == ["10.1.24.10/24@int1.24", "10.1.25.10/24@int2.25", "fd00::10/64@int1.24"])
    }

    @Test(arguments: [
        ("10.1.24.10/24@int1.24 10.1.24.10/24@int2.24", "twice"),
        ("10.1.24.10/24@int1.24 10.1.25.10/24@int2.24=int1.24", "two different things"),
        ("", "no portal address"),
        (" , ", "no portal address"),
    ])
    func aList_isConsistent(text: String, phrase: String) {
        guard case .failure(let problem) = PortalEntries.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.message.contains(phrase), "\(problem.message)")
    }
}

