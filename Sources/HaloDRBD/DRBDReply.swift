import HaloNet
import HaloSystem

/// The kernel's answer to a DRBD 8.4 configuration request (a role change, a disconnect, a
/// connect, a status): DRBD's header (the minor, the `ret_code`) and the text it added
/// (`DRBD_NLA_CFG_REPLY`: "unknown minor", "minor exists in different resource").
public struct DRBDReply: Sendable, Hashable {
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

    /// Why DRBD refused, as drbdsetup-84 says it, with its exit status; nil when the request
    /// was carried out (for a role change: the device has the role now, changed or already had
    /// it). Said of the minor, or — for a request about a connection or a resource — of the
    /// resource the reply names.
    public var refusal: DRBDRefusal? {
        let context = message.attributes(afterHeaderOf: DRBDNetlink.headerSize).nested(DRBDNetlink.TopLevel.context)
        let prefix = minor != .max ? "\(minor): " : context?.string(DRBDNetlink.Context.resourceName).map { "\($0): " } ?? ""
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
        return DRBDRefusal(exitStatus: exitStatus, message: prefix + said, kernelText: kernelText)
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

extension DRBDReply {
    /// One configuration request to DRBD 8.4's family (`command`, DRBD's fixed `header`, the
    /// `attributes`) and DRBD's reply to it; nil when the family is not registered (the module
    /// is not loaded).
    ///
    /// - Throws: `DRBDRequestError`: `.otherLayout` for DRBD 9, `.netlink` for a socket failure
    ///   or no answer before `deadline` (the kernel may still carry the request out: a promote
    ///   waits for the fence-peer handler), `.undecodable` for an answer without DRBD's header.
    static func request(_ command: UInt8, header: [UInt8], attributes: [GenericNetlinkAttribute], operation: String,
                        deadline: Deadline) throws(DRBDRequestError) -> DRBDReply? {
        do {
            var socket = try GenericNetlinkSocket()
            guard let family = try socket.family(named: DRBDNetlink.family, deadline: deadline) else { return nil }
            guard DRBDNetlink.Layout(familyVersion: family.version) == .drbd84 else { throw DRBDRequestError.otherLayout(family.version) }
            let messages = try socket.request(family, command: command, header: header, attributes: attributes,
                                              operation: operation, deadline: deadline)
            guard let reply = messages.first(where: { $0.command == command }) else {
                throw DRBDRequestError.undecodable(DRBDNetlinkProblem("the kernel acknowledged `\(operation)` without DRBD's reply"))
            }
            return try DRBDReply(decoding: reply)
        } catch let error as NetlinkError {
            throw .netlink(error)
        } catch let error as DRBDNetlinkProblem {
            throw .undecodable(error)
        } catch let error as DRBDRequestError {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }
}

/// A refused request: drbdsetup-84's line for it and its exit status (17: no access to
/// UpToDate data; 11: the peer is Primary, the device is held open, …).
public struct DRBDRefusal: Sendable, Hashable {
    public let exitStatus: Int32
    public let message: String
    public let kernelText: [String]
}

/// Why a request could not be asked of DRBD over netlink.
public enum DRBDRequestError: Error, Sendable, CustomStringConvertible {
    case netlink(NetlinkError)
    case otherLayout(UInt32)
    case undecodable(DRBDNetlinkProblem)

    public var description: String {
        switch self {
        case .netlink(let error): "\(error)"
        case .otherLayout(let version): "the kernel's drbd netlink family has version \(version): halo asks DRBD over netlink with 8.4 (1) only"
        case .undecodable(let problem): "\(problem)"
        }
    }
}
