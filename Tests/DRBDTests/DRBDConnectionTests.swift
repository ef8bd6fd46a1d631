@testable import HaloDRBD
import HaloNet
import HaloTesting
import Testing

/// A connection dropped and configured again over DRBD's netlink family: what is read from the
/// kernel's status reply, what the disconnect and the connect carry, and the kernel's answers —
/// on the replies `halo-agent drbd-reconnect --capture` took in the lab (DRBD 8.4, a Primary
/// connected to its Secondary peer, a shared secret: the connect authenticated again with it)
/// and on replies built here from them.
@Suite("DRBD's connection over netlink")
struct DRBDConnectionTests {
    static let capture = "halo-drbd-reconnect-connected-primary-node2.txt"

    /// The status reply, the disconnect's reply and the connect's reply, as captured.
    static func replies() throws -> [GenericNetlinkMessage] {
        let messages = try DRBDRoleChangeTests.captured(capture)
        try #require(messages.map(\.command) == [2, 11, 10])
        return messages
    }

    static func settings() throws -> DRBDConnectionSettings {
        try #require(try DRBDConnectionSettings(decoding: try replies()[0], resource: "lun2"))
    }

    /// A status reply of `resource` with the given context fields and `net_conf` fields.
    static func statusReply(resource: String, addresses: Bool = true, net: [[UInt8]]) -> GenericNetlinkMessage {
        typealias N = DRBDNetlinkTests
        var context = [N.u32(0x4001, 0), N.string(0x4002, resource)]
        if addresses {
            context += [N.attribute(0x4003, [2, 0, 0x1e, 0x70, 198, 18, 1, 12] + Array(repeating: 0, count: 8)),
                        N.attribute(0x4004, [2, 0, 0x1e, 0x70, 198, 18, 1, 11] + Array(repeating: 0, count: 8))]
        }
        return N.message(2, minor: 1, [N.nest(2, context), N.nest(5, net)])
    }

    @Test func theStatusReply_givesTheEndpointsAndTheOptionsTheKernelRuns() throws {
        let settings = try Self.settings()
        #expect(settings.resource == "lun2")
        // struct sockaddr_in: AF_INET, port 7792, 198.18.1.12 (node2) and 198.18.1.11 (node1).
        #expect(settings.myAddress.prefix(8) == [2, 0, 0x1e, 0x70, 198, 18, 1, 12])
        #expect(settings.peerAddress.prefix(8) == [2, 0, 0x1e, 0x70, 198, 18, 1, 11])
        let options = Dictionary(settings.netConfiguration.map { ($0.type, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(options[2] == Array("sha1".utf8) + [0])      // cram_hmac_alg
        #expect(options[1] == Array("*******".utf8) + [0])   // shared_secret, redacted in the capture
        #expect(options[6] == [3, 0, 0, 0])                  // wire_protocol C
    }

    @Test func theDisconnect_namesTheConnectionByItsEndpoints_andForcesIt() throws {
        let settings = try Self.settings()
        #expect(settings.disconnectAttributes == [
            .nested(2, [.bytes(0x4003, settings.myAddress), .bytes(0x4004, settings.peerAddress)]),
            .nested(12, [.uint8(0x4001, 1)]),
        ])
    }

    @Test func theConnect_carriesTheResource_theEndpoints_andTheOptionsAsRead() throws {
        let settings = try Self.settings()
        let attributes = settings.connectAttributes
        #expect(attributes.first == .nested(2, [.string(0x4002, "lun2"), .bytes(0x4003, settings.myAddress),
                                                .bytes(0x4004, settings.peerAddress)]))
        // Every field as the kernel reported it — those the 6.1 kernel's own drbd_genl.h does not
        // list (33, 34: the module is 8.4.11) too — but the one-shot two (both 0 here).
        let replayed = settings.netConfiguration.filter { $0.type != 25 && $0.type != 28 }
        #expect(replayed.count == settings.netConfiguration.count - 2)
        #expect(settings.netConfiguration.contains { $0.type == 34 })
        #expect(attributes.last == .nested(5, replayed.map { .bytes($0.type, $0.value) }))
    }

    /// `discard-my-data` and `tentative` are options of one `drbdadm connect`, never of
    /// drbd.conf: replaying a `discard_my_data` left in the kernel's settings would make the
    /// survivor throw its writes away when the fenced node returns.
    @Test func theConnect_leavesOutTheOneShotOptions() throws {
        typealias N = DRBDNetlinkTests
        let reply = Self.statusReply(resource: "lun1", net: [N.u32(6, 3), N.u8(25, 1), N.u8(28, 1), N.u8(24, 0)])
        let settings = try #require(try DRBDConnectionSettings(decoding: reply, resource: "lun1"))
        #expect(settings.connectAttributes.last == .nested(5, [.bytes(6, [3, 0, 0, 0]), .bytes(24, [0])]))
    }

    @Test func theSecret_isNeitherDescribedNorCaptured() throws {
        typealias N = DRBDNetlinkTests
        let reply = Self.statusReply(resource: "lun1", net: [N.string(1, "s3cr3t-of-lun1"), N.string(2, "sha256")])
        let settings = try #require(try DRBDConnectionSettings(decoding: reply, resource: "lun1"))
        #expect(!settings.description.contains("s3cr3t"))
        #expect(!"\(settings)".contains("sha256"))
        let redacted = settings.redactedReply
        #expect(!String(decoding: redacted.payload, as: UTF8.self).contains("s3cr3t"))
        #expect(redacted.payload.count == reply.payload.count)
        let secret = redacted.attributes(afterHeaderOf: 8).nested(5)?[1]
        #expect(secret.map(Array.init) == Array("**************".utf8) + [0])
        // Everything else as received.
        #expect(redacted.attributes(afterHeaderOf: 8).nested(5)?.string(2) == "sha256")
    }

    @Test func aStandAloneResource_hasNothingToRestore() throws {
        let reply = Self.statusReply(resource: "lun1", addresses: false, net: [])
        #expect(try DRBDConnectionSettings(decoding: reply, resource: "lun1") == nil)
    }

    @Test func aMinorOfAnotherResource_isRefused() {
        let reply = Self.statusReply(resource: "lun2", net: [DRBDNetlinkTests.u32(6, 3)])
        #expect(throws: DRBDRequestError.self) { try DRBDConnectionSettings(decoding: reply, resource: "lun1") }
    }

    @Test func anUnknownMinor_isRefusedWithTheKernelsWords() {
        let reply = DRBDRoleChangeTests.reply(minor: 9, code: 127, text: "unknown minor")
        #expect {
            try DRBDConnectionSettings(decoding: reply, resource: "lun1")
        } throws: { error in
            "\(error)".contains("unknown minor") && "\(error)".contains("minor 9")
        }
    }

    @Test func theCapturedDisconnectAndConnect_wereDone() throws {
        let replies = try Self.replies()
        for reply in replies.dropFirst() {
            let decoded = try DRBDReply(decoding: reply)
            #expect(decoded.minor == .max)
            #expect(decoded.refusal == nil)
        }
    }

    /// A refusal of a request about a connection (no minor: ~0) is said of the resource its
    /// reply names, as drbdsetup names the object.
    @Test func aRefusalWithoutAMinor_isSaidOfTheResource() throws {
        typealias N = DRBDNetlinkTests
        let payload = [0xff, 0xff, 0xff, 0xff] + withUnsafeBytes(of: Int32(-9).littleEndian, Array.init)
            + N.nest(2, [N.string(0x4002, "lun1")])
        let refusal = try DRBDReply(decoding: GenericNetlinkMessage(command: 11, version: 1, payload: payload)).refusal
        #expect(refusal?.message == "lun1: State change failed: (-9) Can not disconnect a StandAlone device")
        #expect(refusal?.exitStatus == 11)
    }
}
