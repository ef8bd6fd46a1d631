import HaloOCF

/// The parameters of `ocf:halo:portal`.
public struct PortalParameters: ParameterDeclarations {
    public init() {}

    let addresses = Parameter(
        "addresses", PortalEntries.parameterType, required: true,
        short: "Portal addresses of one iSCSI target",
        long: "Every portal address of the target, each as ADDRESS/PREFIX@INTERFACE: INTERFACE is the NIC itself "
            + "(untagged), PARENT.VID for a VLAN the agent creates when missing (named PARENT.VID), or PARENT.VID=NAME "
            + "to name that VLAN. IPv4 and IPv6 may be mixed. All are brought up together and go down together.",
        uniqueGroup: "addresses")
    let mtu = Parameter(
        "mtu", .optional(.integer(68...65535)),
        short: "MTU of the VLAN interfaces",
        long: "The MTU set on VLAN interfaces this agent creates (9000 for jumbo frames), and checked on every "
            + "portal interface by monitor at check level 10. The parent NIC must already allow it. Unset: the "
            + "kernel's default (the parent's MTU).")
    let announceCount = Parameter(
        "announce_count", .integer(0...100), default: 5,
        short: "Announcements per address",
        long: "How many announcements each address gets after start: a gratuitous ARP request and reply for IPv4, "
            + "an unsolicited neighbour advertisement for IPv6. The first goes out before start returns, the "
            + "rest in the background.", reloadable: true)
    let announceInterval = Parameter(
        "announce_interval", .duration(.milliseconds(10) ... .seconds(10)), default: .milliseconds(200),
        short: "Time between announcements", long: "The interval between two rounds of announcements.",
        reloadable: true)
    let neighbours = Parameter(
        "neighbours", .optional(NeighbourList.parameterType),
        short: "Routers to announce to directly",
        long: "Addresses of neighbours (routers, firewalls) that ignore broadcast announcements. Each round also "
            + "sends each of them a request from every portal address in its subnet, which makes it update its "
            + "cache (RFC 826; a neighbour solicitation for IPv6).", reloadable: true)
    let checkDuplicates = Parameter(
        "check_duplicates", .boolean, default: false,
        short: "Probe for the addresses before adding them",
        long: "Before adding an address, ask the network whether anyone answers for it (an ARP probe, a DAD "
            + "solicitation) and refuse to start when someone does. Costs probe_timeout at start.")
    let probeTimeout = Parameter(
        "probe_timeout", .duration(.milliseconds(50) ... .seconds(5)), default: .milliseconds(300),
        short: "How long a probe listens",
        long: "How long the duplicate check at start and the monitor at check level 20 wait for answers.")
    let dad = Parameter(
        "dad", .boolean, default: true,
        short: "IPv6 duplicate address detection",
        long: "Let the kernel run duplicate address detection on IPv6 addresses (start waits for it, about a "
            + "second). false adds them with nodad.")
}
