import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
import Testing

@Suite("Conformance runner: passes a conforming agent, catches each broken rule")
struct ConformanceRunnerTests {
    @Test func aConformingAgent_passesEveryCheck() throws {
        let agent = try InstalledTestAgent()
        let report = ConformanceRunner().run(agent.underTest())
        #expect(report.passed, "\(report.rendered)")
        // The sequence really ran: start/promote/stop checks and derived invalid parameters.
        let names = report.results.map(\.name)
        #expect(names.contains("monitor after promote exits 8"))
        #expect(names.contains("meta-data is valid under ra-api-1.dtd"))
        #expect(names.contains("start refuses count above its range with 6 or 2 and a reason"))
        #expect(names.contains("start refuses mode not one of its values with 6 or 2 and a reason"))
        #expect(report.results.filter { $0.status == .passed }.count > 100)
    }

    @Test(arguments: [
        ("monitor-ignores-promotion", "monitor after promote exits 8"),
        ("silent-failure", "start failing with 1 gives an exit reason"),
        ("stop-not-idempotent", "stop of a stopped resource exits 0"),
        ("slow-start", "start finishes within its declared timeout 5s"),
        ("start-does-nothing", "monitor after start exits 0"),
        ("accept-anything", "validate-all refuses an unknown parameter with 6 and a reason"),
        ("invalid-metadata", "meta-data is valid under ra-api-1.dtd"),
    ])
    func aBrokenRule_failsTheCheckForIt(fault: String, failingCheck: String) throws {
        let agent = try InstalledTestAgent()
        let report = ConformanceRunner().run(agent.underTest(["fault": fault]))
        #expect(!report.passed)
        #expect(report.failures.map(\.name).contains(failingCheck), "\(report.rendered)")
    }

    @Test func invalidParameterSets_fromTheAgentsTests_areChecked() throws {
        let agent = try InstalledTestAgent()
        var underTest = agent.underTest()
        // A parameter set the agent accepts cannot pass as "invalid": the runner says so.
        underTest.invalidParameterSets = [InvalidParameters("a valid set", underTest.parameters)]
        let report = ConformanceRunner().run(underTest)
        #expect(report.failures.map(\.name) == [
            "validate-all refuses a valid set with 6 or 2 and a reason", "start refuses a valid set with 6 or 2 and a reason",
        ])
    }
}

@Suite("The real ocf-tester, through its helper")
struct RealOCFTesterTests {
    @Test(.enabled(if: RealOCFTester().isAvailable, "ocf-tester is not installed (Debian package resource-agents)"))
    func passesTheConformingTestAgent_andFailsABrokenOne() throws {
        let tester = RealOCFTester()
        let agent = try InstalledTestAgent()
        let good = try tester.run(agent.underTest())
        #expect(good.passed, "\(good.output)")
        let broken = try tester.run(agent.underTest(instance: "t2", ["fault": "stop-not-idempotent"]))
        #expect(!broken.passed)
        #expect(broken.output.contains("stop"))
    }
}

@Suite("The unprivileged meta-data check")
struct UnprivilegedMetadataTests {
    @Test(.enabled(if: CurrentProcess.isRoot, "the unprivileged meta-data check needs root to switch to nobody"))
    func anAgentNobodyCannotReach_failsIt() throws {
        let agent = try InstalledTestAgent()
        _ = chmod(agent.directory.path, 0o700)
        let report = ConformanceRunner().run(agent.underTest())
        #expect(report.failures.map(\.name) == ["meta-data works as an unprivileged user (nobody)"])
    }
}
