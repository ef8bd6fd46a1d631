import Glibc
import HaloCryptsetup
import HaloOCF
import HaloSystem
import HaloTesting
import Testing
@testable import LuksAgent

@Suite("luks observation: the captured lab states, read through the agent's own sysfs reader")
struct LuksObservationTests {
    @Test func anOpenMapping_isFoundByName_withItsHeaderUUID_andBackingDevice() throws {
        let state = try fixture("luks-open").mapping(named: MappingName(text: "cr0"))
        #expect(state == .present(labMapping()))
        #expect(try fixture("luks-open").mapping(named: MappingName(text: "cr1")) == .absent)
    }

    @Test(arguments: ["luks-open", "drbd-attached", "dm-suspended"])
    func theCapturedMapping_isThisResource_byUUIDAndByPath(tree: String) throws {
        let state = try fixture(tree).mapping(named: MappingName(text: "cr0"))
        #expect(LuksDecision.ownership(of: state, identity: .uuid(labUUID), name: MappingName(text: "cr0")) == .ours(labMapping()))
        #expect(LuksDecision.ownership(of: state, identity: .device(path: "/dev/vdb", vdbNumber), name: MappingName(text: "cr0"))
                == .ours(labMapping()))
        // Depth 0 says running for every captured state: suspension is depth 10's to find.
        let observation = MonitorObservation(mapping: state, identity: .uuid(labUUID))
        #expect(LuksDecision.monitor(.lab(), level: .basic, observation) == .success(.success))
    }

    @Test func depth10_findsTheCapturedSuspendedMapping_andPassesTheResumedOne() throws {
        for (tree, expected) in [("drbd-attached", OCFExitCode.success), ("dm-suspended", .genericError)] {
            let view = fixture(tree)
            guard case .present(let mapping) = try view.mapping(named: MappingName(text: "cr0")) else {
                Issue.record("\(tree): cr0 not found")
                continue
            }
            let health = try view.health(of: mapping, readingHeaderOf: nil)
            #expect(health.sectors == 1_015_808 && !health.isReadOnly && health.backing.map { $0.kernelName } == ["vdb"])
            #expect(health.backing[0].scsiState == Optional<String>.none, "virtio has no SCSI state")
            let observation = MonitorObservation(mapping: .present(mapping), identity: .uuid(labUUID), health: health)
            let (code, reason) = ExitDecision.decide(LuksDecision.monitor(.lab(headerCheck: .open), level: .thorough, observation))
            #expect(code == expected, "\(tree): \(reason?.summary ?? "")")
        }
    }

    @Test func withDRBDAttached_stopNamesDRBD_asWhatHoldsTheMapping() throws {
        let view = fixture("drbd-attached")
        guard case .present(let mapping) = try view.mapping(named: MappingName(text: "cr0")) else {
            Issue.record("cr0 not found")
            return
        }
        let users = view.users(of: mapping)
        #expect(users.holders == [Holder(kernelName: "drbd0", mappingName: nil)])
        #expect(users.processes.isEmpty && users.mounts.isEmpty)
        guard case .refuse(let failure) = LuksDecision.stop(.lab(), .ours(mapping), users: users) else {
            Issue.record("stop must refuse a held mapping")
            return
        }
        #expect(failure.reason.summary == "cr0 is in use (held by drbd0): stop what is stacked on it first")
        let open = fixture("luks-open")
        #expect(open.users(of: try #require(try open.mapping(named: MappingName(text: "cr0")).mapping)).isEmpty)
    }

    @Test func constructedStates_replacedTable_foreignName_otherDisk() throws {
        let name = MappingName(text: "cr0")
        let errorTable = try fixture("error-table").mapping(named: name)
        let observation = MonitorObservation(mapping: errorTable, identity: .uuid(labUUID))
        #expect(ExitDecision.decide(LuksDecision.monitor(.lab(), level: .basic, observation)).0 == .genericError)

        let foreign = try fixture("foreign-mapping").mapping(named: name)
        guard case .notOurs(_, let conflict) = LuksDecision.ownership(of: foreign, identity: .uuid(labUUID), name: name) else {
            Issue.record("an LVM device is not ours")
            return
        }
        #expect(conflict == "cr0 is a device-mapper device that is not LUKS (dm uuid 'LVM-0123456789abcdef0123456789abcdef')")

        let other = try fixture("other-device").mapping(named: name)
        guard case .notOurs(_, let otherConflict) = LuksDecision.ownership(
            of: other, identity: .device(path: "/dev/vdb", vdbNumber), name: name) else {
            Issue.record("a mapping of vdc is not one of vdb")
            return
        }
        #expect(otherConflict == "cr0 is open on vdc (254:32), not on /dev/vdb (254:16)")
    }

    @Test func onThisMachinesSysfs_withoutDeviceMapper_nothingIsOpen() throws {
        #expect(try fixture("no-device-mapper").mapping(named: MappingName(text: "cr0")) == .absent)
        #expect(!fixture("no-device-mapper").hasDeviceMapper)
    }

    @Test(arguments: [
        ("CRYPT-LUKS2-58aba7b1d27a491abfb0fad5efeb5946-cr0", MappingKind.luks(.luks2, labUUID)),
        ("CRYPT-LUKS1-58aba7b1d27a491abfb0fad5efeb5946-r0-with-dashes", .luks(.luks1, labUUID)),
        ("CRYPT-PLAIN-swap", .otherCrypt(type: "PLAIN")),
        ("CRYPT-SUBDEV-58aba7b1d27a491abfb0fad5efeb5946-cr0_dif", .otherCrypt(type: "SUBDEV")),
        ("LVM-0123456789abcdef", .foreign(dmUUID: "LVM-0123456789abcdef")),
        ("", .foreign(dmUUID: "")),
    ])
    func deviceMapperUUIDs_sayWhatAMappingIs(dmUUID: String, kind: MappingKind) {
        #expect(MappingKind(dmUUID: dmUUID) == kind)
    }

    @Test func mountinfo_findsMountsOfTheDevice_withEscapedPaths() {
        // Two lines as this machine's /proc/self/mountinfo has them (`cat /proc/self/mountinfo`),
        // and one constructed for a file system on dm-0 (253:0) at a path with a space.
        let mountinfo = """
            22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
            91 22 253:0 / /srv/lun\\0400 rw,relatime shared:40 - xfs /dev/mapper/cr0 rw
            """
        #expect(MountTable.mountPoints(of: DeviceNumber(major: 253, minor: 0), in: mountinfo) == ["/srv/lun 0"])
        #expect(MountTable.mountPoints(of: DeviceNumber(major: 8, minor: 0), in: mountinfo).isEmpty)
    }

    @Test func swaps_givePaths() {
        let swaps = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1                               partition\t1048572\t\t0\t\t-2\n/srv/swap\\040file file 1 0 -3\n"
        #expect(SwapTable.paths(in: swaps) == ["/dev/dm-1", "/srv/swap file"])
        #expect(OctalEscapes.decode("a\\134b\\") == "a\\b\\")
    }
}

extension MappingState {
    var mapping: Mapping? {
        if case .present(let mapping) = self { return mapping }
        return nil
    }
}

/// Devices whose reads never return, as the agent's own views meet them: a tree whose device
/// nodes are FIFOs nobody writes to, so the reading child blocks in the kernel as it would on
/// a suspended DRBD device. Every read comes back as no answer, by the deadline.
@Suite("luks observation: devices that do not answer")
struct LuksUnansweredReadTests {
    /// A root with one disk `hang0` (7:99) in sysfs, whose /dev node never answers.
    static func hangingRoot() throws -> TemporaryDirectory {
        let root = TemporaryDirectory("halo-luks-hang")
        try FileSystem.makeDirectories(root.file("sys/class/block/hang0"))
        try FileSystem.makeDirectories(root.file("dev"))
        try FileSystem.writeAtomically(root.file("sys/class/block/hang0/dev"), Array("7:99\n".utf8))
        try FileSystem.writeAtomically(root.file("sys/class/block/hang0/size"), Array("2048\n".utf8))
        #expect(mkfifo(root.file("dev/hang0"), 0o600) == 0)
        return root
    }

    static func view(_ root: TemporaryDirectory) -> SystemView {
        SystemView(root: root.path, reader: .builtHaloAgent, deadline: .after(.milliseconds(900)))
    }

    @Test func theHeaderCheck_andTheDeepRead_reportNoAnswer() throws {
        let root = try Self.hangingRoot()
        let view = Self.view(root)
        guard case .unreadable("/dev/hang0", .noAnswer(let waited)) = view.header("/dev/hang0") else {
            Issue.record("the header read of a device that never answers must be no answer: \(view.header("/dev/hang0"))")
            return
        }
        #expect(waited > .zero)
        let mapping = Mapping(kernelName: "hang0", deviceNumber: DeviceNumber(major: 7, minor: 99), kind: .luks(.luks2, labUUID),
                              backing: [])
        guard case .failed("/dev/hang0", .noAnswer) = Self.view(root).deepRead(mapping) else {
            Issue.record("the deep read of a device that never answers must be no answer")
            return
        }
    }

    @Test func theUUIDScan_listsTheDevice_andStartRefusesSoftly() throws {
        let root = try Self.hangingRoot()
        let resolution = Self.view(root).resolve(.uuid(labUUID))
        guard case .uuidNotFound(labUUID, let unreadable) = resolution, unreadable.count == 1,
              case .noAnswer = unreadable[0].failure else {
            Issue.record("expected the scan to list hang0 as not answering: \(resolution)")
            return
        }
        let (code, reason) = ExitDecision.decide(.failure(LuksDecision.deviceProblem(resolution)!))
        #expect(code == .genericError)
        #expect(reason?.summary.contains("/dev/hang0 did not answer a read within") == true, "\(reason?.summary ?? "")")
    }
}
