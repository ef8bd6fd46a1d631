import HaloNet
import HaloOCF
import HaloSystem

/// The changes the portal agent makes, through rtnetlink and packet sockets only.
struct PortalEffects: ~Copyable {
    var netlink: NetlinkSocket
    let deadline: Deadline

    init(deadline: Deadline) throws(AgentFailure) {
        do {
            netlink = try NetlinkSocket()
        } catch {
            throw PortalFailures.netlink(error)
        }
        self.deadline = deadline
    }

    mutating func observe() throws(AgentFailure) -> PortalObservation {
        try PortalObservation.read(&netlink, deadline: deadline)
    }

    /// What start did, so a failure can undo exactly that.
    enum Undo {
        case deleteInterface(String)
        case deleteAddress(PortalEntry)
    }

    /// Applies the interface steps (create, mark, raise) and then the address steps; on the
    /// first failure undoes everything it did, in reverse, and throws naming the entry.
    mutating func apply(_ steps: [PortalDecision.StartStep], mtu: Int?, skipDAD: Bool,
                        beforeAddresses: (inout PortalEffects) throws(AgentFailure) -> Void) throws(AgentFailure) -> [Undo] {
        var undo: [Undo] = []
        do {
            for step in steps {
                if case .add = step { break }
                try applyInterfaceStep(step, mtu: mtu, undo: &undo)
            }
            try beforeAddresses(&self)
            for step in steps {
                switch step {
                case .removeStale(let stale, let interface):
                    try change { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                        try netlink.deleteAddress(stale.address, prefixLength: stale.prefixLength,
                                                  interface: stale.interfaceIndex, interfaceName: interface, deadline: deadline)
                    }
                case .add(let entry):
                    let index = try interfaceIndex(entry.interface)
                    try change { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                        try netlink.addAddress(entry.address, prefixLength: entry.prefixLength, interface: index,
                                               interfaceName: entry.interface, proto: PortalMarkers.addressProtocol,
                                               skipDAD: skipDAD, deadline: deadline)
                    }
                    undo.append(.deleteAddress(entry))
                default:
                    continue
                }
            }
        } catch {
            rollBack(undo)
            throw error
        }
        return undo
    }

    mutating func applyInterfaceStep(_ step: PortalDecision.StartStep, mtu: Int?, undo: inout [Undo]) throws(AgentFailure) {
        switch step {
        case .createVLAN(let name, let id, let parentName, let mtu):
            let parent = try interfaceIndex(parentName)
            try change { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                try netlink.createVLAN(name: name, id: id, parent: parent, mtu: mtu, deadline: deadline)
            }
            undo.append(.deleteInterface(name))
        case .raise(let name, let markAsOurs):
            let index = try interfaceIndex(name)
            try change { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                try netlink.setLink(index: index, name: name, up: true,
                                    alias: markAsOurs ? PortalMarkers.interfaceAlias : nil, deadline: deadline)
            }
        case .keepSecondaries(let interface):
            try keepSecondaries(on: interface)
        case .removeStale, .add:
            break
        }
    }

    /// Undoes start's changes, newest first, best effort (each failure is already reported).
    mutating func rollBack(_ undo: [Undo]) {
        guard let observation = try? observe() else { return }
        for item in undo.reversed() {
            switch item {
            case .deleteAddress(let entry):
                guard let link = observation.link(named: entry.interface) else { continue }
                try? netlink.deleteAddress(entry.address, prefixLength: entry.prefixLength, interface: link.index,
                                           interfaceName: entry.interface, deadline: deadline)
            case .deleteInterface(let name):
                // Only while it carries nothing but the kernel's link-local address: another
                // portal may have started using it meanwhile.
                guard let link = observation.link(named: name),
                      !observation.addresses.contains(where: { address in
                          guard address.interfaceIndex == link.index else { return false }
                          if case .v6(let v6) = address.address, v6.isLinkLocal { return false }
                          return !undo.contains { if case .deleteAddress(let entry) = $0 { entry.address == address.address } else { false } }
                      }) else { continue }
                try? netlink.deleteLink(index: link.index, name: name, deadline: deadline)
            }
        }
    }

    /// Carries out a stop plan. A link or address that is already gone is not an error.
    mutating func apply(_ plan: PortalDecision.StopPlan, observation: PortalObservation) throws(AgentFailure) {
        for address in plan.addresses {
            let name = observation.link(index: address.interfaceIndex)?.name ?? "interface \(address.interfaceIndex)"
            try change(tolerating: [.addressNotAvailable, .noSuchDevice, .noSuchFile]) { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                try netlink.deleteAddress(address.address, prefixLength: address.prefixLength,
                                          interface: address.interfaceIndex, interfaceName: name, deadline: deadline)
            }
        }
        for link in plan.interfaces {
            try change(tolerating: [.noSuchDevice, .noSuchFile]) { (netlink: inout NetlinkSocket, deadline: Deadline) throws(NetlinkError) in
                try netlink.deleteLink(index: link.index, name: link.name, deadline: deadline)
            }
        }
    }

    /// `net.ipv4.conf.<interface>.promote_secondaries = 1` (this network namespace's): a
    /// secondary address of the subnet becomes its primary when the primary is deleted, instead
    /// of going with it (`PortalDecision.keepingSecondaries`).
    func keepSecondaries(on interface: String) throws(AgentFailure) {
        let path = "/proc/sys/net/ipv4/conf/\(interface)/promote_secondaries"
        do {
            try KernelAttributes().write(path, line: "1")
        } catch {
            throw .generic(Reason("cannot set \(path) (\(error.symbol)): without it, removing another portal's address of the same subnet "
                                  + "on \(interface) would remove this one too", details: ["halo.errno": error.symbol]))
        }
    }

    /// The index of an interface that must exist by now.
    mutating func interfaceIndex(_ name: String) throws(AgentFailure) -> Int32 {
        guard let link = try observe().link(named: name) else {
            throw .generic(Reason("interface \(name) vanished while the portal was being configured"))
        }
        return link.index
    }

    /// Runs one netlink change, mapping its failure once; errnos in `tolerating` count as done.
    mutating func change(tolerating: Set<Errno> = [],
                         _ body: (inout NetlinkSocket, Deadline) throws(NetlinkError) -> Void) throws(AgentFailure) {
        do {
            try body(&netlink, deadline)
        } catch {
            if tolerating.contains(error.errno) { return }
            throw PortalFailures.netlink(error)
        }
    }

    /// Waits until no address of `entries` is tentative (IPv6 duplicate address detection);
    /// fails when DAD found a duplicate or the wait outlives its share of the deadline.
    mutating func waitForDAD(_ entries: [PortalEntry], until wait: Deadline) throws(AgentFailure) {
        let v6 = entries.filter { !$0.address.isIPv4 }
        guard !v6.isEmpty else { return }
        while true {
            let observation = try observe()
            var pending: [IPAddress] = []
            for entry in v6 {
                guard let copy = observation.copies(of: entry.address).first(where: observation.isOurs) else { continue }
                if copy.hasFailedDAD {
                    throw .generic(Reason("duplicate address detection failed for \(entry.address) on \(entry.interface): another node uses it"))
                }
                if copy.isTentative { pending.append(entry.address) }
            }
            if pending.isEmpty { return }
            if wait.hasPassed() {
                throw .generic(Reason("duplicate address detection for \(pending.map(\.description).joined(separator: ", ")) did not finish in time"))
            }
            Pause.for(.milliseconds(50))
        }
    }

    /// Waits until every interface of `entries` can carry traffic (a new VLAN takes a moment).
    mutating func waitForLinks(_ entries: [PortalEntry], until wait: Deadline) throws(AgentFailure) {
        while true {
            let observation = try observe()
            let down = Set(entries.map(\.interface)).filter { !(observation.link(named: $0)?.isUsable ?? false) }
            if down.isEmpty { return }
            if wait.hasPassed() {
                throw .generic(Reason("no link on \(down.sorted().joined(separator: ", ")): check the cabling and the switch port"))
            }
            Pause.for(.milliseconds(20))
        }
    }
}

extension Errno {
    /// `EADDRNOTAVAIL`: the address is not on the interface.
    static let addressNotAvailable = Errno(rawValue: 99)
}
