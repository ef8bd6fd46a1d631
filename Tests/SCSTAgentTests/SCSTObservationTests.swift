import HaloISCSI
import HaloOCF
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// The agent's reader on trees captured from a real SCST 3.11 target, written out as fixtures.
@Suite("ocf:halo:scst reading captured SCST trees")
struct SCSTObservationTests {
    static func view(_ capture: String) throws -> (SCSTView, TemporaryDirectory) {
        let directory = TemporaryDirectory("halo-scst-fixture")
        try SCSTCaptureTree(capture).write(to: directory.path)
        return (SCSTView(root: directory.path, deadline: .after(.seconds(5))), directory)
    }

    @Test func theConfiguredCapture_readsAsTheRunningTarget() throws {
        let (view, directory) = try Self.view("05-configured")
        defer { withExtendedLifetime(directory) {} }
        let settings = SCSTSettings.lab()
        let observation = try view.observe(settings, depth: .full, credentials: nil)
        #expect(observation.isLoaded)
        #expect(observation.handlers == ["vcdrom", "vdisk_blockio", "vdisk_fileio", "vdisk_nullio"])
        #expect(observation.iscsi == SCSTObservation.ISCSIDriver(isDaemonConnected: true, isEnabled: true))
        let device = try #require(observation.device)
        #expect(device.handler == "vdisk_blockio")
        #expect(device.filename == "/dev/vdb")
        #expect(device.size == 268_435_456)
        #expect(!device.writeThrough && !device.nvCache)
        #expect(device.identity == IdentityState(usn: "b8fdbd32", t10DeviceID: "b8fdbd32-disk1", vendorSpecificID: "b8fdbd32-disk1",
                                                 vendor: "SCST_BIO", product: "disk1", revision: "3110", naa: "", eui64: ""))
        #expect(device.exports == ["copy_manager/copy_manager_tgt/luns/0", "iscsi/iqn.2026-11.lab.test:tgt1/luns/0"])
        let target = try #require(observation.target)
        #expect(target.isEnabled)
        #expect(target.relativeID == 1)
        #expect(target.allowedPortals == ["198.18.1.21"])
        #expect(target.defaultLUNs == [0: "disk1", 1: "null1"])
        #expect(target.groups.isEmpty && target.sessions.isEmpty && target.incomingUsers.isEmpty)
        // The export itself is right; the device was created by scstadmin, not by halo.
        #expect(SCSTDecision.monitor(settings, observation, level: .basic) == .success(.success))
        guard case .failure(let failure) = SCSTDecision.monitor(settings, observation, level: .thorough) else {
            Issue.record("depth 10 must see the configuration differ")
            return
        }
        #expect(failure.reason.summary.hasPrefix("disk1 differs from its configuration (write_through=0 nv_cache=0)"))
        let steps = SCSTDecision.start(settings, observation, chap: .none, node: nil)
        #expect(steps.prefix(3) == [.disableTarget, .deleteDevice(name: "disk1", handler: "vdisk_blockio"),
                                    .addDevice(name: "disk1", handler: "vdisk_blockio", parameters: SCSTDecision.deviceParameters(settings))])
    }

    @Test func theACLCapture_readsTheGroupItsInitiatorsAndTheSession() throws {
        let (view, directory) = try Self.view("17-acl-with-session")
        defer { withExtendedLifetime(directory) {} }
        let settings = SCSTSettings.lab(initiators: ["iqn.2026-11.lab.test:ini"], group: "acl_ini")
        let observation = try view.observe(settings, depth: .full, credentials: nil)
        let target = try #require(observation.target)
        #expect(target.defaultLUNs.isEmpty)
        #expect(target.groups == ["acl_ini": GroupState(initiators: ["iqn.2026-11.lab.test:ini"], luns: [0: "disk1", 3: "null1"])])
        #expect(target.sessions == [SessionState(initiator: "iqn.2026-11.lab.test:ini", group: "acl_ini")], "bound to the group at login")
        #expect(target.relativeID == 2)
        #expect(SCSTDecision.monitor(settings, observation, level: .basic) == .success(.success))
        let wrongGroup = SCSTSettings.lab(initiators: ["iqn.2026-11.lab.test:ini"])
        #expect(SCSTDecision.monitor(wrongGroup, observation, level: .basic)
                == .failure(.generic("iqn.2026-11.lab.test:tgt1 has no initiator group halo: the LUN is not exported to the listed initiators")))
        let stop = SCSTDecision.stop(settings, observation)
        #expect(stop.prefix(3) == [.disableTarget, .closeSession(initiator: "iqn.2026-11.lab.test:ini"), .waitForSessions])
    }

    @Test func aNodeWithoutSCST_readsAsNotRunning() throws {
        let directory = TemporaryDirectory("halo-scst-fixture")
        let observation = try SCSTView(root: directory.path, deadline: .after(.seconds(1))).observe(.lab(), depth: .full, credentials: nil)
        #expect(observation == SCSTObservation())
        #expect(SCSTDecision.monitor(.lab(), observation, level: .deep) == .success(.notRunning))
    }

    @Test func theModulesJustLoaded_withoutTheDaemon_readAsNotRunning_andStartSaysWhy() throws {
        let (view, directory) = try Self.view("01-after-modprobe")
        defer { withExtendedLifetime(directory) {} }
        let observation = try view.observe(.lab(), depth: .full, credentials: nil)
        #expect(observation.iscsi == SCSTObservation.ISCSIDriver(isDaemonConnected: false, isEnabled: false))
        #expect(SCSTDecision.monitor(.lab(), observation, level: .basic) == .success(.notRunning))
        #expect(SCSTDecision.startRefusal(.lab(), observation, node: nil)?.reason.summary.hasPrefix("iscsi-scstd is not running") == true)
    }
}
