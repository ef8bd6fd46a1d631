import CHaloNet
@testable import HaloNet
import Testing

@Suite("Generic-netlink requests, byte for byte")
struct GenericNetlinkTests {
    /// DRBD's role change as halo sends it: a nest marked `NLA_F_NESTED` (the 6.1 kernel refuses
    /// one without it: "NLA_F_NESTED is missing", seen in the lab), its fields as given, each
    /// padded to four bytes.
    @Test func aNest_isMarkedAsOne_andItsFieldsArePadded() {
        var request = NetlinkRequest(type: 0x20, flags: 0)
        let start = request.bytes.count
        GenericNetlinkSocket.add(.nested(2, [.string(0x4002, "r0"), .uint32(0x4001, 7)]), to: &request)
        #expect(Array(request.bytes[start...]) == [
            20, 0, 0x02, 0x80,  // the nest: 4 + 8 + 8 bytes, type 2 | NLA_F_NESTED
            7, 0, 0x02, 0x40, 0x72, 0x30, 0, 0,  // "r0\0", padded
            8, 0, 0x01, 0x40, 7, 0, 0, 0,
        ])
    }

    /// A flag and a value sent as it is (a socket address), each padded to four bytes.
    @Test func aByteAndRawBytes_goAsGiven() {
        var request = NetlinkRequest(type: 0x20, flags: 0)
        let start = request.bytes.count
        GenericNetlinkSocket.add(.uint8(0x4001, 1), to: &request)
        GenericNetlinkSocket.add(.bytes(0x4003, [2, 0, 0x1e, 0x70, 198, 18, 1, 12]), to: &request)
        #expect(Array(request.bytes[start...]) == [
            5, 0, 0x01, 0x40, 1, 0, 0, 0,
            12, 0, 0x03, 0x40, 2, 0, 0x1e, 0x70, 198, 18, 1, 12,
        ])
    }
}
