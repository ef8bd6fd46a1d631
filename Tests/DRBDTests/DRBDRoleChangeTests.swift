@testable import HaloDRBD
import HaloNet
import HaloTesting
import Testing

/// A role change over DRBD's netlink family: what the request carries, and the kernel's answers
/// read as drbdsetup-84 reads them — on replies captured in the lab (`halo-agent drbd-role
/// --capture`, DRBD 8.4), each beside `drbdadm`'s own refusal in the same state, and on replies
/// built here for the codes no lab state produces.
@Suite("DRBD's role change over netlink")
struct DRBDRoleChangeTests {
    /// A reply as the kernel sends it: DRBD's header, then the optional `DRBD_NLA_CFG_REPLY`.
    static func reply(minor: UInt32, code: Int32, text: String? = nil) -> GenericNetlinkMessage {
        var payload = withUnsafeBytes(of: minor.littleEndian, Array.init) + withUnsafeBytes(of: code.littleEndian, Array.init)
        if let text {
            let string = Array(text.utf8) + [0]
            let inner = [UInt8(4 + string.count), 0, 1, 0x40] + string + Array(repeating: 0, count: (4 - (4 + string.count) % 4) % 4)
            payload += [UInt8(4 + inner.count), 0, 1, 0x80] + inner
        }
        return GenericNetlinkMessage(command: 14, version: 1, payload: payload)
    }

    /// The replies captured in the lab: `message CMD VERSION HEX` lines after the header.
    static func captured(_ file: String) throws -> [GenericNetlinkMessage] {
        try Fixtures.text("drbd-8.4/\(file)").split(separator: "\n").compactMap(DRBDNetlinkTests.message)
    }

    @Test func theRequest_namesTheMinor_theResourceAndTheVolume() {
        let change = DRBDRoleChange(.secondary, resource: "lun1", volume: 0, minor: 3)
        #expect(change.role.command == 15)
        #expect(DRBDRoleChange.Role.primary.command == 14)
        #expect(change.header == [3, 0, 0, 0, 0, 0, 0, 0])
        #expect(change.attributes == [.nested(2, [.string(0x4002, "lun1"), .uint32(0x4001, 0)])])
    }

    /// Each refusal the lab produced, captured over netlink, reads exactly as drbdadm printed
    /// it in the same state (its first line) and exits as drbdadm exited.
    @Test(arguments: [
        ("halo-drbd-role-promote-refused-peer-primary-node2.txt", "drbdadm-primary-promote-refused-peer-primary-node2.stderr.txt"),
        ("halo-drbd-role-demote-refused-held-open-node1.txt", "drbdadm-secondary-demote-refused-held-open-node1.stderr.txt"),
    ])
    func aCapturedRefusal_readsAsDrbdadmPrintedIt(capture: String, drbdadm: String) throws {
        let messages = try Self.captured(capture)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        let refusal = try #require(try DRBDReply(decoding: message).refusal)
        let printed = try Fixtures.text("drbd-8.4/\(drbdadm)").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(refusal.message == printed.first.map(String.init))
        let status = try Fixtures.text("drbd-8.4/\(drbdadm)").split(separator: "\n").first { $0.hasPrefix("# exit: ") }
        #expect(status.map { "# exit: \(refusal.exitStatus)" == $0 } == true)
    }

    @Test func aCapturedSuccess_isNoRefusal() throws {
        let messages = try Self.captured("halo-drbd-role-promote-done-node1.txt")
        let message = try #require(messages.first)
        let reply = try DRBDReply(decoding: message)
        #expect(reply.minor == 0)
        #expect(reply.refusal == nil)
    }

    @Test(arguments: [
        (Int32(101), nil, nil), (1, nil, nil), (2, nil, nil),
        (-2, 17, "0: State change failed: (-2) Need access to UpToDate data"),
        (-12, 11, "0: State change failed: (-12) Device is held open by someone"),
        (-16, 5, "0: State change failed: (-16) Disk state is lower than outdated"),
        (-4, 16, "0: State change failed: (-4) Can not resync without local disk"),
        (-7, 11, "0: State change failed: (-7) Refusing to be Primary while peer is not outdated"),
        (0, 11, "0: State change failed: (0)unknown error."),
        (-3, 20, "0: Error code -3 unknown."),
        (-22, 20, "0: Error code -22 unknown."),
    ] as [(Int32, Int32?, String?)])
    func everyCode_readsAsDrbdsetupSaysIt(code: Int32, exitStatus: Int32?, message: String?) throws {
        let refusal = try DRBDReply(decoding: Self.reply(minor: 0, code: code)).refusal
        #expect(refusal?.exitStatus == exitStatus)
        #expect(refusal?.message == message)
    }

    @Test func anErrorBeforeAnyStateChange_carriesTheKernelsWords() throws {
        let reply = try DRBDReply(decoding: Self.reply(minor: 7, code: 127, text: "minor exists in different resource"))
        #expect(reply.kernelText == ["minor exists in different resource"])
        #expect(reply.refusal == DRBDRefusal(exitStatus: 10, message: "7: Failure: (127) minor exists in different resource",
                                                 kernelText: ["minor exists in different resource"]))
    }

    @Test func aReplyWithoutDRBDsHeader_isAProblem() {
        #expect(throws: DRBDNetlinkProblem.self) {
            try DRBDReply(decoding: GenericNetlinkMessage(command: 14, version: 1, payload: [0, 0, 0, 0]))
        }
    }
}
