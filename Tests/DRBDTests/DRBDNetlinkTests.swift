@testable import HaloDRBD
import HaloNet
import HaloTesting
import Testing

/// DRBD's state over generic netlink, decoded into the lines drbdsetup prints: on the kernel's
/// messages captured in the lab (`halo-agent drbd-state --capture`, DRBD 8.4), each compared with
/// `drbdsetup events2 --now --statistics all` taken right after it in the same state; and on
/// DRBD 9 messages built here from DRBD 9's headers (no DRBD 9 kernel to capture from).
@Suite("DRBD's state over netlink")
struct DRBDNetlinkTests {
    static let captures = (try? Fixtures.files("drbd-8.4", prefix: "halo-drbd-netlink-").filter { !$0.hasSuffix(".stderr.txt") }) ?? []

    /// A capture file: the family's version and the messages (`message CMD VERSION HEX`).
    static func capture(_ file: String) throws -> (version: UInt32, messages: [GenericNetlinkMessage]) {
        var version: UInt32?
        var messages: [GenericNetlinkMessage] = []
        for line in try Fixtures.text("drbd-8.4/\(file)").split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ")
            if words.first == "family", words.count == 4 { version = UInt32(words[3]) }
            if let message = message(line) { messages.append(message) }
        }
        return (try #require(version, "no family line in \(file)"), messages)
    }

    /// A capture's `message COMMAND VERSION HEX` line; nil for any other line.
    static func message(_ line: Substring) -> GenericNetlinkMessage? {
        let words = line.split(separator: " ")
        guard words.first == "message", words.count == 4, let command = UInt8(words[1]), let version = UInt8(words[2]) else { return nil }
        let hex = Array(words[3].utf8)
        let bytes = stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)! }
        return GenericNetlinkMessage(command: command, version: version, payload: bytes)
    }

    /// The drbdsetup capture of the same state and node.
    static func events2(beside file: String) throws -> [Events2Line] {
        try Events2.lines(try Fixtures.text("drbd-8.4/" + file.replacingOccurrences(of: "halo-drbd-netlink-", with: "drbdsetup-events2-now-statistics-all-")))
    }

    @Test func thereAreCaptures_ofEveryKindOfState() {
        #expect(Self.captures.count >= 20)
        for state in ["unconfigured", "secsec-uptodate", "prisec-uptodate", "resync-syncsource", "resync-synctarget", "wfconnection-primary",
                      "standalone-primary", "outdated-wfconnection", "sb-standalone-primary", "diskless-primary", "standalone-inconsistent"] {
            #expect(Self.captures.contains { $0.contains("-\(state)-") }, "no capture of \(state)")
        }
    }

    /// Every captured dump decodes to the state drbdsetup printed. During a resync the
    /// out-of-sync count moves between the two captures; everything else must be equal.
    @Test(arguments: captures)
    func everyCapture_readsAsDrbdsetupPrintedIt(file: String) throws {
        let capture = try Self.capture(file)
        #expect(capture.version == 1)
        let decoded = try DRBDNetlink.lines(from: capture.messages, layout: try #require(DRBDNetlink.Layout(familyVersion: capture.version)))
        let printed = try Self.events2(beside: file)
        #expect(decoded.map(\.object) == printed.map(\.object))
        for (mine, theirs) in zip(decoded, printed) {
            for field in mine.fields {
                let resyncing = theirs["replication"].flatMap(ReplicationState.init(rawValue:))?.isResyncing == true
                if field.key == "out-of-sync" && resyncing { continue }
                #expect(theirs[field.key] == field.value, "\(file): \(mine.object) \(field.key)")
            }
        }
        var netlink = try Events2.states(from: decoded)
        var drbdsetup = try Events2.states(from: printed)
        for index in netlink.indices where netlink[index].peerDevices.contains(where: \.replication.isResyncing) {
            for device in netlink[index].peerDevices.indices { netlink[index].peerDevices[device].outOfSyncKiB = nil }
            for device in drbdsetup[index].peerDevices.indices { drbdsetup[index].peerDevices[device].outOfSyncKiB = nil }
        }
        #expect(netlink == drbdsetup)
    }

    @Test func aCapture_hasTheStatesHaloDecidesOn() throws {
        let primary = try #require(try Events2.state(of: "r0", from: DRBDNetlink.lines(
            from: try Self.capture("halo-drbd-netlink-prisec-uptodate-node1.txt").messages, layout: .drbd84)))
        #expect(primary.role == .primary)
        #expect(primary.devices.map(\.disk) == [.upToDate])
        #expect(primary.connections.map(\.state) == [.connected])
        #expect(primary.peerDevices.map(\.replication) == [.established])
        #expect(primary.aConnectedPeerIsUpToDate)
        let unconfigured = try DRBDNetlink.lines(from: try Self.capture("halo-drbd-netlink-unconfigured-node1.txt").messages, layout: .drbd84)
        #expect(try Events2.states(from: unconfigured).isEmpty)
    }

    // MARK: - Messages built here

    /// Attribute bytes: length, type, payload, padding to 4.
    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = UInt16(4 + payload.count)
        let bytes = [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + payload
        return bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    }

    static func u32(_ type: UInt16, _ value: UInt32) -> [UInt8] { attribute(type, withUnsafeBytes(of: value.littleEndian, Array.init)) }
    static func u64(_ type: UInt16, _ value: UInt64) -> [UInt8] { attribute(type, withUnsafeBytes(of: value.littleEndian, Array.init)) }
    static func u8(_ type: UInt16, _ value: UInt8) -> [UInt8] { attribute(type, [value]) }
    static func string(_ type: UInt16, _ value: String) -> [UInt8] { attribute(type, Array(value.utf8) + [0]) }
    static func nest(_ type: UInt16, _ children: [[UInt8]]) -> [UInt8] { attribute(type | 0x8000, children.flatMap { $0 }) }

    static func message(_ command: UInt8, minor: UInt32 = .max, _ attributes: [[UInt8]]) -> GenericNetlinkMessage {
        GenericNetlinkMessage(command: command, version: 2,
                              payload: withUnsafeBytes(of: minor.littleEndian, Array.init) + [101, 0, 0, 0] + attributes.flatMap { $0 })
    }

    /// A DRBD 9 resource as its headers describe it (drbd-headers' drbd_genl.h and drbd.h):
    /// peer node ids and connection names in the context (the id with the mandatory bit), disk
    /// states shifted by `Detaching`, connected = 9, replication off = 9, quorum per device.
    static let drbd9: [GenericNetlinkMessage] = [
        message(34, [nest(2, [string(0x4002, "lun1")]), nest(23, [u32(1, 0x8000)]), nest(15, [u32(1, 1), u8(2, 0), u8(3, 0), u8(4, 1), u8(5, 0)])]),
        message(36, [nest(2, [string(0x4002, "lun1"), u32(0x4006, 1), string(5, "node2")]), nest(23, [u32(1, 0x8000)]),
                     nest(17, [u32(1, 8), u32(2, 0)])]),
        message(35, minor: 3, [nest(2, [u32(0x4001, 0), string(0x4002, "lun1")]), nest(23, [u32(1, 0x8000)]),
                               nest(16, [u32(1, 9), u8(2, 0), u8(3, 1), u8(5, 1)]), nest(20, [u64(1, 2048)])]),
        message(37, [nest(2, [u32(0x4001, 0), string(0x4002, "lun1"), u32(0x4006, 1), string(5, "node2")]), nest(23, [u32(1, 0)]),
                     nest(18, [u32(1, 9), u32(2, 7), u32(3, 0), u32(4, 0), u32(5, 1)]), nest(22, [u64(5, 64)])]),
        message(41, [nest(23, [u32(1, 0)])]),
    ]

    @Test func drbd9_fromItsHeaders() throws {
        let lines = try DRBDNetlink.lines(from: Self.drbd9, layout: .drbd9)
        #expect(lines.map(\.text) == [
            "exists resource name:lun1 role:Primary suspended:fencing",
            "exists connection name:lun1 peer-node-id:1 conn-name:node2 connection:Connecting role:Unknown",
            "exists device name:lun1 volume:0 minor:3 disk:UpToDate client:no quorum:yes open:yes size:1024",
            "exists peer-device name:lun1 peer-node-id:1 conn-name:node2 volume:0 replication:Off peer-disk:DUnknown resync-suspended:dependency out-of-sync:32",
            "exists -",
        ])
        let state = try #require(try Events2.state(of: "lun1", from: lines))
        #expect(state.isSuspended)
        #expect(state.hasQuorum == true)
        #expect(state.devices.first?.isOpen == true)
    }

    @Test func theSameNumbers_meanOtherStates_inThe84Layout() throws {
        // 8.4 has no Detaching: 8 is UpToDate there, 9 is out of range.
        #expect(try DRBDNetlink.diskName(8, layout: .drbd84) == "UpToDate")
        #expect(try DRBDNetlink.diskName(8, layout: .drbd9) == "Consistent")
        #expect(try DRBDNetlink.diskName(2, layout: .drbd84) == "Failed")
        #expect(try DRBDNetlink.diskName(2, layout: .drbd9) == "Detaching")
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.diskName(9, layout: .drbd84) }
        // A connected 8.4 connection reports WFReportParams (9); a raw C_CONNECTED (10) means the same.
        #expect(try DRBDNetlink.connectionName(9, layout: .drbd84) == "Connected")
        #expect(try DRBDNetlink.connectionName(10, layout: .drbd84) == "Connected")
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.connectionName(10, layout: .drbd9) }
        #expect(try DRBDNetlink.replicationName(16, layout: .drbd84) == "SyncSource")
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.replicationName(8, layout: .drbd84) }
        #expect(DRBDNetlink.Layout(familyVersion: 1) == .drbd84)
        #expect(DRBDNetlink.Layout(familyVersion: 2) == .drbd9)
        #expect(DRBDNetlink.Layout(familyVersion: 3) == nil)
    }

    @Test func messagesOfAnotherShape_areProblems_notStates() throws {
        // No resource name in the context.
        #expect(throws: DRBDNetlinkProblem.self) {
            try DRBDNetlink.lines(from: [Self.message(34, [Self.nest(15, [Self.u32(1, 1)])]), Self.drbd9.last!], layout: .drbd9)
        }
        // A resource without its role.
        #expect(throws: DRBDNetlinkProblem.self) {
            try DRBDNetlink.lines(from: [Self.message(34, [Self.nest(2, [Self.string(2, "r0")]), Self.nest(15, [])]), Self.drbd9.last!], layout: .drbd9)
        }
        // A command that is no state notification.
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.lines(from: [Self.message(30, [])], layout: .drbd84) }
        // Cut short: messages, but not the end of the snapshot; or nothing at all (the kernel
        // sends the end even with no resource: the unconfigured captures).
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.lines(from: Array(Self.drbd9.dropLast()), layout: .drbd9) }
        #expect(throws: DRBDNetlinkProblem.self) { try DRBDNetlink.lines(from: [], layout: .drbd84) }
        #expect(try DRBDNetlink.lines(from: [Self.drbd9.last!], layout: .drbd9).map(\.text) == ["exists -"])
    }

    @Test func aLine_printsAsItParses() throws {
        for line in try DRBDNetlink.lines(from: Self.drbd9, layout: .drbd9) {
            #expect(Events2Line(Substring(line.text)) == line)
        }
    }
}
