import HaloDRBD
@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// DRBD's facts from real drbd-utils output: `drbdsetup events2 --now --statistics` captured on
/// DRBD 8.4 in the lab (Tests/Fixtures/drbd-8.4), drbd-utils' own DRBD 9 test output
/// (Tests/Fixtures/drbd-9), and `drbdadm dump all` of drbd-utils 9.22 (Tests/Fixtures/drbd-utils-9.22).
@Suite("DRBD facts: events2 and drbdadm dump")
struct DRBDFactsTests {
    static func resources(_ file: String) throws -> [DRBDResourceFacts] {
        try Events2.states(from: try Fixtures.text(file)).map(DRBDResourceFacts.init)
    }

    @Test func primaryConnected_hasItsVolumeAndItsPeersDisk() throws {
        let facts = try Self.resources("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt")
        #expect(facts.map(\.name) == ["r0"])
        let r0 = try #require(facts.first)
        #expect(r0.role == .primary)
        #expect(r0.suspendedBy == nil)  // `suspended:no` is no cause
        #expect(r0.volumes == [.init(number: 0, minor: 0, disk: .upToDate, sizeKiB: 507852)])
        let peer = try #require(r0.connections.first)
        #expect(peer.peerName == "peer")
        #expect(peer.state == .connected)
        #expect(peer.peerRole == .secondary)
        #expect(peer.volumes == [.init(number: 0, replication: .established, peerDisk: .upToDate, resyncSuspendedBy: nil, outOfSyncKiB: 0)])
        #expect(r0.resyncPercentDone(volume: 0, peerNodeID: 0) == nil)  // no resync runs
    }

    @Test func resyncProgress_isOutOfSyncAgainstTheSize() throws {
        // node2 as SyncTarget: out-of-sync 503068 of 507852 KiB.
        let r0 = try #require(try Self.resources("drbd-8.4/drbdsetup-events2-now-statistics-resync-synctarget-node2.txt").first)
        #expect(r0.volumes.first?.disk == .inconsistent)
        let done = try #require(r0.resyncPercentDone(volume: 0, peerNodeID: 0))
        #expect(abs(done - 100 * (1 - 503068.0 / 507852.0)) < 0.001)
        let paused = try #require(try Self.resources("drbd-8.4/drbdsetup-events2-now-statistics-resync-paused-user-node1.txt").first)
        #expect(paused.connections.first?.volumes.first?.resyncSuspendedBy == "user")
    }

    @Test func suspendedByFencing_andUnconfigured() throws {
        let fencing = try #require(try Self.resources("drbd-8.4/drbdsetup-events2-now-statistics-suspended-fencing-node1.txt").first)
        #expect(fencing.suspendedBy == "fencing")
        #expect(try Self.resources("drbd-8.4/drbdsetup-events2-now-statistics-unconfigured-node1.txt").isEmpty)
    }

    @Test func everyResourceOfAnAllDump_inOrder() throws {
        // `events2 --now all` prints each resource's lines in turn; two captures one after the
        // other are that shape (the lab has one resource per node, so no `all` capture has two).
        let text = try Fixtures.text("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt")
            + (try Fixtures.text("drbd-9/events2-all-create-change.txt"))
        let facts = try Events2.states(from: text).map(DRBDResourceFacts.init)
        #expect(facts.map(\.name) == ["r0", "some-resource"])
        let nine = facts[1]
        #expect(nine.role == .primary)
        #expect(nine.volumes.first?.minor == 1000)
        #expect(nine.connections.first?.peerName == "some-peer")
        #expect(nine.connections.first?.volumes.first?.peerDisk == .upToDate)
    }

    @Test func destroyedResource_isLeftOut() throws {
        let text = try Fixtures.text("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt") + "destroy resource name:r0\n"
        #expect(try Events2.states(from: text).isEmpty)
    }

    // MARK: configuration

    @Test func drbd84Dump_fencingAndHandlers_commonFillsIn() throws {
        let resources = try ConfigurationDump.resources(try Fixtures.text("drbd-utils-9.22/drbdadm-84-dump-all.txt"))
        #expect(resources.map(\.name) == ["lun1", "lun2", "lun3"])
        let lun1 = resources[0]
        #expect(lun1.fencing == "resource-and-stonith")
        #expect(lun1.handlers["fence-peer"] == "/usr/lib/halo/halo-agent drbd-fence-peer")  // quoted in the dump
        #expect(lun1.runsHalo("fence-peer", command: "drbd-fence-peer"))
        #expect(lun1.runsHalo("after-resync-target", command: "drbd-unfence-peer"))
        #expect(resources[1].fencing == nil)
        #expect(resources[1].handlers["fence-peer"] == "/usr/lib/drbd/crm-fence-peer.sh --timeout 60")
        #expect(!resources[1].runsHalo("fence-peer", command: "drbd-fence-peer"))
        #expect(resources[2].fencing == "resource-only")
        #expect(resources[2].runsHalo("fence-peer", command: "drbd-fence-peer"))  // from common
    }

    @Test func drbd9Dump_fencingInNet_andOnAConnection() throws {
        let resources = try ConfigurationDump.resources(try Fixtures.text("drbd-utils-9.22/drbdadm-9-dump-all.txt"))
        #expect(resources.map(\.name) == ["lun1", "lun2"])
        #expect(resources[0].fencing == "resource-and-stonith")
        #expect(resources[0].runsHalo("unfence-peer", command: "drbd-unfence-peer"))
        #expect(resources[1].fencing == "dont-care")
        #expect(resources[1].handlers.isEmpty)
    }

    @Test func theLabsDump_hasTheShellHandlers() throws {
        let r0 = try #require(try ConfigurationDump.resources(try Fixtures.text("drbd-8.4/drbdadm-dump-final-node1.txt")).first)
        #expect(r0.fencing == "resource-and-stonith")
        #expect(r0.handlers["fence-peer"] == "/usr/lib/drbd/crm-fence-peer.sh")
        #expect(!r0.runsHalo("fence-peer", command: "drbd-fence-peer"))
    }

    @Test func brokenDumps_areProblems() {
        #expect(throws: ConfigurationDumpProblem.self) { try ConfigurationDump.resources("resource r0 { disk { fencing x; }\n") }
        #expect(throws: ConfigurationDumpProblem.self) { try ConfigurationDump.resources("resource r0 { net { protocol C } }\n") }
        #expect(throws: ConfigurationDumpProblem.self) { try ConfigurationDump.resources("}\n") }
        #expect((try? ConfigurationDump.resources("# no resources configured\n")) == [])
    }

    @Test func quotedValues_keepTheirSpacesAndHashes() throws {
        let text = #"resource r { handlers { fence-peer "/opt/a b/halo-agent drbd-fence-peer # not a comment"; } } # a comment"#
        let r = try #require(try ConfigurationDump.resources(text).first)
        #expect(r.handlers["fence-peer"] == "/opt/a b/halo-agent drbd-fence-peer # not a comment")
        #expect(r.runsHalo("fence-peer", command: "drbd-fence-peer") == false)  // the path has a space: "/opt/a" is the program
    }
}
