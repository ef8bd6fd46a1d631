import HaloNet
import HaloSystem

/// A DRBD 8.4 resource's connection dropped and restored over the kernel's `drbd` generic-netlink
/// family, without drbdadm: what ocf:halo:drbd does under halod when a crashed peer, fenced by
/// halod, still shows as Primary (`drbdadm disconnect --force`, then `drbdadm connect` once the
/// promote is done — two drbdadm runs on the failover path, about half a second each in the lab).
///
/// A disconnect drops the connection's configuration with it (the resource goes StandAlone), so
/// `read` first takes what a connect needs again from the kernel itself (`DRBD_ADM_GET_STATUS`
/// for one minor): the two endpoints and the connection's `net_conf` as the kernel runs it —
/// the options drbdadm applied from drbd.conf, shared secret included (the kernel reports it to
/// CAP_SYS_ADMIN only). `connect` sends them back as they came, so DRBD listens again with the
/// very settings it had; only `discard-my-data` and `tentative`, one-shot options of `drbdadm
/// connect` that drbd.conf cannot hold, are left out. Facts from the kernel's drbd_genl.h
/// (commands 2, 10, 11; `net_conf`, `disconnect_parms`) and drbd_nl.c (`drbd_adm_prepare`: a
/// disconnect names the connection by its endpoints and refuses a resource name or a minor;
/// `drbd_adm_connect`: the resource, the endpoints and a `net_conf`; `nla_put_status_info`);
/// checked on replies captured in the lab (Tests/Fixtures/drbd-8.4/halo-drbd-reconnect-*).
public enum DRBDConnection {
    static let getStatus: UInt8 = 2, connect: UInt8 = 10, disconnect: UInt8 = 11

    enum TopLevel {
        static let netConfiguration: Int32 = 5, disconnectParameters: Int32 = 12
    }

    enum Context {
        static let myAddress: Int32 = 3
    }

    /// `net_conf` fields a connect must not replay: `discard_my_data` (25) and `tentative` (28).
    static let oneShotOptions: Set<UInt16> = [25, 28]
    /// `net_conf`'s `shared_secret`.
    static let sharedSecret: UInt16 = 1

    /// What a connect needs again, read while the connection is still configured; nil when it
    /// is not (StandAlone) or the `drbd` family is not registered.
    ///
    /// - Throws: `DRBDRequestError`: `.otherLayout` for DRBD 9, `.netlink` for a socket
    ///   failure, `.undecodable` for a reply that is not about `resource`.
    public static func read(resource: String, minor: UInt32, deadline: Deadline) throws(DRBDRequestError) -> DRBDConnectionSettings? {
        guard let reply = try DRBDReply.request(getStatus, header: DRBDNetlink.header(minor: minor), attributes: [],
                                                operation: "read the connection of \(resource) (minor \(minor))", deadline: deadline)
        else { return nil }
        return try DRBDConnectionSettings(decoding: reply.message, resource: resource)
    }

    /// Drops the connection at once (`drbdsetup disconnect --force`: no word from the peer is
    /// awaited). nil when the family is not registered.
    public static func disconnect(_ settings: DRBDConnectionSettings, deadline: Deadline) throws(DRBDRequestError) -> DRBDReply? {
        try DRBDReply.request(disconnect, header: DRBDNetlink.header(), attributes: settings.disconnectAttributes,
                              operation: "drbd disconnect --force \(settings.resource)", deadline: deadline)
    }

    /// Configures the connection again as `settings` had it: DRBD listens for its peer (and
    /// connects when the peer listens). nil when the family is not registered.
    public static func connect(_ settings: DRBDConnectionSettings, deadline: Deadline) throws(DRBDRequestError) -> DRBDReply? {
        try DRBDReply.request(connect, header: DRBDNetlink.header(), attributes: settings.connectAttributes,
                              operation: "drbd connect \(settings.resource)", deadline: deadline)
    }
}

/// A connection's endpoints and `net_conf` as the kernel reported them (`DRBDConnection.read`).
/// Holds the shared secret: its description never shows the options.
public struct DRBDConnectionSettings: Sendable, CustomStringConvertible {
    public let resource: String
    let myAddress: [UInt8]
    let peerAddress: [UInt8]
    /// The `net_conf` fields, in the kernel's order, each as received.
    let netConfiguration: [(type: UInt16, value: [UInt8])]
    /// The reply they were read from.
    let reply: GenericNetlinkMessage

    public var description: String { "the connection of \(resource) (\(netConfiguration.count) options, not shown)" }

    /// Reads a `DRBD_ADM_GET_STATUS` reply; nil when it has no connection configured.
    ///
    /// - Throws: `DRBDRequestError.undecodable` for a reply about another resource or a
    ///   refused request (an unknown minor).
    init?(decoding message: GenericNetlinkMessage, resource: String) throws(DRBDRequestError) {
        let answer: DRBDReply
        do {
            answer = try DRBDReply(decoding: message)
        } catch {
            throw .undecodable(error)
        }
        guard answer.code == DRBDReply.noError else {
            let said = answer.refusal.map { ([$0.message] + $0.kernelText).joined(separator: ": ") } ?? "code \(answer.code)"
            throw .undecodable(DRBDNetlinkProblem("DRBD did not report minor \(answer.minor): \(said)"))
        }
        let attributes = message.attributes(afterHeaderOf: DRBDNetlink.headerSize)
        let context = attributes.nested(DRBDNetlink.TopLevel.context)
        guard let name = context?.string(DRBDNetlink.Context.resourceName), name == resource else {
            throw .undecodable(DRBDNetlinkProblem("minor \(answer.minor) belongs to \(context?.string(DRBDNetlink.Context.resourceName) ?? "no resource"), not \(resource)"))
        }
        guard let mine = context?[DRBDConnection.Context.myAddress], !mine.isEmpty,
              let peer = context?[DRBDNetlink.Context.peerAddress], !peer.isEmpty,
              let net = attributes.nested(DRBDConnection.TopLevel.netConfiguration) else { return nil }
        self.resource = resource
        myAddress = Array(mine)
        peerAddress = Array(peer)
        netConfiguration = net.all.map { ($0.type, Array($0.value)) }
        reply = message
    }

    /// The reply as received but for the shared secret, whose bytes (up to its NUL) read `*`:
    /// for a capture.
    public var redactedReply: GenericNetlinkMessage {
        var payload = reply.payload
        let net = reply.attributes(afterHeaderOf: DRBDNetlink.headerSize).nested(DRBDConnection.TopLevel.netConfiguration)
        if let secret = net?[Int32(DRBDConnection.sharedSecret)] {
            for index in secret.indices where payload[index] != 0 { payload[index] = UInt8(ascii: "*") }
        }
        return GenericNetlinkMessage(command: reply.command, version: reply.version, payload: payload)
    }

    /// A disconnect names the connection by its endpoints alone (a resource name is refused).
    var disconnectAttributes: [GenericNetlinkAttribute] {
        [.nested(UInt16(DRBDNetlink.TopLevel.context), [
            .bytes(UInt16(DRBDConnection.Context.myAddress) | DRBDNetlink.mandatory, myAddress),
            .bytes(UInt16(DRBDNetlink.Context.peerAddress) | DRBDNetlink.mandatory, peerAddress),
        ]),
         .nested(UInt16(DRBDConnection.TopLevel.disconnectParameters), [.uint8(1 | DRBDNetlink.mandatory, 1)])]
    }

    /// A connect names the resource and both endpoints, and carries the `net_conf` as read.
    var connectAttributes: [GenericNetlinkAttribute] {
        [.nested(UInt16(DRBDNetlink.TopLevel.context), [
            .string(UInt16(DRBDNetlink.Context.resourceName) | DRBDNetlink.mandatory, resource),
            .bytes(UInt16(DRBDConnection.Context.myAddress) | DRBDNetlink.mandatory, myAddress),
            .bytes(UInt16(DRBDNetlink.Context.peerAddress) | DRBDNetlink.mandatory, peerAddress),
        ]),
         .nested(UInt16(DRBDConnection.TopLevel.netConfiguration),
                 netConfiguration.filter { !DRBDConnection.oneShotOptions.contains($0.type) }.map { .bytes($0.type, $0.value) })]
    }
}
