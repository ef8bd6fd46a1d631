import HaloNet
import HaloOCF

/// The state of one portal entry on this node.
enum EntryState: Sendable, Hashable {
    /// Our address on the right interface, which can carry traffic.
    case served
    /// The address is not on this node (the interface may or may not exist).
    case absent
    /// The same address is configured here by someone else (no halo marker).
    case foreign(interface: String)
    /// Our address is there, but its interface cannot carry traffic.
    case interfaceDown(interface: String)
    /// Our address, but on another interface or with another prefix (an earlier configuration).
    case misplaced(InterfaceAddress)
}

/// Pure decisions of the portal agent: from parameters and an observation to an outcome or a plan.
enum PortalDecision {
    static func state(of entry: PortalEntry, in observation: PortalObservation) -> EntryState {
        let copies = observation.copies(of: entry.address)
        let link = observation.link(named: entry.interface)
        if let ours = copies.first(where: observation.isOurs) {
            guard let link, ours.interfaceIndex == link.index, ours.prefixLength == entry.prefixLength else {
                return .misplaced(ours)
            }
            return link.isUsable ? .served : .interfaceDown(interface: entry.interface)
        }
        if let foreign = copies.first {
            return .foreign(interface: observation.link(index: foreign.interfaceIndex)?.name ?? "interface \(foreign.interfaceIndex)")
        }
        return .absent
    }

    // MARK: monitor

    /// Monitor: served everywhere → running; nothing of ours anywhere → not running; anything in
    /// between is a failure that names each entry.
    static func monitor(_ entries: [PortalEntry], _ observation: PortalObservation, level: CheckLevel, mtu: Int?)
        -> Result<AgentOutcome, AgentFailure> {
        let states = entries.map { state(of: $0, in: observation) }
        let nothingOurs = states.allSatisfy { state in
            switch state {
            case .absent, .foreign: true
            case .served, .interfaceDown, .misplaced: false
            }
        }
        if nothingOurs { return .success(.notRunning) }
        var problems: [String] = []
        for (entry, state) in zip(entries, states) {
            switch state {
            case .served:
                if level >= .thorough { problems += surroundings(entry, observation, mtu: mtu) }
                if level >= .deep, let other = observation.conflicts[entry.address] {
                    problems.append("\(entry.address) is also answered by \(other)")
                }
            case .absent: problems.append("\(entry) missing")
            case .foreign(let interface): problems.append("\(entry.address) on \(interface) is not halo's")
            case .interfaceDown(let interface): problems.append("\(interface) (\(entry.address)) has no link")
            case .misplaced(let address):
                problems.append("\(entry.address)/\(address.prefixLength) is on the wrong interface or prefix")
            }
        }
        if problems.isEmpty { return .success(.success) }
        let served = states.filter { $0 == .served }.count
        return .failure(.generic(Reason("portal partly down: " + problems.joined(separator: "; "),
                                        details: ["halo.served": "\(served)/\(entries.count)"])))
    }

    /// Level-10 facts about an entry's interfaces: parent link, MTU.
    static func surroundings(_ entry: PortalEntry, _ observation: PortalObservation, mtu: Int?) -> [String] {
        guard let link = observation.link(named: entry.interface) else { return [] }
        var problems: [String] = []
        if let mtu, link.mtu != mtu { problems.append("\(link.name) MTU is \(link.mtu), not \(mtu)") }
        if let parentName = entry.parent {
            guard let parent = observation.link(named: parentName) else {
                return problems + ["parent \(parentName) of \(link.name) is gone"]
            }
            if !parent.isUsable { problems.append("parent \(parentName) of \(link.name) has no link") }
            if parent.mtu < link.mtu { problems.append("parent \(parentName) MTU \(parent.mtu) is below \(link.name)'s \(link.mtu)") }
        }
        return problems
    }

    // MARK: start

    /// One change start makes, in order.
    enum StartStep: Sendable, Hashable {
        case createVLAN(name: String, id: Int, parent: String, mtu: Int?)
        /// Alias (for interfaces we create), up.
        case raise(interface: String, markAsOurs: Bool)
        case removeStale(InterfaceAddress, interface: String)
        /// `promote_secondaries` on for the interface (see `keepingSecondaries`).
        case keepSecondaries(interface: String)
        case add(PortalEntry)
    }

    /// The changes that bring every entry up, or why this node cannot host the portal.
    static func start(_ entries: [PortalEntry], _ observation: PortalObservation, mtu: Int?)
        -> Result<[StartStep], AgentFailure> {
        var steps: [StartStep] = []
        var interfacesDone = Set<String>()
        for entry in entries where interfacesDone.insert(entry.interface).inserted {
            switch interfaceSteps(entry, observation, mtu: mtu) {
            case .success(let more): steps += more
            case .failure(let failure): return .failure(failure)
            }
        }
        steps += keepingSecondaries(entries.filter { state(of: $0, in: observation) != .served })
        for entry in entries {
            switch state(of: entry, in: observation) {
            case .served, .interfaceDown:
                continue  // ours already; the interface steps bring it up
            case .absent:
                steps.append(.add(entry))
            case .misplaced(let stale):
                steps.append(.removeStale(stale, interface: observation.link(index: stale.interfaceIndex)?.name ?? "?"))
                steps.append(.add(entry))
            case .foreign(let interface):
                return .failure(.invalidArgument(Reason(
                    "\(entry.address) is already on \(interface), configured outside halo: remove it there or from the portal",
                    details: ["halo.address": "\(entry.address)"])))
            }
        }
        return .success(steps)
    }

    static func interfaceSteps(_ entry: PortalEntry, _ observation: PortalObservation, mtu: Int?)
        -> Result<[StartStep], AgentFailure> {
        if let link = observation.link(named: entry.interface) {
            if let id = entry.vlanID, let parentName = entry.parent {
                let parentIndex = observation.link(named: parentName)?.index
                guard link.kind == "vlan", link.vlanID == id, link.parentIndex == parentIndex else {
                    let actual = link.kind == "vlan"
                        ? "VLAN \(link.vlanID.map(String.init) ?? "?") on \(link.parentIndex.flatMap(observation.link(index:))?.name ?? "?")"
                        : (link.kind ?? "a physical interface")
                    return .failure(.notInstalled(Reason(
                        "\(entry.interface) exists here but is \(actual), not VLAN \(id) on \(parentName): rename one of them")))
                }
            }
            let ours = link.alias == PortalMarkers.interfaceAlias
            if link.isUp { return .success([]) }
            guard ours else {
                return .failure(.notInstalled(Reason(
                    "\(entry.interface) is administratively down and was not created by halo: bring it up (ip link set \(entry.interface) up)")))
            }
            return .success([.raise(interface: entry.interface, markAsOurs: true)])
        }
        guard let id = entry.vlanID, let parentName = entry.parent else {
            return .failure(.notInstalled(Reason("interface \(entry.interface) does not exist on this node")))
        }
        guard observation.link(named: parentName) != nil else {
            return .failure(.notInstalled(Reason("parent NIC \(parentName) of \(entry.interface) does not exist on this node")))
        }
        return .success([.createVLAN(name: entry.interface, id: id, parent: parentName, mtu: mtu),
                         .raise(interface: entry.interface, markAsOurs: true)])
    }

    /// Two LUNs' portals share an interface (a VLAN) and usually a subnet: the kernel makes the
    /// first IPv4 address of a subnet on an interface its primary and the others secondaries,
    /// and deleting a primary deletes its secondaries with it — one LUN's portal stop would take
    /// the other LUN's address (seen in the VM lab: 6 of 12 rounds of two portals started
    /// together, then one stopped). With `net.ipv4.conf.<interface>.promote_secondaries` a
    /// secondary becomes the primary instead. Set on every interface an IPv4 portal address is
    /// added to, and on every interface one is removed from (an address added by a version
    /// that did not set it may be another portal's primary).
    static func keepingSecondaries(_ entries: [PortalEntry]) -> [StartStep] {
        var seen = Set<String>()
        return entries.filter { $0.address.isIPv4 && seen.insert($0.interface).inserted }.map { .keepSecondaries(interface: $0.interface) }
    }

    // MARK: stop

    /// What stop removes: our copies of the entries' addresses, then the VLAN interfaces halo
    /// created that carry nothing else any more.
    struct StopPlan: Sendable, Hashable {
        var addresses: [InterfaceAddress] = []
        var interfaces: [Link] = []
        /// Interfaces whose `promote_secondaries` is set before an IPv4 address of ours goes
        /// (`keepingSecondaries`).
        var keepSecondaries: [String] = []
        /// Identical addresses someone else configured: left alone, reported.
        var foreign: [InterfaceAddress] = []
    }

    static func stop(_ entries: [PortalEntry], _ observation: PortalObservation) -> StopPlan {
        var plan = StopPlan()
        for entry in entries {
            for copy in observation.copies(of: entry.address) {
                if observation.isOurs(copy) { plan.addresses.append(copy) } else { plan.foreign.append(copy) }
            }
        }
        let removed = Set(plan.addresses)
        var kept = Set<String>()
        plan.keepSecondaries = plan.addresses.compactMap { address in
            guard address.address.isIPv4, let name = observation.link(index: address.interfaceIndex)?.name, kept.insert(name).inserted else { return nil }
            return name
        }
        var checked = Set<String>()
        for entry in entries where entry.vlanID != nil && checked.insert(entry.interface).inserted {
            guard let link = observation.link(named: entry.interface), link.alias == PortalMarkers.interfaceAlias else { continue }
            let remaining = observation.addresses.filter { address in
                guard address.interfaceIndex == link.index, !removed.contains(address) else { return false }
                if case .v6(let v6) = address.address, v6.isLinkLocal { return false }
                return true
            }
            if remaining.isEmpty { plan.interfaces.append(link) }
        }
        return plan
    }
}
