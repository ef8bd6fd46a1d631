import Glibc
import HaloConformance
import HaloISCSI
import HaloOCF
import HaloSystem
import HaloTesting
import Logging
import Testing
@testable import LIOAgent

extension LIOSettings {
    /// The captured lab target: iqn.2026-11.lab.test:node1.drbd0, LUN 0, drbd0 on /dev/drbd0,
    /// ACL for the client, portal 198.18.1.11.
    static func lab(initiators: [String]? = ["iqn.2026-11.lab.test:client"], serial: String? = nil) -> LIOSettings {
        let target = try! ISCSIName.parse("iqn.2026-11.lab.test:node1.drbd0").get()
        return LIOSettings(
            target: target, device: StorageName(text: "drbd0"), backing: BackingPath(path: "/dev/drbd0"),
            identity: SCSIIdentity.resolve(target: target, lun: 0, overrides: SCSIIdentity.Overrides(
                serial: serial.map { UnitSerial(text: $0) }, vendor: InquiryText(text: "HALO"), product: InquiryText(text: "halo-lun"),
                revision: InquiryText(text: "0001"))),
            portals: [try! PortalAddress.parse("198.18.1.11").get()], initiators: initiators.map { $0.map { try! ISCSIName.parse($0).get() } })
    }
}

@Suite("ocf:halo:lio on captured configfs trees")
struct LIOAgentTests {
    static func observe(_ state: String, _ settings: LIOSettings = .lab()) throws -> LIOObservation {
        let directory = TemporaryDirectory("halo-lio-fixture")
        try LIOCaptureTree.write(state, to: directory.path)
        return try LIOView(root: directory.path).observe(settings, depth: .full, credentials: nil)
    }

    /// The captured target with halo's identity and its backing store present: healthy to depth 10.
    static func healthy() throws -> LIOObservation {
        var observation = try observe("configured")
        let identity = LIOSettings.lab().identity
        observation.storage?.serial = identity.serial.text
        observation.storage?.vendor = identity.vendor.text
        observation.storage?.product = identity.product.text
        observation.storage?.revision = identity.revision.text
        observation.backing = .present(type: .blockDevice, size: 1 << 30)
        return observation
    }

    /// The CHAP credentials of every ACL at depth 10, against the credentials file: a right
    /// user with a wrong secret (rotated in the file, not yet applied) fails; a file this node
    /// cannot read is not compared at all.
    @Test(arguments: [
        ("no CHAP configured, none on the ACL", ChapPair(), ChapExpectation.configured(.none), OCFExitCode.success, ""),
        ("the configured user and secret", ChapPair(incomingUser: "in", incomingMatches: true), .configured(ChapUsers(incoming: "in")),
         .success, ""),
        ("another user", ChapPair(incomingUser: "old", incomingMatches: false), .configured(ChapUsers(incoming: "in")),
         .genericError, "the CHAP users of iqn.2026-11.lab.test:node1.drbd0 differ from the credentials file"),
        ("right user, wrong secret", ChapPair(incomingUser: "in", incomingMatches: false), .configured(ChapUsers(incoming: "in")),
         .genericError, "CHAP user in has an old secret, not chap_file's: point chap_file at a file with the new one, a reload applies it"),
        ("right outgoing user, wrong secret",
         ChapPair(incomingUser: "in", incomingMatches: true, outgoingUser: "out", outgoingMatches: false),
         .configured(ChapUsers(incoming: "in", outgoing: "out")), .genericError, "CHAP user out has an old secret"),
        ("chap_file unreadable here: not compared", ChapPair(incomingUser: "in", incomingMatches: false), .unreadable, .success, ""),
    ] as [(String, ChapPair, ChapExpectation, OCFExitCode, String)])
    func chapAtDepth10(_ name: String, _ pair: ChapPair, _ chap: ChapExpectation, _ code: OCFExitCode, _ phrase: String) throws {
        var observation = try Self.healthy()
        let initiators = observation.target.map { Array($0.acls.keys) } ?? []
        #expect(initiators == ["iqn.2026-11.lab.test:client"])
        for initiator in initiators { observation.target?.acls[initiator]?.authentication = pair }
        let (found, reason) = ExitDecision.decide(LIODecision.monitor(.lab(), observation, level: .thorough, chap: chap))
        #expect(found == code, "\(name): \(reason?.summary ?? "")")
        #expect(phrase.isEmpty || reason?.summary.hasPrefix(phrase) == true, "\(name): \(reason?.summary ?? "")")
    }

    @Test func theConfiguredCapture_readsAsTheTargetTargetcliMade() throws {
        let observation = try Self.observe("configured")
        #expect(observation.isLoaded && observation.hasISCSIFabric && observation.hasHBA)
        #expect(observation.storage == StorageObjectState(isEnabled: true, udevPath: "/dev/drbd0", serial: "af8ec24a-f488-496e-b026-232cc2872ecb",
                                                          vendor: "LIO-ORG", product: "drbd0", revision: "4.0", blockSize: 512, emulatesWriteCache: false))
        let target = try #require(observation.target)
        #expect(target.hasTPG && target.isEnabled && !target.generatesNodeACLs && !target.requiresAuthentication)
        #expect(target.luns == [0: LUNLink(linkName: "59e1f84545", storage: "iblock_0/drbd0")])
        #expect(target.portals == ["198.18.1.11:3260"])
        #expect(target.acls == ["iqn.2026-11.lab.test:client": ACLState(mappedLUNs: [0: MappedLUN(linkName: "e85ab7d285", tpgLUN: 0)])])
    }

    @Test func theExport_isRight_butTheIdentityIsTargetclis() throws {
        let observation = try Self.observe("configured")
        #expect(LIODecision.monitor(.lab(), observation, level: .basic) == .success(.success))
        guard case .failure(let failure) = LIODecision.monitor(.lab(), observation, level: .thorough) else {
            Issue.record("depth 10 must see targetcli's identity")
            return
        }
        #expect(failure.reason.summary.hasPrefix("the SCSI identity of drbd0 changed (wwn/vpd_unit_serial is 'af8ec24a-f488-496e-b026-232cc2872ecb'"))
        // With targetcli's serial, vendor, product and revision, the identity is the same one.
        var same = LIOSettings.lab(serial: "af8ec24a-f488-496e-b026-232cc2872ecb")
        same.identity.vendor = InquiryText(text: "LIO-ORG")
        same.identity.product = InquiryText(text: "drbd0")
        same.identity.revision = InquiryText(text: "4.0")
        #expect(LIODecision.monitor(same, observation, level: .thorough) == .success(.success))
    }

    @Test func start_onTargetclisTarget_setsTheIdentityWithTheLUNWithdrawn() throws {
        let observation = try Self.observe("configured")
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        let steps = LIODecision.start(.lab(), observation, chap: .none)
        #expect(Array(steps.prefix(5)) == [
            .write("\(tpg)/enable", "0"),
            .removeLink("\(tpg)/acls/iqn.2026-11.lab.test:client/lun_0/e85ab7d285"),
            .removeDirectory("\(tpg)/acls/iqn.2026-11.lab.test:client/lun_0"),
            .removeLink("\(tpg)/lun/lun_0/59e1f84545"),
            .removeDirectory("\(tpg)/lun/lun_0"),
        ])
        let serial = LIOSettings.lab().identity.serial.text
        #expect(steps.contains(.write("core/iblock_0/drbd0/wwn/vpd_unit_serial", serial)))
        let acl = "\(tpg)/acls/iqn.2026-11.lab.test:client"
        #expect(Array(steps.suffix(5).prefix(4)) == [
            .makeDirectory("\(tpg)/lun/lun_0"), .makeLink("\(tpg)/lun/lun_0/drbd0", target: "core/iblock_0/drbd0"),
            .makeDirectory("\(acl)/lun_0"), .makeLink("\(acl)/lun_0/halo", target: "\(tpg)/lun/lun_0"),
        ])
        #expect(steps.last == .write("\(tpg)/enable", "1"))
    }

    @Test func start_onAnEmptyNode_buildsEverything_inOrder() throws {
        let observation = try Self.observe("empty")
        #expect(!observation.hasISCSIFabric && !observation.hasHBA)
        #expect(LIODecision.monitor(.lab(), observation, level: .basic) == .success(.notRunning))
        let settings = LIOSettings.lab()
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        let acl = "\(tpg)/acls/iqn.2026-11.lab.test:client"
        #expect(LIODecision.start(settings, observation, chap: .init(incoming: "in", outgoing: "out")) == [
            .makeDirectory("core/iblock_0"), .makeDirectory("core/iblock_0/drbd0"),
            .write("core/iblock_0/drbd0/control", "udev_path=/dev/drbd0"), .write("core/iblock_0/drbd0/udev_path", "/dev/drbd0"),
            .write("core/iblock_0/drbd0/enable", "1"),
            .write("core/iblock_0/drbd0/wwn/vpd_unit_serial", settings.identity.serial.text),
            .write("core/iblock_0/drbd0/wwn/vendor_id", "HALO"), .write("core/iblock_0/drbd0/wwn/product_id", "halo-lun"),
            .write("core/iblock_0/drbd0/wwn/revision", "0001"),
            .makeDirectory("iscsi"), .makeDirectory("iscsi/iqn.2026-11.lab.test:node1.drbd0"), .makeDirectory(tpg),
            .write("\(tpg)/attrib/generate_node_acls", "0"), .write("\(tpg)/attrib/authentication", "1"),
            .makeDirectory("\(tpg)/np/198.18.1.11:3260"),
            .makeDirectory("\(tpg)/lun/lun_0"), .makeLink("\(tpg)/lun/lun_0/drbd0", target: "core/iblock_0/drbd0"),
            .makeDirectory(acl), .makeDirectory("\(acl)/lun_0"), .makeLink("\(acl)/lun_0/halo", target: "\(tpg)/lun/lun_0"),
            .write("\(acl)/auth/userid", "in"), .writeSecret("\(acl)/auth/password", outgoing: false),
            .write("\(acl)/auth/userid_mutual", "out"), .writeSecret("\(acl)/auth/password_mutual", outgoing: true),
            .write("\(tpg)/enable", "1"),
        ])
    }

    /// An open TPG that must now admit a list: removed and made again, or the initiators LIO
    /// admitted on its own (cached generated ACLs, not in configfs) would still log in.
    @Test func start_onAnOpenTPG_withAnInitiatorList_makesTheTPGAgain() throws {
        var observation = try Self.observe("configured")
        observation.target?.generatesNodeACLs = true
        observation.target?.acls = [:]
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        let steps = LIODecision.start(.lab(), observation, chap: .none)
        #expect(Array(steps.prefix(4)) == [
            .write("\(tpg)/enable", "0"), .removeLink("\(tpg)/lun/lun_0/59e1f84545"), .removeDirectory("\(tpg)/lun/lun_0"),
            .removeDirectory("\(tpg)/np/198.18.1.11:3260"),
        ])
        let removed = try #require(steps.firstIndex(of: .removeDirectory(tpg)))
        #expect(steps[(removed + 1)...].contains(.makeDirectory(tpg)))
        #expect(steps.contains(.write("\(tpg)/attrib/generate_node_acls", "0")))
        #expect(steps.contains(.makeDirectory("\(tpg)/acls/iqn.2026-11.lab.test:client")))
        #expect(steps.last == .write("\(tpg)/enable", "1"))
        // The same TPG with its list already in place is not touched that way.
        #expect(!LIODecision.start(.lab(), try Self.observe("configured"), chap: .none).contains(.removeDirectory(tpg)))
    }

    /// The kernel creates a TPG with authentication=1 (seen in the VM lab: logins without CHAP
    /// failed with "the Target is enforcing iSCSI Authentication"), so a new TPG without CHAP
    /// gets an explicit 0.
    @Test func start_withoutCHAP_onAnEmptyNode_turnsAuthenticationOff() throws {
        let observation = try Self.observe("empty")
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        let steps = LIODecision.start(.lab(), observation, chap: .init(incoming: nil, outgoing: nil))
        #expect(steps.contains(.write("\(tpg)/attrib/authentication", "0")))
        #expect(!steps.contains(.write("\(tpg)/attrib/authentication", "1")))
    }

    /// LIO's auth/ store functions on Linux 6.1 keep a trailing newline as part of the value
    /// (seen in the VM lab: "CHAP_N values do not match!"), so they are written without one, and
    /// a user name stored with one reads as different (start writes it again).
    @Test func chapAttributes_areWrittenWithoutNewline_andAStoredNewlineIsADifference() throws {
        #expect(LIOEffects.isAuth("iscsi/iqn.2026-11.lab.test:x/tpgt_1/acls/iqn.2026-11.lab.test:client/auth/userid"))
        #expect(LIOEffects.isAuth("iscsi/iqn.2026-11.lab.test:x/tpgt_1/auth/password_mutual"))
        #expect(!LIOEffects.isAuth("iscsi/iqn.2026-11.lab.test:x/tpgt_1/attrib/authentication"))
        #expect(!LIOEffects.isAuth("core/iblock_0/drbd0/wwn/vendor_id"))
        let root = TemporaryDirectory("halo-lio-auth")
        let auth = root.file("sys/kernel/config/target/auth")
        try FileSystem.makeDirectories(auth)
        for (name, content) in [("userid", "lab-in\n\n"), ("userid_mutual", "lab-out\n"), ("password", "\n"), ("password_mutual", "\n")] {
            try FileSystem.writeAtomically("\(auth)/\(name)", Array(content.utf8))
        }
        let pair = try LIOView(root: root.path).authentication("/sys/kernel/config/target/auth", nil)
        #expect(pair.incomingUser == "lab-in\n")
        #expect(pair.outgoingUser == "lab-out")
        // What the effects write: auth/ without a newline, every other attribute with one.
        try FileSystem.makeDirectories(root.file("sys/kernel/config/target/attrib"))
        try FileSystem.writeAtomically(root.file("sys/kernel/config/target/attrib/authentication"), [])
        let effects = LIOEffects(kernel: KernelAttributes(root: root.path), logger: Logger(label: "test"))
        try effects.apply([.write("auth/userid", "lab-in"), .write("attrib/authentication", "0")], credentials: nil)
        #expect(try String(decoding: FileSystem.readBytes("\(auth)/userid"), as: UTF8.self) == "lab-in")
        #expect(try String(decoding: FileSystem.readBytes(root.file("sys/kernel/config/target/attrib/authentication")), as: UTF8.self) == "0\n")
    }

    /// A start killed between the mkdir of an ACL's mapped LUN and its symlink (seen in the VM
    /// lab with strace's fault injection) leaves an empty lun_0 directory: start and stop remove
    /// it with rmdir alone, never "unlink …/lun_0/" (EISDIR).
    @Test func anEmptyMappedLUNDirectory_isRemovedWithoutUnlink() throws {
        var observation = try Self.observe("configured")
        let initiator = "iqn.2026-11.lab.test:client"
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        observation.target?.acls[initiator]?.mappedLUNs[0] = MappedLUN(linkName: "", tpgLUN: -1)
        let start = LIODecision.start(.lab(), observation, chap: .init(incoming: nil, outgoing: nil))
        let stop = LIODecision.stop(.lab(), observation)
        for steps in [start, stop] {
            #expect(!steps.contains(.removeLink("\(tpg)/acls/\(initiator)/lun_0/")))
            #expect(steps.contains(.removeDirectory("\(tpg)/acls/\(initiator)/lun_0")))
        }
        #expect(start.contains(.makeLink("\(tpg)/acls/\(initiator)/lun_0/halo", target: "\(tpg)/lun/lun_0")))
    }

    @Test func withoutInitiators_theTPGAdmitsEveryone_andCHAPIsTPGWide() throws {
        let observation = try Self.observe("cleared", .lab(initiators: nil))
        #expect(observation.hasISCSIFabric)
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        let steps = LIODecision.start(.lab(initiators: nil), observation, chap: .init(incoming: "in", outgoing: nil))
        #expect(!steps.contains(.makeDirectory("iscsi")))
        #expect(steps.contains(.write("\(tpg)/attrib/generate_node_acls", "1")))
        #expect(steps.contains(.write("\(tpg)/attrib/demo_mode_write_protect", "0")))
        #expect(steps.contains(.writeSecret("\(tpg)/auth/password", outgoing: false)))
        #expect(!steps.contains { if case .makeDirectory(let path) = $0 { path.contains("/acls/") } else { false } })
    }

    @Test func stop_removesTheTargetAndTheStorageObject_andNothingElse() throws {
        let observation = try Self.observe("configured")
        let tpg = "iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1"
        #expect(LIODecision.stop(.lab(), observation) == [
            .write("\(tpg)/enable", "0"),
            .removeLink("\(tpg)/acls/iqn.2026-11.lab.test:client/lun_0/e85ab7d285"),
            .removeDirectory("\(tpg)/acls/iqn.2026-11.lab.test:client/lun_0"),
            .removeDirectory("\(tpg)/acls/iqn.2026-11.lab.test:client"),
            .removeLink("\(tpg)/lun/lun_0/59e1f84545"), .removeDirectory("\(tpg)/lun/lun_0"),
            .removeDirectory("\(tpg)/np/198.18.1.11:3260"), .removeDirectory(tpg),
            .removeDirectory("iscsi/iqn.2026-11.lab.test:node1.drbd0"), .removeDirectory("core/iblock_0/drbd0"),
        ])
        #expect(LIODecision.stop(.lab(), try Self.observe("cleared")) == [])
        #expect(LIODecision.stop(.lab(), LIOObservation()) == [])
    }

    @Test func monitor_refusesAnOpenTPGBehindAnACL_andAMissingMapping() throws {
        var observation = try Self.observe("configured")
        observation.target?.generatesNodeACLs = true
        #expect(LIODecision.monitor(.lab(), observation, level: .basic)
                == .failure(.generic("iqn.2026-11.lab.test:node1.drbd0 lets every initiator in (generate_node_acls=1) despite the ACL")))
        observation.target?.generatesNodeACLs = false
        observation.target?.acls = [:]
        #expect(LIODecision.monitor(.lab(), observation, level: .basic)
                == .failure(.generic("initiator iqn.2026-11.lab.test:client has no mapping of LUN 0 on iqn.2026-11.lab.test:node1.drbd0")))
        observation.target?.isEnabled = false
        observation.target?.acls = try Self.observe("configured").target!.acls
        #expect(LIODecision.monitor(.lab(), observation, level: .basic)
                == .failure(.generic("iqn.2026-11.lab.test:node1.drbd0 is disabled (tpgt_1/enable is 0): initiators cannot log in")))
    }

    /// Depth 20 reads a block of the backing store in the bounded reader's child: a store whose
    /// reads never return (a FIFO nobody writes to, as a suspended DRBD device would hold the
    /// reader) is no answer by the deadline, and the monitor fails naming it and the wait.
    @Test func theDeepRead_ofABackingStoreThatDoesNotAnswer_failsTheMonitorInTime() throws {
        let directory = TemporaryDirectory("halo-lio-hang")
        #expect(mkfifo(directory.file("lun.img"), 0o600) == 0)
        var settings = LIOSettings.lab()
        settings.backstore = .fileio
        settings.backing = BackingPath(path: directory.file("lun.img"))
        let read = LIOView().deepRead(settings, LIOObservation(storage: StorageObjectState()), reader: .builtHaloAgent, deadline: .after(.milliseconds(900)))
        guard case .failed(let path, .noAnswer) = read else {
            Issue.record("expected no answer: \(read)")
            return
        }
        #expect(path == directory.file("lun.img"))
        var observation = try Self.healthy()
        observation.deepRead = .failed(path: "/dev/drbd0", .noAnswer(within: .milliseconds(17_960)))
        #expect(LIODecision.monitor(.lab(), observation, level: .deep)
                == .failure(.generic(Reason("reading a block of /dev/drbd0 failed: no answer within 18.0 s: its I/O hangs",
                                            details: ["halo.read": "no answer in 18.0 s"]))))
        #expect(LIODecision.monitor(.lab(), observation, level: .thorough) == .success(.success), "only depth 20 reads")
    }

    /// LIO binds portals with IP_FREEBIND: an address the node lacks is no refusal, so a refused
    /// portal is never answered with sysctl advice that would not help.
    @Test func aRefusedPortal_isExplained_withoutSysctlAdvice() {
        let failure = LIODecision.failure(.makeDirectory("iscsi/x/tpgt_1/np/198.18.1.11:3260"), .addressNotAvailable, .lab())
        #expect(failure == .generic(Reason("the kernel cannot listen on portal 198.18.1.11:3260 (EADDRNOTAVAIL): LIO's reason is in the kernel log (journalctl -k)",
                                           details: ["halo.errno": "EADDRNOTAVAIL", "halo.step": "mkdir iscsi/x/tpgt_1/np/198.18.1.11:3260"])))
        #expect(!failure.reason.summary.contains("nonlocal"))
    }

    @Test func scstsOwnSessionParameters_areRefused_forLIO() throws {
        var settings = LIOSettings.lab()
        settings.sessionParameters = try ParameterType<[SessionParameter]>.sessionParameters.value(from: "QueuedCommands=64 NopInInterval=5").get()
        var observation = try Self.observe("empty")
        observation.backing = .present(type: .blockDevice, size: 1 << 30)
        #expect(LIODecision.startRefusal(settings, observation) == .misconfigured("session parameter NopInInterval is SCST's; LIO has no such setting"))
        settings.sessionParameters = [try SessionParameter.parse("QueuedCommands=64").get()]
        #expect(LIODecision.startRefusal(settings, observation) == nil)
        #expect(LIODecision.parameterPath(.queuedCommands) == "attrib/default_cmdsn_depth")
        #expect(LIODecision.parameterPath(.maxBurstLength) == "param/MaxBurstLength")
        // LIO's own: the reconnect delay it offers (2 by default) is a TPG parameter.
        settings.sessionParameters = [try SessionParameter.parse("DefaultTime2Wait=0").get()]
        #expect(LIODecision.startRefusal(settings, observation) == nil)
        #expect(LIODecision.start(settings, observation, chap: .none).contains(.write("iscsi/\(settings.target.text)/tpgt_1/param/DefaultTime2Wait", "0")))
    }

    @Test func theIdentity_isSCSTs_soALUNKeepsItsWWIDAcrossStacks() {
        let settings = LIOSettings.lab()
        let target = try! ISCSIName.parse("iqn.2026-11.lab.test:node1.drbd0").get()
        #expect(settings.identity.serial == SCSIIdentity.derivedSerial(target: target, lun: 0))
        #expect(settings.identity.naa == NAAIdentifier.linuxIO(serial: settings.identity.serial),
                "the NAA ocf:halo:scst sets is the one LIO computes from the serial")
    }

    @Test func fileio_getsTheFilesSize_andBufferingOnlyForWriteBack() {
        var settings = LIOSettings.lab()
        settings.backstore = .fileio
        settings.backing = BackingPath(path: "/srv/lun.img")
        #expect(LIODecision.control(settings, .present(type: .regular, size: 1 << 30)) == "fd_dev_name=/srv/lun.img,fd_dev_size=1073741824")
        settings.writeCache = .writeBack
        #expect(LIODecision.control(settings, .present(type: .regular, size: 4096)) == "fd_dev_name=/srv/lun.img,fd_dev_size=4096,fd_buffered_io=1")
        #expect(settings.networkPortals == ["198.18.1.11:3260"])
        settings.portals = []
        #expect(settings.networkPortals == ["0.0.0.0:3260"])
        settings.portals = [try! PortalAddress.parse("[fd00::10]:3261").get()]
        #expect(settings.networkPortals == ["[fd00::10]:3261"])
    }
}
