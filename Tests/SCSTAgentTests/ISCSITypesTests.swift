import HaloISCSI
import HaloOCF
import HaloSystem
import Testing
@testable import SCSTAgent

@Suite("iSCSI names, SCSI identity and the other values both target agents share")
struct ISCSITypesTests {
    @Test(arguments: [
        "iqn.2026-11.lab.test:tgt1", "iqn.2001-04.com.example", "iqn.2001-04.com.example:storage:diskarrays-sn-a8675309",
        "iqn.2026-11.lab", "eui.02004567A425678D", "naa.52004567BA64678D", "naa.62004567BA64678D0123456789ABCDEF",
    ])
    func aWellFormedISCSIName_isAccepted(_ name: String) {
        #expect((try? ISCSIName.parse(name).get())?.text == name)
    }

    @Test(arguments: [
        ("", "is empty"), ("iqn.2026-13.lab.test:a", "is not iqn.YYYY-MM"), ("iqn.26-11.lab.test", "is not iqn.YYYY-MM"),
        ("iqn.2026-11", "is not iqn.YYYY-MM"), ("iqn.2026-11.lab.test:", "ends with ':'"),
        ("iqn.2026-11.lab..test", "malformed domain label"), ("iqn.2026-11.-lab.test", "malformed domain label"),
        ("iqn.2026-11.lab.test:a b", "contains a space"), ("iqn.2026-11.lab.test:a\nb", "contains a newline"),
        ("iqn.2026-11.Lab.test", "upper-case"), ("IQN.2026-11.lab.test", "must start with iqn., eui. or naa."),
        ("eui.0200456", "is not an EUI-64"), ("naa.5200456", "is not an NAA name"), ("iqn.2026-11.lab.test:a;b", "the character ';'"),
        ("iqn.2026-11.lab.test:" + String(repeating: "a", count: 210), "longer than 223 bytes"),
    ])
    func aMalformedISCSIName_isRefused_sayingWhy(_ name: String, _ why: String) {
        guard case .failure(let problem) = ISCSIName.parse(name) else {
            Issue.record("\(name.debugDescription) was accepted")
            return
        }
        #expect(problem.message.contains(why), "\(problem.message)")
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256_matchesTheFIPSVectors(_ message: String, _ digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    /// A LUN's identity must never change between releases: multipath on every initiator
    /// remembers it. These values are pinned.
    @Test func theDerivedIdentity_isPinned() {
        let target = try! ISCSIName.parse("iqn.2026-11.lab.test:lun1").get()
        let identity = SCSIIdentity.resolve(target: target, lun: 0, overrides: SCSIIdentity.Overrides(
            vendor: InquiryText(text: "HALO"), product: InquiryText(text: "halo-lun"), revision: InquiryText(text: "0001")))
        #expect(identity.serial.text == "53ac816cae4ae3c4")
        #expect(identity.t10DeviceID.text == "53ac816cae4ae3c4")
        #expect(identity.naa.hex == "600140553ac816cae4ae3c4000000000")
        #expect(SCSIIdentity.derivedSerial(target: target, lun: 1).text != identity.serial.text)
        #expect(SCSIIdentity.derivedSerial(target: try! ISCSIName.parse("iqn.2026-11.lab.test:lun2").get(), lun: 0).text != identity.serial.text)
    }

    @Test func theNAADesignator_isWhatLIOGeneratesFromTheSerial() {
        // LIO's captured unit serial (targetcli's default: a UUID); company id 0x001405.
        #expect(NAAIdentifier.linuxIO(serial: UnitSerial(text: "af8ec24a-f488-496e-b026-232cc2872ecb")).hex
                == "6001405af8ec24af488496eb026232cc")
        #expect(NAAIdentifier.linuxIO(serial: UnitSerial(text: "x-1")).hex == "60014051000000000000000000000000")
    }

    @Test(arguments: [
        ("6001405af8ec24af488496eb026232cc", true), ("0x6001405af8ec24af488496eb026232cc", true), ("5001405af8ec24af", true),
        ("7001405af8ec24af488496eb026232cc", false), ("6001405af8ec24af", false), ("600140", false), ("6001405af8ec24af488496eb026232cg", false),
    ])
    func anNAAParameter_isCheckedAsSCSTChecksIt(_ text: String, _ accepted: Bool) {
        #expect(((try? NAAIdentifier.parse(text).get()) != nil) == accepted)
    }

    @Test(arguments: [("198.18.1.21", true, "198.18.1.21"), ("198.18.1.21:3260", true, "198.18.1.21:3260"),
                      ("fd00:24::10", true, "fd00:24::10"), ("[fd00:24::10]:3261", true, "[fd00:24::10]:3261"),
                      ("198.18.1.256", false, ""), ("[fd00::1", false, ""), ("198.18.1.21:0", false, ""), ("san.example", false, "")])
    func portals_parse(_ text: String, _ accepted: Bool, _ rendered: String) {
        let portal = try? PortalAddress.parse(text).get()
        #expect((portal != nil) == accepted)
        if let portal { #expect(portal.description == rendered) }
    }

    @Test func scstsPortals_takeNoPort_andLIOsDo() {
        let scst = ParameterType<[PortalAddress]?>.portalAddresses(acceptsPorts: false)
        let lio = ParameterType<[PortalAddress]?>.portalAddresses(acceptsPorts: true)
        #expect((try? scst.value(from: "198.18.1.21 198.19.100.50").get()) != nil)
        #expect((try? scst.value(from: "198.18.1.21:3260").get()) == nil)
        #expect((try? lio.value(from: "198.18.1.21:3261 [fd00::1]:3260").get()) != nil)
        #expect((try? lio.value(from: "198.18.1.21 198.18.1.21").get()) == nil, "twice")
    }

    static func credentials(_ text: String) -> Result<(String?, String?), ChapCredentials.Problem> {
        let secret = try! Secret(copying: Array(text.utf8))
        switch ChapCredentials.parse(secret) {
        case .failure(let problem): return .failure(problem)
        case .success(let credentials):
            let users = ChapUsers(Optional(credentials))
            return .success((users.incoming, users.outgoing))
        }
    }

    @Test func aCredentialsFile_givesTheUsers_andKeepsTheSecrets() {
        let parsed = try? Self.credentials("# comment\n\nincoming in-user 0123456789ab\r\noutgoing\tout-user  ba9876543210\n").get()
        #expect(parsed?.0 == "in-user")
        #expect(parsed?.1 == "out-user")
    }

    @Test(arguments: [
        ("incoming user short", "12 to 255 printable"), ("incoming user 0123456789ab extra", "not DIRECTION USER SECRET"),
        ("outgoing user 0123456789ab", "needs an incoming one"), ("sideways user 0123456789ab", "neither incoming nor outgoing"),
        ("incoming a 0123456789ab\nincoming b 0123456789ab", "a second incoming"),
        ("incoming a 0123456789ab\noutgoing b 0123456789ab", "are the same"), ("incoming us;er 0123456789ab", "user name"),
    ])
    func aBadCredentialsFile_isRefused_withoutQuotingIt(_ text: String, _ why: String) {
        guard case .failure(let problem) = Self.credentials(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(problem.description.contains(why), "\(problem)")
        #expect(!problem.description.contains("0123456789ab"))
    }

    @Test(arguments: [
        ("MaxRecvDataSegmentLength=262144 HeaderDigest=CRC32C,None QueuedCommands=64", true),
        ("InitialR2T=Yes ImmediateData=No", true), ("FirstBurstLength=65536 MaxBurstLength=262144", true),
        ("FirstBurstLength=262144 MaxBurstLength=65536", false), ("HeaderDigest=MD5", false), ("QueuedCommands=0", false),
        ("InitialR2T=yes", false), ("QueuedCommands=32 QueuedCommands=64", false), ("Bogus=1", false), ("QueuedCommands", false),
    ])
    func sessionParameters_areChecked(_ text: String, _ accepted: Bool) {
        #expect(((try? ParameterType<[SessionParameter]>.sessionParameters.value(from: text).get()) != nil) == accepted)
    }

    @Test(arguments: [("lun1", true), ("disk.1_a-b", true), ("mgmt", false), ("type", false), (".hidden", false),
                      ("-x", false), ("a b", false), ("a:b", false), (String(repeating: "a", count: 65), false)])
    func storageNames_areChecked(_ name: String, _ accepted: Bool) {
        #expect(((try? StorageName.parse(name).get()) != nil) == accepted)
    }

    @Test(arguments: [("/dev/drbd1", true), ("/dev/mapper/lun1-crypt", true), ("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", true),
                      ("/srv/images/lun1.img", true), ("dev/drbd1", false), ("/dev//drbd1", false), ("/dev/./drbd1", false),
                      ("/dev/../etc/shadow", false), ("/dev/drbd1/", false), ("/dev/a b", false), ("/dev/a;b", false), ("/dev/a=b", false)])
    func backingPaths_areChecked(_ path: String, _ accepted: Bool) {
        #expect(((try? BackingPath.parse(path).get()) != nil) == accepted)
    }

    @Test func relativeTargetIDs_areOneOrOnePerNode() throws {
        #expect(try RelativeTargetID.parse("7").get() == .everywhere(7))
        #expect(try RelativeTargetID.parse("node1=1 node2=2").get().id(on: "node2") == 2)
        #expect(try RelativeTargetID.parse("node1=1 node2=2").get().id(on: "node3") == nil)
        for bad in ["0", "65536", "node1=1 node2=1", "node1=1 node1=2", "node1=", "=1", "node1:1"] {
            #expect((try? RelativeTargetID.parse(bad).get()) == nil, "\(bad)")
        }
    }
}
