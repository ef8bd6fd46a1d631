/// IPv6 neighbour discovery messages (RFC 4861) as complete IPv6 packets, for sending on a
/// packet socket: the IPv6 header, the ICMPv6 message and its checksum are all built here,
/// so a probe can come from the unspecified address (as duplicate address detection does).
public enum NeighborDiscovery {
    static let advertisementType: UInt8 = 136
    static let solicitationType: UInt8 = 135

    /// An unsolicited neighbour advertisement for `address` (override flag set, to every node).
    public static func unsolicitedAdvertisement(_ address: IPv6Address, mac: MACAddress) -> [UInt8] {
        var icmp: [UInt8] = [advertisementType, 0, 0, 0, 0x20, 0, 0, 0]  // flags: Override
        icmp += address.bytes
        icmp += [2, 1] + mac.bytes  // option: target link-layer address
        return packet(source: address, destination: .allNodes, icmp: icmp)
    }

    /// A solicitation for `target` from `source` with our link-layer address, sent to the
    /// target's solicited-node group: the target updates its entry for `source` (directed
    /// announcement to a router).
    public static func solicitation(for target: IPv6Address, from source: IPv6Address, mac: MACAddress) -> [UInt8] {
        var icmp: [UInt8] = [solicitationType, 0, 0, 0, 0, 0, 0, 0]
        icmp += target.bytes
        icmp += [1, 1] + mac.bytes  // option: source link-layer address
        return packet(source: source, destination: target.solicitedNodeMulticast, icmp: icmp)
    }

    /// A duplicate-address-detection probe for `address`: a solicitation from `::`, which no
    /// neighbour caches; a node using the address answers with an advertisement to all nodes.
    public static func probe(_ address: IPv6Address) -> [UInt8] {
        var icmp: [UInt8] = [solicitationType, 0, 0, 0, 0, 0, 0, 0]
        icmp += address.bytes
        return packet(source: .unspecified, destination: address.solicitedNodeMulticast, icmp: icmp)
    }

    /// An IPv6 packet (hop limit 255, as ND requires) carrying `icmp` with its checksum set.
    static func packet(source: IPv6Address, destination: IPv6Address, icmp: [UInt8]) -> [UInt8] {
        var message = icmp
        let sum = checksum(source: source, destination: destination, icmp: icmp)
        message[2] = UInt8(sum >> 8)
        message[3] = UInt8(sum & 0xff)
        let length = UInt16(message.count)
        let header: [UInt8] = [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff), 58, 255]
        return header + source.bytes + destination.bytes + message
    }

    /// The ICMPv6 checksum over the IPv6 pseudo-header and the message (RFC 4443 §2.3).
    static func checksum(source: IPv6Address, destination: IPv6Address, icmp: [UInt8]) -> UInt16 {
        let length = UInt32(icmp.count)
        var data = source.bytes + destination.bytes
        data += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0, 0, 0, 58]
        data += icmp
        if data.count % 2 == 1 { data.append(0) }
        var sum: UInt32 = 0
        for index in stride(from: 0, to: data.count, by: 2) {
            sum += UInt32(data[index]) << 8 | UInt32(data[index + 1])
        }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// A neighbour advertisement seen on the wire: who claims which address.
    public struct Advertisement: Sendable, Hashable {
        public let source: IPv6Address
        public let target: IPv6Address
        public let targetMAC: MACAddress?
        public let isOverride: Bool
    }

    /// Parses an IPv6 packet carrying a neighbour advertisement; `nil` for anything else.
    public static func advertisement(inPacket bytes: some Collection<UInt8>) -> Advertisement? {
        let b = Array(bytes)
        guard b.count >= 40 + 24, b[0] >> 4 == 6, b[6] == 58, b[40] == advertisementType else { return nil }
        let source = IPv6Address(Array(b[8..<24]))
        let target = IPv6Address(Array(b[48..<64]))
        var mac: MACAddress?
        var index = 64
        while index + 8 <= b.count {
            let type = b[index], length = Int(b[index + 1]) * 8
            guard length > 0, index + length <= b.count else { break }
            if type == 2 && length >= 8 { mac = MACAddress(Array(b[(index + 2)..<(index + 8)])) }
            index += length
        }
        return Advertisement(source: source, target: target, targetMAC: mac, isOverride: b[44] & 0x20 != 0)
    }
}
