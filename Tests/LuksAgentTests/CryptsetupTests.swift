import HaloCryptsetup
import HaloSystem
import HaloTesting
import Testing
@testable import LuksAgent

@Suite("libcryptsetup for real, through the agent's wrapper: format, identify, verify, reject", .serialized)
struct CryptsetupTests {
    @Test(arguments: [LuksVersion.luks2, .luks1])
    func aFormattedHeader_readsBackItsTypeAndUUID_andOnlyItsKeyOpensIt(version: LuksVersion) throws {
        let image = try LuksTestImage(version: version)
        let library = try Cryptsetup.load()
        let device = try CryptDevice(path: image.image, using: library)
        try device.loadHeader()
        let (type, uuid) = (device.headerType, device.uuid)
        #expect(type == version)
        #expect(LuksUUID(uuid ?? "") != nil)
        #expect(LuksUUID(uuid ?? "") == LuksUUID(image.uuid))
        let slot = try device.verify(passphrase: try Secret(copying: Array(image.key.utf8)))
        #expect(slot == 0)
        #expect(throws: CryptsetupError.keyRejected) {
            try device.verify(passphrase: try Secret(copying: Array("not-the-key".utf8)))
        }
        // The passphrase is all of the file's bytes: a trailing newline makes another key.
        #expect(throws: CryptsetupError.keyRejected) {
            try device.verify(passphrase: try Secret(copying: Array((image.key + "\n").utf8)))
        }
    }

    @Test func aRequestedUUID_isWritten() throws {
        let image = try LuksTestImage(uuid: "58aba7b1-d27a-491a-bfb0-fad5efeb5946")
        #expect(LuksUUID(image.uuid)?.text == "58aba7b1-d27a-491a-bfb0-fad5efeb5946")
    }

    @Test func theAgentsOwnHeaderReader_agreesWithLibcryptsetup() throws {
        for version in [LuksVersion.luks2, .luks1] {
            let image = try LuksTestImage(version: version)
            let bytes = Array(try FileSystem.readBytes(image.image, limit: 4096))
            let identity = try #require(LuksHeaderIdentity(bytes))
            #expect(identity.version == version)
            #expect(identity.uuid == LuksUUID(image.uuid))
        }
        #expect(LuksHeaderIdentity([UInt8](repeating: 0, count: 4096)) == nil)
        #expect(LuksHeaderIdentity.reading([UInt8](repeating: 0, count: 4096)) == .notLuks)
    }

    @Test func aDeviceWithoutAHeader_isNamedSo() throws {
        let directory = TemporaryDirectory()
        try FileSystem.writeAtomically(directory.file("blank"), [UInt8](repeating: 0, count: 4 << 20))
        let device = try CryptDevice(path: directory.file("blank"), using: try Cryptsetup.load())
        #expect(throws: CryptsetupError.self) { try device.loadHeader() }
        do {
            try device.loadHeader()
        } catch {
            guard case .noLuksHeader = error else {
                Issue.record("expected noLuksHeader, got \(error)")
                return
            }
        }
        #expect(throws: CryptsetupError.self) { _ = try CryptDevice(path: directory.file("missing"), using: try Cryptsetup.load()) }
    }

    @Test func theLibrarysMessages_areCollected_notPrinted() throws {
        let directory = TemporaryDirectory()
        try FileSystem.writeAtomically(directory.file("blank"), [UInt8](repeating: 0, count: 4 << 20))
        let library = try Cryptsetup.load()
        let device = try CryptDevice(path: directory.file("blank"), using: library)
        _ = try? device.loadHeader()
        _ = library.libraryMessages  // whatever it said is here, not on our stdout/stderr
        #expect(LuksDecision.failure(.keyRejected).reason.summary == "the key file opens no keyslot of the LUKS header")
    }
}

@Suite("The UUID scan on this machine's real block devices", .serialized)
struct DeviceScanTests {
    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func aLoopDeviceWithAHeader_isFoundByUUID_withoutUdevLinks() throws {
        let image = try LuksTestImage(loop: true)
        let loop = try #require(image.loopDevice)
        let view = liveView()
        let start = ContinuousClock.now
        let resolution = view.resolve(.uuid(LuksUUID(image.uuid)!))
        let elapsed = start.duration(to: .now)
        guard case .found(let path, _) = resolution else {
            Issue.record("not found: \(resolution)")
            return
        }
        #expect(path == loop)
        print("MEASURED: UUID scan of \(view.scanBlockDevices().count) block devices took \(elapsed)")
    }

    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func twoDevicesWithOneUUID_areAmbiguous() throws {
        let image = try LuksTestImage(loop: true)
        let second = try LuksTestImage.attach(image.image)
        defer { _ = try? ProcessRunner().run(Command("losetup", ["-d", second]), deadline: .after(.seconds(20))) }
        let resolution = liveView().resolve(.uuid(LuksUUID(image.uuid)!))
        guard case .uuidAmbiguous(_, let paths) = resolution else {
            Issue.record("expected ambiguity: \(resolution)")
            return
        }
        #expect(Set(paths) == [image.loopDevice!, second])
    }

    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func aProcessWithTheDeviceOpen_isFound_andForceStopEndsIt() throws {
        let image = try LuksTestImage(loop: true)
        let loop = try #require(image.loopDevice)
        let number = DeviceNumber(try FileSystem.info(loop))
        // A process that holds the device open on its standard input and ignores SIGTERM.
        let pid = try spawnHolding(loop, ["sh", "-c", "trap '' TERM; exec sleep 60"])
        Pause.for(.milliseconds(300))
        let found = liveView().processes(opening: number)
        #expect(found.map(\.pid) == [pid])
        #expect(found.first?.command == "sleep")
        let survivors = Effects.end(found, deadline: .after(.seconds(5)), logger: .init(label: "test"))
        #expect(survivors.isEmpty)
        #expect(reapChild(pid) == 9)
        #expect(liveView().processes(opening: number).isEmpty)
    }
}
