@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// md arrays from sysfs trees written from the kernel's documentation (Tests/Fixtures/md-sysfs:
/// not captured, this kernel has no md), and kernel modules from /sys/module and depmod's lists.
@Suite("md arrays and kernel modules")
struct MDAndModuleFactsTests {
    static func arrays() throws -> [String: MDArrayFacts] {
        let directory = TemporaryDirectory("halo-facts-md")
        try FixtureTree.write(try Fixtures.text("md-sysfs/arrays.tree"), under: directory.path)
        let arrays = try #require(MDReader(kernel: KernelAttributes(root: directory.path)).read().value)
        return Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0) })
    }

    @Test func everyArray_andNothingElse() throws {
        #expect(try Self.arrays().keys.sorted() == ["md0", "md1", "md127", "md2", "md3", "md4"])
    }

    @Test func wholeMirror() throws {
        let md0 = try #require(try Self.arrays()["md0"])
        #expect(md0.level == "raid1")
        #expect(!md0.isDegraded)
        #expect(md0.raidDisks == 2 && md0.activeMembers == 2)
        #expect(md0.sync == nil)
        #expect(md0.members.map(\.slot) == [0, 1])
    }

    @Test func degradedMirror_recovering_withProgress() throws {
        let md1 = try #require(try Self.arrays()["md1"])
        #expect(md1.isDegraded && md1.degradedDevices == 1)
        #expect(md1.activeMembers == 1)
        #expect(md1.members.first { $0.name == "sdc2" } == .init(name: "sdc2", slot: nil, state: ["spare"]))
        let sync = try #require(md1.sync)
        #expect(sync.action == "recover")
        #expect(sync.completedSectors == 503192 && sync.totalSectors == 6136576)
        #expect(abs((sync.percentDone ?? 0) - 8.2) < 0.05)
    }

    @Test func faultyRAID5_stripe_andInactive() throws {
        let arrays = try Self.arrays()
        let md2 = try #require(arrays["md2"])
        #expect(md2.isDegraded)
        #expect(md2.members.first { $0.name == "sdb3" }?.state == ["faulty", "write_error"])
        #expect(md2.activeMembers == 2)
        let md3 = try #require(arrays["md3"])
        #expect(md3.degradedDevices == nil && !md3.isDegraded && md3.sync == nil)
        let md127 = try #require(arrays["md127"])
        #expect(md127.state == "inactive" && md127.level.isEmpty)
    }

    @Test func noSysBlock_isAFailure() {
        let reading = MDReader(kernel: KernelAttributes(root: TemporaryDirectory("halo-facts-empty").path)).read()
        #expect(reading.value == nil)
        #expect(reading.failure?.contains("/sys/block") == true)
    }

    // MARK: modules

    /// A node's module tree: drbd loaded, 8021q built in (an entry without initstate), bonding
    /// built in by modules.builtin only, dm-crypt installable (its file uses `-`), target_core_mod
    /// compressed; the rest missing. Written here in depmod's formats (modules.dep:
    /// `path: dependencies`; modules.builtin: one path per line).
    static func moduleRoot() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory("halo-facts-modules")
        try FixtureTree.write("""
            module/drbd/initstate = live
            module/drbd/version = 8.4.11
            module/8021q/parameters/x = 1
            """, under: directory.path)
        let modules = "\(directory.path)/lib/modules/6.1.0-50-amd64"
        try FileSystem.makeDirectories(modules, permissions: 0o755)
        try FileSystem.writeAtomically("\(modules)/modules.dep", Array("""
            kernel/drivers/block/drbd/drbd.ko: kernel/lib/lru_cache.ko kernel/lib/libcrc32c.ko
            kernel/drivers/md/dm-crypt.ko: kernel/drivers/md/dm-mod.ko
            kernel/drivers/target/target_core_mod.ko.xz: kernel/drivers/target/configfs.ko
            kernel/drivers/target/iscsi/iscsi_target_mod.ko: kernel/drivers/target/target_core_mod.ko.xz

            """.utf8), permissions: 0o644)
        try FileSystem.writeAtomically("\(modules)/modules.builtin", Array("kernel/drivers/net/bonding/bonding.ko\n".utf8), permissions: 0o644)
        return directory
    }

    @Test func moduleStates_fromSysAndDepmodsLists() throws {
        let root = try Self.moduleRoot()
        let states = try #require(ModuleReader(kernel: KernelAttributes(root: root.path), release: "6.1.0-50-amd64").read().value)
        #expect(states["drbd"] == .loaded)
        #expect(states["8021q"] == .builtIn)
        #expect(states["bonding"] == .builtIn)
        #expect(states["dm_crypt"] == .available)
        #expect(states["target_core_mod"] == .available)
        #expect(states["iscsi_target_mod"] == .available)
        #expect(states["scst"] == .missing)
        #expect(Set(states.keys) == Set(ModuleState.stackModules))
    }

    @Test func noModuleDirectory_meansNothingCanBeLoaded_andNoSysModuleIsAFailure() throws {
        let root = try Self.moduleRoot()
        let other = try #require(ModuleReader(kernel: KernelAttributes(root: root.path), release: "6.12.0-other").read().value)
        #expect(other["dm_crypt"] == .missing)
        #expect(other["drbd"] == .loaded)
        let reading = ModuleReader(kernel: KernelAttributes(root: TemporaryDirectory("halo-facts-empty").path), release: "x").read()
        #expect(reading.value == nil && reading.failure != nil)
    }

    @Test func thisHostsModules_areRead() throws {
        // This machine's own /sys/module: a stack module with an entry there is loaded or built
        // in; one without is never "loaded" (built-in modules without parameters have none).
        let states = try #require(ModuleReader(kernel: KernelAttributes(), release: CurrentProcess.kernelRelease).read().value)
        #expect(states.count == ModuleState.stackModules.count)
        for name in ModuleState.stackModules {
            let state = states[name]
            if KernelAttributes().exists("/sys/module/\(name)") {
                #expect(state == .loaded || state == .builtIn, "\(name): \(String(describing: state))")
            } else {
                #expect(state != nil && state != .loaded, "\(name): \(String(describing: state))")
            }
        }
    }
}
