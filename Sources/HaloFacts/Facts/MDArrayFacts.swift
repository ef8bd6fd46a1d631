import HaloJSON

/// A Linux software RAID (md) array, from its sysfs attributes (`/sys/block/mdN/md/`,
/// documented in the kernel's Documentation/admin-guide/md.rst).
public struct MDArrayFacts: Sendable, Hashable {
    /// A component device (`md/dev-<name>`).
    public struct Member: Sendable, Hashable {
        /// The kernel's name of the device (`sdb1`).
        public var name: String
        /// Its position in the array (`slot`); `nil` for a spare or a failed device (`none`).
        public var slot: Int?
        /// Its `state` flags: `in_sync`, `faulty`, `spare`, `write_error`, `want_replacement`…
        public var state: [String]

        public init(name: String, slot: Int?, state: [String]) {
            self.name = name
            self.slot = slot
            self.state = state
        }

        /// A working, fully in-sync member.
        public var isActive: Bool { state.contains("in_sync") && !state.contains("faulty") }
    }

    /// A resync, recovery, check, repair or reshape in progress.
    public struct Sync: Sendable, Hashable {
        /// `sync_action`: `resync`, `recover`, `check`, `repair`, `reshape`.
        public var action: String
        /// `sync_completed`: sectors done of the total; `nil` while it is `delayed` or `pending`.
        public var completedSectors: Int?
        public var totalSectors: Int?

        public init(action: String, completedSectors: Int?, totalSectors: Int?) {
            self.action = action
            self.completedSectors = completedSectors
            self.totalSectors = totalSectors
        }

        /// How far it has come, in percent.
        public var percentDone: Double? {
            guard let completedSectors, let totalSectors, totalSectors > 0 else { return nil }
            return 100 * Double(completedSectors) / Double(totalSectors)
        }
    }

    public var name: String
    /// `level`: `raid1`, `raid5`, `raid10`, `raid0`, `linear`…
    public var level: String
    /// `array_state`: `clean`, `active`, `active-idle`, `readonly`, `read-auto`, `inactive`…
    public var state: String
    /// `raid_disks`: the members the array has when whole.
    public var raidDisks: Int
    /// `degraded`: members missing; `nil` for levels without redundancy (no such attribute).
    public var degradedDevices: Int?
    public var members: [Member]
    public var sync: Sync?

    public init(name: String, level: String, state: String, raidDisks: Int, degradedDevices: Int?, members: [Member], sync: Sync?) {
        self.name = name
        self.level = level
        self.state = state
        self.raidDisks = raidDisks
        self.degradedDevices = degradedDevices
        self.members = members
        self.sync = sync
    }

    /// The array runs with fewer members than it has when whole.
    public var isDegraded: Bool { (degradedDevices ?? 0) > 0 }
    /// Working, in-sync members.
    public var activeMembers: Int { members.filter(\.isActive).count }
}

extension MDArrayFacts {
    var json: JSONValue {
        .object([
            ("name", .string(name)), ("level", .string(level)), ("state", .string(state)),
            ("raid_disks", .int(raidDisks)), ("degraded", .optional(degradedDevices)),
            ("members", .array(members.map { member in
                .object([("name", .string(member.name)), ("slot", .optional(member.slot)),
                         ("state", .array(member.state.map(JSONValue.string)))])
            })),
            ("sync", sync.map { sync in
                .object([("action", .string(sync.action)), ("completed_sectors", .optional(sync.completedSectors)),
                         ("total_sectors", .optional(sync.totalSectors))])
            } ?? .null),
        ])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        var sync: Sync?
        if object.optionalValue("sync") != nil {
            let value = try object.object("sync")
            sync = Sync(action: try value.string("action"), completedSectors: try value.optionalInt("completed_sectors"),
                        totalSectors: try value.optionalInt("total_sectors"))
        }
        self.init(
            name: try object.string("name"), level: try object.string("level"), state: try object.string("state"),
            raidDisks: try object.int("raid_disks"), degradedDevices: try object.optionalInt("degraded"),
            members: try object.array("members") { (value, path) throws(FactsDecodingError) in
                let member = try JSONObject(value, path: path)
                return Member(name: try member.string("name"), slot: try member.optionalInt("slot"), state: try member.strings("state"))
            },
            sync: sync)
    }
}
