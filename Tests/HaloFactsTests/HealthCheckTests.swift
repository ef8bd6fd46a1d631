import HaloDRBD
@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// Each deliberately broken input gives its finding; the healthy node gives none worse than info.
@Suite("Local health checks")
struct HealthCheckTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let name: String
        let expecting: LocalHealthChecks.Expectations
        let change: @Sendable (inout NodeFacts) throws -> Void
        let check: String
        let severity: Severity
        let line: Int

        init(_ name: String, expecting: LocalHealthChecks.Expectations = .init(), _ check: String, _ severity: Severity,
             line: Int = #line, change: @escaping @Sendable (inout NodeFacts) throws -> Void) {
            self.name = name
            self.expecting = expecting
            self.change = change
            self.check = check
            self.severity = severity
            self.line = line
        }

        var testDescription: String { "\(name) → \(check) \(severity) (line \(line))" }
    }

    static func configuration(fencing: String?, handlers: [String: String] = SampleFacts.halosHandlers) -> Reading<[DRBDResourceConfiguration]> {
        .read([DRBDResourceConfiguration(name: "r0", fencing: fencing, handlers: handlers)])
    }

    static func modules(_ changes: [String: ModuleState]) -> @Sendable (inout NodeFacts) -> Void {
        { facts in facts.modules = facts.modules.map { $0.merging(changes) { $1 } } }
    }

    static let rows: [Row] = [
        Row("no fencing policy", "drbd.fencing", .critical) { $0.drbdConfiguration = configuration(fencing: nil) },
        Row("fencing dont-care", "drbd.fencing", .critical) { $0.drbdConfiguration = configuration(fencing: "dont-care") },
        Row("fencing resource-only", "drbd.fencing", .info) { $0.drbdConfiguration = configuration(fencing: "resource-only") },
        Row("the shell fence-peer handler", "drbd.fence-peer-handler", .warning) {
            $0.drbdConfiguration = configuration(fencing: "resource-and-stonith", handlers: ["fence-peer": "/usr/lib/drbd/crm-fence-peer.sh",
                                                                                           "after-resync-target": SampleFacts.halosHandlers["after-resync-target"]!])
        },
        Row("no fence-peer handler while I/O freezes", "drbd.fence-peer-handler", .critical) {
            $0.drbdConfiguration = configuration(fencing: "resource-and-stonith", handlers: [:])
        },
        Row("no unfence handler", "drbd.unfence-handler", .warning) {
            $0.drbdConfiguration = configuration(fencing: "resource-and-stonith", handlers: ["fence-peer": SampleFacts.halosHandlers["fence-peer"]!])
        },
        Row("configured but not up", "drbd.up", .warning) {
            $0.drbdConfiguration = .read([DRBDResourceConfiguration(name: "r0", fencing: "resource-and-stonith", handlers: SampleFacts.halosHandlers),
                                          DRBDResourceConfiguration(name: "r1", fencing: "resource-and-stonith", handlers: SampleFacts.halosHandlers)])
        },
        Row("DRBD's usermode helper missing", "drbd.usermode-helper", .critical) {
            $0.drbdHelper = .read(DRBDHelperFacts(path: DRBDHelperFacts.halos, runnable: false))
        },
        Row("drbdadm before halo's fence-peer handler", "drbd.usermode-helper", .info) {
            $0.drbdHelper = .read(DRBDHelperFacts(path: DRBDHelperFacts.drbdadm, runnable: true))
        },
        Row("DRBD's usermode helper not reported", "facts.drbd_helper", .warning) { $0.drbdHelper = .failed("not reported") },
        Row("I/O suspended by fencing", "drbd.suspended", .critical) { $0.drbd = .read(try SampleFacts.drbd("suspended-fencing-node1")) },
        Row("Outdated, waiting for the peer", "drbd.disk", .critical) { $0.drbd = .read(try SampleFacts.drbd("outdated-wfconnection-node2")) },
        Row("not connected", "drbd.connection", .critical) { $0.drbd = .read(try SampleFacts.drbd("wfconnection-primary-node1")) },
        Row("StandAlone after split brain", "drbd.connection", .critical) { $0.drbd = .read(try SampleFacts.drbd("sb-standalone-primary-node1")) },
        Row("resyncing as SyncTarget", "drbd.disk", .warning) { $0.drbd = .read(try SampleFacts.drbd("resync-synctarget-node2")) },
        Row("the peer resyncing", "drbd.peer-disk", .warning) { $0.drbd = .read(try SampleFacts.drbd("resync-syncsource-node1")) },
        Row("the peer diskless", "drbd.peer-disk", .critical) { $0.drbd = .read(try SampleFacts.drbd("peer-diskless-node1")) },
        Row("diskless here", "drbd.disk", .critical) { $0.drbd = .read(try SampleFacts.drbd("diskless-primary-node1")) },
        Row("drbd not loaded yet", "modules.drbd", .info, change: modules(["drbd": .available])),
        Row("no drbd module in this kernel", "modules.drbd", .critical, change: modules(["drbd": .missing])),
        Row("target_core_mod not loaded", "modules.target_core_mod", .critical, change: modules(["target_core_mod": .available])),
        Row("iscsi_target_mod loads on demand", "modules.iscsi_target_mod", .info, change: modules(["iscsi_target_mod": .available])),
        Row("VLANs expected, no 8021q", expecting: .init(usesVLANs: true), "modules.8021q", .critical, change: modules(["8021q": .missing])),
        Row("LUKS expected, dm_crypt loads on open", expecting: .init(usesLUKS: true), "modules.dm_crypt", .info,
            change: modules(["dm_crypt": .available])),
        Row("no target software", "targets.software", .critical) { $0.targets = .read(TargetFacts(loaded: [], targets: [])) },
        Row("both target stacks", "targets.software", .critical) { $0.targets = .read(TargetFacts(loaded: [.lio, .scst], targets: [])) },
        Row("LIO loaded where the cluster uses SCST", expecting: .init(targetSoftware: .scst), "targets.software", .critical) { _ in },
        Row("SCST expected: its modules", expecting: .init(targetSoftware: .scst), "modules.scst", .critical) { _ in },
        Row("a degraded mirror", "md.array", .critical) {
            $0.mdArrays = .read([MDArrayFacts(name: "md1", level: "raid1", state: "clean", raidDisks: 2, degradedDevices: 1,
                                              members: [.init(name: "sda2", slot: 0, state: ["in_sync"])], sync: nil)])
        },
        Row("an inactive array", "md.array", .critical) {
            $0.mdArrays = .read([MDArrayFacts(name: "md127", level: "", state: "inactive", raidDisks: 0, degradedDevices: nil, members: [], sync: nil)])
        },
        Row("a resync", "md.array", .warning) {
            $0.mdArrays = .read([MDArrayFacts(name: "md0", level: "raid1", state: "active", raidDisks: 2, degradedDevices: 0, members: [],
                                              sync: .init(action: "resync", completedSectors: 1, totalSectors: 4))])
        },
        Row("a scrub", "md.array", .info) {
            $0.mdArrays = .read([MDArrayFacts(name: "md0", level: "raid1", state: "active", raidDisks: 2, degradedDevices: 0, members: [],
                                              sync: .init(action: "check", completedSectors: 1, totalSectors: 4))])
        },
        Row("the clock unsynchronised", "clock.synchronized", .warning) {
            $0.clock = .read(ClockFacts(ClockDiscipline(state: .error, status: .init(rawValue: 0x40), maximumErrorMicroseconds: 16_000_000,
                                                        estimatedErrorMicroseconds: 16_000_000, offsetNanoseconds: 0)))
        },
        Row("corosync not running here", "corosync.running", .warning) { $0.corosync = .read(.notRunning) },
        Row("two nodes without two_node", "corosync.two-node", .critical) {
            var settings = SampleFacts.corosync
            settings.isTwoNode = false
            $0.corosync = .read(.running(settings))
        },
        Row("corosync's default token", "corosync.token", .warning) {
            var settings = SampleFacts.corosync
            settings.tokenMilliseconds = 10_000
            settings.consensusMilliseconds = 12_000
            $0.corosync = .read(.running(settings))
        },
        Row("consensus below 1.2 × token", "corosync.consensus", .warning) {
            var settings = SampleFacts.corosync
            settings.consensusMilliseconds = 1000
            $0.corosync = .read(.running(settings))
        },
        Row("an address another host has too", "network.duplicate-address", .critical) {
            $0.addresses = .read([AddressFacts(address: "fd00:24::10", prefixLength: 64, interface: "bond0.24", isTentative: false, hasFailedDAD: true)])
        },
        Row("the clock could not be read", "facts.clock", .warning) { $0.clock = .failed("adjtimex: EPERM") },
        Row("DRBD could not be read", "facts.drbd", .warning) { $0.drbd = .failed("drbdsetup: not found") },
    ]

    @Test func theHealthyNode_hasNothingToFix() throws {
        let findings = LocalHealthChecks().run(facts: try SampleFacts.healthy())
        let problems = findings.filter { $0.severity > .info }
        #expect(problems.isEmpty, "\(problems.map(\.message))")
        // What was checked is reported too.
        let checks = Set(findings.map(\.check))
        for check in ["drbd.fencing", "drbd.fence-peer-handler", "drbd.unfence-handler", "drbd.usermode-helper", "drbd.disk", "drbd.connection", "drbd.peer-disk",
                      "modules.drbd", "modules.target_core_mod", "targets.software", "md.array", "clock.synchronized",
                      "corosync.running", "corosync.two-node", "corosync.token"] {
            #expect(checks.contains(check), "\(check)")
        }
    }

    @Test(arguments: rows)
    func aBrokenInput_givesItsFinding(row: Row) throws {
        var facts = try SampleFacts.healthy()
        try row.change(&facts)
        let findings = LocalHealthChecks(expecting: row.expecting).run(facts: facts)
        let found = findings.filter { $0.check == row.check }
        #expect(found.contains { $0.severity == row.severity }, "\(found.map { "\($0.severity): \($0.message)" })")
        for finding in found where finding.severity > .info {
            #expect(finding.fix != nil, "\(finding.check) says how to fix it")
        }
        #expect(findings.map(\.severity) == findings.map(\.severity).sorted(by: >), "worst first")
    }

    @Test func aHelperEndingInANewline_isCriticalAndSaysWhy() throws {
        var facts = try SampleFacts.healthy()
        facts.drbdHelper = .read(DRBDHelperFacts(path: DRBDHelperFacts.halos + "\n", runnable: false))
        let found = LocalHealthChecks().run(facts: facts).filter { $0.check == "drbd.usermode-helper" }
        #expect(found.map(\.severity) == [.critical])
        #expect(found.first?.message.contains("\"/usr/lib/halo/halo-drbd-helper\\n\"") == true)
        #expect(found.first?.message.contains("ends with a newline") == true)
        #expect(found.first?.fix?.contains("printf %s") == true)
    }

    @Test func drbdadm_withoutHalosHandler_orNoModule_isNothingToMention() throws {
        var facts = try SampleFacts.healthy()
        facts.drbdHelper = .read(DRBDHelperFacts(path: DRBDHelperFacts.drbdadm, runnable: true))
        facts.drbdConfiguration = Self.configuration(fencing: "resource-and-stonith", handlers: ["fence-peer": "/usr/lib/drbd/crm-fence-peer.sh"])
        #expect(LocalHealthChecks().run(facts: facts).filter { $0.check == "drbd.usermode-helper" }.map(\.severity) == [.ok])
        facts.drbdHelper = .read(nil)
        #expect(LocalHealthChecks().run(facts: facts).filter { $0.check == "drbd.usermode-helper" }.isEmpty)
        // DRBD 9: halo's helper would hand every call to drbdadm anyway.
        facts.drbdConfiguration = try SampleFacts.healthy().drbdConfiguration
        facts.drbdHelper = .read(DRBDHelperFacts(path: DRBDHelperFacts.drbdadm, runnable: true, moduleVersion: "9.2.12"))
        #expect(LocalHealthChecks().run(facts: facts).filter { $0.check == "drbd.usermode-helper" }.map(\.severity) == [.ok])
    }

    @Test func severities_areOrdered() {
        #expect(Severity.allCases.sorted() == [.ok, .info, .warning, .critical])
        #expect([Severity.info, .critical, .ok].max() == .critical)
    }
}
