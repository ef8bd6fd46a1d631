@testable import HaloFacts
import HaloJSON
@testable import HaloNet
import HaloSystem
import HaloTesting
import Testing

/// Links and addresses from rtnetlink: live in a network namespace made for the test (veth and
/// a bridge: this kernel has no 8021q, so no VLAN can be made here), and a VLAN from an
/// RTM_NEWLINK message built byte by byte to the kernel's layout (linux/rtnetlink.h,
/// linux/if_link.h), not captured.
@Suite("Network facts: links and addresses")
struct NetworkFactsTests {
    @Test("links and addresses in a namespace, as haloctl facts prints them", .enabled(if: NetworkNamespaces.areAvailable))
    func namespace_vethBridgeAndAddress() throws {
        let namespaces = NetworkNamespaces(label: "facts")
        try namespaces.add("a")
        try namespaces.add("b")
        try namespaces.link("a", "fa0", "b", "fb0")
        let a = namespaces.name("a")
        try namespaces.ip(["-n", a, "link", "add", "br0", "type", "bridge"])
        try namespaces.ip(["-n", a, "link", "set", "fa0", "master", "br0"])
        try namespaces.ip(["-n", a, "link", "set", "br0", "mtu", "1400", "up"])
        try namespaces.ip(["-n", a, "addr", "add", "198.18.7.1/24", "dev", "br0"])
        let run = try namespaces.run("a", [BuildProducts.executable("halo-facts-probe"), "--deadline-ms", "5000"])
        #expect(run.succeeded, "\(run.errorText)")
        let facts = try NodeFacts(json: try JSONValue.parse(run.outputText))
        let links = try #require(facts.links.value)
        #expect(Set(links.map(\.name)) == ["lo", "fa0", "br0"])
        let bridge = try #require(links.first { $0.name == "br0" })
        #expect(bridge.kind == .bridge && bridge.isUp && bridge.mtu == 1400)
        let veth = try #require(links.first { $0.name == "fa0" })
        #expect(veth.kind == .other("veth"))
        #expect(veth.master == "br0")
        #expect(veth.isUp && veth.hasCarrier)  // its peer in b is up
        #expect(links.first { $0.name == "lo" }?.kind == .device)
        let addresses = try #require(facts.addresses.value)
        #expect(addresses.contains(AddressFacts(address: "198.18.7.1", prefixLength: 24, interface: "br0", isTentative: false, hasFailedDAD: false)))
    }

    /// `eth0` (index 2, no kind: a NIC) and `eth0.24` (index 7, VLAN 24 on index 2, MTU 9000,
    /// up with carrier). Each message: ifinfomsg (family, pad, type, index, flags, change),
    /// then rtattrs (length, type, payload padded to 4), little-endian.
    static func message(index: UInt8, name: String, mtu: UInt32, vlan: (parent: UInt8, id: UInt8)?) -> NetlinkReply {
        func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
            let length = UInt16(4 + payload.count)
            let padding = (4 - payload.count % 4) % 4
            return [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + payload + [UInt8](repeating: 0, count: padding)
        }
        func u32(_ value: UInt32) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)] }
        // IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP
        var bytes: [UInt8] = [0, 0, 1, 0, index, 0, 0, 0] + u32(0x1_1043) + u32(0)
        bytes += attribute(3, Array(name.utf8) + [0])        // IFLA_IFNAME
        bytes += attribute(4, u32(mtu))                       // IFLA_MTU
        bytes += attribute(16, [6])                           // IFLA_OPERSTATE: IF_OPER_UP
        if let vlan {
            bytes += attribute(5, u32(UInt32(vlan.parent)))   // IFLA_LINK
            let data = attribute(1, [vlan.id, 0])              // IFLA_VLAN_ID
                + attribute(5, [0x81, 0x00])                   // IFLA_VLAN_PROTOCOL (big-endian 802.1Q)
            bytes += attribute(18, attribute(1, Array("vlan".utf8) + [0]) + attribute(2, data))  // IFLA_LINKINFO { KIND, DATA }
        }
        return NetlinkReply(type: 16, flags: 2, sequence: 1, payload: bytes[...])  // RTM_NEWLINK, NLM_F_MULTI
    }

    @Test func vlan_fromAnRTMNewlinkMessage() throws {
        let parent = try #require(NetlinkSocket.link(Self.message(index: 2, name: "eth0", mtu: 9000, vlan: nil)))
        let vlan = try #require(NetlinkSocket.link(Self.message(index: 7, name: "eth0.24", mtu: 9000, vlan: (2, 24))))
        let facts = LinkFacts(vlan, among: [parent, vlan])
        #expect(facts.kind == .vlan(parent: "eth0", id: 24))
        #expect(facts.name == "eth0.24" && facts.index == 7 && facts.mtu == 9000)
        #expect(facts.isUp && facts.hasCarrier && facts.operationalState == "up")
        #expect(LinkFacts(parent, among: [parent, vlan]).kind == .device)
        // The parent in another namespace: the VLAN still says which id it is.
        #expect(LinkFacts(vlan, among: [vlan]).kind == .vlan(parent: nil, id: 24))
    }
}
