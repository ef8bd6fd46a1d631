/// One entry of a LUN set: the device it maps, and which `exportN` link of the device stands for it.
struct LUNEntry: Sendable, Hashable {
    let device: String
    let readOnly: Bool
    let exportIndex: Int
}

/// An initiator group (`ini_groups/<name>`): the initiators it matches and its own LUN set.
struct InitiatorGroup: Sendable, Hashable {
    let name: String
    var initiators: [String] = []
    var luns: [Int: LUNEntry] = [:]
}

/// A logged-in initiator (`sessions/<initiator>`), bound at login to a group's LUN set or to the
/// target's default one.
struct Session: Sendable, Hashable {
    let initiator: String
    let initiatorAddress: String
    let portalAddress: String
    let sid: String
    /// The group whose LUNs the session sees; `nil` for the default LUN set.
    let group: String?
    /// When a forced close takes effect (the session disappears then).
    var closesAt: ContinuousClock.Instant?
}

/// A CHAP account of a target (`IncomingUser`, `OutgoingUser`), as iscsi-scstd holds it.
///
/// **Captured from a real SCST 3.11** (issue 17, where `ocf:halo:scst` ran against one): a
/// second `IncomingUser` with a user the target has fails with `EINVAL`; deleting a user the
/// target does not have fails with `ENOENT` (incoming and outgoing alike); a second
/// `OutgoingUser` fails with `EEXIST`, but iscsi-scstd first drops the account it has, so the
/// `OutgoingUser` file stays with nothing behind it and every read of it fails with `EINVAL`
/// (`ISCSITarget.hasOrphanedOutgoingUser`); a login with an incoming account's user and secret is
/// admitted and one with a wrong secret refused.
///
/// **Still not captured — assumed** from SCST's documentation and source (iscsi-scst/usr), each
/// place marked "not captured": the attribute files' names (`IncomingUser`, `IncomingUser1`, …
/// as `allowed_portal`'s are), their mode (0600), their content (`user secret`, `[key]`, the
/// extra newline of daemon-served attributes) and that changing accounts leaves existing
/// sessions alone. Not modelled: the mutual CHAP
/// exchange (a login checks the incoming account only). docs/scst.md, "What it cannot model", lists
/// them.
struct ChapAccount: Sendable, Hashable {
    let user: String
    let secret: String
}

/// An iSCSI target (`targets/iscsi/<name>`).
struct ISCSITarget: Sendable, Hashable {
    let name: String
    let tid: Int
    var isEnabled = false
    var relativeID = 0
    var luns: [Int: LUNEntry] = [:]
    var groups: [String: InitiatorGroup] = [:]
    var sessions: [String: Session] = [:]
    /// `allowed_portal`, `allowed_portal1`, … in the order they were added.
    var allowedPortals: [String] = []
    var incomingUsers: [ChapAccount] = []
    var outgoingUser: ChapAccount?
    /// The kernel still has the `OutgoingUser` file, but iscsi-scstd no longer has the account
    /// (captured, issue 17: after a second `OutgoingUser` write). Only deleting the target
    /// removes the file.
    var hasOrphanedOutgoingUser = false
    /// iSCSI parameters set explicitly, as iscsi-scstd shows them (`ISCSIParameterRule`); a
    /// value other than the default is shown with `[key]`.
    var parameters: [String: String] = [:]
    var plainAttributes: [String: String] = [:]

    /// The iSCSI parameters of a target and their defaults (captured `05-configured`).
    static let parameterDefaults: [(name: String, value: String)] = [
        ("DataDigest", "None"), ("FirstBurstLength", "65536"), ("HeaderDigest", "None"), ("ImmediateData", "Yes"),
        ("InitialR2T", "No"), ("MaxBurstLength", "1048576"), ("MaxOutstandingR2T", "32"),
        ("MaxRecvDataSegmentLength", "1048576"), ("MaxSessions", "0"), ("MaxXmitDataSegmentLength", "1048576"),
        ("NopInInterval", "30"), ("NopInTimeout", "30"), ("QueuedCommands", "32"), ("RDMAExtensions", "No"),
        ("RspTimeout", "90"),
    ]

    /// The LUN set a reference names.
    func lunSet(group: String?) -> [Int: LUNEntry]? {
        guard let group else { return luns }
        return groups[group]?.luns
    }

    mutating func setLUNs(_ set: [Int: LUNEntry], group: String?) {
        if let group { groups[group]?.luns = set } else { luns = set }
    }
}
