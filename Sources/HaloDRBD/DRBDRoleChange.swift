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
    var header: [UInt8] { withUnsafeBytes(of: minor.littleEndian, Array.init) + [0, 0, 0, 0] }
    var attributes: [GenericNetlinkAttribute] {
        let mandatory: UInt16 = 1 << 14
        return [.nested(UInt16(DRBDNetlink.TopLevel.context), [
            .string(UInt16(DRBDNetlink.Context.resourceName) | mandatory, resource),
            .uint32(UInt16(DRBDNetlink.Context.volume) | mandatory, volume),
        ])]
    }

    /// Asks the kernel. nil when the `drbd` family is not registered (the module is not loaded).
    ///
    /// - Throws: `DRBDRoleChangeError`: `.otherLayout` for DRBD 9, `.netlink` for a socket
    ///   failure or no answer before `deadline` (the kernel may still carry the change out: a
    ///   promote waits for the fence-peer handler), `.undecodable` for an answer without DRBD's
    ///   header.
    public func send(deadline: Deadline) throws(DRBDRoleChangeError) -> DRBDRoleChangeReply? {
        do {
            var socket = try GenericNetlinkSocket()
            guard let family = try socket.family(named: DRBDNetlink.family, deadline: deadline) else { return nil }
            guard DRBDNetlink.Layout(familyVersion: family.version) == .drbd84 else {
                throw DRBDRoleChangeError.otherLayout(family.version)
            }
            let messages = try socket.request(family, command: role.command, header: header, attributes: attributes,
                                              operation: "drbd \(role.verb) \(minor) (\(resource)/\(volume))", deadline: deadline)
            guard let reply = messages.first(where: { $0.command == role.command }) else {
                throw DRBDRoleChangeError.undecodable(DRBDNetlinkProblem("the kernel acknowledged the role change without DRBD's reply"))
            }
            return try DRBDRoleChangeReply(decoding: reply)
        } catch let error as NetlinkError {
            throw .netlink(error)
        } catch let error as DRBDNetlinkProblem {
            throw .undecodable(error)
        } catch let error as DRBDRoleChangeError {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }
}

/// The kernel's answer to a role change: DRBD's header (the minor, the `ret_code`) and the
/// text it added (`DRBD_NLA_CFG_REPLY`: "unknown minor", "minor exists in different resource").
public struct DRBDRoleChangeReply: Sendable, Hashable {
    public let minor: UInt32
    /// An `enum drbd_state_rv` (1 done, 2–4 nothing to do, 0 and below refused) or an
    /// `enum drbd_ret_code` (101 done, above 101 an error before any state change).
    public let code: Int32
    public let kernelText: [String]
    /// The message as received, for a capture.
    public let message: GenericNetlinkMessage

    static let cfgReply: Int32 = 1, infoText: Int32 = 1
    static let noError: Int32 = 101

    public init(decoding message: GenericNetlinkMessage) throws(DRBDNetlinkProblem) {
        guard message.payload.count >= DRBDNetlink.headerSize else { throw DRBDNetlinkProblem("a reply shorter than DRBD's header") }
        minor = message.payload.prefix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        code = message.payload[4..<8].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        let text = message.attributes(afterHeaderOf: DRBDNetlink.headerSize).nested(Self.cfgReply)?.string(Self.infoText)
        kernelText = text.map { [$0] } ?? []
        self.message = message
    }

    /// Why DRBD refused, as drbdsetup-84 says it, with its exit status; nil when the device has
    /// the role now (changed, or already had it).
    public var refusal: DRBDRoleRefusal? {
        let prefix = "\(minor): "
        let said: String
        let exitStatus: Int32
        switch code {
        case Self.noError, 1...4:
            return nil
        case (Self.noError + 1)...:
            said = "Failure: (\(code))" + (kernelText.first.map { " \($0)" } ?? "")
            exitStatus = 10
        case 0:
            said = "State change failed: (0)unknown error."
            exitStatus = 11
        case -21 ... -1:
            guard let words = Self.stateErrors[-code] else { fallthrough }
            said = "State change failed: (\(code)) \(words)"
            exitStatus = switch code {
            case -2: 17  // SS_NO_UP_TO_DATE_DISK
            case -16: 5  // SS_LOWER_THAN_OUTDATED
            case -4: 16  // SS_NO_LOCAL_DISK
            default: 11
            }
        default:
            said = "Error code \(code) unknown."
            exitStatus = 20
        }
        return DRBDRoleRefusal(exitStatus: exitStatus, message: prefix + said, kernelText: kernelText)
    }

    /// `drbd_state_sw_errors` of the 8.4 module, by `-code` (-3 is unused there).
    static let stateErrors: [Int32: String] = [
        1: "Multiple primaries not allowed by config", 2: "Need access to UpToDate data",
        4: "Can not resync without local disk", 5: "Can not resync without remote disk",
        6: "Refusing to be Outdated while Connected", 7: "Refusing to be Primary while peer is not outdated",
        8: "Can not start OV/resync since it is already active", 9: "Can not disconnect a StandAlone device",
        10: "State change was refused by peer node", 11: "Device is diskless, the requested operation requires a disk",
        12: "Device is held open by someone", 13: "Have no net/connection configuration",
        14: "Need a verify algorithm to start online verify", 15: "Need a connection to start verify or resync",
        16: "Disk state is lower than outdated", 17: "Peer does not support protocol",
        18: "In transient state, retry after next state change", 19: "Concurrent state changes detected and aborted",
        20: "Other vol primary on peer not allowed by config", 21: "Need a connection for a graceful disconnect/outdate peer",
    ]
}

/// A refused role change: drbdsetup-84's line for it and its exit status (17: no access to
/// UpToDate data; 11: the peer is Primary, the device is held open, …).
public struct DRBDRoleRefusal: Sendable, Hashable {
    public let exitStatus: Int32
    public let message: String
    public let kernelText: [String]
}

/// Why a role change could not be asked over netlink.
public enum DRBDRoleChangeError: Error, Sendable, CustomStringConvertible {
    case netlink(NetlinkError)
    case otherLayout(UInt32)
    case undecodable(DRBDNetlinkProblem)

    public var description: String {
        switch self {
        case .netlink(let error): "\(error)"
        case .otherLayout(let version): "the kernel's drbd netlink family has version \(version): halo changes roles over netlink with DRBD 8.4 (1) only"
        case .undecodable(let problem): "\(problem)"
        }
    }
}
