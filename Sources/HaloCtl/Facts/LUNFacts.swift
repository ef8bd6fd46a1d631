import HaloDRBD
import HaloFacts

/// What one node's live facts say about one LUN: its DRBD resource, its target, its portal
/// addresses and their interfaces.
struct LUNFacts {
    let lun: LUNView
    let facts: NodeFacts

    var drbd: Reading<DRBDResourceFacts?> {
        guard let name = lun.drbdResource else { return .read(nil) }
        return facts.drbd.map { resources in resources.first { $0.name == name } }
    }

    /// The LUN's target: by its name when the configuration gives one.
    var target: Reading<TargetFacts.Target?> {
        guard let iqn = lun.targetName else { return .read(nil) }
        return facts.targets.map { targets in targets.targets.first { $0.iqn == iqn && $0.isEnabled } ?? targets.targets.first { $0.iqn == iqn } }
    }

    /// One portal address on this node.
    struct PortalState {
        var endpoint: PortalEndpoint
        /// The interface the address is (or would be) on, and its parent for a VLAN.
        var interface: String?
        var parent: String?
        var link: LinkFacts?
        var parentLink: LinkFacts?
        /// The address is configured on the node.
        var isPresent: Bool
        var isUsable: Bool { isPresent && (link?.isUp ?? false) }
    }

    /// The interface an `ocf:halo:portal` spec names: `IFACE`, `PARENT.VID` (created when
    /// missing) or `PARENT.VID=NAME`.
    static func interface(_ spec: String?) -> (name: String?, parent: String?) {
        guard let spec else { return (nil, nil) }
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        let vlan = parts[0]
        let name = parts.count > 1 ? parts[1] : vlan
        if let dot = vlan.lastIndex(of: "."), Int(vlan[vlan.index(after: dot)...]) != nil {
            return (name, String(vlan[..<dot]))
        }
        return (name, nil)
    }

    var portals: Reading<[PortalState]> {
        guard case .read(let links) = facts.links else { return .failed(facts.links.failure ?? "?") }
        guard case .read(let addresses) = facts.addresses else { return .failed(facts.addresses.failure ?? "?") }
        return .read(lun.portals.map { endpoint in
            let (name, parent) = Self.interface(endpoint.interface)
            let present = addresses.contains { $0.address == endpoint.host && (name == nil || $0.interface == name) && !$0.isTentative && !$0.hasFailedDAD }
            return PortalState(endpoint: endpoint, interface: name, parent: parent,
                               link: name.flatMap { wanted in links.first { $0.name == wanted } },
                               parentLink: parent.flatMap { wanted in links.first { $0.name == wanted } }, isPresent: present)
        })
    }

    /// The MTU a portal's traffic would have on this node: its interface's, else its parent's.
    static func mtu(_ state: PortalState) -> Int? { state.link?.mtu ?? state.parentLink?.mtu }
}

extension DRBDResourceFacts {
    var allUpToDate: Bool { !volumes.isEmpty && volumes.allSatisfy { $0.disk == .upToDate } }

    /// This resource's replication in words: `Primary UpToDate, node2 Connected Secondary UpToDate`.
    var summary: String {
        let disks = Set(volumes.map(\.disk.rawValue)).sorted().joined(separator: "/")
        var text = "\(role.rawValue) \(disks.isEmpty ? "no disk" : disks)"
        for connection in connections {
            let peerDisks = Set(connection.volumes.map(\.peerDisk.rawValue)).sorted().joined(separator: "/")
            let syncing = connection.volumes.contains { $0.replication.isResyncing } ? " resyncing" : ""
            text += ", \(connection.peerName ?? "peer \(connection.peerNodeID)") \(connection.state.rawValue) \(connection.peerRole.rawValue) \(peerDisks)\(syncing)"
        }
        return text
    }
}
