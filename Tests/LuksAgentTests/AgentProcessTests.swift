import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
import Testing
@testable import LuksAgent

/// Whether this machine's kernel has a device-mapper (the development machines have none).
let hasDeviceMapper = liveView().hasDeviceMapper

@Suite("The installed luks agent on this machine: probes, stops, refusals, key hygiene", .serialized)
struct LuksAgentProcessTests {
    @Test func withoutAnOpenMapping_probeIs7_monitorIs7_stopIs0_evenWithTheKeyFileMissing() throws {
        let agent = try InstalledLuksAgent()
        let parameters = ["device": "/dev/nonexistent-luks", "name": "halo-test-absent", "key": "/nonexistent/key"]
        let probe = try agent.process().run("monitor", parameters, extra: ["OCF_RESKEY_CRM_meta_interval": "0"])
        #expect(probe.code == 7)
        for level in ["0", "10", "20"] {
            let monitor = try agent.process().run("monitor", parameters, extra: [
                "OCF_RESKEY_CRM_meta_interval": "10000", "OCF_CHECK_LEVEL": level])
            #expect(monitor.code == 7, "depth \(level): \(monitor.stderr)")
        }
        let stop = try agent.process().run("stop", parameters)
        #expect(stop.code == 0)
        #expect(try agent.process().run("validate-all", parameters).code == 0, "level 0 checks syntax only")
    }

    /// Stop with parameters that do not validate: the mapping name says what to close, so with a
    /// valid name (nothing open here) the stop succeeds; with an invalid one it cannot tell, and
    /// fails rather than claim the mapping closed.
    @Test func stopWithInvalidParameters_closesByName_orFails() throws {
        let agent = try InstalledLuksAgent()
        let byName = try agent.process().run("stop", ["device": "md0", "name": "halo-test-absent", "key": "relative/key"])
        #expect(byName.code == 0, "\(byName.stderr)")
        let nameless = try agent.process().run("stop", ["device": "/dev/vdb", "name": "control", "key": "/etc/k"])
        #expect(nameless.code == 1)
        #expect(nameless.reason?.hasPrefix("cannot stop: without a valid name, what to stop cannot be told, and it may still run:") == true,
                "\(nameless.reason ?? "")")
        let unknown = try agent.process().run("monitor", ["device": "/dev/vdb", "name": "halo-test-absent", "key": "/etc/k", "typo": "1"])
        #expect(unknown.code == 7, "an unknown parameter is ignored: \(unknown.reason ?? "")")
    }

    @Test(.enabled(if: !hasDeviceMapper, "this kernel has a device-mapper (the VM lab opens for real)"))
    func start_withoutDeviceMapper_refusesWith5_andSaysWhatToLoad() throws {
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage()
        let start = try agent.process().run("start", ["device": "/dev/null", "name": "halo-test", "key": image.keyPath])
        // /dev/null is no block device (2), and the missing device-mapper is listed after it.
        #expect(start.code == 2)
        #expect(start.reason == "device /dev/null is not a block device; this kernel has no device-mapper: load the dm_mod and dm_crypt modules (2 problems)")
    }

    @Test(.enabled(if: !hasDeviceMapper && canAttachLoopDevices, "needs loop devices, and a kernel without a device-mapper"))
    func start_onARealLUKSDevice_withoutDeviceMapper_refusesWith5() throws {
        let agent = try InstalledLuksAgent()
        let onLoop = try LuksTestImage(loop: true)
        let clean = try agent.process().run("start", ["device": onLoop.loopDevice!, "name": "halo-test", "key": onLoop.keyPath])
        #expect(clean.code == 5)
        #expect(clean.reason == "this kernel has no device-mapper: load the dm_mod and dm_crypt modules")
    }

    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func validateAll_atDepth20_verifiesHeaderAndKey_withoutOpening() throws {
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage(loop: true)
        let wrong = try image.keyFile("wrong", content: "not-the-key", mode: 0o400)
        for device in [image.loopDevice!, "UUID=\(image.uuid)"] {
            let good = try agent.process().run("validate-all", ["device": device, "name": "halo-v", "key": image.keyPath],
                                               extra: ["OCF_CHECK_LEVEL": "20"])
            let bad = try agent.process().run("validate-all", ["device": device, "name": "halo-v", "key": wrong],
                                              extra: ["OCF_CHECK_LEVEL": "20"])
            if hasDeviceMapper {
                #expect(good.code == 0, "\(good.stderr)")
                #expect(bad.code == 2)
            } else {
                // The only problem with the right key is the kernel; with the wrong one, the key is named too.
                #expect(good.code == 5)
                #expect(good.reason == "this kernel has no device-mapper: load the dm_mod and dm_crypt modules")
                #expect(bad.reason?.contains("the key file opens no keyslot of the LUKS header") == true, "\(bad.reason ?? "")")
            }
        }
    }

    @Test func keyFileHygiene_isEnforcedByStartAndValidate_withCodesForThisNode() throws {
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage()
        let worldReadable = try image.keyFile("world", content: image.key, mode: 0o644)
        let empty = try image.keyFile("empty", content: "", mode: 0o400)
        let foreign = try image.keyFile("foreign", content: image.key, mode: 0o400)
        _ = chown(foreign, 65534, 65534)
        let directory = image.directory.file("keydir")
        try FileSystem.makeDirectories(directory, permissions: 0o700)
        let cases: [(String, String, Int32, String)] = [
            ("world-readable", worldReadable, 2, "the key file has mode 0644, open to group or others: chmod 0400"),
            ("wrong owner", foreign, 2, "the key file is owned by uid 65534, not root: chown root"),
            ("missing", image.directory.file("missing"), 5, "the key file does not exist on this node"),
            ("empty", empty, 2, "the key file is empty"),
            ("a directory", directory, 2, "the key file is a directory, not a regular file"),
        ]
        for (label, path, code, reason) in cases {
            for (action, extra) in [("validate-all", ["OCF_CHECK_LEVEL": "10"]), ("start", [:])] {
                let run = try agent.process().run(action, ["device": "/dev/null", "name": "halo-k", "key": path], extra: extra)
                // The device problem (/dev/null) comes first; the key's problem is the second one named.
                #expect(run.code == 2, "\(label) \(action)")
                #expect(run.reason?.contains(reason) == true, "\(label) \(action): \(run.reason ?? "")")
                #expect(run.reason?.contains(path) == false, "\(label): the key path is private")
            }
            // With nothing else wrong but the kernel, the key's own code leads.
            if canAttachLoopDevices {
                let onLoop = try LuksTestImage(loop: true)
                let run = try agent.process().run("validate-all", ["device": onLoop.loopDevice!, "name": "halo-k", "key": path],
                                                  extra: ["OCF_CHECK_LEVEL": "10"])
                #expect(run.code == code, "\(label): \(run.reason ?? "")")
                #expect(run.reason?.hasPrefix(reason) == true, "\(label): \(run.reason ?? "")")
            }
        }
        // A missing key file never matters to monitor or a probe (they never read it).
        let probe = try agent.process().run("monitor", ["device": "/dev/null", "name": "halo-k", "key": image.directory.file("missing")],
                                            extra: ["OCF_RESKEY_CRM_meta_interval": "0"])
        #expect(probe.code == 7)
    }
}
