import HaloISCSI
import HaloSystem

// What ocf:halo:scst reads from /sys/kernel/scst_tgt, as values (read in SCSTView.swift). Only
// the objects this resource owns are read in full: its device(s) by name, its target by IQN.

/// Everything the decisions look at.
public struct SCSTObservation: TargetObservation, Hashable {
    /// `/sys/kernel/scst_tgt` exists (the scst module is loaded).
    var isLoaded = false
    /// The handlers SCST has (`handlers/*`): a handler module that is not loaded is missing.
    var handlers: Set<String> = []
    /// iSCSI-SCST (`targets/iscsi`); `nil` when iscsi_scst is not loaded.
    var iscsi: ISCSIDriver?
    var device: DeviceState?
    /// The LUN-0 placeholder of a LUN numbered otherwise.
    var placeholder: DeviceState?
    var target: TargetState?
    /// The relative target ids of the node's other iSCSI targets, by name (start only).
    var otherRelativeIDs: [String: Int] = [:]
    /// The backing store (level 10, start).
    var backing: BackingState?
    /// The outcome of reading one block of the backing store (level 20).
    public var deepRead: DeepRead?

    struct ISCSIDriver: Sendable, Hashable {
        /// `open_state` is `open`: iscsi-scstd is connected.
        var isDaemonConnected: Bool
        /// `targets/iscsi/enabled` (absent while the daemon is not connected).
        var isEnabled: Bool
    }

}

/// One of this resource's SCST devices.
struct DeviceState: Sendable, Hashable {
    /// The handler it belongs to (its `handler` link).
    var handler: String
    var filename: String?
    var writeThrough = false
    var nvCache = false
    var blockSize = 512
    var size: UInt64 = 0
    var isActive = true
    var identity = IdentityState()
    /// Where the device is exported: each `exportN` link, relative to `targets/`
    /// (`iscsi/<iqn>/luns/0`, `copy_manager/copy_manager_tgt/luns/3`).
    var exports: [String] = []
}

/// A device's identity attributes as SCST shows them (values without the key mark; `naa_id` and
/// `eui64_id` without `0x`, empty when unset).
struct IdentityState: Sendable, Hashable {
    var usn = ""
    var t10DeviceID = ""
    var vendorSpecificID = ""
    var vendor = ""
    var product = ""
    var revision = ""
    var naa = ""
    var eui64 = ""
}

/// This resource's iSCSI target.
struct TargetState: Sendable, Hashable {
    var isEnabled = false
    var relativeID = 0
    /// `allowed_portal*` values, in instance order.
    var allowedPortals: [String] = []
    /// The CHAP accounts on the target: user name, and whether the secret is the configured one
    /// (compared in place; the secret itself is not kept).
    var incomingUsers: [ChapAccountState] = []
    var outgoingUser: ChapAccountState?
    /// CHAP account files iscsi-scstd has no account for: every read fails with `EINVAL`
    /// (captured, issue 17: `OutgoingUser` after a second `OutgoingUser` write). Only deleting
    /// the target removes such a file.
    var orphanedAccounts: [String] = []
    /// The iSCSI parameters this resource configures, as the target shows them.
    var parameters: [String: String] = [:]
    /// The default LUN set: LUN → device name.
    var defaultLUNs: [Int: String] = [:]
    /// Initiator groups by name.
    var groups: [String: GroupState] = [:]
    /// The live sessions.
    var sessions: [SessionState] = []
}

/// A live session, and the LUN set it sees.
struct SessionState: Sendable, Hashable {
    var initiator: String
    /// The initiator group whose LUN set SCST bound the session to at login (its `luns` link);
    /// `nil`: the target's default LUN set.
    var group: String?
}

struct ChapAccountState: Sendable, Hashable {
    var user: String
    /// The secret equals the one the credentials file gives this user (false when the file
    /// names no such user).
    var secretMatches: Bool
}

struct GroupState: Sendable, Hashable {
    var initiators: [String] = []
    var luns: [Int: String] = [:]
}

/// The backing store as this node sees it.
