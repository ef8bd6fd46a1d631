import HaloNet
import HaloOCF
import HaloSystem

/// How halo marks what it owns, in the kernel itself (never in a state file that could
/// disagree with it).
enum PortalMarkers {
    /// The address protocol (`IFA_PROTO`, Linux ≥ 6.1) on every address the portal agent adds.
    /// 104 is "h"; the kernel's own values are 1–3.
    static let addressProtocol: UInt8 = 104
    /// The interface alias of VLAN interfaces the portal agent created.
    static let interfaceAlias = "halo-portal"
}

/// What the kernel says about the interfaces and addresses a portal uses: one link dump and
/// one address dump over rtnetlink, no process.
struct PortalObservation: Sendable {
    let links: [Link]
    let addresses: [InterfaceAddress]
    /// Who else answers for our addresses (filled only by a level-20 monitor or a duplicate check).
    var conflicts: [IPAddress: MACAddress] = [:]

    init(links: [Link], addresses: [InterfaceAddress]) {
        self.links = links
        self.addresses = addresses
    }

    func link(named name: String) -> Link? { links.first { $0.name == name } }
    func link(index: Int32) -> Link? { links.first { $0.index == index } }

    /// Every copy of `address` on this node, ours or not.
    func copies(of address: IPAddress) -> [InterfaceAddress] { addresses.filter { $0.address == address } }

    func isOurs(_ address: InterfaceAddress) -> Bool { address.proto == PortalMarkers.addressProtocol }

    /// Reads the links and addresses.
    static func read(_ netlink: inout NetlinkSocket, deadline: Deadline) throws(AgentFailure) -> PortalObservation {
        do {
            return PortalObservation(links: try netlink.links(deadline: deadline),
                                     addresses: try netlink.addresses(deadline: deadline))
        } catch {
            throw PortalFailures.netlink(error)
        }
    }
}

/// Turning lower-layer errors into OCF failures, once.
enum PortalFailures {
    static func netlink(_ error: NetlinkError) -> AgentFailure {
        let reason = Reason("\(error)", details: ["halo.errno": error.errno.symbol])
        switch error.errno {
        case .notPermitted, .permissionDenied: return .insufficientPrivileges(reason)
        default: return .generic(reason)
        }
    }
}
