import HaloNet
import HaloSystem

/// DRBD's state read from the kernel's `drbd` generic-netlink family, without a process: the
/// same dump `drbdsetup events2 --now` asks for (`DRBD_ADM_GET_INITIAL_STATE`), decoded into the
/// very lines drbdsetup would print for it, so `Events2` reads both sources one way.
///
/// The layout differs between the DRBD 8.4 kernel module (family version 1) and DRBD 9
/// (version 2): disk states are numbered apart (9 added `Detaching` as 2), 8.4 reports a
/// connected connection as `C_WF_REPORT_PARAMS` and clamps a peer device's replication to it,
/// and only 9 has peer node ids, connection names and quorum. Facts from the kernel's
/// drbd_genl.h/drbd.h/drbd_nl.c and drbd-utils' drbdsetup (8.4 and 9), in
/// Tests/Fixtures/drbd-8.4/README.md; the 8.4 decoding is tested on messages captured in the lab
/// beside `drbdsetup events2 --now --statistics` of the same state, the 9 decoding on messages
/// built from the headers (no DRBD 9 kernel here).
public enum DRBDNetlink {
    public enum Layout: Sendable, Hashable {
        case drbd84, drbd9

        /// The layout of a family version; nil for a version halo does not know.
        public init?(familyVersion: UInt32) {
            switch familyVersion {
            case 1: self = .drbd84
            case 2: self = .drbd9
            default: return nil
            }
        }
    }

    /// The family's name, and its fixed header (`struct drbd_genlmsghdr`: minor, flags/ret_code).
    static let family = "drbd"
    static let headerSize = 8

    /// DRBD's header of a request about `minor`; ~0 (the default) for one about a resource, a
    /// connection or all of them.
    static func header(minor: UInt32 = .max) -> [UInt8] { withUnsafeBytes(of: minor.littleEndian, Array.init) + [0, 0, 0, 0] }

    /// `DRBD_GENLA_F_MANDATORY`: drbdsetup marks the fields of a request's context so.
    static let mandatory: UInt16 = 1 << 14
    /// `DRBD_ADM_GET_INITIAL_STATE`, and the notifications its dump answers with.
    static let getInitialState: UInt8 = 38
    enum Notification: UInt8 {
        case resource = 34, device = 35, connection = 36, peerDevice = 37, initialStateDone = 41
    }

    /// Top-level attributes (`DRBD_NLA_*`), each a nest of the fields below.
    enum TopLevel {
        static let context: Int32 = 2, notificationHeader: Int32 = 23
        static let resourceInfo: Int32 = 15, deviceInfo: Int32 = 16, connectionInfo: Int32 = 17, peerDeviceInfo: Int32 = 18
        static let deviceStatistics: Int32 = 20, peerDeviceStatistics: Int32 = 22
    }

    enum Context {
        static let volume: Int32 = 1, resourceName: Int32 = 2, peerAddress: Int32 = 4
        /// DRBD 9 only.
        static let connectionName: Int32 = 5, peerNodeID: Int32 = 6
    }

    /// The dump of every resource's state, as the lines `drbdsetup events2 --now --statistics
    /// all` prints (the fields halo reads), ending with `exists -`.
    ///
    /// - Throws: `DRBDNetlinkProblem` for a message that does not have the layout's shape.
    public static func lines(from messages: [GenericNetlinkMessage], layout: Layout) throws(DRBDNetlinkProblem) -> [Events2Line] {
        var lines: [Events2Line] = []
        var finished = false
        for message in messages {
            guard let kind = Notification(rawValue: message.command) else {
                throw DRBDNetlinkProblem("a message with command \(message.command), not a state notification")
            }
            if kind == .initialStateDone {
                finished = true
                continue
            }
            if let line = try line(kind, message, layout: layout) { lines.append(line) }
        }
        // The kernel ends its snapshot with this one, resources or none (captured): without it
        // the dump was cut short, and a resource missing from it would read as "not configured".
        guard finished else { throw DRBDNetlinkProblem("the dump ended without DRBD_INITIAL_STATE_DONE") }
        return lines + [Events2Line(event: .exists, object: "-", fields: [])]
    }

    /// One notification's line; nil for one that is not an `exists` (the initial dump has only those).
    static func line(_ kind: Notification, _ message: GenericNetlinkMessage, layout: Layout) throws(DRBDNetlinkProblem) -> Events2Line? {
        guard message.payload.count >= headerSize else { throw DRBDNetlinkProblem("a message shorter than DRBD's header") }
        let minor = message.payload.prefix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let attributes = message.attributes(afterHeaderOf: headerSize)
        guard let context = attributes.nested(TopLevel.context), let name = context.string(Context.resourceName) else {
            throw DRBDNetlinkProblem("a \(kind) message without its resource name")
        }
        if let type = attributes.nested(TopLevel.notificationHeader)?.uint32(1), type & 0x7fff != 0 { return nil }
        func info(_ topLevel: Int32) throws(DRBDNetlinkProblem) -> NetlinkAttributes {
            guard let nest = attributes.nested(topLevel) else { throw DRBDNetlinkProblem("a \(kind) message of \(name) without its state") }
            return nest
        }
        func required(_ nest: NetlinkAttributes, _ field: Int32, _ what: String) throws(DRBDNetlinkProblem) -> UInt32 {
            guard let value = nest.uint32(field) else { throw DRBDNetlinkProblem("a \(kind) message of \(name) without its \(what)") }
            return value
        }
        func flag(_ nest: NetlinkAttributes, _ field: Int32) -> Bool? { nest.uint8(field).map { $0 != 0 } }
        func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
        func listed(_ names: [(String, Bool?)]) -> String {
            let set = names.filter { $0.1 == true }.map(\.0)
            return set.isEmpty ? "no" : set.joined(separator: ",")
        }

        var fields: [(key: String, value: String)] = [("name", name)]
        // The peer: 8.4 has one, which drbdsetup calls node 0 and names "peer" once it has an address.
        func addPeer() {
            switch layout {
            case .drbd84:
                fields.append(("peer-node-id", "0"))
                if context[Context.peerAddress].map({ !$0.isEmpty }) == true { fields.append(("conn-name", "peer")) }
            case .drbd9:
                if let id = context.uint32(Context.peerNodeID) { fields.append(("peer-node-id", String(id))) }
                if let connection = context.string(Context.connectionName) { fields.append(("conn-name", connection)) }
            }
        }
        func addVolume() {
            if let volume = context.uint32(Context.volume), volume != UInt32.max { fields.append(("volume", String(volume))) }
        }
        let object: String
        switch kind {
        case .resource:
            object = "resource"
            let nest = try info(TopLevel.resourceInfo)
            fields.append(("role", try roleName(try required(nest, 1, "role"))))
            var suspended = [("user", flag(nest, 2)), ("no-data", flag(nest, 3)), ("fencing", flag(nest, 4))]
            if layout == .drbd9 { suspended.append(("quorum", flag(nest, 5))) }
            fields.append(("suspended", listed(suspended)))
        case .connection:
            object = "connection"
            addPeer()
            let nest = try info(TopLevel.connectionInfo)
            fields.append(("connection", try connectionName(try required(nest, 1, "connection state"), layout: layout)))
            fields.append(("role", try roleName(try required(nest, 2, "peer role"))))
        case .device:
            object = "device"
            addVolume()
            if minor != UInt32.max { fields.append(("minor", String(minor))) }
            let nest = try info(TopLevel.deviceInfo)
            fields.append(("disk", try diskName(try required(nest, 1, "disk state"), layout: layout)))
            if layout == .drbd9 {
                if let client = flag(nest, 2) { fields.append(("client", yesNo(client))) }
                if let quorum = flag(nest, 3) { fields.append(("quorum", yesNo(quorum))) }
                if let open = flag(nest, 5) { fields.append(("open", yesNo(open))) }
            }
            if let sectors = attributes.nested(TopLevel.deviceStatistics)?.uint64(1) { fields.append(("size", String(sectors / 2))) }
        case .peerDevice:
            object = "peer-device"
            addPeer()
            addVolume()
            let nest = try info(TopLevel.peerDeviceInfo)
            fields.append(("replication", try replicationName(try required(nest, 1, "replication state"), layout: layout)))
            fields.append(("peer-disk", try diskName(try required(nest, 2, "peer disk state"), layout: layout)))
            fields.append(("resync-suspended", listed([("user", nest.uint32(3).map { $0 != 0 }), ("peer", nest.uint32(4).map { $0 != 0 }),
                                                        ("dependency", nest.uint32(5).map { $0 != 0 })])))
            if let sectors = attributes.nested(TopLevel.peerDeviceStatistics)?.uint64(5) { fields.append(("out-of-sync", String(sectors / 2))) }
        case .initialStateDone:
            return nil
        }
        return Events2Line(event: .exists, object: object, fields: fields)
    }

    // MARK: - The kernels' numbers, by the names drbdsetup prints

    static func roleName(_ value: UInt32) throws(DRBDNetlinkProblem) -> String {
        let names = ["Unknown", "Primary", "Secondary"]
        guard value < names.count else { throw DRBDNetlinkProblem("unknown role \(value)") }
        return names[Int(value)]
    }

    static func diskName(_ value: UInt32, layout: Layout) throws(DRBDNetlinkProblem) -> String {
        let names: [DiskState] = switch layout {
        case .drbd84: [.diskless, .attaching, .failed, .negotiating, .inconsistent, .outdated, .unknown, .consistent, .upToDate]
        case .drbd9: [.diskless, .attaching, .detaching, .failed, .negotiating, .inconsistent, .outdated, .unknown, .consistent, .upToDate]
        }
        guard value < names.count else { throw DRBDNetlinkProblem("unknown disk state \(value)") }
        return names[Int(value)].rawValue
    }

    /// The connection states below 8 are numbered alike; 8.4's `WFConnection` (8) and
    /// `WFReportParams` (9: what a connected 8.4 connection reports) are DRBD 9's `Connecting`
    /// and `Connected`, as drbdsetup-84 prints them.
    static func connectionName(_ value: UInt32, layout: Layout) throws(DRBDNetlinkProblem) -> String {
        let names: [ConnectionState] = [.standAlone, .disconnecting, .unconnected, .timeout, .brokenPipe, .networkFailure,
                                        .protocolError, .tearDown, .connecting, .connected]
        if layout == .drbd84 && value == 10 { return ConnectionState.connected.rawValue }
        guard value < names.count else { throw DRBDNetlinkProblem("unknown connection state \(value)") }
        return names[Int(value)].rawValue
    }

    /// Replication states from 9 (`Off`; 8.4's clamp to `WFReportParams` means the same) to 23.
    static func replicationName(_ value: UInt32, layout: Layout) throws(DRBDNetlinkProblem) -> String {
        let names: [ReplicationState] = [.off, .established, .startingSyncSource, .startingSyncTarget, .waitingForBitmapSource,
                                         .waitingForBitmapTarget, .waitingForSyncUUID, .syncSource, .syncTarget, .verifySource,
                                         .verifyTarget, .pausedSyncSource, .pausedSyncTarget, .ahead, .behind]
        guard value >= 9, value - 9 < names.count else { throw DRBDNetlinkProblem("unknown replication state \(value)") }
        return names[Int(value - 9)].rawValue
    }

    // MARK: - Reading

    /// Reads every resource's state from the kernel: one socket, a family lookup and one dump.
    /// `nil` when the `drbd` family is not registered (the module is not loaded).
    ///
    /// - Throws: `DRBDReadError` when the socket or the dump fails, the family's version is one
    ///   halo does not know, or a message does not decode.
    public static func read(deadline: Deadline) throws(DRBDReadError) -> Reading? {
        do {
            var socket = try GenericNetlinkSocket()
            guard let family = try socket.family(named: family, deadline: deadline) else { return nil }
            guard let layout = Layout(familyVersion: family.version) else {
                throw DRBDReadError.unknownVersion(family.version)
            }
            let messages = try socket.dump(family, command: getInitialState, header: header(),
                                           attributes: [], operation: "read DRBD's state", deadline: deadline)
            return Reading(family: family, messages: messages, lines: try lines(from: messages, layout: layout))
        } catch let error as NetlinkError {
            throw .netlink(error)
        } catch let error as DRBDNetlinkProblem {
            throw .undecodable(error)
        } catch let error as DRBDReadError {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }

    /// Every resource's state, read as `read` reads it; nil when the family is not registered.
    public static func states(deadline: Deadline) throws(DRBDReadError) -> [DRBDResourceState]? {
        guard let reading = try read(deadline: deadline) else { return nil }
        do {
            return try Events2.states(from: reading.lines)
        } catch {
            throw .undecodable(DRBDNetlinkProblem("\(error)"))
        }
    }

    /// One read: the family, the messages as received, and their lines.
    public struct Reading: Sendable {
        public let family: GenericNetlinkFamily
        public let messages: [GenericNetlinkMessage]
        public let lines: [Events2Line]
    }
}

/// A DRBD netlink message that does not have the shape its layout says.
public struct DRBDNetlinkProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let problem: String
    init(_ problem: String) { self.problem = problem }
    public var description: String { "DRBD netlink: \(problem)" }
}

/// Why DRBD's state could not be read over netlink.
public enum DRBDReadError: Error, Sendable, CustomStringConvertible {
    case netlink(NetlinkError)
    case unknownVersion(UInt32)
    case undecodable(DRBDNetlinkProblem)

    public var description: String {
        switch self {
        case .netlink(let error): "\(error)"
        case .unknownVersion(let version): "the kernel's drbd netlink family has version \(version), which halo does not know (1: DRBD 8.4, 2: DRBD 9)"
        case .undecodable(let problem): "\(problem)"
        }
    }
}
