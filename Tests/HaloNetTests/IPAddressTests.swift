import HaloNet
import Testing

@Suite("IP addresses: strict parsing, canonical text")
struct IPAddressTests {
    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::", "::"), ("::1", "::1"),
        ("fd00:0:0:1::", "fd00:0:0:1::"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("::ffff:198.18.0.1", "::ffff:c612:1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
    ])
    func ipv6_isParsedAndPrintedCanonically(text: String, canonical: String) {
        #expect(IPv6Address(text)?.description == canonical)
    }

    @Test(arguments: ["1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", ":1", "1:", "fe80::1%eth0", ""])
    func invalidIPv6_isRefused(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test func subnets_andBroadcasts() {
        let address = IPAddress("198.18.5.10")!
        #expect(address.sharesSubnet(with: IPAddress("198.18.5.1")!, prefixLength: 24))
        #expect(!address.sharesSubnet(with: IPAddress("198.18.6.1")!, prefixLength: 24))
        #expect(!address.sharesSubnet(with: IPAddress("fd00::1")!, prefixLength: 24))
        #expect(IPv4Address("198.18.5.10")!.broadcast(prefixLength: 23).description == "198.18.5.255")
        #expect(IPv4Address("198.18.5.10")!.network(prefixLength: 23).description == "198.18.4.0")
        #expect(IPAddress("fd00:1::5")!.sharesSubnet(with: IPAddress("fd00:1::1")!, prefixLength: 64))
        #expect(IPv6Address("fd00::1:2:3")!.solicitedNodeMulticast.description == "ff02::1:ff02:3")
    }
}
