/// A network interface as rtnetlink reports it.
public struct Link: Sendable, Hashable {
    public let index: Int32
    public let name: String
    /// `IFF_UP`: administratively up.
    public let isUp: Bool
    /// `IFF_LOWER_UP`: the driver reports carrier.
    public let hasCarrier: Bool
    /// RFC 2863 operational state (`IF_OPER_UP` = 6).
    public let operationalState: OperationalState
    public let mtu: Int
    /// The parent interface of a VLAN (`IFLA_LINK`).
    public let parentIndex: Int32?
    /// The link kind (`vlan`, `veth`, `bridge`…); `nil` for physical devices.
    public let kind: String?
    /// The 802.1Q id, for a VLAN.
    public let vlanID: Int?
    /// The interface alias (`ip link set … alias`); halo marks interfaces it created here.
    public let alias: String?
    public let macAddress: MACAddress?
    /// The bridge or bond this interface is a port of (`IFLA_MASTER`).
    public let masterIndex: Int32?

    public enum OperationalState: UInt8, Sendable, Hashable {
        case unknown = 0, notPresent, down, lowerLayerDown, testing, dormant, up
    }

    /// Whether the interface can carry traffic: up, with carrier, operationally up (or
    /// "unknown", which virtual devices without carrier reporting show).
    public var isUsable: Bool {
        isUp && hasCarrier && (operationalState == .up || operationalState == .unknown)
    }
}

/// An address on an interface, as rtnetlink reports it.
public struct InterfaceAddress: Sendable, Hashable {
    public let interfaceIndex: Int32
    public let address: IPAddress
    public let prefixLength: Int
    /// The address protocol (`IFA_PROTO`, Linux ≥ 6.1): who configured it. halo marks its own.
    public let proto: UInt8?
    /// The IPv4 label (`IFA_LABEL`).
    public let label: String?
    /// IPv6 duplicate address detection still running.
    public let isTentative: Bool
    /// IPv6 duplicate address detection found another node with this address.
    public let hasFailedDAD: Bool
    /// Scope: global (0), link (253), host (254)…
    public let scope: UInt8
}

/// An entry of the kernel's neighbour (ARP / NDP) table.
public struct Neighbour: Sendable, Hashable {
    public let interfaceIndex: Int32
    public let address: IPAddress
    public let macAddress: MACAddress?
    /// NUD state bits (`NUD_REACHABLE` = 0x02, `NUD_STALE` = 0x04, …).
    public let state: UInt16
}
