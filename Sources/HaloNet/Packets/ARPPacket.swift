/// An Ethernet/IPv4 ARP packet (RFC 826), as it appears after the Ethernet header.
public struct ARPPacket: Sendable, Hashable {
    public enum Operation: UInt16, Sendable {
        case request = 1, reply = 2
    }

    public let operation: Operation
    public let senderMAC: MACAddress
    public let senderIP: IPv4Address
    public let targetMAC: MACAddress
    public let targetIP: IPv4Address

    public init(operation: Operation, senderMAC: MACAddress, senderIP: IPv4Address, targetMAC: MACAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// A gratuitous ARP request: "who has `address`? tell `address`", to every host.
    public static func gratuitousRequest(_ address: IPv4Address, mac: MACAddress) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: address, targetMAC: .zero, targetIP: address)
    }

    /// A gratuitous ARP reply: "`address` is at `mac`", for switches and hosts that only learn
    /// from replies.
    public static func gratuitousReply(_ address: IPv4Address, mac: MACAddress) -> ARPPacket {
        ARPPacket(operation: .reply, senderMAC: mac, senderIP: address, targetMAC: mac, targetIP: address)
    }

    /// A request to one neighbour (a router) from `address`: RFC 826 makes the target update its
    /// entry for the sender, so routers that ignore broadcast announcements still learn.
    public static func directedRequest(from address: IPv4Address, mac: MACAddress, to neighbour: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: address, targetMAC: .zero, targetIP: neighbour)
    }

    /// An RFC 5227 probe: "who has `address`?" from 0.0.0.0, which changes no cache; anyone
    /// else using the address answers.
    public static func probe(_ address: IPv4Address, mac: MACAddress) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: .any, targetMAC: .zero, targetIP: address)
    }

    /// The 28 bytes on the wire.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = [0x00, 0x01, 0x08, 0x00, 6, 4, UInt8(operation.rawValue >> 8), UInt8(operation.rawValue & 0xff)]
        bytes += senderMAC.bytes + senderIP.bytes + targetMAC.bytes + targetIP.bytes
        return bytes
    }

    /// Parses an Ethernet/IPv4 ARP packet; `nil` for anything else.
    public init?(bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        guard b.count >= 28, b[0] == 0, b[1] == 1, b[2] == 0x08, b[3] == 0, b[4] == 6, b[5] == 4,
              let operation = Operation(rawValue: UInt16(b[6]) << 8 | UInt16(b[7])) else { return nil }
        self.operation = operation
        senderMAC = MACAddress(Array(b[8..<14]))
        senderIP = IPv4Address(Array(b[14..<18]))
        targetMAC = MACAddress(Array(b[18..<24]))
        targetIP = IPv4Address(Array(b[24..<28]))
    }
}
