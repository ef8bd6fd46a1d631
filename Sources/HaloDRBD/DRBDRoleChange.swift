import HaloNet
import HaloSystem

/// A device's role changed by the kernel's `drbd` generic-netlink family, without a process:
/// the request `drbdsetup-84 primary MINOR` / `secondary MINOR` sends (`DRBD_ADM_PRIMARY` 14,
/// `DRBD_ADM_SECONDARY` 15; the minor in DRBD's header), and the answer's `ret_code` rendered
/// as drbdsetup renders it — so a refusal reads, and exits, as drbdadm's did
/// ("0: State change failed: (-1) Multiple primaries not allowed by config", 11).
///
/// The request also names the resource and the volume (`DRBD_NLA_CFG_CONTEXT`), which
/// drbdsetup-84 does not: the kernel then refuses a minor that belongs to another resource
/// instead of changing its role. DRBD 8.4 only (family version 1): DRBD 9 changes roles per
/// resource, and its callers run drbdadm. Facts from the kernel's drbd_nl.c
/// (`drbd_adm_set_role`, `drbd_adm_prepare`), include/linux/drbd.h and drbd_strings.c (the state
/// errors), and drbd-utils' user/v84/drbdsetup.c (`print_config_error`: the words and the exit
/// statuses); the replies are checked on ones captured in the lab
/// (Tests/Fixtures/drbd-8.4/halo-drbd-role-*).
public struct DRBDRoleChange: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case primary, secondary

        var command: UInt8 { self == .primary ? 14 : 15 }
        public var verb: String { self == .primary ? "primary" : "secondary" }
    }

    public let role: Role
    public let resource: String
    public let volume: UInt32
    public let minor: UInt32

    public init(_ role: Role, resource: String, volume: UInt32, minor: UInt32) {
        self.role = role
        self.resource = resource
        self.volume = volume
        self.minor = minor
    }

    /// The requests that change every volume of `state`'s resource to `role`, in volume order;
    /// nil when a device has no minor (or there is none): only drbdadm knows what to ask then.
    public static func requests(_ role: Role, for state: DRBDResourceState) -> [DRBDRoleChange]? {
        var requests: [DRBDRoleChange] = []
        for device in state.devices {
            guard let minor = device.minor else { return nil }
            requests.append(DRBDRoleChange(role, resource: state.name, volume: UInt32(device.volume), minor: UInt32(minor)))
        }
        return requests.isEmpty ? nil : requests
    }

    /// DRBD's fixed header (minor, then flags) and the attributes of the request. DRBD marks
    /// the context's fields mandatory (`DRBD_GENLA_F_MANDATORY`, 1 << 14), as drbdsetup sends them.
    var header: [UInt8] { DRBDNetlink.header(minor: minor) }
    var attributes: [GenericNetlinkAttribute] {
        [.nested(UInt16(DRBDNetlink.TopLevel.context), [
            .string(UInt16(DRBDNetlink.Context.resourceName) | DRBDNetlink.mandatory, resource),
            .uint32(UInt16(DRBDNetlink.Context.volume) | DRBDNetlink.mandatory, volume),
        ])]
    }

    /// Asks the kernel. nil when the `drbd` family is not registered (the module is not loaded).
    ///
    /// - Throws: `DRBDRequestError`: `.otherLayout` for DRBD 9, `.netlink` for a socket
    ///   failure or no answer before `deadline` (the kernel may still carry the change out: a
    ///   promote waits for the fence-peer handler), `.undecodable` for an answer without DRBD's
    ///   header.
    public func send(deadline: Deadline) throws(DRBDRequestError) -> DRBDReply? {
        try DRBDReply.request(role.command, header: header, attributes: attributes,
                              operation: "drbd \(role.verb) \(minor) (\(resource)/\(volume))", deadline: deadline)
    }
}
