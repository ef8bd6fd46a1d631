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

/// A CHAP account of a target (`IncomingUser`, `OutgoingUser`).
///
/// **Not captured: the model's CHAP behaviour is invented.** The captures of SCST 3.11
/// (Tests/Fixtures/scst-3.11) hold no target with a CHAP account; all they show of CHAP is the
/// management help naming `IncomingUser`, `OutgoingUser` and `allowed_portal` as target
/// attributes. Everything else is assumed from SCST's documentation and source, each place
/// marked "not captured": the attribute files' names (`IncomingUser`, `IncomingUser1`, … as
/// `allowed_portal`'s are), their mode (0600), their content (`user secret`, `[key]`, the extra
/// newline of daemon-served attributes), the errnos of adding a duplicate and deleting an
/// absent account, what a login checks (the incoming user and secret only: mutual CHAP is not
/// checked) and that changing accounts leaves existing sessions alone. Check them against a
/// real SCST before relying on them (docs/scst.md, "What it cannot model").
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
    /// iSCSI parameters set explicitly (shown with `[key]`); others show their defaults.
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
