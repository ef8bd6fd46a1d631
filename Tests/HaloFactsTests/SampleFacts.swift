import HaloDRBD
@testable import HaloFacts
import HaloSystem
import HaloTesting

/// Facts to check and round-trip: a healthy two-node LIO node built from the captures, and
/// variations of it.
enum SampleFacts {
    static let halosHandlers = [
        "fence-peer": "/usr/lib/halo/halo-agent drbd-fence-peer",
        "after-resync-target": "/usr/lib/halo/halo-agent drbd-unfence-peer",
    ]

    static func drbd(_ state: String) throws -> [DRBDResourceFacts] {
        try Events2.states(from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-statistics-\(state).txt")).map(DRBDResourceFacts.init)
    }

    static let synchronizedClock = ClockFacts(ClockDiscipline(
        state: .ok, status: ClockDiscipline.Status(rawValue: 0x2001), maximumErrorMicroseconds: 120_000,
        estimatedErrorMicroseconds: 900, offsetNanoseconds: -41_000))

    static let corosync = CorosyncFacts.Settings(clusterName: "san", tokenMilliseconds: 1000, consensusMilliseconds: 1200,
                                                 isTwoNode: true, waitsForAll: nil, nodes: ["node1", "node2"], members: ["node1"])

    static let links: [LinkFacts] = [
        LinkFacts(index: 1, name: "lo", isUp: true, hasCarrier: true, operationalState: "unknown", mtu: 65536, kind: .device, master: nil),
        LinkFacts(index: 2, name: "eth0", isUp: true, hasCarrier: true, operationalState: "up", mtu: 9000, kind: .device, master: "bond0"),
        LinkFacts(index: 3, name: "bond0", isUp: true, hasCarrier: true, operationalState: "up", mtu: 9000, kind: .bond, master: nil),
        LinkFacts(index: 4, name: "bond0.24", isUp: true, hasCarrier: true, operationalState: "up", mtu: 9000,
                  kind: .vlan(parent: "bond0", id: 24), master: nil),
        LinkFacts(index: 5, name: "br0", isUp: false, hasCarrier: false, operationalState: "down", mtu: 1500, kind: .bridge, master: nil),
        LinkFacts(index: 6, name: "veth1", isUp: true, hasCarrier: false, operationalState: "lowerlayerdown", mtu: 1500,
                  kind: .other("veth"), master: "br0"),
    ]

    /// Everything as it should be.
    static func healthy() throws -> NodeFacts {
        NodeFacts(
            node: "node1", collectedAtMilliseconds: 1_796_000_000_123,
            drbd: .read(try drbd("prisec-uptodate-node1")),
            drbdConfiguration: .read([DRBDResourceConfiguration(name: "r0", fencing: "resource-and-stonith", handlers: halosHandlers)]),
            targets: .read(TargetFacts(loaded: [.lio], targets: [
                TargetFacts.Target(software: .lio, iqn: "iqn.2026-11.lab.test:node1.drbd0", portalGroup: 1, isEnabled: true,
                                   luns: [TargetFacts.LUN(number: 0, device: "iblock_0/drbd0", backingPath: "/dev/drbd0")],
                                   portals: ["198.18.1.11:3260"],
                                   sessions: [TargetFacts.Session(initiator: "iqn.2026-11.lab.test:client", addresses: [])]),
            ])),
            links: .read(links),
            addresses: .read([AddressFacts(address: "198.18.1.11", prefixLength: 24, interface: "bond0.24", isTentative: false, hasFailedDAD: false)]),
            mdArrays: .read([MDArrayFacts(name: "md0", level: "raid1", state: "clean", raidDisks: 2, degradedDevices: 0, members: [
                .init(name: "sda1", slot: 0, state: ["in_sync"]), .init(name: "sdb1", slot: 1, state: ["in_sync"]),
            ], sync: nil)]),
            clock: .read(synchronizedClock),
            modules: .read(Dictionary(uniqueKeysWithValues: ModuleState.stackModules.map { name in
                (name, name.contains("scst") ? ModuleState.missing : name == "bonding" ? .builtIn : .loaded)
            })),
            corosync: .read(.running(corosync)),
            drbdHelper: .read(DRBDHelperFacts(path: DRBDHelperFacts.halos, runnable: true)))
    }

    /// Every part unreadable.
    static let unreadable = NodeFacts(
        node: "node2", collectedAtMilliseconds: 0, drbd: .failed("drbdsetup: not found"), drbdConfiguration: .failed("drbdadm: not found"),
        targets: .failed("cannot read LIO's configfs: EACCES"), links: .failed("netlink: EPERM"), addresses: .failed("netlink: EPERM"),
        mdArrays: .failed("/sys/block: ENOENT"), clock: .failed("adjtimex: EPERM"), modules: .failed("/sys/module: ENOENT"),
        corosync: .failed("corosync did not answer in time"), drbdHelper: .failed("/sys/module/drbd/parameters/usermode_helper: EACCES"))
}
