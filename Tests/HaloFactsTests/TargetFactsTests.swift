@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// The targets' facts from trees captured from a real LIO (Linux 6.1, Tests/Fixtures/lio-6.1) and
/// a real SCST 3.11 (Tests/Fixtures/scst-3.11), written out as directories and read through the
/// same readers the agents use.
@Suite("Target facts: LIO's configfs and SCST's sysfs")
struct TargetFactsTests {
    static let iqn = "iqn.2026-11.lab.test:node1.drbd0"
    static let initiator = "iqn.2026-11.lab.test:client"

    static func lio(_ state: String, change: (String) throws -> Void = { _ in }) throws -> Reading<TargetFacts> {
        let directory = TemporaryDirectory("halo-facts-lio")
        try LIOCaptureTree.write(state, to: directory.path)
        try change(directory.path)
        return TargetReader(root: directory.path, deadline: .after(.seconds(5))).read()
    }

    @Test func lioConfigured_targetLUNPortalAndBacking() throws {
        let facts = try #require(try Self.lio("configured").value)
        #expect(facts.loaded == [.lio])
        #expect(facts.software == .lio)
        let target = try #require(facts.targets.first)
        #expect(facts.targets.count == 1)
        #expect(target.iqn == Self.iqn)
        #expect(target.portalGroup == 1)
        #expect(target.isEnabled)
        #expect(target.luns == [TargetFacts.LUN(number: 0, device: "iblock_0/drbd0", backingPath: "/dev/drbd0")])
        #expect(target.portals == ["198.18.1.11:3260"])
        // Captured without a session: the ACL's session statistics are empty.
        #expect(target.sessions.isEmpty)
    }

    @Test func lioEmpty_isLoadedWithoutTargets() throws {
        #expect(try Self.lio("empty").value == TargetFacts(loaded: [.lio], targets: []))
    }

    /// A logged-in initiator. Not captured (the lab capture has no session): the kernel's
    /// iscsi_stat_sess_indx_show prints the session index only while the ACL has a session, and
    /// target_show_dynamic_sessions one initiator name per line, each followed by a NUL.
    @Test func lioSessions_fromTheACLsStatistics_andDynamicSessions() throws {
        let tpg = "\(LIOCaptureTree.base)/iscsi/\(Self.iqn)/tpgt_1"
        let facts = try #require(try Self.lio("configured") { root in
            let statistics = "\(root)\(tpg)/acls/\(Self.initiator)/fabric_statistics/iscsi_sess_stats"
            try FileSystem.makeDirectories(statistics, permissions: 0o755)
            try FileSystem.writeAtomically("\(statistics)/indx", Array("3\n".utf8), permissions: 0o644)
            try FileSystem.writeAtomically("\(root)\(tpg)/dynamic_sessions", Array("iqn.1994-05.com.redhat:kvm1\n\0".utf8), permissions: 0o644)
        }.value)
        #expect(facts.targets.first?.sessions.map(\.initiator) == [Self.initiator, "iqn.1994-05.com.redhat:kvm1"])
        #expect(facts.targets.first?.sessions.allSatisfy { $0.addresses.isEmpty } == true)  // LIO shows addresses only as text
    }

    @Test func lioCleared_andNotLoaded() throws {
        #expect(try Self.lio("cleared").value?.targets == [])
        let nothing = TemporaryDirectory("halo-facts-none")
        try FileSystem.makeDirectories("\(nothing.path)/sys/kernel", permissions: 0o755)
        #expect(TargetReader(root: nothing.path, deadline: .after(.seconds(5))).read() == .read(TargetFacts(loaded: [], targets: [])))
    }

    @Test func unreadableConfigfs_isAFailure_notAnEmptyList() throws {
        let directory = TemporaryDirectory("halo-facts-lio-broken")
        try LIOCaptureTree.write("configured", to: directory.path)
        // The iscsi directory replaced by a link that loops: listing it fails with ELOOP.
        let iscsi = "\(directory.path)\(LIOCaptureTree.base)/iscsi"
        _ = try? ProcessRunner().run(Command("rm", ["-rf", iscsi]), deadline: .after(.seconds(10)))
        try FileSystem.symlink(iscsi, at: iscsi)
        let reading = TargetReader(root: directory.path, deadline: .after(.seconds(5))).read()
        #expect(reading.value == nil)
        #expect(reading.failure?.contains("LIO") == true)
    }

    static func scst(_ capture: String) throws -> TargetFacts {
        let directory = TemporaryDirectory("halo-facts-scst")
        try SCSTCaptureTree(capture).write(to: directory.path)
        return try #require(TargetReader(root: directory.path, deadline: .after(.seconds(5))).read().value)
    }

    @Test func scstWithSession_LUNsPortalAndTheInitiatorsAddress() throws {
        let facts = try Self.scst("09-with-session")
        #expect(facts.loaded == [.scst])
        let target = try #require(facts.targets.first { $0.iqn == "iqn.2026-11.lab.test:tgt1" })
        #expect(facts.targets.count == 1)  // only iSCSI targets: copy_manager is SCST's own
        #expect(target.isEnabled)
        #expect(target.portalGroup == nil)
        #expect(target.luns.map(\.number) == [0, 1])
        #expect(target.luns.first == TargetFacts.LUN(number: 0, device: "disk1", backingPath: "/dev/vdb"))
        #expect(target.portals == ["198.18.1.21"])
        #expect(target.sessions == [TargetFacts.Session(initiator: "iqn.2026-11.lab.test:ini", addresses: ["198.18.1.22"])])
    }

    @Test func scstACL_LUNsOfTheInitiatorGroup() throws {
        let target = try #require(try Self.scst("17-acl-with-session").targets.first)
        #expect(target.luns.map(\.number) == [0, 3])
        #expect(target.luns.allSatisfy { $0.initiatorGroup == "acl_ini" })
        #expect(target.luns.first?.device == "disk1")
        #expect(target.sessions.first?.addresses == ["198.18.1.22"])
    }

    @Test func scstJustLoaded_hasNoTargets() throws {
        #expect(try Self.scst("01-after-modprobe") == TargetFacts(loaded: [.scst], targets: []))
    }
}
