import Glibc
import HaloCryptsetup
import HaloOCF
@testable import HaloSystem
import Testing
@testable import LuksAgent

// Observations as the captures show them: cr0 = dm-0 (253:0) on vdb (254:16), LUKS2 header
// 58aba7b1-d27a-491a-bfb0-fad5efeb5946.
let labUUID = LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")!
let vdb = BackingDevice(kernelName: "vdb", deviceNumber: DeviceNumber(major: 254, minor: 16))
let vdbNumber = DeviceNumber(major: 254, minor: 16)

func labMapping(kind: MappingKind = .luks(.luks2, labUUID), backing: [BackingDevice] = [vdb]) -> Mapping {
    Mapping(kernelName: "dm-0", deviceNumber: DeviceNumber(major: 253, minor: 0), kind: kind, backing: backing)
}

func healthy(_ change: (inout MappingHealth) -> Void = { _ in }) -> MappingHealth {
    var health = MappingHealth(
        isSuspended: false, sectors: 1_015_808, isReadOnly: false, discardMaxBytes: 0,
        backing: [BackingHealth(kernelName: "vdb", sectors: 1_048_576, scsiState: nil, discardMaxBytes: 0)],
        header: .luks(LuksHeaderIdentity(version: .luks2, uuid: labUUID)))
    change(&health)
    return health
}

func present(_ mapping: Mapping = labMapping(), identity: ConfiguredIdentity = .uuid(labUUID),
             health: MappingHealth? = nil, deepRead: DeepRead? = nil) -> MonitorObservation {
    MonitorObservation(mapping: .present(mapping), identity: identity, health: health, deepRead: deepRead)
}

/// What a row expects: an exit code, and a phrase its exit reason contains (empty: no reason).
struct Expected: CustomStringConvertible {
    let code: OCFExitCode
    let phrase: String
    init(_ code: OCFExitCode, _ phrase: String = "") {
        self.code = code
        self.phrase = phrase
    }

    func check(_ result: Result<AgentOutcome, AgentFailure>, _ location: SourceLocation) {
        let (code, reason) = ExitDecision.decide(result)
        #expect(code == self.code, "\(reason?.summary ?? "no reason")", sourceLocation: location)
        if !phrase.isEmpty {
            #expect(reason?.summary.contains(phrase) == true, "reason: \(reason?.summary ?? "none")", sourceLocation: location)
        }
    }

    var description: String { "\(code.rawValue) \(phrase)" }
}

struct MonitorRow: CustomTestStringConvertible, Sendable {
    let label: String
    let settings: LuksSettings
    let level: CheckLevel
    let observation: MonitorObservation
    let code: OCFExitCode
    let phrase: String
    let location: SourceLocation

    init(_ label: String, settings: LuksSettings = .lab(), level: CheckLevel = .basic, _ observation: MonitorObservation,
         _ code: OCFExitCode, _ phrase: String = "", location: SourceLocation = #_sourceLocation) {
        self.label = label
        self.settings = settings
        self.level = level
        self.observation = observation
        self.code = code
        self.phrase = phrase
        self.location = location
    }

    var testDescription: String { label }
}

let monitorRows: [MonitorRow] = [
    MonitorRow("absent: not running", MonitorObservation(mapping: .absent), .notRunning),
    MonitorRow("a foreign device under the name: not this resource", present(labMapping(kind: .foreign(dmUUID: "LVM-x"))), .notRunning),
    MonitorRow("a plain dm-crypt mapping under the name: not this resource", present(labMapping(kind: .otherCrypt(type: "PLAIN"))), .notRunning),
    MonitorRow("another LUKS header under the name: not this resource",
               present(labMapping(kind: .luks(.luks2, LuksUUID("11111111-2222-3333-4444-555555555555")!))), .notRunning),
    MonitorRow("open on another disk (by path): not this resource", settings: .lab(byPath: true),
               present(labMapping(backing: [BackingDevice(kernelName: "vdc", deviceNumber: DeviceNumber(major: 254, minor: 32))]),
                       identity: .device(path: "/dev/vdb", vdbNumber)), .notRunning),
    MonitorRow("open by UUID, depth 0: running", present(), .success),
    MonitorRow("open by path, depth 0: running", settings: .lab(byPath: true), present(identity: .device(path: "/dev/vdb", vdbNumber)), .success),
    MonitorRow("configured path gone while open: failed", settings: .lab(byPath: true),
               present(identity: .unavailable(path: "/dev/vdb", .noSuchFile)), .genericError, "is no block device here (ENOENT)"),
    MonitorRow("table replaced by an error target: failed", present(labMapping(backing: [])), .genericError, "lost its backing device"),
    MonitorRow("depth 10, healthy: running", level: .thorough, present(health: healthy()), .success),
    MonitorRow("depth 10, suspended: failed", level: .thorough, present(health: healthy { $0.isSuspended = true }),
               .genericError, "suspended"),
    MonitorRow("depth 10, no live table: failed", level: .thorough, present(health: healthy { $0.sectors = 0 }),
               .genericError, "no live table"),
    MonitorRow("depth 10, backing device of size 0: failed", level: .thorough,
               present(health: healthy { $0.backing[0].sectors = 0 }), .genericError, "vdb has size 0"),
    MonitorRow("depth 10, SCSI disk offline: failed", level: .thorough,
               present(health: healthy { $0.backing[0].scsiState = "offline" }), .genericError, "vdb is offline"),
    MonitorRow("depth 10, SCSI disk running: running", level: .thorough,
               present(health: healthy { $0.backing[0].scsiState = "running" }), .success),
    MonitorRow("depth 10, read-only though configured read-write: failed", level: .thorough,
               present(health: healthy { $0.isReadOnly = true }), .genericError, "open read-only though read_only=false"),
    MonitorRow("depth 10, read-write though configured read-only: failed", settings: .lab(readOnly: true), level: .thorough,
               present(health: healthy()), .genericError, "open read-write though read_only=true"),
    MonitorRow("depth 10, discards configured, disk supports them, mapping passes none: degraded", settings: .lab(discards: true),
               level: .thorough, present(health: healthy { $0.backing[0].discardMaxBytes = 2_147_450_880 }),
               .degraded, "passes no discards"),
    MonitorRow("depth 10, discards configured, disk has none: running", settings: .lab(discards: true), level: .thorough,
               present(health: healthy()), .success),
    MonitorRow("depth 10, discards passing though not configured: degraded", level: .thorough,
               present(health: healthy { $0.discardMaxBytes = 4096; $0.backing[0].discardMaxBytes = 4096 }),
               .degraded, "passes discards though allow_discards=false"),
    MonitorRow("depth 10, header gone under the open mapping: degraded, never restarted", level: .thorough,
               present(health: healthy { $0.header = .notLuks }), .degraded, "is gone while cr0 is open"),
    MonitorRow("depth 10, header replaced by another LUKS header: degraded", level: .thorough,
               present(health: healthy {
                   $0.header = .luks(LuksHeaderIdentity(version: .luks2, uuid: LuksUUID("11111111-2222-3333-4444-555555555555")!))
               }), .degraded, "now UUID=11111111"),
    MonitorRow("depth 10, header unreadable with EIO: failed", level: .thorough,
               present(health: healthy { $0.header = .unreadable(path: "/dev/vdb", .refused(.ioError)) }), .genericError, "EIO"),
    MonitorRow("depth 10, header unreadable otherwise: degraded", level: .thorough,
               present(health: healthy { $0.header = .unreadable(path: "/dev/vdb", .refused(.permissionDenied)) }),
               .degraded, "cannot check the LUKS header"),
    MonitorRow("depth 10, the device under the mapping does not answer the header read: failed (its I/O hangs)",
               level: .thorough,
               present(health: healthy { $0.header = .unreadable(path: "/dev/drbd0", .noAnswer(within: .milliseconds(26_940))) }),
               .genericError, "/dev/drbd0 did not answer a read within 26.9 s: its I/O hangs, and cr0 with it"),
    MonitorRow("depth 10 with header_check=open: the header is not looked at", settings: .lab(headerCheck: .open), level: .thorough,
               present(health: healthy { $0.header = nil }), .success),
    MonitorRow("depth 20, the block reads: running", level: .deep, present(health: healthy(), deepRead: .readable), .success),
    MonitorRow("depth 20, the block does not read: failed", level: .deep,
               present(health: healthy(), deepRead: .failed(path: "/dev/dm-0", .refused(.ioError))), .genericError, "reading through cr0"),
    MonitorRow("depth 20, the read through the mapping gets no answer: failed, naming the device and the wait", level: .deep,
               present(health: healthy(), deepRead: .failed(path: "/dev/dm-0", .noAnswer(within: .milliseconds(26_960)))),
               .genericError, "reading through cr0 (/dev/dm-0) failed: no answer within 27.0 s: its I/O hangs"),
]

@Suite("luks decisions: monitor, start, stop, this node's environment")
struct LuksDecisionTests {
    @Test(arguments: monitorRows)
    func monitor(row: MonitorRow) {
        Expected(row.code, row.phrase).check(LuksDecision.monitor(row.settings, level: row.level, row.observation), row.location)
    }

    @Test func monitor_neverReturnsMisconfigured() {
        for row in monitorRows {
            let (code, _) = ExitDecision.decide(LuksDecision.monitor(row.settings, level: row.level, row.observation))
            #expect(code != .notConfigured, sourceLocation: row.location)
        }
    }

    @Test func theDeepRead_isNeverMadeThroughASuspendedMapping_norOverADeviceThatDidNotAnswer() {
        #expect(LuksDecision.mayReadThrough(healthy()))
        #expect(!LuksDecision.mayReadThrough(healthy { $0.isSuspended = true }))
        #expect(!LuksDecision.mayReadThrough(healthy { $0.header = .unreadable(path: "/dev/drbd0", .noAnswer(within: .seconds(5))) }))
        #expect(LuksDecision.mayReadThrough(healthy { $0.header = .unreadable(path: "/dev/drbd0", .refused(.permissionDenied)) }))
    }

    @Test func start_opensWhenAbsent_succeedsWhenOpenOnTheSameDevice_refusesAConflictNamingBoth() {
        let settings = LuksSettings.lab(byPath: true)
        #expect(LuksDecision.start(settings, .absent, clone: nil) == .open)
        #expect(LuksDecision.start(settings, .ours(labMapping()), clone: nil) == .alreadyOpen)
        let other = LuksDecision.ownership(
            of: .present(labMapping(backing: [BackingDevice(kernelName: "vdc", deviceNumber: DeviceNumber(major: 254, minor: 32))])),
            identity: .device(path: "/dev/vdb", vdbNumber), name: settings.name)
        guard case .refuse(let failure) = LuksDecision.start(settings, other, clone: nil) else {
            Issue.record("a conflict must be refused")
            return
        }
        #expect(ExitDecision.decide(.failure(failure)).0 == .invalidArgument)
        #expect(failure.reason.summary == "cr0 is open on vdc (254:32), not on /dev/vdb (254:16): close it or choose another name")
    }

    @Test func start_ofAnUnidentifiableMapping_isASoftFailure() {
        let plan = LuksDecision.start(.lab(byPath: true), .unidentifiable(labMapping(), path: "/dev/vdb", .noSuchFile), clone: nil)
        guard case .refuse(.generic(let reason)) = plan else {
            Issue.record("expected a generic refusal, got \(plan)")
            return
        }
        #expect(reason.summary.contains("already open on vdb"))
    }

    @Test func aCloneWithTwoInstancesPerNode_isMisconfiguredEverywhere_oneIsFine() {
        func clone(_ perNode: Int) -> CloneMeta {
            OCFEnvironment(["OCF_RESKEY_CRM_meta_clone_max": "2", "OCF_RESKEY_CRM_meta_clone_node_max": "\(perNode)"]).clone!
        }
        #expect(LuksDecision.start(.lab(), .absent, clone: clone(1)) == .open)
        guard case .refuse(.misconfigured(let reason)) = LuksDecision.start(.lab(), .absent, clone: clone(2)) else {
            Issue.record("clone-node-max=2 must be refused with 6")
            return
        }
        #expect(reason.summary.hasPrefix("clone-node-max=2"))
    }

    @Test func stop_closesWhatIsOurs_leavesWhatIsNot_andNamesWhoHoldsIt() {
        let settings = LuksSettings.lab()
        let mapping = labMapping()
        #expect(LuksDecision.stop(settings, .absent, users: Users()) == .nothingToDo)
        #expect(LuksDecision.stop(settings, .notOurs(mapping, conflict: "x"), users: Users()) == .nothingToDo)
        #expect(LuksDecision.stop(settings, .ours(mapping), users: Users()) == .close(mapping))
        #expect(LuksDecision.stop(settings, .unidentifiable(mapping, path: "/dev/vdb", .noSuchFile), users: Users()) == .close(mapping))

        let drbd = Users(holders: [Holder(kernelName: "drbd0", mappingName: nil)])
        guard case .refuse(.generic(let held)) = LuksDecision.stop(settings, .ours(mapping), users: drbd) else {
            Issue.record("a held mapping cannot be closed")
            return
        }
        #expect(held.summary == "cr0 is in use (held by drbd0): stop what is stacked on it first")

        let qemu = Users(processes: [ProcessUse(pid: 4711, command: "qemu-system-x86")])
        guard case .refuse(.generic(let opened)) = LuksDecision.stop(settings, .ours(mapping), users: qemu) else {
            Issue.record("an open mapping is refused without force_stop")
            return
        }
        #expect(opened.summary == "cr0 is in use (open by qemu-system-x86[4711]): stop them first, or set force_stop=true")
    }

    @Test func forceStop_endsProcessesOnly_neverStackedDevicesMountsOrSwap() {
        let settings = LuksSettings.lab(forceStop: true)
        let mapping = labMapping()
        let processes = [ProcessUse(pid: 4711, command: "dd")]
        #expect(LuksDecision.stop(settings, .ours(mapping), users: Users(processes: processes))
                == .endProcessesThenClose(mapping, processes))
        for users in [Users(holders: [Holder(kernelName: "dm-1", mappingName: "vg-lv")], processes: processes),
                      Users(mounts: ["/srv/data"], processes: processes), Users(swaps: ["/dev/dm-0"])] {
            guard case .refuse(.generic(let reason)) = LuksDecision.stop(settings, .ours(mapping), users: users) else {
                Issue.record("force_stop must not touch \(users)")
                continue
            }
            #expect(reason.summary.hasSuffix("stop what is stacked on it first"))
        }
    }

    @Test func users_areDescribedMostStructuralFirst() {
        let users = Users(holders: [Holder(kernelName: "dm-1", mappingName: "vg-lv")], mounts: ["/srv"], swaps: ["/dev/dm-0"],
                          processes: [ProcessUse(pid: 1, command: "a"), ProcessUse(pid: 2, command: "b")])
        #expect(LuksDecision.describe(users) == "held by dm-1 (vg-lv); mounted on /srv; swap; open by a[1], b[2]")
    }
}

// MARK: This node's environment (start and validate-all)

func keyFile(type: mode_t = S_IFREG, mode: mode_t = 0o400, owner: uid_t = 0, size: Int = 32) -> KeyFileFacts {
    var info = stat()
    info.st_mode = type | mode
    info.st_uid = owner
    info.st_size = size
    return .opened(FileInfo(info))
}

struct HygieneRow: CustomTestStringConvertible, Sendable {
    let label: String
    let facts: KeyFileFacts
    let code: OCFExitCode?
    let phrase: String
    let location: SourceLocation

    init(_ label: String, _ facts: KeyFileFacts, _ code: OCFExitCode?, _ phrase: String = "",
         location: SourceLocation = #_sourceLocation) {
        self.label = label
        self.facts = facts
        self.code = code
        self.phrase = phrase
        self.location = location
    }

    var testDescription: String { label }
}

let hygieneRows: [HygieneRow] = [
    HygieneRow("0400 root regular file: fine", keyFile(), nil),
    HygieneRow("0600 root regular file: fine", keyFile(mode: 0o600), nil),
    HygieneRow("world-readable: refused on this node", keyFile(mode: 0o644), .invalidArgument, "mode 0644"),
    HygieneRow("group-readable: refused", keyFile(mode: 0o640), .invalidArgument, "mode 0640"),
    HygieneRow("writable by others only: refused too", keyFile(mode: 0o602), .invalidArgument, "mode 0602"),
    HygieneRow("owned by another user: refused", keyFile(owner: 1000), .invalidArgument, "owned by uid 1000"),
    HygieneRow("empty: refused", keyFile(size: 0), .invalidArgument, "is empty"),
    HygieneRow("over 8 MiB: refused", keyFile(size: 8 << 20 + 1), .invalidArgument, "larger than 8 MiB"),
    HygieneRow("a directory: refused", keyFile(type: S_IFDIR, mode: 0o700), .invalidArgument, "is a directory"),
    HygieneRow("a FIFO: refused", keyFile(type: S_IFIFO, mode: 0o600), .invalidArgument, "is a FIFO"),
    HygieneRow("missing: not installed on this node", .unopenable(.noSuchFile), .notInstalled, "does not exist on this node"),
    HygieneRow("unreadable by this process: insufficient privileges", .unopenable(.permissionDenied),
               .insufficientPrivileges, "run as root"),
    HygieneRow("an I/O error: soft", .unopenable(.ioError), .genericError, "EIO"),
]

@Suite("luks decisions: key file hygiene and this node's environment")
struct LuksEnvironmentDecisionTests {
    @Test(arguments: hygieneRows)
    func keyFileHygiene(row: HygieneRow) {
        let problem = LuksDecision.keyFileProblem(row.facts)
        guard let code = row.code else {
            #expect(problem == nil, sourceLocation: row.location)
            return
        }
        Expected(code, row.phrase).check(.failure(problem ?? .generic("none")), row.location)
    }

    @Test func noEnvironmentProblem_isEverMisconfigured_andNoReasonNamesTheKeyPath() {
        let problems = hygieneRows.compactMap { LuksDecision.keyFileProblem($0.facts) } + [
            LuksDecision.deviceProblem(.pathUnusable(path: "/dev/md0", .noSuchFile)),
            LuksDecision.deviceProblem(.pathUnusable(path: "/etc/passwd", .notBlockDevice)),
            LuksDecision.deviceProblem(.uuidNotFound(labUUID, unreadable: [])),
            LuksDecision.deviceProblem(.unanswered(path: "/dev/drbd0", within: .seconds(3))),
            LuksDecision.deviceProblem(.uuidNotFound(labUUID, unreadable: [UnreadableDevice(path: "/dev/x", failure: .noAnswer(within: .zero))])),
            LuksDecision.failure(.keyRejected), LuksDecision.failure(.deviceMapperUnavailable),
            LuksDecision.failure(.noLuksHeader(device: "/dev/md0", message: nil)),
            LuksDecision.failure(.libraryUnavailable(detail: "x")),
        ].compactMap { $0 }
        for problem in problems {
            #expect(ExitDecision.decide(.failure(problem)).0 != .notConfigured, "\(problem)")
            #expect(!problem.reason.summary.contains("/etc/halo/keys"), "\(problem)")
        }
    }

    @Test func devices_missing_notABlockDevice_notFound_onASecondary_ambiguous() {
        Expected(.notInstalled, "device /dev/md0 does not exist on this node")
            .check(.failure(LuksDecision.deviceProblem(.pathUnusable(path: "/dev/md0", .noSuchFile))!), #_sourceLocation)
        Expected(.invalidArgument, "not a block device")
            .check(.failure(LuksDecision.deviceProblem(.pathUnusable(path: "/tmp/x", .notBlockDevice))!), #_sourceLocation)
        Expected(.notInstalled, "no block device on this node carries LUKS UUID=58aba7b1")
            .check(.failure(LuksDecision.deviceProblem(.uuidNotFound(labUUID, unreadable: [
                UnreadableDevice(path: "/dev/vda", failure: .refused(.notPermitted))]))!), #_sourceLocation)
        Expected(.genericError, "/dev/drbd0 cannot be read (DRBD Secondary?)")
            .check(.failure(LuksDecision.deviceProblem(.uuidNotFound(labUUID, unreadable: [
                UnreadableDevice(path: "/dev/drbd0", failure: .refused(.wrongMediumType))]))!), #_sourceLocation)
        // A device that does not answer may carry the header: soft, never "not installed here".
        Expected(.genericError, "LUKS UUID=58aba7b1-d27a-491a-bfb0-fad5efeb5946 not found; /dev/drbd0 did not answer a read within 10.0 s")
            .check(.failure(LuksDecision.deviceProblem(.uuidNotFound(labUUID, unreadable: [
                UnreadableDevice(path: "/dev/drbd0", failure: .noAnswer(within: .seconds(10))),
                UnreadableDevice(path: "/dev/drbd1", failure: .refused(.wrongMediumType))]))!), #_sourceLocation)
        Expected(.genericError, "/dev/drbd0 did not answer a read within 12.5 s: its I/O hangs; not opened")
            .check(.failure(LuksDecision.deviceProblem(.unanswered(path: "/dev/drbd0", within: .milliseconds(12_500)))!),
                   #_sourceLocation)
        Expected(.invalidArgument, "is on /dev/sda1, /dev/md0: configure device by path")
            .check(.failure(LuksDecision.deviceProblem(.uuidAmbiguous(labUUID, paths: ["/dev/sda1", "/dev/md0"]))!), #_sourceLocation)
    }

    @Test func theUUIDScan_picksTheTopDevice_skipsHeldOnes_andSeesAmbiguity() {
        let header = HeaderReading.luks(LuksHeaderIdentity(version: .luks2, uuid: labUUID))
        func device(_ name: String, held: Bool = false, _ reading: HeaderReading?) -> ScannedDevice {
            ScannedDevice(kernelName: name, path: "/dev/\(name)", deviceNumber: DeviceNumber(major: 8, minor: 0),
                          isHeld: held, header: reading)
        }
        // LUKS above DRBD: the backing disk shows the same header, but DRBD holds it.
        #expect(LuksDecision.resolve(labUUID, among: [device("vdb", held: true, nil), device("drbd0", header), device("vda", .notLuks)])
                == .found(path: "/dev/drbd0", DeviceNumber(major: 8, minor: 0)))
        #expect(LuksDecision.resolve(labUUID, among: [device("sda", header), device("sdb", header)])
                == .uuidAmbiguous(labUUID, paths: ["/dev/sda", "/dev/sdb"]))
        #expect(LuksDecision.resolve(labUUID, among: [device("drbd0", .unreadable(path: "/dev/drbd0", .refused(.wrongMediumType)))])
                == .uuidNotFound(labUUID, unreadable: [UnreadableDevice(path: "/dev/drbd0", failure: .refused(.wrongMediumType))]))
    }

    @Test func allProblems_areListed_theFirstChoosesTheCode() {
        let observation = EnvironmentObservation(
            device: .found(path: "/dev/vdb", vdbNumber), keyFile: keyFile(mode: 0o644), hasDeviceMapper: false,
            libraryProblem: nil, headerAndKey: nil)
        let problems = LuksDecision.environmentProblems(.lab(), observation)
        #expect(problems.count == 2)
        let refusal = LuksDecision.refusal(problems)!
        #expect(ExitDecision.decide(.failure(refusal)).0 == .invalidArgument)
        #expect(refusal.reason.summary.hasPrefix("the key file has mode 0644"))
        #expect(refusal.reason.summary.hasSuffix("this kernel has no device-mapper: load the dm_mod and dm_crypt modules (2 problems)"))
        let clean = EnvironmentObservation(device: .found(path: "/dev/vdb", vdbNumber), keyFile: keyFile(), hasDeviceMapper: true,
                                           libraryProblem: nil, headerAndKey: .verified(.luks2, uuid: labUUID.text))
        #expect(LuksDecision.environmentProblems(.lab(), clean).isEmpty)
    }
}
