import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
import Testing

/// ocf:halo:lio as installed, on this machine, whose kernel has no LIO (target_core_mod): every
/// check that needs no target stack. The VM lab runs the rest against real LIO (docs/lio.md).
@Suite("The installed lio agent on a machine without LIO", .serialized)
struct LIOAgentProcessTests {
    static var hasLIO: Bool { (try? FileSystem.info("/sys/kernel/config/target")) != nil }

    func install() throws -> (String, TemporaryDirectory) {
        let directory = TemporaryDirectory("halo-lio-agent")
        _ = chmod(directory.path, 0o755)
        let path = directory.file("lio")
        guard symlink(BuildProducts.executable("halo-agent"), path) == 0 else { throw Errno.exists }
        return (path, directory)
    }

    func parameters(_ directory: TemporaryDirectory) -> [String: String] {
        ["iqn": "iqn.2026-11.lab.test:lio1", "device_name": "lio1", "backing": "/dev/drbd1",
         "allowed_portals": "198.18.1.11 198.19.100.11:3260", "initiators": "iqn.2026-11.lab.test:client"]
    }

    @Test(.enabled(if: !hasLIO, "this kernel has LIO; the VM lab covers a real target"))
    func everyCheckThatNeedsNoTargetStack_passes() throws {
        let (path, directory) = try install()
        let parameters = parameters(directory)
        func with(_ name: String, _ value: String) -> [String: String] { parameters.merging([name: value]) { $1 } }
        let report = ConformanceRunner().runWithoutStarting(AgentUnderTest(
            path: path, instance: "lio1", parameters: parameters, environment: ["HA_RSCTMP": directory.file("rsctmp")],
            invalidParameterSets: [
                InvalidParameters("non_volatile, which LIO cannot do", with("write_cache", "non_volatile")),
                InvalidParameters("an IQN with a newline", with("iqn", "iqn.2026-11.lab.test:a\nb")),
                InvalidParameters("an SCST handler name", with("backstore", "vdisk_blockio")),
            ]))
        let failures = report.failures.map(\.name)
        // validate-all at depth 10 checks this node, which has no LIO: "not installed".
        #expect(failures == ["validate-all at check level 10 exits 0"], "\(report.rendered)")
        #expect(report.results.filter { $0.status == .passed }.count > 40)
    }

    @Test(.enabled(if: !hasLIO, "this kernel has LIO; the VM lab covers a real target"))
    func withoutLIO_monitorIsNotRunning_stopSucceeds_andStartSaysWhatIsMissing() throws {
        let (path, directory) = try install()
        let agent = AgentProcess(path: path, instance: "lio1", environment: ["HA_RSCTMP": directory.file("rsctmp")])
        #expect(try agent.run("monitor", parameters(directory)).code == 7)
        #expect(try agent.run("monitor", parameters(directory), extra: ["OCF_RESKEY_CRM_meta_interval": "0"]).code == 7)
        #expect(try agent.run("stop", parameters(directory)).code == 0)
        // Stop with invalid parameters: iqn, device_name and backstore name what to remove; without
        // them a stop cannot tell, and fails.
        var invalid = parameters(directory)
        invalid["write_cache"] = "bogus"
        #expect(try agent.run("stop", invalid).code == 0)
        invalid["iqn"] = "iqn.2026-11.lab.test:LIO1"
        let nameless = try agent.run("stop", invalid)
        #expect(nameless.code == 1)
        #expect(nameless.reason?.hasPrefix("cannot stop: without a valid iqn, device_name or backstore") == true, "\(nameless.reason ?? "")")
        let start = try agent.run("start", parameters(directory))
        #expect(start.code == 5)
        #expect(start.reason == "LIO is not loaded (no /sys/kernel/config/target): load target_core_mod and mount configfs")
    }
}
