import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
import Testing

/// ocf:halo:drbd as Pacemaker runs it, on a machine without DRBD (the development machines'
/// kernel has none; the VM lab runs it against real DRBD 8.4).
@Suite("ocf:halo:drbd without DRBD in the kernel")
struct DRBDAgentProcessTests {
    static let clone = ["OCF_RESKEY_CRM_meta_clone_max": "2", "OCF_RESKEY_CRM_meta_clone_node_max": "1",
                        "OCF_RESKEY_CRM_meta_promoted_max": "1", "OCF_RESKEY_CRM_meta_promoted_node_max": "1",
                        "OCF_RESKEY_CRM_meta_promotable": "true", "OCF_RESKEY_CRM_meta_notify": "true"]

    func agent() throws -> (AgentProcess, TemporaryDirectory) {
        let directory = TemporaryDirectory("halo-drbd")
        _ = chmod(directory.path, 0o755)
        guard symlink(BuildProducts.executable("halo-agent"), directory.file("drbd")) == 0 else { throw Errno.exists }
        return (AgentProcess(path: directory.file("drbd"), instance: "drbd-r0",
                             environment: ["HA_RSCTMP": directory.file("rsctmp")]), directory)
    }

    @Test(.enabled(if: (try? FileSystem.info("/sys/module/drbd")) == nil, "this kernel has DRBD loaded; the lab covers a real resource"))
    func aNodeWithoutTheModule_isNotRunning_andStopSucceeds() throws {
        let (agent, directory) = try agent()
        defer { withExtendedLifetime(directory) {} }
        #expect(try agent.run("monitor", ["resource": "r0"], extra: Self.clone.merging(["OCF_RESKEY_CRM_meta_interval": "0"]) { $1 }).code == 7)
        #expect(try agent.run("monitor", ["resource": "r0"], extra: Self.clone).code == 7)
        #expect(try agent.run("stop", ["resource": "r0"], extra: Self.clone).code == 0)
        #expect(try agent.run("demote", ["resource": "r0"], extra: Self.clone).code == 0)
    }

    @Test func start_notesPacemakersNodeName_forTheFencePeerHandler() throws {
        let (agent, directory) = try agent()
        defer { withExtendedLifetime(directory) {} }
        let noted = directory.file("rsctmp") + "/halo-drbd/node-name"
        // Without DRBD in the kernel the start fails after the note; with it, it would go on.
        _ = try agent.run("start", ["resource": "r0"], extra: Self.clone.merging(["OCF_RESKEY_CRM_meta_on_node": "node7"]) { $1 })
        #expect(try FileSystem.readBytes(noted, limit: 100) == Array("node7".utf8))
        // A name that could not be one is never noted: the handler asks crm_node instead.
        _ = try agent.run("start", ["resource": "r0"], extra: Self.clone.merging(["OCF_RESKEY_CRM_meta_on_node": "node8\nnode1"]) { $1 })
        #expect(try FileSystem.readBytes(noted, limit: 100) == Array("node7".utf8))
    }

    @Test func start_outsideAPromotableClone_isAConfigurationError() throws {
        let (agent, directory) = try agent()
        defer { withExtendedLifetime(directory) {} }
        let start = try agent.run("start", ["resource": "r0"])
        #expect(start.code == 6)
        #expect(start.reason == "ocf:halo:drbd must run as a promotable clone")
        let twoPerNode = try agent.run("start", ["resource": "r0"], extra: Self.clone.merging(["OCF_RESKEY_CRM_meta_clone_node_max": "2"]) { $1 })
        #expect(twoPerNode.reason == "clone-node-max must be 1, not 2")
    }

    @Test func badResourceNames_areRefusedBeforeAnythingRuns() throws {
        let (agent, directory) = try agent()
        defer { withExtendedLifetime(directory) {} }
        for name in ["r0;reboot", "-r0", "r 0", "r0\n"] {
            let result = try agent.run("start", ["resource": name], extra: Self.clone)
            #expect(result.code == 6, "\(name)")
        }
        // A stop with an unusable name has nothing it could take down: success, not fencing.
        #expect(try agent.run("stop", ["resource": "r0;reboot"], extra: Self.clone).code == 0)
    }

    @Test func theMetadata_conforms() throws {
        let (agent, directory) = try agent()
        defer { withExtendedLifetime(directory) {} }
        let report = ConformanceRunner().checkMetadata(AgentUnderTest(path: agent.path, instance: "drbd-r0", parameters: ["resource": "r0"]))
        #expect(report.passed, "\(report.rendered)")
        #expect(report.results.contains { $0.name == "a promotable agent declares Promoted and Unpromoted monitors" && $0.status == .passed })
    }
}
