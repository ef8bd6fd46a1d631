import HaloOCF
import Testing
@testable import LuksAgent

@Suite("luks parameters: parsed once, refused with a reason")
struct LuksParameterTests {
    @Test(arguments: [
        ("/dev/md0", EncryptedDevice.path("/dev/md0")),
        ("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", .path("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4")),
        ("UUID=58aba7b1-d27a-491a-bfb0-fad5efeb5946", .uuid(LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")!)),
        ("uuid=58ABA7B1-D27A-491A-BFB0-FAD5EFEB5946", .uuid(LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")!)),
        ("58aba7b1-d27a-491a-bfb0-fad5efeb5946", .uuid(LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")!)),
    ])
    func device_acceptsPathsAndUUIDs(raw: String, expected: EncryptedDevice) throws {
        #expect(try EncryptedDevice.parse(raw).get() == expected)
    }

    @Test(arguments: ["md0", "UUID=58aba7b1", "UUID=58aba7b1-d27a-491a-bfb0-fad5efeb594g", "/dev/md0 ", "/dev/md0\n/dev/sda"])
    func device_refusesAnythingElse(raw: String) {
        #expect(throws: ValueProblem.self) { try EncryptedDevice.parse(raw).get() }
    }

    @Test(arguments: [("cr0", true), ("r0_crypt.1+a-b", true), (String(repeating: "a", count: 127), true),
                      (String(repeating: "a", count: 128), false), ("", false), ("control", false), ("-r0", false),
                      (".r0", false), ("r0/x", false), ("r 0", false), ("r0\n", false), ("räd", false)])
    func mappingName_isNarrowerThanDeviceMapper(raw: String, accepted: Bool) {
        let parsed = try? MappingName.parse(raw).get()
        #expect((parsed != nil) == accepted)
    }

    @Test func key_isAnAbsolutePath_andLaterSourcesAreNamedAsNotYetSupported() throws {
        #expect(try KeySource.parse("/etc/halo/keys/r0.key").get() == .file(path: "/etc/halo/keys/r0.key"))
        #expect(throws: ValueProblem("is not an absolute path to a key file")) { try KeySource.parse("r0.key").get() }
        #expect(throws: ValueProblem("names a key source this release cannot use yet (only key files)")) {
            try KeySource.parse("keyring:%user:r0").get()
        }
    }

    @Test func uuid_fromADeviceMapperUUID_getsItsDashesBack() {
        #expect(LuksUUID(compact: "58aba7b1d27a491abfb0fad5efeb5946")?.text == "58aba7b1-d27a-491a-bfb0-fad5efeb5946")
        #expect(LuksUUID(compact: "58aba7b1d27a491abfb0fad5efeb594") == nil)
        #expect(LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")?.compact == "58aba7b1d27a491abfb0fad5efeb5946")
    }

    @Test func declarations_markTheKeyPrivate_andOnlyTheStopAndCheckSwitchesReloadable() {
        let specs = LuksParameters.specs
        #expect(specs.map(\.name) == ["device", "name", "key", "allow_discards", "no_read_workqueue", "no_write_workqueue",
                                      "read_only", "header_check", "force_stop"])
        #expect(specs.filter(\.isPrivate).map(\.name) == ["key"])
        #expect(specs.filter(\.isReloadable).map(\.name) == ["header_check", "force_stop"])
        #expect(specs.filter(\.isRequired).map(\.name) == ["device", "name", "key"])
    }

    @Test func values_becomeSettings() throws {
        let values = try ParameterValues<LuksParameters>.validate([
            "device": "/dev/drbd0", "name": "r0", "key": "/etc/halo/r0.key", "allow_discards": "yes", "read_only": "1",
            "no_read_workqueue": "true",
        ]).get()
        let settings = LuksSettings(values)
        #expect(settings.device == .path("/dev/drbd0"))
        #expect(settings.options.allowDiscards && settings.options.readOnly && settings.options.noReadWorkqueue)
        #expect(!settings.options.noWriteWorkqueue && !settings.forceStop)
        #expect(settings.headerCheck == .monitor)
    }
}
