/// One portal address of a LUN, read from its portal resource's parameters the way the agent
/// reads them: `ocf:halo:portal`'s `addresses` (`address/prefix@interface` entries separated by
/// spaces, commas or tabs) or `IPaddr2`'s `ip`, `cidr_netmask` and `nic`. One reader for
/// halod's tickle ACKs and both of haloctl's backends, so that they find the same addresses.
public struct ConfiguredPortal: Sendable, Hashable {
    /// The address with its prefix length when the configuration gives one: `198.19.24.51/24`.
    public var address: String
    /// The interface (VLAN) it lives on; nil when the configuration lets the kernel choose.
    public var interface: String?

    public init(address: String, interface: String?) {
        self.address = address
        self.interface = interface
    }

    /// The address without its prefix length.
    public var host: String { String(address.split(separator: "/").first ?? Substring(address)) }

    /// The portal addresses of a resource of agent type `type` (`portal`, `IPaddr2`, `IPaddr`);
    /// none for any other agent. `parameter` answers a parameter's value by name.
    public static func of(type: String, parameter: (String) -> String?) -> [ConfiguredPortal] {
        switch type {
        case "portal":
            return (parameter("addresses") ?? "").split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map { entry in
                let parts = entry.split(separator: "@", maxSplits: 1)
                return ConfiguredPortal(address: String(parts[0]), interface: parts.count > 1 ? String(parts[1]) : nil)
            }
        case "IPaddr2", "IPaddr":
            guard let ip = parameter("ip"), !ip.isEmpty else { return [] }
            return [ConfiguredPortal(address: parameter("cidr_netmask").map { "\(ip)/\($0)" } ?? ip, interface: parameter("nic"))]
        default:
            return []
        }
    }
}
