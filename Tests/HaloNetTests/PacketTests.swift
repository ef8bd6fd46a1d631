@testable import HaloNet
import Testing

@Suite("ARP and neighbour discovery packets, byte for byte")
struct PacketTests {
    static let mac = MACAddress([0x52, 0x54, 0x00, 0x00, 0x00, 0x11])

    @Test func aGratuitousRequest_isRFC826_withSenderAndTargetTheSameAddress() {
        let packet = ARPPacket.gratuitousRequest(IPv4Address("198.18.10.10")!, mac: Self.mac).bytes
        #expect(packet.count == 28)
        #expect(Array(packet[0..<8]) == [0, 1, 0x08, 0, 6, 4, 0, 1])
        #expect(Array(packet[8..<14]) == Self.mac.bytes)
        #expect(Array(packet[14..<18]) == [198, 18, 10, 10])
        #expect(Array(packet[18..<24]) == [0, 0, 0, 0, 0, 0])
        #expect(Array(packet[24..<28]) == [198, 18, 10, 10])
        #expect(ARPPacket(bytes: packet) == ARPPacket.gratuitousRequest(IPv4Address("198.18.10.10")!, mac: Self.mac))
    }

    @Test func aProbe_comesFromZero_andAReply_hasOperation2() {
        let probe = ARPPacket.probe(IPv4Address("198.18.10.10")!, mac: Self.mac)
        #expect(probe.senderIP == .any)
        #expect(ARPPacket.gratuitousReply(IPv4Address("198.18.10.10")!, mac: Self.mac).bytes[7] == 2)
        #expect(ARPPacket(bytes: [0, 1, 0x08, 0, 6, 4, 0, 9] + [UInt8](repeating: 0, count: 20)) == nil)
        #expect(ARPPacket(bytes: [UInt8](repeating: 0, count: 27)) == nil)
    }

    /// The one's-complement sum over pseudo-header and message, checksum included, is 0xffff
    /// exactly when the checksum is right (RFC 1071).
    static func verifies(_ packet: [UInt8]) -> Bool {
        let source = IPv6Address(Array(packet[8..<24]))
        let destination = IPv6Address(Array(packet[24..<40]))
        var icmp = Array(packet[40...])
        let stored = UInt16(icmp[2]) << 8 | UInt16(icmp[3])
        icmp[2] = 0
        icmp[3] = 0
        return NeighborDiscovery.checksum(source: source, destination: destination, icmp: icmp) == stored
    }

    @Test func anUnsolicitedAdvertisement_hasHopLimit255_theOverrideFlag_andAValidChecksum() throws {
        let address = IPv6Address("fd00:198:10::10")!
        let packet = NeighborDiscovery.unsolicitedAdvertisement(address, mac: Self.mac)
        #expect(packet[0] >> 4 == 6)
        #expect(packet[6] == 58)
        #expect(packet[7] == 255)
        #expect(Array(packet[24..<40]) == IPv6Address.allNodes.bytes)
        #expect(Self.verifies(packet))
        let parsed = try #require(NeighborDiscovery.advertisement(inPacket: packet))
        #expect(parsed.target == address)
        #expect(parsed.targetMAC == Self.mac)
        #expect(parsed.isOverride)
    }

    @Test func aDADProbe_comesFromTheUnspecifiedAddress_toTheSolicitedNodeGroup() {
        let address = IPv6Address("fd00:198:10::10")!
        let packet = NeighborDiscovery.probe(address)
        #expect(Array(packet[8..<24]) == IPv6Address.unspecified.bytes)
        #expect(Array(packet[24..<40]) == address.solicitedNodeMulticast.bytes)
        #expect(packet[40] == 135)
        #expect(Self.verifies(packet))
        #expect(MACAddress.multicast(address.solicitedNodeMulticast).description == "33:33:ff:00:00:10")
    }

    @Test func aCorruptedPacket_failsTheChecksum() {
        var packet = NeighborDiscovery.unsolicitedAdvertisement(IPv6Address("fd00::1")!, mac: Self.mac)
        packet[50] ^= 0x01
        #expect(!Self.verifies(packet))
    }
}
