import HaloISCSI
import HaloOCF
import HaloSystem
import Testing
@testable import SCSTAgent

extension SCSTSettings {
    /// The captured lab target: tgt1, LUN 0, disk1 on /dev/vdb (blockio), portal 198.18.1.21.
    static func lab(initiators: [String]? = nil, group: String = "halo", lun: Int = 0, relativeTargetID: RelativeTargetID? = nil) -> SCSTSettings {
        SCSTSettings(target: try! ISCSIName.parse("iqn.2026-11.lab.test:tgt1").get(), lun: lun, device: StorageName(text: "disk1"),
                     backing: BackingPath(path: "/dev/vdb"), portals: [try! PortalAddress.parse("198.18.1.21").get()],
                     initiators: initiators.map { $0.map { try! ISCSIName.parse($0).get() } }, group: GroupName(text: group),
                     relativeTargetID: relativeTargetID)
    }
}

extension SCSTObservation {
    /// A node that runs the lab target exactly as `settings` configure it.
    static func running(_ settings: SCSTSettings) -> SCSTObservation {
        var observation = SCSTObservation(isLoaded: true, handlers: ["vdisk_blockio", "vdisk_fileio", "vdisk_nullio", "vcdrom"],
                                          iscsi: ISCSIDriver(isDaemonConnected: true, isEnabled: true))
        var identity = IdentityState()
        for (attribute, value, _) in SCSTDecision.identityAttributes(settings.identity) {
            switch attribute {
            case "usn": identity.usn = value
            case "t10_dev_id": identity.t10DeviceID = value
            case "vend_specific_id": identity.vendorSpecificID = value
            case "t10_vend_id": identity.vendor = value
            case "prod_id": identity.product = value
            case "prod_rev_lvl": identity.revision = value
            case "naa_id": identity.naa = value
            default: identity.eui64 = value
            }
        }
        observation.device = DeviceState(handler: "vdisk_blockio", filename: "/dev/vdb", writeThrough: true, size: 268_435_456, identity: identity)
        // The id node1 gives it (the node the rows that name one mostly use).
        var target = TargetState(isEnabled: true, relativeID: SCSTDecision.relativeTargetID(settings, node: "node1") ?? 1,
                                 allowedPortals: ["198.18.1.21"])
        if let initiators = settings.initiators {
            target.groups[settings.group.text] = GroupState(initiators: initiators.map(\.text), luns: [settings.lun: "disk1"])
        } else {
            target.defaultLUNs = [settings.lun: "disk1"]
        }
        observation.target = target
        observation.backing = .present(type: .blockDevice, size: 268_435_456)
        return observation
    }
}

@Suite("ocf:halo:scst decisions")
struct SCSTDecisionTests {
    static let lab = SCSTSettings.lab()
    static let acl = SCSTSettings.lab(initiators: ["iqn.2026-11.lab.test:ini"])

    enum Expected: Sendable, CustomStringConvertible {
        case code(Int32)
        case failure(Int32, String)
        var description: String {
            switch self {
            case .code(let code): "\(code)"
            case .failure(let code, let reason): "\(code) \(reason)"
            }
        }
    }

    static func check(_ result: Result<AgentOutcome, AgentFailure>, _ expected: Expected, _ row: String) {
        let (code, reason) = ExitDecision.decide(result)
        switch expected {
        case .code(let wanted):
            #expect(code.rawValue == wanted, "\(row): \(reason?.summary ?? "")")
        case .failure(let wanted, let text):
            #expect(code.rawValue == wanted, "\(row)")
            #expect(reason?.summary.contains(text) == true, "\(row): \(reason?.summary ?? "none")")
        }
    }

    static var monitorRows: [(String, SCSTSettings, SCSTObservation, Expected)] {
        var nothing = SCSTObservation(isLoaded: true, handlers: ["vdisk_blockio"], iscsi: .init(isDaemonConnected: true, isEnabled: true))
        var leftover = nothing
        leftover.device = DeviceState(handler: "vdisk_blockio", filename: "/dev/vdb")
        var daemonGone = leftover
        daemonGone.iscsi = .init(isDaemonConnected: false, isEnabled: false)
        var disabled = SCSTObservation.running(lab)
        disabled.target?.isEnabled = false
        var driverOff = SCSTObservation.running(lab)
        driverOff.iscsi?.isEnabled = false
        var otherDevice = SCSTObservation.running(lab)
        otherDevice.target?.defaultLUNs = [0: "null1"]
        var leak = SCSTObservation.running(acl)
        leak.target?.defaultLUNs = [3: "disk1"]
        var noGroup = SCSTObservation.running(acl)
        noGroup.target?.groups = [:]
        var noDevice = SCSTObservation.running(lab)
        noDevice.device = nil
        nothing.handlers = []
        return [
            ("SCST not loaded", lab, SCSTObservation(), .code(7)),
            ("loaded, nothing of ours", lab, nothing, .code(7)),
            ("running", lab, .running(lab), .code(0)),
            ("running behind an ACL", acl, .running(acl), .code(0)),
            ("a device left without its target", lab, leftover, .failure(1, "is missing while its device disk1 exists")),
            ("iscsi-scstd died", lab, daemonGone, .failure(1, "iscsi-scstd is not connected: its exit deleted every iSCSI target")),
            ("target disabled", lab, disabled, .failure(1, "is disabled: initiators cannot log in")),
            ("driver disabled", lab, driverOff, .failure(1, "the iSCSI driver is disabled")),
            ("LUN maps another device", lab, otherDevice, .failure(1, "LUN 0 of iqn.2026-11.lab.test:tgt1 maps null1, not disk1")),
            ("LUN in the default set despite the ACL", acl, leak, .failure(1, "is in the default LUN set")),
            ("the group is gone", acl, noGroup, .failure(1, "has no initiator group halo")),
            ("the device is gone", lab, noDevice, .failure(1, "its device disk1 does not")),
        ]
    }

    @Test(arguments: monitorRows.indices)
    func monitorAtDepth0(_ row: Int) {
        let (name, settings, observation, expected) = Self.monitorRows[row]
        Self.check(SCSTDecision.monitor(settings, observation, level: .basic), expected, name)
    }

    static var deepRows: [(String, SCSTObservation, Expected)] {
        var identity = SCSTObservation.running(lab)
        identity.device?.identity.product = "disk1"
        var grown = SCSTObservation.running(lab)
        grown.backing = .present(type: .blockDevice, size: 536_870_912)
        var gone = SCSTObservation.running(lab)
        gone.backing = .missing(.noSuchFile)
        var writeBack = SCSTObservation.running(lab)
        writeBack.device?.writeThrough = false
        var portal = SCSTObservation.running(lab)
        portal.target?.allowedPortals = ["198.18.1.21", "10.0.0.1"]
        var chap = SCSTObservation.running(lab)
        chap.target?.incomingUsers = [ChapAccountState(user: "someone", secretMatches: false)]
        var unreadable = SCSTObservation.running(lab)
        unreadable.deepRead = .failed(path: "/dev/vdb", .refused(.ioError))
        var unanswered = SCSTObservation.running(lab)
        unanswered.deepRead = .failed(path: "/dev/vdb", .noAnswer(within: .milliseconds(17_960)))
        return [
            ("as configured", .running(lab), .code(0)),
            ("identity changed", identity, .failure(1, "the SCSI identity of disk1 changed (prod_id is 'disk1', not 'halo-lun')")),
            ("backing grew", grown, .failure(190, "/dev/vdb has 536870912 bytes, disk1 exports 268435456")),
            ("backing gone", gone, .failure(1, "the backing store /dev/vdb is gone (ENOENT)")),
            ("cache policy", writeBack, .failure(1, "differs from its configuration (write_through=0 nv_cache=0)")),
            ("a portal too many", portal, .failure(1, "the allowed portals of iqn.2026-11.lab.test:tgt1 are 198.18.1.21 10.0.0.1")),
            ("a CHAP account not configured", chap, .failure(1, "CHAP accounts")),
            ("the backing cannot be read", unreadable, .failure(1, "reading a block of /dev/vdb failed: EIO")),
            ("the backing does not answer a read (its I/O hangs)", unanswered,
             .failure(1, "reading a block of /dev/vdb failed: no answer within 18.0 s: its I/O hangs")),
        ]
    }

    @Test(arguments: deepRows.indices)
    func monitorAtDepth20(_ row: Int) {
        let (name, observation, expected) = Self.deepRows[row]
        Self.check(SCSTDecision.monitor(Self.lab, observation, level: .deep), expected, name)
    }

    /// The CHAP accounts at depth 10, against what the credentials file says.
    static var chapRows: [(String, [ChapAccountState], ChapAccountState?, ChapExpectation, Expected)] {
        let users = ChapExpectation.configured(ChapUsers(incoming: "in", outgoing: "out"))
        let right = ChapAccountState(user: "in", secretMatches: true)
        let rightOut = ChapAccountState(user: "out", secretMatches: true)
        return [
            ("no CHAP configured, none on the target", [], nil, .configured(.none), .code(0)),
            ("the configured users with their secrets", [right], rightOut, users, .code(0)),
            ("an account the file does not have", [right, ChapAccountState(user: "old", secretMatches: false)], rightOut, users,
             .failure(1, "the CHAP accounts of iqn.2026-11.lab.test:tgt1 differ from the credentials file")),
            ("right user, wrong secret (rotated in the file)", [ChapAccountState(user: "in", secretMatches: false)], rightOut, users,
             .failure(1, "CHAP user in has an old secret, not chap_file's: point chap_file at a file with the new one, a reload applies it")),
            ("right outgoing user, wrong secret", [right], ChapAccountState(user: "out", secretMatches: false), users,
             .failure(1, "CHAP user out has an old secret")),
            ("chap_file unreadable on this node: not compared, the target keeps serving",
             [ChapAccountState(user: "in", secretMatches: false)], nil, .unreadable, .code(0)),
        ]
    }

    @Test(arguments: chapRows.indices)
    func chapAtDepth10(_ row: Int) {
        let (name, incoming, outgoing, chap, expected) = Self.chapRows[row]
        var observation = SCSTObservation.running(Self.lab)
        observation.target?.incomingUsers = incoming
        observation.target?.outgoingUser = outgoing
        Self.check(SCSTDecision.monitor(Self.lab, observation, level: .thorough, chap: chap), expected, name)
        Self.check(SCSTDecision.monitor(Self.lab, observation, level: .basic, chap: chap), .code(0), "\(name), depth 0")
    }

    @Test func startOnAnEmptyNode_createsEverything_inTheOrderTheIssueSets() {
        let settings = SCSTSettings.lab(initiators: ["iqn.2026-11.lab.test:ini"], relativeTargetID: .perNode(["node1": 11, "node2": 12]))
        let observation = SCSTObservation(isLoaded: true, handlers: ["vdisk_blockio"], iscsi: .init(isDaemonConnected: true, isEnabled: false))
        let steps = SCSTDecision.start(settings, observation, chap: .init(incoming: "in", outgoing: nil), node: "node2")
        let serial = settings.identity.serial.text
        #expect(steps == [
            .addDevice(name: "disk1", handler: "vdisk_blockio", parameters: "filename=/dev/vdb; nv_cache=0; write_through=1; t10_dev_id=\(serial)"),
            .setDeviceAttribute(device: "disk1", attribute: "usn", value: serial),
            .setDeviceAttribute(device: "disk1", attribute: "vend_specific_id", value: serial),
            .setDeviceAttribute(device: "disk1", attribute: "t10_vend_id", value: "HALO"),
            .setDeviceAttribute(device: "disk1", attribute: "prod_id", value: "halo-lun"),
            .setDeviceAttribute(device: "disk1", attribute: "prod_rev_lvl", value: "0001"),
            .setDeviceAttribute(device: "disk1", attribute: "naa_id", value: settings.identity.naa.hex),
            .addTarget,
            .setTargetAttribute(attribute: "rel_tgt_id", value: "12"),
            .addAllowedPortal("198.18.1.21"),
            .addChapUser(outgoing: false),
            .createGroup("halo"),
            .addInitiator(group: "halo", initiator: "iqn.2026-11.lab.test:ini"),
            .addLUN(group: "halo", device: "disk1", lun: 0),
            .enableTarget,
            .enableDriver,
        ])
    }

    @Test func startOnARunningTarget_writesNothing() {
        #expect(SCSTDecision.start(Self.lab, .running(Self.lab), chap: .none, node: "node1") == [])
        #expect(SCSTDecision.start(Self.acl, .running(Self.acl), chap: .none, node: "node1") == [])
    }

    @Test func changesToAnEnabledTarget_happenWhileItIsDisabled() {
        var observation = SCSTObservation.running(Self.acl)
        observation.target?.allowedPortals.append("10.0.0.1")
        observation.target?.defaultLUNs = [0: "disk1"]
        #expect(SCSTDecision.start(Self.acl, observation, chap: .none, node: nil) == [
            .disableTarget, .deleteAllowedPortal("10.0.0.1"), .deleteLUN(group: nil, lun: 0), .enableTarget,
        ])
    }

    @Test func aDeviceOnAnotherBacking_isRecreated_andExportedAgain() {
        var observation = SCSTObservation.running(Self.lab)
        observation.device?.filename = "/dev/vdc"
        let steps = SCSTDecision.start(Self.lab, observation, chap: .none, node: nil)
        #expect(steps.prefix(2) == [.disableTarget, .deleteDevice(name: "disk1", handler: "vdisk_blockio")])
        #expect(steps.dropFirst(2).first.map { if case .addDevice = $0 { true } else { false } } == true)
        #expect(steps.suffix(2) == [.addLUN(group: nil, device: "disk1", lun: 0), .enableTarget])
    }

    @Test func aChangedIdentity_isSetWithTheLUNWithdrawn() {
        var observation = SCSTObservation.running(Self.lab)
        observation.device?.identity.usn = "b8fdbd32"
        #expect(SCSTDecision.start(Self.lab, observation, chap: .none, node: nil) == [
            .disableTarget, .deleteLUN(group: nil, lun: 0),
            .setDeviceAttribute(device: "disk1", attribute: "usn", value: Self.lab.identity.serial.text),
            .addLUN(group: nil, device: "disk1", lun: 0), .enableTarget,
        ])
    }

    @Test func aCHAPAccountWithAnotherSecret_isReplaced() {
        var observation = SCSTObservation.running(Self.lab)
        observation.target?.incomingUsers = [ChapAccountState(user: "in", secretMatches: false), ChapAccountState(user: "old", secretMatches: false)]
        #expect(SCSTDecision.start(Self.lab, observation, chap: .init(incoming: "in", outgoing: nil), node: nil) == [
            .disableTarget, .deleteChapUser(outgoing: false, user: "in"), .deleteChapUser(outgoing: false, user: "old"),
            .addChapUser(outgoing: false), .enableTarget,
        ])
    }

    @Test func stop_disablesClosesWaitsAndRemovesOnlyWhatIsOwned() {
        var observation = SCSTObservation.running(Self.lab)
        observation.target?.sessions = [SessionState(initiator: "iqn.2026-11.lab.test:ini")]
        #expect(SCSTDecision.stop(Self.lab, observation) == [
            .disableTarget, .closeSession(initiator: "iqn.2026-11.lab.test:ini"), .waitForSessions, .deleteTarget,
            .deleteDevice(name: "disk1", handler: "vdisk_blockio"),
        ])
        var fileio = observation
        fileio.target = nil
        fileio.device?.handler = "vdisk_fileio"
        #expect(SCSTDecision.stop(Self.lab, fileio) == [.deleteDevice(name: "disk1", handler: "vdisk_fileio")],
                "the device is deleted through the handler it has")
        #expect(SCSTDecision.stop(Self.lab, SCSTObservation()) == [])
    }

    static var refusalRows: [(String, SCSTObservation, SCSTSettings, Expected)] {
        var noHandler = SCSTObservation.running(lab)
        noHandler.handlers = []
        var noISCSI = SCSTObservation.running(lab)
        noISCSI.iscsi = nil
        var daemon = SCSTObservation.running(lab)
        daemon.iscsi?.isDaemonConnected = false
        var missing = SCSTObservation.running(lab)
        missing.backing = .missing(.noSuchFile)
        var file = SCSTObservation.running(lab)
        file.backing = .present(type: .regular, size: 1)
        var taken = SCSTObservation.running(lab)
        taken.otherRelativeIDs = ["iqn.2026-11.lab.test:other": 12]
        let perNode = SCSTSettings.lab(relativeTargetID: .perNode(["node1": 11, "node2": 12]))
        var time2Wait = lab
        time2Wait.sessionParameters = [try! SessionParameter.parse("DefaultTime2Wait=0").get()]
        return [
            ("SCST not loaded", SCSTObservation(), lab, .failure(5, "SCST is not loaded")),
            ("no handler", noHandler, lab, .failure(5, "SCST has no vdisk_blockio handler")),
            ("no iSCSI-SCST", noISCSI, lab, .failure(5, "iSCSI-SCST is not loaded")),
            ("no iscsi-scstd", daemon, lab, .failure(1, "iscsi-scstd is not running")),
            ("no backing", missing, lab, .failure(1, "the backing store /dev/vdb is not there (ENOENT)")),
            ("a file for blockio", file, lab, .failure(2, "is not a block device")),
            ("a taken relative id", taken, perNode, .failure(2, "relative target id 12 is used by target iqn.2026-11.lab.test:other")),
            ("no id for this node", .running(lab), SCSTSettings.lab(relativeTargetID: .perNode(["node1": 11])), .failure(2, "gives no id for node node2")),
            ("LIO's DefaultTime2Wait", .running(lab), time2Wait, .failure(6, "session parameter DefaultTime2Wait is LIO's; SCST has no such setting")),
            ("all well", .running(lab), perNode, .code(0)),
        ]
    }

    @Test(arguments: refusalRows.indices)
    func startRefusals(_ row: Int) {
        let (name, observation, settings, expected) = Self.refusalRows[row]
        let result: Result<AgentOutcome, AgentFailure> = SCSTDecision.startRefusal(settings, observation, node: "node2").map { .failure($0) } ?? .success(.success)
        Self.check(result, expected, name)
    }

    @Test(arguments: [
        (SCSTStep.addTarget, Errno.notPermitted, 1, "iscsi-scstd is not connected"),
        (.enableTarget, .invalidSlot, 2, "another target of this node uses it"),
        (.addDevice(name: "disk1", handler: "vdisk_blockio", parameters: ""), .busy, 1, "is in use"),
        (.addDevice(name: "disk1", handler: "vdisk_blockio", parameters: ""), .noSuchFile, 1, "cannot open /dev/vdb"),
        (.addDevice(name: "disk1", handler: "vdisk_blockio", parameters: ""), .exists, 1, "already has a device named disk1"),
        (.deleteTarget, .busy, 1, "still has sessions"),
        (.addLUN(group: nil, device: "disk1", lun: 0), .timedOut, 1, "did not finish it in time"),
        (.addLUN(group: nil, device: "disk1", lun: 0), .invalidArgument, 1, "export disk1 as LUN 0 failed: EINVAL (Invalid argument); SCST's reason is in the kernel log"),
        (.addLUN(group: nil, device: "disk1", lun: 0), .permissionDenied, 4, "run as root"),
    ])
    func aRefusedWrite_mapsToTheOCFFailureItMeans(_ step: SCSTStep, _ errno: Errno, _ code: Int32, _ reason: String) {
        Self.check(.failure(SCSTDecision.failure(step, errno, Self.lab)), .failure(code, reason), "\(step) \(errno)")
    }
}
