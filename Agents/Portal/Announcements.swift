import HaloNet
import HaloSystem

/// One address to announce: where, from which MAC.
struct AnnounceTarget: Sendable, Hashable {
    let interfaceIndex: Int32
    let interface: String
    let mac: MACAddress
    let address: IPAddress
    let prefixLength: Int
}

/// Gratuitous ARP, unsolicited neighbour advertisements, directed announcements and probes,
/// from halo's own packet sockets (no arping, no send_arp).
enum Announcements {
    /// The targets for the entries that are ours and up in `observation`.
    static func targets(_ entries: [PortalEntry], _ observation: PortalObservation) -> [AnnounceTarget] {
        entries.compactMap { entry in
            guard PortalDecision.state(of: entry, in: observation) == .served,
                  let link = observation.link(named: entry.interface), let mac = link.macAddress else { return nil }
            return AnnounceTarget(interfaceIndex: link.index, interface: link.name, mac: mac, address: entry.address,
                                  prefixLength: entry.prefixLength)
        }
    }

    /// Sends one round: for each IPv4 target a gratuitous request and reply, for each IPv6
    /// target an unsolicited advertisement; and to each neighbour in a target's subnet a
    /// request (IPv4) or solicitation (IPv6) from that target.
    ///
    /// - Returns: what could not be sent, one line per failure (an empty list when all went out).
    static func sendRound(_ targets: [AnnounceTarget], neighbours: [IPAddress]) -> [String] {
        do {
            let arp = try PacketSocket(interfaceIndex: 0, etherType: PacketSocket.arp)
            let nd = try PacketSocket(interfaceIndex: 0, etherType: PacketSocket.ipv6)
            return send(targets, neighbours: neighbours, arp: arp, nd: nd)
        } catch {
            return ["cannot open a packet socket: \(error)"]
        }
    }

    static func send(_ targets: [AnnounceTarget], neighbours: [IPAddress],
                     arp: borrowing PacketSocket, nd: borrowing PacketSocket) -> [String] {
        var failures: [String] = []
        for target in targets {
            let directed = neighbours.filter {
                $0.sharesSubnet(with: target.address, prefixLength: target.prefixLength) && $0 != target.address
            }
            do {
                switch target.address {
                case .v4(let address):
                    try arp.send(ARPPacket.gratuitousRequest(address, mac: target.mac).bytes, to: .broadcast, on: target.interfaceIndex)
                    try arp.send(ARPPacket.gratuitousReply(address, mac: target.mac).bytes, to: .broadcast, on: target.interfaceIndex)
                    for case .v4(let neighbour) in directed {
                        try arp.send(ARPPacket.directedRequest(from: address, mac: target.mac, to: neighbour).bytes,
                                     to: .broadcast, on: target.interfaceIndex)
                    }
                case .v6(let address):
                    try nd.send(NeighborDiscovery.unsolicitedAdvertisement(address, mac: target.mac),
                                to: .multicast(.allNodes), on: target.interfaceIndex)
                    for case .v6(let neighbour) in directed {
                        try nd.send(NeighborDiscovery.solicitation(for: neighbour, from: address, mac: target.mac),
                                    to: .multicast(neighbour.solicitedNodeMulticast), on: target.interfaceIndex)
                    }
                }
            } catch {
                failures.append("announce \(target.address) on \(target.interface): \(error)")
            }
        }
        return failures
    }

    /// Asks the network who answers for each target's address (an RFC 5227 ARP probe, a DAD
    /// solicitation) and listens for `duration`.
    ///
    /// - Returns: the addresses someone other than this host answers for, with that someone's MAC.
    static func probe(_ targets: [AnnounceTarget], listening duration: Duration) throws(Errno) -> [IPAddress: MACAddress] {
        let v4 = targets.filter { $0.address.isIPv4 }
        let v6 = targets.filter { !$0.address.isIPv4 }
        let arp = try PacketSocket(interfaceIndex: 0, etherType: PacketSocket.arp)
        let nd = try PacketSocket(interfaceIndex: 0, etherType: PacketSocket.ipv6, filter: PacketSocket.neighbourAdvertisementFilter)
        for target in v4 {
            guard case .v4(let address) = target.address else { continue }
            try arp.send(ARPPacket.probe(address, mac: target.mac).bytes, to: .broadcast, on: target.interfaceIndex)
        }
        for target in v6 {
            guard case .v6(let address) = target.address else { continue }
            try nd.send(NeighborDiscovery.probe(address), to: .multicast(address.solicitedNodeMulticast), on: target.interfaceIndex)
        }
        let until = Deadline.after(duration)
        var conflicts: [IPAddress: MACAddress] = [:]
        let ours = Set(targets.map(\.mac))
        for frame in try arp.receive(until: until) where !frame.isOutgoing {
            guard let packet = ARPPacket(bytes: frame.payload), packet.senderIP != .any, !ours.contains(packet.senderMAC),
                  v4.contains(where: { $0.address == .v4(packet.senderIP) && $0.interfaceIndex == frame.interfaceIndex })
            else { continue }
            conflicts[.v4(packet.senderIP)] = packet.senderMAC
        }
        for frame in try nd.receive(until: until) where !frame.isOutgoing {
            guard let advertisement = NeighborDiscovery.advertisement(inPacket: frame.payload),
                  v6.contains(where: { $0.address == .v6(advertisement.target) && $0.interfaceIndex == frame.interfaceIndex })
            else { continue }
            let mac = advertisement.targetMAC ?? frame.source ?? .zero
            if !ours.contains(mac) { conflicts[.v6(advertisement.target)] = mac }
        }
        return conflicts
    }
}
