import HaloCluster
import HaloJSON
import Testing

@Suite("halod's wire protocol")
struct WireTests {
    static let member = MemberID(node: 2, process: 4242)

    static var messages: [ClusterMessage] {
        let configuration = Fixtures.configuration(Fixtures.threeNodes)
        let facts = LocalFacts(disks: ["lun1": .upToDate, "lun2": .outdated], running: ["lun1"])
        let attempt = FenceAttempt(victim: 3, failure: 17, number: 2)
        return [
            .hello(Hello(view: [MemberID(node: 1, process: 1), member], nonce: .max, isSynced: true, lineage: 0xdead_beef_0000_0001, lastQuorateRing: 12)),
            .hello(Hello(view: [member], nonce: 1, isSynced: false, lineage: nil, lastQuorateRing: 0)),
            .quorum(QuorumReport(ring: 44, isQuorate: true, nodes: [1, 2])),
            .announce(Announcement(configurationDigest: configuration.digest, policy: configuration.policy, software: "halod 0.1", facts: facts)),
            .fenceStarted(attempt),
            .fenceFinished(attempt, .succeeded(device: "ipmi-node3")),
            .fenceFinished(attempt, .failed(reason: "fence_ipmilan exited 1: \"connection refused\"\nsecond line")),
            .intent(.move("lun1", to: 3), RequestID(member: member, number: 9)),
            .intent(.drain(1), RequestID(member: member, number: 10)),
            .intent(.undrain(1), RequestID(member: member, number: 11)),
            .snapshot(Snapshot(anchor: 77, recipients: [member], state: Fixtures.running().state(1)!)),
        ]
    }

    @Test("every message survives encoding and decoding unchanged", arguments: messages)
    func roundTrip(_ message: ClusterMessage) throws {
        #expect(try ClusterMessage(decoding: message.encoded) == message)
    }

    @Test("a state decoded from a snapshot renders the same canonical bytes")
    func stateRoundTrip() throws {
        var cluster = Fixtures.running()
        cluster.kill(1)
        cluster.settle()
        let state = cluster.state(2)!
        let snapshot = ClusterMessage.snapshot(Snapshot(anchor: 1, recipients: [], state: state))
        guard case .snapshot(let decoded) = try ClusterMessage(decoding: snapshot.encoded) else { Issue.record("not a snapshot"); return }
        #expect(decoded.state.canonicalBytes == state.canonicalBytes)
        #expect(decoded.state == state)
    }

    @Test("another protocol version, broken JSON and unknown types are refused with the reason")
    func refusals() throws {
        let valid = #"{"v":2,"type":"quorum","ring":1,"quorate":true,"nodes":[]}"#
        #expect(try ClusterMessage(decoding: Array(valid.utf8)) == .quorum(QuorumReport(ring: 1, isQuorate: true, nodes: [])))
        // Version 1's states lack the ring's nodes: its members are refused, not half-understood.
        #expect(throws: WireError.self) { try ClusterMessage(decoding: Array(#"{"v":1,"type":"quorum","ring":1,"quorate":true,"nodes":[]}"#.utf8)) }
        #expect(throws: WireError.self) { try ClusterMessage(decoding: Array(#"{"v":3,"type":"quorum","ring":1,"quorate":true,"nodes":[]}"#.utf8)) }
        #expect(throws: WireError.self) { try ClusterMessage(decoding: Array(#"{"v":2,"type":"quorum""#.utf8)) }
        #expect(throws: WireError.self) { try ClusterMessage(decoding: Array(#"{"v":2,"type":"launch"}"#.utf8)) }
        #expect(throws: WireError.self) { try ClusterMessage(decoding: Array(#"{"v":2,"type":"quorum","ring":-1,"quorate":true,"nodes":[]}"#.utf8)) }
    }

    @Test("JSON: parsing what rendering writes, escapes, and the limits")
    func json() throws {
        let value = JSONValue.object([("a", .array([.int(-3), .bool(true), .null])), ("é\n\"", .string("\u{1}tab\there"))])
        #expect(try JSONValue.parse(value.rendered(style: .compact)) == value)
        #expect(try JSONValue.parse(value.rendered()) == value)
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        // Decimals are kept as their text (exact), read with doubleValue; malformed ones are refused.
        #expect(try JSONValue.parse("1.5") == .decimal("1.5"))
        #expect(try JSONValue.parse("-2.5e-3").doubleValue == -0.0025)
        #expect(try JSONValue.parse("[1.25,7]").rendered(style: .compact) == "[1.25,7]")
        #expect(try JSONValue.parse("12").doubleValue == 12)
        #expect(throws: JSONParseError.self) { try JSONValue.parse("1.") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("1e") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(".5") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{} x") }
    }
}

extension ClusterMessage: CustomTestStringConvertible {
    public var testDescription: String {
        String(String(decoding: encoded, as: UTF8.self).prefix(60))
    }
}
