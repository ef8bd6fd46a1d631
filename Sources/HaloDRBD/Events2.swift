/// One line of `drbdsetup events2`: `<event> <object> key:value …`.
public struct Events2Line: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable {
        case exists, create, change, destroy, call, response
    }

    public let event: Event
    /// `resource`, `device`, `connection`, `peer-device`, `path`, `helper`; `-` ends the initial dump.
    public let object: String
    /// The fields in the order given; a value keeps any further `:` (`local:ipv4:10.0.0.1:7789`).
    public let fields: [(key: String, value: String)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.event == rhs.event && lhs.object == rhs.object
            && lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(event)
        hasher.combine(object)
        for field in fields { hasher.combine(field.key); hasher.combine(field.value) }
    }

    public subscript(_ key: String) -> String? {
        for field in fields where field.key == key { return field.value }
        return nil
    }

    /// Parses one line; `nil` for a line that is not an events2 line.
    public init?(_ line: Substring) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2, let event = Event(rawValue: String(words[0])) else { return nil }
        self.event = event
        object = String(words[1])
        var fields: [(String, String)] = []
        for word in words.dropFirst(2) {
            guard let colon = word.firstIndex(of: ":") else { return nil }
            fields.append((String(word[..<colon]), String(word[word.index(after: colon)...])))
        }
        self.fields = fields
    }

    /// A line with the given fields (DRBD's netlink messages decoded: `DRBDNetlink`).
    public init(event: Event, object: String, fields: [(key: String, value: String)]) {
        self.event = event
        self.object = object
        self.fields = fields
    }

    /// The line as drbdsetup prints it.
    public var text: String {
        ([event.rawValue, object] + fields.map { "\($0.key):\($0.value)" }).joined(separator: " ")
    }
}

/// Why events2 output could not be read.
public struct Events2Problem: Error, Sendable, Hashable, CustomStringConvertible {
    public let line: String
    public let problem: String
    public var description: String { "drbdsetup events2: \(problem): \(line)" }
}

/// Reads `drbdsetup events2 --now [--statistics] RESOURCE|all` — the same line grammar from the
/// DRBD 8.4 and 9 kernels (drbd-utils 9 userland) — into the state of one resource or all.
public enum Events2 {
    /// The resource's state, or `nil` when the dump does not mention it (not configured).
    ///
    /// Lines after the initial dump (`exists -`) are applied in order, so a recording of a
    /// transition gives the final state. Unknown objects and fields are ignored (newer
    /// drbd-utils add them); unknown values of the fields halo decides on are errors.
    public static func state(of resource: String, from text: String) throws(Events2Problem) -> DRBDResourceState? {
        try state(of: resource, from: try lines(text))
    }

    /// The resource's state from lines already parsed (or decoded from netlink).
    public static func state(of resource: String, from lines: [Events2Line]) throws(Events2Problem) -> DRBDResourceState? {
        var state: DRBDResourceState?
        for line in lines where line.object != "-" && line["name"] == resource {
            try apply(line, to: &state)
        }
        return state
    }

    /// Every resource the text mentions, in the order each first appears (`drbdsetup events2
    /// --now all`), each as `state(of:from:)` reads it; a resource destroyed by a later line
    /// is left out.
    public static func states(from text: String) throws(Events2Problem) -> [DRBDResourceState] {
        try states(from: try lines(text))
    }

    /// Every resource of lines already parsed (or decoded from netlink).
    public static func states(from lines: [Events2Line]) throws(Events2Problem) -> [DRBDResourceState] {
        var names: [String] = []
        var states: [String: DRBDResourceState] = [:]
        for line in lines {
            guard line.object != "-", let name = line["name"] else { continue }
            if states[name] == nil && !names.contains(name) { names.append(name) }
            var state = states[name]
            try apply(line, to: &state)
            states[name] = state
        }
        return names.compactMap { states[$0] }
    }

    /// The events2 lines of a text; `#` comment lines (the fixtures' headers) are skipped.
    public static func lines(_ text: String) throws(Events2Problem) -> [Events2Line] {
        var lines: [Events2Line] = []
        for rawLine in text.split(separator: "\n") where !rawLine.hasPrefix("#") {
            guard let line = Events2Line(rawLine) else {
                throw Events2Problem(line: String(rawLine), problem: "not an events2 line")
            }
            lines.append(line)
        }
        return lines
    }

    static func apply(_ line: Events2Line, to state: inout DRBDResourceState?) throws(Events2Problem) {
        func problem(_ text: String) -> Events2Problem {
            Events2Problem(line: "\(line.event.rawValue) \(line.object) " + line.fields.map { "\($0.key):\($0.value)" }.joined(separator: " "),
                           problem: text)
        }
        func parse<T: RawRepresentable<String>>(_ key: String, _ type: T.Type) throws(Events2Problem) -> T? {
            guard let text = line[key] else { return nil }
            guard let value = T(rawValue: text) else { throw problem("unknown \(key) \(text)") }
            return value
        }
        func number(_ key: String) -> Int? { line[key].flatMap { Int($0) } }
        func flag(_ key: String) -> Bool? { line[key].map { $0 == "yes" } }

        if line.event == .destroy {
            switch line.object {
            case "resource": state = nil
            case "device": state?.devices.removeAll { $0.volume == number("volume") }
            case "connection": state?.connections.removeAll { $0.peerNodeID == number("peer-node-id") }
            case "peer-device":
                state?.peerDevices.removeAll { $0.peerNodeID == number("peer-node-id") && $0.volume == number("volume") }
            default: break
            }
            return
        }
        switch line.object {
        case "resource":
            var resource = state ?? DRBDResourceState(name: line["name"] ?? "", role: .unknown)
            if let role = try parse("role", DRBDRole.self) { resource.role = role }
            if let suspended = line["suspended"] { resource.suspended = suspended }
            if let may = flag("may_promote") { resource.mayPromote = may }
            if let score = number("promotion_score") { resource.promotionScore = score }
            state = resource
        case "device":
            guard state != nil else { throw problem("a device before its resource") }
            guard let volume = number("volume") else { throw problem("a device without a volume") }
            var device = state!.devices.first { $0.volume == volume } ?? .init(volume: volume, disk: .unknown)
            if let minor = number("minor") { device.minor = minor }
            if let disk = try parse("disk", DiskState.self) { device.disk = disk }
            if let client = flag("client") { device.isClient = client }
            if let quorum = flag("quorum") { device.hasQuorum = quorum }
            if let open = flag("open") { device.isOpen = open }
            if let size = number("size") { device.sizeKiB = size }
            state!.devices.removeAll { $0.volume == volume }
            state!.devices.append(device)
            state!.devices.sort { $0.volume < $1.volume }
        case "connection":
            guard state != nil else { throw problem("a connection before its resource") }
            guard let peer = number("peer-node-id") else { throw problem("a connection without a peer-node-id") }
            var connection = state!.connections.first { $0.peerNodeID == peer }
                ?? .init(peerNodeID: peer, state: .standAlone, peerRole: .unknown)
            if let name = line["conn-name"] { connection.name = name }
            if let value = try parse("connection", ConnectionState.self) { connection.state = value }
            if let role = try parse("role", DRBDRole.self) { connection.peerRole = role }
            state!.connections.removeAll { $0.peerNodeID == peer }
            state!.connections.append(connection)
            state!.connections.sort { $0.peerNodeID < $1.peerNodeID }
        case "peer-device":
            guard state != nil else { throw problem("a peer-device before its resource") }
            guard let peer = number("peer-node-id"), let volume = number("volume") else {
                throw problem("a peer-device without peer-node-id and volume")
            }
            var device = state!.peerDevices.first { $0.peerNodeID == peer && $0.volume == volume }
                ?? .init(peerNodeID: peer, volume: volume, replication: .off, peerDisk: .unknown)
            if let replication = try parse("replication", ReplicationState.self) { device.replication = replication }
            if let disk = try parse("peer-disk", DiskState.self) { device.peerDisk = disk }
            if let suspended = line["resync-suspended"] { device.resyncSuspended = suspended }
            if let outOfSync = number("out-of-sync") { device.outOfSyncKiB = outOfSync }
            state!.peerDevices.removeAll { $0.peerNodeID == peer && $0.volume == volume }
            state!.peerDevices.append(device)
            state!.peerDevices.sort { ($0.peerNodeID, $0.volume) < ($1.peerNodeID, $1.volume) }
        default:
            break  // path, helper: not part of the state halo decides on
        }
    }
}

/// The DRBD kernel module's version, from `/sys/module/drbd/version` or the first line of
/// /proc/drbd (`version: 8.4.11 (api:1/proto:86-101)`).
public struct DRBDVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int, minor: Int, patch: Int

    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `8.4.11`, `9.2.8`, or a /proc/drbd first line.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix("version:") { body = body.dropFirst("version:".count) }
        let word = body.split(separator: " ").first ?? ""
        let numbers = word.split(separator: "-").first?.split(separator: ".").compactMap { Int($0) } ?? []
        guard numbers.count >= 2 else { return nil }
        self.init(major: numbers[0], minor: numbers[1], patch: numbers.count > 2 ? numbers[2] : 0)
    }

    public var isNine: Bool { major >= 9 }
    /// DRBD 8.4, whose fence-peer calls halo's DRBD helper answers itself.
    public var isEightFour: Bool { major == 8 && minor == 4 }
    public var description: String { "\(major).\(minor).\(patch)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch) }
}
