import HaloSCSTModel
import HaloSystem
import HaloTesting
import Testing

/// Whether a write (or a login) went through.
func wrote<Value>(_ result: Result<Value, Errno>) -> Bool { (try? result.get()) != nil }

/// The errno a write (or a login) was refused with; `nil` when it went through.
func refusal<Value>(_ result: Result<Value, Errno>) -> Errno? {
    if case .failure(let errno) = result { errno } else { nil }
}

/// What `ocf:halo:scst` met on a real SCST 3.11 (issue 17: iscsi-scstd running, open-iscsi
/// logging in through a portal address) and the captures do not hold: the model must behave the
/// same way.
@Suite("The SCST model against what a real SCST 3.11 did (issue 17)")
struct ReportedBehaviourTests {
    static let target = ModelReplay.target
    static let driver = "targets/iscsi/mgmt"

    /// The configured capture's target (disk1 at LUN 0 of the default set) behind an ACL: the LUN
    /// only in group `acl` of iqn.2026-11.lab.test:ini, the default set empty, target and driver enabled.
    static func aclTarget() throws -> ModelReplay {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        let t = "targets/iscsi/\(target)"
        replay.write("\(t)/ini_groups/mgmt", "create acl")
        replay.write("\(t)/ini_groups/acl/initiators/mgmt", "add iqn.2026-11.lab.test:ini")
        replay.write("\(t)/ini_groups/acl/luns/mgmt", "add disk1 0")
        replay.write("\(t)/luns/mgmt", "clear")
        return replay
    }

    // MARK: 5. The ACL keeps an initiator out altogether

    @Test func anInitiatorWithoutALUN_cannotLogIn_andOneInTheGroupCan() throws {
        var replay = try Self.aclTarget()
        #expect(refusal(replay.model.login(target: Self.target, initiator: "iqn.2026-11.lab.test:intruder", initiatorAddress: "198.18.1.66",
                                           portalAddress: "198.18.1.21")) == .permissionDenied,
                "iscsi-scstd admits an initiator only to a target where it has a LUN (iscsiadm: exit 19)")
        #expect(wrote(replay.model.login(target: Self.target, initiator: "iqn.2026-11.lab.test:ini", initiatorAddress: "198.18.1.22",
                                         portalAddress: "198.18.1.21")))
        #expect(replay.model.visibleLUNs(target: Self.target, initiator: "iqn.2026-11.lab.test:ini") == [0: "disk1"])
    }

    // MARK: 6. CHAP accounts

    @Test func aDuplicateIncomingUser_isEINVAL_andDeletingAnAbsentUser_isENOENT() throws {
        var replay = try Self.aclTarget()
        #expect(wrote(replay.write(Self.driver, "add_target_attribute \(Self.target) IncomingUser joe secret-0123456")))
        #expect(replay.write(Self.driver, "add_target_attribute \(Self.target) IncomingUser joe secret-6543210") == .failure(.invalidArgument))
        #expect(replay.lastResult() == "-22")
        #expect(replay.read("targets/iscsi/\(Self.target)/IncomingUser") == .success("joe secret-0123456\n[key]\n\n"), "the first one stays")
        #expect(replay.write(Self.driver, "del_target_attribute \(Self.target) IncomingUser nobody") == .failure(.noSuchFile))
        #expect(replay.write(Self.driver, "del_target_attribute \(Self.target) OutgoingUser nobody") == .failure(.noSuchFile))
        #expect(wrote(replay.write(Self.driver, "del_target_attribute \(Self.target) IncomingUser joe")))
    }

    /// iscsi-scstd replaces its own outgoing account before it asks the kernel for the attribute
    /// file, which exists: the write fails, and the file is left without an account behind it.
    @Test func aSecondOutgoingUser_isEEXIST_andLeavesTheAttributeUnreadable() throws {
        var replay = try Self.aclTarget()
        let path = "targets/iscsi/\(Self.target)/OutgoingUser"
        #expect(wrote(replay.write(Self.driver, "add_target_attribute \(Self.target) OutgoingUser tgt secret-0123456")))
        #expect(replay.read(path) == .success("tgt secret-0123456\n[key]\n\n"))
        #expect(replay.write(Self.driver, "add_target_attribute \(Self.target) OutgoingUser tgt2 secret-6543210") == .failure(.exists))
        #expect(replay.model.list(["targets", "iscsi", Self.target])?.contains("OutgoingUser") == true, "the file stays")
        #expect(replay.read(path) == .failure(.invalidArgument), "no account behind it")
        #expect(replay.write(Self.driver, "del_target_attribute \(Self.target) OutgoingUser tgt") == .failure(.noSuchFile))
        #expect(replay.write(Self.driver, "add_target_attribute \(Self.target) OutgoingUser tgt secret-0123456") == .failure(.exists),
                "nothing but deleting the target removes the file")
        #expect(wrote(replay.write(Self.driver, "del_target \(Self.target)")))
        #expect(wrote(replay.write(Self.driver, "add_target \(Self.target)")))
        #expect(wrote(replay.write(Self.driver, "add_target_attribute \(Self.target) OutgoingUser tgt secret-0123456")))
    }

    // MARK: 7. Session parameters: iscsi-scstd's ranges, digests as a set

    @Test(arguments: [
        ("MaxRecvDataSegmentLength", "1048577"), ("MaxXmitDataSegmentLength", "2097152"), ("MaxBurstLength", "16777215"),
        ("FirstBurstLength", "1048577"), ("MaxRecvDataSegmentLength", "511"), ("NopInTimeout", "0"), ("NopInTimeout", "1"),
        ("RspTimeout", "1"), ("QueuedCommands", "0"), ("QueuedCommands", "2049"), ("MaxOutstandingR2T", "0"),
        ("HeaderDigest", "MD5"), ("DataDigest", "CRC32C,MD5"), ("InitialR2T", "yes"), ("ImmediateData", "1"),
    ])
    func aSessionParameterIscsiScstdRefuses_isEINVAL_andLeavesTheValue(_ name: String, _ value: String) throws {
        var replay = try Self.aclTarget()
        let path = "targets/iscsi/\(Self.target)/\(name)"
        let before = try replay.read(path).get()
        #expect(replay.write(path, value) == .failure(.invalidArgument))
        #expect(replay.read(path) == .success(before))
    }

    @Test(arguments: [
        ("MaxRecvDataSegmentLength", "1048576", "1048576\n"), ("MaxBurstLength", "512", "512\n[key]\n"),
        ("FirstBurstLength", "1048576", "1048576\n[key]\n"), ("NopInTimeout", "2", "2\n[key]\n"), ("RspTimeout", "2", "2\n[key]\n"),
        ("NopInInterval", "0", "0\n[key]\n"), ("HeaderDigest", "CRC32C,None", "None,CRC32C\n[key]\n"),
        ("DataDigest", "None,CRC32C", "None,CRC32C\n[key]\n"), ("HeaderDigest", "CRC32C", "CRC32C\n[key]\n"),
        ("DataDigest", "crc32c,none", "None,CRC32C\n[key]\n"), ("HeaderDigest", "None", "None\n"),
    ])
    func aSessionParameterIscsiScstdTakes_readsBackAsItShowsIt(_ name: String, _ value: String, _ shown: String) throws {
        var replay = try Self.aclTarget()
        let path = "targets/iscsi/\(Self.target)/\(name)"
        #expect(replay.write(path, value) == .success(value.utf8.count + 1))
        #expect(replay.read(path) == .success(shown))
    }

    // MARK: 8. The fileio device's attributes

    @Test func aFileioDevice_hasAsyncAndODirect_andNeitherZeroCopyNorTheThinProvisioningUA() throws {
        let file = TemporaryDirectory("halo-scst-fileio")
        let image = file.file("image")
        try FileSystem.writeAtomically(image, Array(repeating: 0, count: 1 << 20), permissions: 0o600)
        var replay = ModelReplay()
        #expect(wrote(replay.write("handlers/vdisk_fileio/mgmt", "add_device f1 filename=\(image)")))
        let entries = replay.model.list(["devices", "f1"]) ?? []
        #expect(entries.contains("async") && entries.contains("o_direct"))
        #expect(!entries.contains("zero_copy") && !entries.contains("gen_tp_soft_threshold_reached_UA"))
        #expect(replay.read("devices/f1/async") == .success("0\n"))
        #expect(replay.read("devices/f1/o_direct") == .success("0\n"))
    }
}
