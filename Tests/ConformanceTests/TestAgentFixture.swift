import HaloConformance
import HaloSystem
import HaloTesting

/// The test agent installed the way halo installs agents: a symlink named after the agent,
/// pointing at the multi-call binary, in a scratch directory with its own HA_RSCTMP.
final class InstalledTestAgent: @unchecked Sendable {
    // Immutable after init.
    let directory = TemporaryDirectory("halo-conformance")
    let path: String

    init() throws {
        // Reachable by nobody, as /usr/lib/ocf/resource.d is: ocf-tester runs meta-data as nobody.
        _ = chmod(directory.path, 0o755)
        path = directory.file("testagent")
        guard symlinkTestAgent(BuildProducts.executable("halo-test-agent"), path) == 0 else {
            throw Errno.exists
        }
        try FileSystem.makeDirectories(directory.file("resources"))
    }

    /// The agent under test with valid parameters, plus `extra` ones.
    func underTest(instance: String = "t1", _ extra: [String: String] = [:]) -> AgentUnderTest {
        AgentUnderTest(path: path, instance: instance,
                       parameters: ["directory": directory.file("resources")].merging(extra) { $1 },
                       environment: ["HA_RSCTMP": directory.file("rsctmp")])
    }

    func process(instance: String = "t1") -> AgentProcess {
        AgentProcess(path: path, instance: instance, environment: ["HA_RSCTMP": directory.file("rsctmp")])
    }
}

import Glibc
func symlinkTestAgent(_ target: String, _ path: String) -> Int32 { symlink(target, path) }
