import HaloDRBD
@testable import HaloFacts
import HaloJSON
import HaloSystem
import HaloTesting
import Testing

/// Facts written as JSON on one node and read back on another are the same facts.
@Suite("Facts JSON: halo.facts/1 round trip")
struct FactsJSONTests {
    static func samples() throws -> [(String, NodeFacts)] {
        let healthy = try SampleFacts.healthy()
        var resync = healthy
        resync.drbd = .read(try SampleFacts.drbd("resync-synctarget-node2") + (try SampleFacts.drbd("suspended-fencing-node1")))
        resync.mdArrays = .read([MDArrayFacts(name: "md1", level: "raid1", state: "active", raidDisks: 2, degradedDevices: 1,
                                              members: [.init(name: "sdc2", slot: nil, state: ["spare"])],
                                              sync: .init(action: "recover", completedSectors: 5, totalSectors: 10))])
        resync.corosync = .read(.notRunning)
        resync.drbdHelper = .read(nil)   // the drbd module not loaded
        var scst = healthy
        scst.targets = .read(TargetFacts(loaded: [.lio, .scst], targets: [
            TargetFacts.Target(software: .scst, iqn: "iqn.2026-11.lab.test:tgt1", portalGroup: nil, isEnabled: false,
                               luns: [TargetFacts.LUN(number: 3, device: "null1", backingPath: nil, initiatorGroup: "acl_ini")],
                               portals: [], sessions: [TargetFacts.Session(initiator: "iqn.x:ini", addresses: ["198.18.1.22", "198.18.2.22"])]),
        ]))
        scst.drbdConfiguration = .read(try ConfigurationDump.resources(try Fixtures.text("drbd-utils-9.22/drbdadm-84-dump-all.txt")))
        scst.clock = .read(ClockFacts(ClockDiscipline(state: .error, status: .init(rawValue: 0x41), maximumErrorMicroseconds: 16_000_000,
                                                      estimatedErrorMicroseconds: 16_000_000, offsetNanoseconds: 0)))
        return [("healthy", healthy), ("resyncing, degraded, corosync down", resync), ("SCST, both stacks, clock unsynchronised", scst),
                ("every part unreadable", SampleFacts.unreadable)]
    }

    @Test func everySample_survivesTheTripThroughText() throws {
        for (name, facts) in try Self.samples() {
            for style in [JSONValue.Style.compact, .indented] {
                let text = facts.json.rendered(style: style)
                let back = try NodeFacts(json: try JSONValue.parse(text))
                #expect(back == facts, "\(name)")
            }
        }
    }

    @Test func collectedOnThisMachine_survivesTheTrip() throws {
        let facts = FactsCollector().collect(deadline: .after(.seconds(10)))
        #expect(try NodeFacts(json: try JSONValue.parse(facts.json.rendered(style: .compact))) == facts)
    }

    @Test func theDocumentSaysItsSchema_andReadingsTheirStatus() throws {
        let json = SampleFacts.unreadable.json
        #expect(json["schema"]?.stringValue == "halo.facts/1")
        #expect(json["drbd"]?["status"]?.stringValue == "failed")
        #expect(json["drbd"]?["reason"]?.stringValue == "drbdsetup: not found")
        let healthy = try SampleFacts.healthy().json
        #expect(healthy["drbd"]?["status"]?.stringValue == "read")
        #expect(healthy["drbd"]?["value"]?.arrayValue?.first?["role"]?.stringValue == "Primary")
        #expect(healthy["links"]?["value"]?.arrayValue?[3]["vlan"]?["id"]?.intValue == 24)
    }

    /// A node whose haloctl predates the member writes no `drbd_helper`: read as not reported,
    /// never as "no helper" or a fine one.
    @Test func factsWithoutTheHelper_readItAsNotReported() throws {
        let members = try #require(try SampleFacts.healthy().json.objectValue).filter { $0.0 != "drbd_helper" }
        let facts = try NodeFacts(json: .object(members))
        #expect(facts.drbdHelper.failure?.contains("not reported") == true)
        #expect(try SampleFacts.healthy().json["drbd_helper"]?["value"]?["path"]?.stringValue == "/usr/lib/halo/halo-drbd-helper")
    }

    @Test func anotherSchema_orABrokenMember_isRefusedWithItsPath() throws {
        var members = try #require(try SampleFacts.healthy().json.objectValue)
        members[0].1 = .string("halo.facts/2")
        #expect(throws: FactsDecodingError.self) { try NodeFacts(json: .object(members)) }
        let text = try SampleFacts.healthy().json.rendered(style: .compact).replacing(#""role":"Primary""#, with: #""role":"Boss""#)
        do {
            _ = try NodeFacts(json: try JSONValue.parse(text))
            Issue.record("an unknown role was accepted")
        } catch let error as FactsDecodingError {
            #expect(error.path == "$.drbd.value[0].role")
        }
    }

    @Test func findings_roundTrip() throws {
        let findings = LocalHealthChecks().run(facts: try SampleFacts.healthy()) + LocalHealthChecks().run(facts: SampleFacts.unreadable)
        #expect(!findings.isEmpty)
        for finding in findings {
            #expect(try HealthFinding(json: try JSONValue.parse(finding.json.rendered(style: .compact))) == finding)
        }
    }
}
