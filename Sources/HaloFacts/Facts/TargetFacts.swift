import HaloJSON

/// The iSCSI target software on this node and every target it serves now: LIO's configfs or
/// SCST's sysfs, whichever is loaded (both, on a misconfigured node).
public struct TargetFacts: Sendable, Hashable {
    /// The kernel's iSCSI target stacks halo drives.
    public enum Software: String, Sendable, Hashable, CaseIterable {
        /// LIO (`target_core_mod`, `/sys/kernel/config/target`).
        case lio
        /// SCST (`scst`, `/sys/kernel/scst_tgt`).
        case scst
    }

    /// A LUN of a target.
    public struct LUN: Sendable, Hashable {
        public var number: Int
        /// The storage object (LIO: `iblock_0/drbd1`) or SCST device (`lun1`) it exports.
        public var device: String
        /// What the device reads and writes: LIO's `udev_path`, SCST's `filename` (`/dev/drbd1`);
        /// `nil` when the device does not say.
        public var backingPath: String?
        /// SCST: the initiator group whose LUN set holds it (ACLs put a LUN there, not in the
        /// target's default set); `nil` for the default set, and always on LIO.
        public var initiatorGroup: String?

        public init(number: Int, device: String, backingPath: String?, initiatorGroup: String? = nil) {
            self.number = number
            self.device = device
            self.backingPath = backingPath
            self.initiatorGroup = initiatorGroup
        }
    }

    /// A logged-in initiator.
    public struct Session: Sendable, Hashable {
        public var initiator: String
        /// The initiator's addresses, one per connection, where the kernel shows them as
        /// attributes (SCST's `sessions/<initiator>/<address>/ip`). LIO shows them only in
        /// text meant for people (an ACL's `info`), which halo does not parse: empty there.
        public var addresses: [String]

        public init(initiator: String, addresses: [String]) {
            self.initiator = initiator
            self.addresses = addresses
        }
    }

    /// One target (on LIO: one target portal group of a target).
    public struct Target: Sendable, Hashable {
        public var software: Software
        public var iqn: String
        /// LIO's target portal group tag (`tpgt_1` → 1); `nil` on SCST, which has none.
        public var portalGroup: Int?
        /// LIO: the TPG's `enable`; SCST: the target's `enabled`.
        public var isEnabled: Bool
        public var luns: [LUN]
        /// LIO: the network portals the TPG listens on, as configfs names them
        /// (`198.18.1.11:3260`, `[fd00::1]:3260`). SCST: the `allowed_portal` patterns the target
        /// answers on (iscsi-scstd listens on every address; none listed means all).
        public var portals: [String]
        public var sessions: [Session]

        public init(software: Software, iqn: String, portalGroup: Int?, isEnabled: Bool, luns: [LUN], portals: [String], sessions: [Session]) {
            self.software = software
            self.iqn = iqn
            self.portalGroup = portalGroup
            self.isEnabled = isEnabled
            self.luns = luns
            self.portals = portals
            self.sessions = sessions
        }
    }

    /// The target stacks loaded, in `Software` order: none, one, or (misconfigured) both.
    public var loaded: [Software]
    public var targets: [Target]

    public init(loaded: [Software], targets: [Target]) {
        self.loaded = loaded
        self.targets = targets
    }

    /// The one stack loaded, or `nil` when none or both are.
    public var software: Software? { loaded.count == 1 ? loaded[0] : nil }
}

extension TargetFacts {
    var json: JSONValue {
        .object([
            ("loaded", .array(loaded.map { .string($0.rawValue) })),
            ("targets", .array(targets.map { target in
                .object([
                    ("software", .string(target.software.rawValue)),
                    ("iqn", .string(target.iqn)),
                    ("portal_group", .optional(target.portalGroup)),
                    ("enabled", .bool(target.isEnabled)),
                    ("luns", .array(target.luns.map { lun in
                        .object([("lun", .int(lun.number)), ("device", .string(lun.device)), ("backing_path", .optional(lun.backingPath)),
                                 ("initiator_group", .optional(lun.initiatorGroup))])
                    })),
                    ("portals", .array(target.portals.map(JSONValue.string))),
                    ("sessions", .array(target.sessions.map { session in
                        .object([("initiator", .string(session.initiator)), ("addresses", .array(session.addresses.map(JSONValue.string)))])
                    })),
                ])
            })),
        ])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        loaded = try object.array("loaded") { (value, path) throws(FactsDecodingError) in
            guard let name = value.stringValue, let software = Software(rawValue: name) else {
                throw FactsDecodingError(path: path, problem: "not lio or scst")
            }
            return software
        }
        targets = try object.array("targets") { (value, path) throws(FactsDecodingError) in
            let target = try JSONObject(value, path: path)
            return Target(
                software: try target.named("software", Software.self), iqn: try target.string("iqn"),
                portalGroup: try target.optionalInt("portal_group"), isEnabled: try target.bool("enabled"),
                luns: try target.array("luns") { (value, path) throws(FactsDecodingError) in
                    let lun = try JSONObject(value, path: path)
                    return LUN(number: try lun.int("lun"), device: try lun.string("device"), backingPath: try lun.optionalString("backing_path"),
                               initiatorGroup: try lun.optionalString("initiator_group"))
                },
                portals: try target.strings("portals"),
                sessions: try target.array("sessions") { (value, path) throws(FactsDecodingError) in
                    let session = try JSONObject(value, path: path)
                    return Session(initiator: try session.string("initiator"), addresses: try session.strings("addresses"))
                })
        }
    }
}
