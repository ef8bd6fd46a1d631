import HaloDRBD
import HaloTesting
import Testing

/// Every events2 capture of the DRBD 8.4 lab parses, and the states come out as DRBD printed them.
@Suite("drbdsetup events2: real DRBD 8.4 output")
struct Events2Tests {
    static let captures = (try? Fixtures.files("drbd-8.4", prefix: "drbdsetup-events2-").filter { !$0.hasSuffix(".stderr.txt") }) ?? []

    @Test(arguments: captures)
    func everyCapture_parses(file: String) throws {
        _ = try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/\(file)"))
    }

    @Test func thereAreCapturesToParse() {
        #expect(Self.captures.count > 60)
    }

    static func state(_ name: String) throws -> DRBDResourceState? {
        try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-\(name).txt"))
    }

    @Test func primarySecondary_connected_upToDate() throws {
        let primary = try #require(try Self.state("prisec-uptodate-node1"))
        #expect(primary.role == .primary)
        #expect(primary.devices.map(\.disk) == [.upToDate])
        #expect(primary.devices.first?.minor == 0)
        #expect(primary.connections.map(\.state) == [.connected])
        #expect(primary.connections.first?.peerRole == .secondary)
        #expect(primary.peerDevices.map(\.peerDisk) == [.upToDate])
        #expect(primary.peerDevices.map(\.replication) == [.established])
        #expect(!primary.isSuspended)
        #expect(primary.hasQuorum == nil)  // DRBD 8.4 has no quorum
        let secondary = try #require(try Self.state("prisec-uptodate-node2"))
        #expect(secondary.role == .secondary)
        #expect(secondary.connections.first?.peerRole == .primary)
    }

    @Test func unconfigured_isNoState() throws {
        #expect(try Self.state("unconfigured-node1") == nil)
    }

    @Test func resyncAndFencingAndSplitBrain_areRecognised() throws {
        let target = try #require(try Self.state("resync-synctarget-node2"))
        #expect(target.devices.first?.disk == .inconsistent)
        #expect(target.peerDevices.first?.replication == .syncTarget)
        let fencing = try #require(try Self.state("suspended-fencing-node1"))
        #expect(fencing.isSuspended)
        #expect(fencing.suspended == "fencing")
        #expect(fencing.connections.first?.state == .connecting)
        let splitBrain = try #require(try Self.state("sb-standalone-primary-node1"))
        #expect(splitBrain.connections.first?.state == .standAlone)
        #expect(splitBrain.connections.first?.name == nil)  // StandAlone drops conn-name
        let paused = try #require(try Self.state("resync-paused-user-node1"))
        #expect(paused.peerDevices.first?.resyncSuspended != "no")
    }

    @Test func aRecordedTransition_endsInItsFinalState() throws {
        let promote = try #require(try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-promote-node1.txt")))
        #expect(promote.role == .primary)
        let demote = try #require(try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-demote-node1.txt")))
        #expect(demote.role == .secondary)
        let detach = try #require(try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-detach-primary-node1.txt")))
        #expect(detach.devices.first?.disk == .diskless)
    }

    @Test func anotherResource_isIgnored_andGarbage_isAnError() throws {
        #expect(try Events2.state(of: "r1", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-prisec-uptodate-node1.txt")) == nil)
        #expect(throws: Events2Problem.self) { try Events2.state(of: "r0", from: "exists resource name:r0 role:Sideways\n") }
        #expect(throws: Events2Problem.self) { try Events2.state(of: "r0", from: "something else entirely\n") }
        #expect(throws: Events2Problem.self) { try Events2.state(of: "r0", from: "exists device name:r0 volume:0 disk:UpToDate\n") }
    }

    @Test func drbd9Fields_areRead_whenPresent() throws {
        // The DRBD 9 line grammar is the same; these fields exist only there (quorum, client,
        // may_promote, promotion_score). No DRBD 9 kernel is available to capture from: the
        // lines follow the grammar of the 8.4 captures with the 9-only fields added.
        let text = """
            exists resource name:r9 role:Secondary suspended:no may_promote:no promotion_score:0
            exists device name:r9 volume:0 minor:1000 disk:UpToDate client:no quorum:no open:no
            exists -
            """
        let state = try #require(try Events2.state(of: "r9", from: text))
        #expect(state.hasQuorum == false)
        #expect(state.mayPromote == false)
        #expect(state.devices.first?.isClient == false)
    }

    @Test(arguments: [("8.4.11", 8, 4, 11), ("version: 8.4.11 (api:1/proto:86-101)", 8, 4, 11), ("9.2.8", 9, 2, 8)])
    func moduleVersions_parse(text: String, major: Int, minor: Int, patch: Int) {
        #expect(DRBDVersion(text) == DRBDVersion(major: major, minor: minor, patch: patch))
    }
}

/// DRBD 9's events2 stream as drbd-utils' own tests expect it (Tests/Fixtures/drbd-9: source in
/// the header). Each prefix of the recording is read as the agent would read it at that point.
@Suite("events2: DRBD 9 (drbd-utils' test expectations)")
struct Events2DRBD9Tests {
    static func state(afterLines count: Int) throws -> DRBDResourceState? {
        let lines = try Fixtures.text("drbd-9/events2-all-create-change.txt")
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        return try Events2.state(of: "some-resource", from: lines.prefix(count).joined(separator: "\n") + "\n")
    }

    @Test func created_diskless_standAlone() throws {
        let state = try #require(try Self.state(afterLines: 6))
        #expect(state.role == .secondary)
        #expect(state.mayPromote == false)
        #expect(state.promotionScore == 0)
        #expect(state.devices.map(\.disk) == [.diskless])
        #expect(state.devices.first?.hasQuorum == true)
        #expect(state.connections.map(\.state) == [.standAlone])
        #expect(state.peerDevices.map(\.peerDisk) == [.unknown])
        #expect(state.hasDisklessVolume)
    }

    @Test func attachedAndConnected_theChangesMergeIntoTheCreatedObjects() throws {
        let state = try #require(try Self.state(afterLines: 10))
        #expect(state.mayPromote == true)
        #expect(state.promotionScore == 10101)
        #expect(state.allDisksUpToDate)
        #expect(state.connections.map(\.state) == [.connected])
        #expect(state.connections.map(\.peerRole) == [.secondary])
        #expect(state.peerDevices.map(\.replication) == [.established])
        #expect(state.aConnectedPeerIsUpToDate)
        #expect(state.role == .secondary)
    }

    @Test func promoted() throws {
        let state = try #require(try Self.state(afterLines: 11))
        #expect(state.role == .primary)
        #expect(state.mayPromote == false)
        #expect(state.promotionScore == 10102)
        #expect(state.hasQuorum == true)
        #expect(!state.aPeerIsPrimary)
    }
}
