import HaloDRBD
import HaloPacemaker
import HaloSystem

/// DRBD's fence-peer handler for Pacemaker, as pure decisions over the CIB: which promotable
/// clone runs a DRBD resource, the constraint that allows promotion only on nodes with
/// UpToDate data, and what to tell DRBD about the peer.
///
/// The exit codes are DRBD's fence-peer protocol: 3 the peer is already outdated, 4 the peer
/// is outdated (it cannot be promoted), 5 the peer is unreachable, 7 the peer was fenced;
/// anything else is a failure (with `fencing resource-and-stonith` DRBD keeps I/O frozen).
enum FencePeer {
    enum Answer: Int32, Sendable, Hashable {
        case peerAlreadyOutdated = 3
        case peerOutdated = 4
        case peerUnreachable = 5
        case peerFenced = 7
        case failed = 1
    }

    /// The id of the promotable clone whose `ocf:halo:drbd` primitive manages `resource`.
    static func cloneID(for resource: String, in cib: XMLElement) -> String? {
        for clone in cib.descendants("clone") + cib.descendants("master") {
            for primitive in clone.children("primitive")
            where primitive["class"] == "ocf" && primitive["provider"] == "halo" && primitive["type"] == "drbd" {
                let parameters = primitive.children("instance_attributes").flatMap { $0.children("nvpair") }
                if parameters.contains(where: { $0["name"] == "resource" && $0["value"] == resource }) {
                    return clone["id"]
                }
            }
        }
        return nil
    }

    /// Where `ocf:halo:drbd` leaves the name Pacemaker knows this node by (its `CRM_meta_on_node`),
    /// in its state directory, so the handler needs no `crm_node --name` on the failover path.
    static let nodeNameFile = "node-name"

    /// This node's name from the agent's note, when the CIB configures a node of that name;
    /// `nil` (ask `crm_node --name`) otherwise — a stale, foreign or garbled note never names the
    /// node allowed to be promoted (the CIB's node list is the whole check).
    static func localNode(noted: [UInt8]?, in cib: XMLElement) -> String? {
        guard let noted, let name = String(validating: noted, as: UTF8.self) else { return nil }
        let configured = cib.descendants("nodes").flatMap { $0.children("node") }.compactMap { $0["uname"] }
        return configured.contains(name) ? name : nil
    }

    /// Whether this node's partition has quorum, as its CIB records it (`have-quorum` on the
    /// root, written by the partition's DC) — what crm-fence-peer.sh reads too, and no tool call
    /// on the failover path. A CIB not yet updated after a split can still say 1; that is safe
    /// here, because the handler answers "fenced" only once the peer's fencing is recorded,
    /// which an inquorate partition never does.
    static func hasQuorum(_ cib: XMLElement) -> Bool {
        cib["have-quorum"] == "1" || cib["have-quorum"] == "true"
    }

    /// The constraint's id for `resource`.
    static func constraintID(_ resource: String) -> String {
        "halo-fence-" + PlainName.of(resource)
    }

    /// The role name the CIB's schema accepts: `Promoted` from pacemaker-3.7 on, `Master` before.
    static func promotedRoleName(_ cib: XMLElement) -> String {
        guard let schema = cib["validate-with"], schema.hasPrefix("pacemaker-") else { return "Master" }
        let version = schema.dropFirst("pacemaker-".count).split(separator: ".").compactMap { Int($0) }
        guard version.count >= 2 else { return "Master" }
        return (version[0], version[1]) >= (3, 7) ? "Promoted" : "Master"
    }

    /// The location constraint: the clone may be promoted only on the nodes in `upToDate`.
    static func constraint(resource: String, clone: String, upToDate: [String], role: String) -> String {
        let id = constraintID(resource)
        let expressions = upToDate.enumerated().map { index, node in
            "<expression attribute=\"#uname\" operation=\"ne\" value=\"\(XMLElement.escape(node))\" id=\"\(id)-expr-\(index)\"/>"
        }.joined()
        return "<rsc_location rsc=\"\(XMLElement.escape(clone))\" id=\"\(id)\">"
            + "<rule role=\"\(role)\" score=\"-INFINITY\" boolean-op=\"and\" id=\"\(id)-rule\">\(expressions)</rule>"
            + "</rsc_location>"
    }

    /// What the CIB says about a node: member of the cluster, cleanly gone, or lost (to be fenced).
    enum PeerStatus: Sendable, Hashable {
        case member, cleanlyDown, lost, unknown
    }

    static func status(of node: String, in cib: XMLElement) -> PeerStatus {
        guard let state = cib.descendants("node_state").first(where: { $0["uname"] == node }) else { return .unknown }
        // in_ccm is "true"/"false" (2.1.5) or a membership timestamp (2.1.7+; "0" when gone).
        let inMembership = state["in_ccm"].map { $0 == "true" || (Int($0) ?? 0) > 0 } ?? false
        if inMembership { return .member }
        return state["expected"] == "down" ? .cleanlyDown : .lost
    }

    /// Whether waiting can still change the answer. Only a lost peer's fencing, once Pacemaker
    /// records it in the peer's node_state, turns "unreachable" into "fenced". With no
    /// node_state for the peer (a node Pacemaker never saw, or one it knows by another name)
    /// nothing will ever be recorded, and a member or cleanly gone peer is answered already:
    /// waiting would only keep DRBD's I/O frozen for the handler's whole timeout.
    static func awaitsFencing(_ peers: [PeerStatus]) -> Bool { peers.contains(.lost) }

    /// DRBD's answer once the constraint is in place.
    static func answer(peers: [PeerStatus]) -> Answer {
        if peers.isEmpty { return .peerUnreachable }
        if peers.allSatisfy({ $0 == .cleanlyDown }) { return .peerFenced }
        if peers.contains(.lost) || peers.contains(.unknown) { return .peerUnreachable }
        return .peerOutdated
    }

    /// The node names DRBD 9 reports as UpToDate (`UP_TO_DATE_NODES`, a hex bitmask of node ids,
    /// with `DRBD_NODE_ID_<n>` naming them).
    static func upToDateNodes(_ environment: [String: String]) -> [String] {
        guard let mask = environment["UP_TO_DATE_NODES"].flatMap({ UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) })
        else { return [] }
        return (0..<64).compactMap { bit in
            mask & (1 << UInt64(bit)) != 0 ? environment["DRBD_NODE_ID_\(bit)"] : nil
        }
    }
}
