@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// The collector: every part read on its own, a part that cannot be read is `.failed(why)` —
/// never an empty value — and the others are still there, all within the deadline.
@Suite("Facts collector: parts fail on their own")
struct CollectorTests {
    /// A stand-in for a drbd-utils program: a script that prints `output` (a fixture's body)
    /// and `error`, then exits with `status`, or sleeps first.
    static func standIn(_ directory: TemporaryDirectory, _ name: String, output: String = "", error: String = "",
                        status: Int = 0, sleep: Int? = nil) throws -> String {
        let body = output.isEmpty ? "" : "cat <<'HALO_EOF'\n\(output)\nHALO_EOF\n"
        let script = "#!/bin/sh\n" + (sleep.map { "sleep \($0)\n" } ?? "") + body
            + (error.isEmpty ? "" : "cat >&2 <<'HALO_EOF'\n\(error)\nHALO_EOF\n") + "exit \(status)\n"
        let path = directory.file(name)
        try FileSystem.writeAtomically(path, Array(script.utf8), permissions: 0o755)
        return path
    }

    /// Fixture body without the capture's `#` header.
    static func body(_ file: String) throws -> String {
        try Fixtures.text(file).split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# ") }.joined(separator: "\n")
    }

    /// A root with the DRBD module "loaded", LIO's captured tree, the md trees and a module tree.
    static func root() throws -> TemporaryDirectory {
        let root = try MDAndModuleFactsTests.moduleRoot()
        try LIOCaptureTree.write("configured", to: root.path)
        try FixtureTree.write(try Fixtures.text("md-sysfs/arrays.tree"), under: root.path)
        return root
    }

    static func sources(_ root: TemporaryDirectory, drbdsetup: String, drbdadm: String) -> FactsCollector.Sources {
        var sources = FactsCollector.Sources(root: root.path, drbdsetup: drbdsetup, drbdadm: drbdadm,
                                             nodeName: "node1", kernelRelease: "6.1.0-50-amd64")
        sources.network = { _ in NetworkReading(links: .read([]), addresses: .read([])) }
        sources.corosync = { .read(.notRunning) }
        return sources
    }

    @Test func everyPartRead_fromFixturesAndStandIns() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", output: try Self.body("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt"))
        let dump = try Self.standIn(root, "drbdadm", output: try Self.body("drbd-utils-9.22/drbdadm-84-dump-all.txt"))
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(10)))
        #expect(facts.node == "node1")
        #expect(facts.drbd.value?.map(\.name) == ["r0"])
        #expect(facts.drbdConfiguration.value?.map(\.name) == ["lun1", "lun2", "lun3"])
        #expect(facts.targets.value?.targets.first?.iqn == TargetFactsTests.iqn)
        #expect(facts.mdArrays.value?.count == 6)
        #expect(facts.modules.value?["drbd"] == .loaded)
        #expect(facts.clock.value != nil)  // this machine's adjtimex
        #expect(facts.corosync == .read(.notRunning))
    }

    /// DRBD's usermode helper: the parameter, whether the program it names can be run (under
    /// the test's root, as every other path) and the module's version (the root's: 8.4.11).
    @Test func drbdsUsermodeHelper_isReadWithWhetherItCanRun() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", output: try Self.body("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt"))
        let dump = try Self.standIn(root, "drbdadm", output: "# no resources configured")
        func collect() -> Reading<DRBDHelperFacts?> {
            FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(10)), drbdConfiguration: false).drbdHelper
        }
        #expect(collect().failure?.contains("usermode_helper") == true)   // the module's parameter is missing
        try FileSystem.makeDirectories(root.file("sys/module/drbd/parameters"))
        try FileSystem.writeAtomically(root.file("sys/module/drbd/parameters/usermode_helper"), Array("/usr/lib/halo/halo-drbd-helper\n".utf8), permissions: 0o644)
        #expect(collect() == .read(DRBDHelperFacts(path: "/usr/lib/halo/halo-drbd-helper", runnable: false, moduleVersion: "8.4.11")))   // not there
        try FileSystem.makeDirectories(root.file("usr/lib/halo"))
        try FileSystem.writeAtomically(root.file("usr/lib/halo/halo-drbd-helper"), Array("#!/bin/sh\n".utf8), permissions: 0o644)
        #expect(collect() == .read(DRBDHelperFacts(path: "/usr/lib/halo/halo-drbd-helper", runnable: false, moduleVersion: "8.4.11")))   // not executable
        try FileSystem.writeAtomically(root.file("usr/lib/halo/halo-drbd-helper"), Array("#!/bin/sh\n".utf8), permissions: 0o755)
        #expect(collect() == .read(DRBDHelperFacts(path: "/usr/lib/halo/halo-drbd-helper", runnable: true, moduleVersion: "8.4.11")))
        // Written with echo: the kernel keeps the newline, prints its own after it, and cannot
        // run a program of that name (seen in the lab: exit code 255 for every handler).
        try FileSystem.writeAtomically(root.file("sys/module/drbd/parameters/usermode_helper"), Array("/usr/lib/halo/halo-drbd-helper\n\n".utf8), permissions: 0o644)
        #expect(collect() == .read(DRBDHelperFacts(path: "/usr/lib/halo/halo-drbd-helper\n", runnable: false, moduleVersion: "8.4.11")))
        _ = try ProcessRunner().run(Command("rm", ["-r", "\(root.path)/sys/module/drbd"]), deadline: .after(.seconds(10)))
        #expect(collect() == .read(nil))
    }

    @Test func withoutTheConfiguration_drbdadmIsNotRun_andTheResourcesAreStillRead() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", output: try Self.body("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt"))
        // A drbdadm that leaves a mark when run: it must not be.
        let mark = root.file("drbdadm-ran")
        let dump = root.file("drbdadm")
        try FileSystem.writeAtomically(dump, Array("#!/bin/sh\ntouch '\(mark)'\nexit 0\n".utf8), permissions: 0o755)
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump))
            .collect(deadline: .after(.seconds(10)), drbdConfiguration: false)
        #expect(facts.drbd.value?.map(\.name) == ["r0"])
        #expect(facts.drbdConfiguration.failure?.contains("not asked for") == true)
        #expect((try? FileSystem.info(mark)) == nil)
        // Asked for, it is run.
        _ = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(10)))
        #expect((try? FileSystem.info(mark)) != nil)
    }

    @Test func drbdModuleNotLoaded_noResourcesUp_andDrbdsetupIsNotRun() throws {
        let root = try Self.root()
        _ = try ProcessRunner().run(Command("rm", ["-r", "\(root.path)/sys/module/drbd"]), deadline: .after(.seconds(10)))
        // drbdsetup would load the module to answer; a stand-in that fails proves it is not run.
        let events = try Self.standIn(root, "drbdsetup", error: "must not run", status: 1)
        let dump = try Self.standIn(root, "drbdadm", output: "# no resources configured")
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(10)))
        #expect(facts.drbd == .read([]))
        #expect(facts.drbdConfiguration == .read([]))
    }

    @Test func failingDrbdsetup_isAFailureWithItsWords_andTheRestIsRead() throws {
        let root = try Self.root()
        // What drbd-utils 9.22's drbdsetup says, exit 20, when it cannot reach the kernel module
        // (run on the development machine, which has no DRBD).
        let events = try Self.standIn(root, "drbdsetup", error: """
            sh: 1: /sbin/modprobe: not found
            Could not stat /proc/drbd: No such file or directory
            Make sure that the DRBD kernel module is installed and can be loaded!
            """, status: 20)
        let dump = try Self.standIn(root, "drbdadm", error: "Can not open '/etc/drbd.conf': No such file or directory", status: 10)
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(10)))
        let failure = try #require(facts.drbd.failure)
        #expect(failure.contains("exit status 20") && failure.contains("Could not stat /proc/drbd"))
        #expect(facts.drbdConfiguration.failure?.contains("/etc/drbd.conf") == true)
        #expect(facts.targets.value != nil && facts.mdArrays.value != nil && facts.modules.value != nil)
    }

    @Test func garbageFromDrbdsetup_andMissingPrograms_areFailures() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", output: "exists resource name:r0 role:Sideways")
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: "\(root.path)/no-such-drbdadm"))
            .collect(deadline: .after(.seconds(10)))
        #expect(facts.drbd.failure?.contains("unknown role Sideways") == true)
        #expect(facts.drbdConfiguration.failure?.contains("not found") == true)
    }

    @Test func aHangingDrbdsetup_costsOnlyItsOwnPart_andTheDeadlineHolds() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", sleep: 30)
        let dump = try Self.standIn(root, "drbdadm", output: try Self.body("drbd-utils-9.22/drbdadm-9-dump-all.txt"))
        let started = ContinuousClock.now
        let facts = FactsCollector(sources: Self.sources(root, drbdsetup: events, drbdadm: dump)).collect(deadline: .after(.seconds(1)))
        let took = started.duration(to: .now)
        #expect(took < .seconds(3), "the deadline was 1 s (plus the runner's kill grace)")
        #expect(facts.drbd.failure?.contains("did not finish in time") == true)
        #expect(facts.drbdConfiguration.value?.map(\.name) == ["lun1", "lun2"])
        #expect(facts.targets.value != nil)
    }

    @Test func aCorosyncThatDoesNotAnswer_costsOnlyItsOwnPart() throws {
        let root = try Self.root()
        let events = try Self.standIn(root, "drbdsetup", output: try Self.body("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt"))
        let dump = try Self.standIn(root, "drbdadm", output: "# no resources configured")
        var sources = Self.sources(root, drbdsetup: events, drbdadm: dump)
        // libcmap waits for a stuck corosync without a timeout.
        sources.corosync = {
            Pause.for(.seconds(5))
            return .read(.notRunning)
        }
        let started = ContinuousClock.now
        let facts = FactsCollector(sources: sources).collect(deadline: .after(.milliseconds(800)))
        #expect(started.duration(to: .now) < .seconds(2))
        #expect(facts.corosync == CorosyncFacts.noAnswer)
        #expect(facts.drbd.value?.map(\.name) == ["r0"])
        #expect(facts.targets.value != nil && facts.modules.value != nil)
    }

    @Test func missingTrees_eachPartSaysWhy() throws {
        let empty = TemporaryDirectory("halo-facts-nothing")
        var sources = FactsCollector.Sources(root: empty.path, drbdsetup: "\(empty.path)/x", drbdadm: "\(empty.path)/y",
                                             nodeName: "node1", kernelRelease: "6.1.0-50-amd64")
        sources.network = { _ in NetworkReading(links: .failed("netlink: EPERM"), addresses: .failed("netlink: EPERM")) }
        sources.clock = { .failed("adjtimex: EPERM") }
        sources.corosync = { .failed("corosync's configuration map: corosync refused access (not root?)") }
        let facts = FactsCollector(sources: sources).collect(deadline: .after(.seconds(5)))
        // No /sys/module/drbd: nothing is up (not a failure); drbdadm is missing (a failure).
        #expect(facts.drbd == .read([]))
        #expect(facts.drbdConfiguration.failure != nil)
        #expect(facts.targets == .read(TargetFacts(loaded: [], targets: [])))  // neither tree: nothing loaded
        #expect(facts.mdArrays.failure != nil)
        #expect(facts.modules.failure != nil)
        #expect(facts.links == .failed("netlink: EPERM") && facts.addresses == .failed("netlink: EPERM"))
        #expect(facts.clock.failure == "adjtimex: EPERM")
        #expect(facts.corosync.failure == "corosync's configuration map: corosync refused access (not root?)")
    }

    @Test func liveReaders_onThisMachine() {
        // The kernel clock and netlink in this namespace are real (corosync's reader is haloctl's:
        // LiveFactsTests).
        #expect(ClockReader.read().value != nil)
        let network = NetworkReader.read(deadline: .after(.seconds(5)))
        #expect(network.links.value?.contains { $0.name == "lo" } == true)
        #expect(network.addresses.value?.contains { $0.address == "127.0.0.1" && $0.interface == "lo" } == true)
    }

    @Test func aBoundedCallThatHangs_returnsAtTheDeadline() {
        let started = ContinuousClock.now
        let value: Int? = BoundedCall.run(deadline: .after(.milliseconds(200))) {
            Pause.for(.seconds(5))
            return 1
        }
        #expect(value == nil)
        #expect(started.duration(to: .now) < .seconds(2))
        #expect(BoundedCall.run(deadline: .after(.seconds(5))) { 42 } == 42)
    }
}
