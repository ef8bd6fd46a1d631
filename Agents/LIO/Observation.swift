import HaloISCSI
import HaloSystem

// What ocf:halo:lio reads from LIO's configfs (/sys/kernel/config/target), as values (read in
// LIOView.swift). Only this resource's objects are read: its storage object by name, its target
// by IQN.

public struct LIOObservation: TargetObservation, Hashable {
    /// `/sys/kernel/config/target` exists (target_core_mod is loaded, configfs mounted).
    var isLoaded = false
    /// `/sys/kernel/config/target/iscsi` exists (iscsi_target_mod is loaded).
    var hasISCSIFabric = false
    /// The backstore's HBA directory (`core/iblock_0`) exists.
    var hasHBA = false
    var storage: StorageObjectState?
    var target: LIOTargetState?
    var backing: BackingState?
    public var deepRead: DeepRead?

}

/// This resource's storage object (`core/<hba>/<name>`).
struct StorageObjectState: Sendable, Hashable {
    var isEnabled = false
    var udevPath = ""
    /// `wwn/vpd_unit_serial`, without LIO's "T10 VPD Unit Serial Number: " in front.
    var serial = ""
    var vendor = ""
    var product = ""
    var revision = ""
    var blockSize = 512
    var emulatesWriteCache = false
}

/// This resource's target and its TPG 1.
struct LIOTargetState: Sendable, Hashable {
    var hasTPG = false
    var isEnabled = false
    /// `attrib/generate_node_acls`: every initiator gets access (demo mode).
    var generatesNodeACLs = false
    /// `attrib/authentication`: CHAP required.
    var requiresAuthentication = false
    /// TPG LUNs by number.
    var luns: [Int: LUNLink] = [:]
    /// Network portals (`np/*`), as named there (`198.18.1.11:3260`).
    var portals: [String] = []
    /// Node ACLs by initiator name.
    var acls: [String: ACLState] = [:]
    /// TPG-wide CHAP (demo mode).
    var tpgAuthentication = ChapPair()
    /// The session parameters this resource configures, as LIO shows them.
    var parameters: [String: String] = [:]
}

/// A TPG LUN: the name of its link and the storage object it points at (`iblock_0/drbd0`).
struct LUNLink: Sendable, Hashable {
    var linkName: String
    var storage: String
}

/// One node ACL: its mapped LUNs and its CHAP credentials.
struct ACLState: Sendable, Hashable {
    /// Mapped LUNs by number.
    var mappedLUNs: [Int: MappedLUN] = [:]
    var authentication = ChapPair()
}

/// A mapped LUN of an ACL: the name of its link and the TPG LUN it points at.
struct MappedLUN: Sendable, Hashable {
    var linkName: String
    var tpgLUN: Int
}

/// The users of the two CHAP directions of an ACL or TPG, and whether their secrets are the
/// configured ones (compared in place, not kept).
struct ChapPair: Sendable, Hashable {
    var incomingUser = ""
    var incomingMatches = false
    var outgoingUser = ""
    var outgoingMatches = false
}

