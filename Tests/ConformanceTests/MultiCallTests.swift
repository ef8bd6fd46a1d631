import HaloSystem
import HaloTesting
import Testing

@Suite("The multi-call binary: dispatch on argv[0] or `<binary> <agent> <action>`")
struct MultiCallTests {
    let binary = BuildProducts.executable("halo-test-agent")

    func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner().run(Command(executable, arguments), deadline: .after(.seconds(20)))
    }

    @Test func help_listsTheAgents() throws {
        let result = try run(binary, ["--help"])
        #expect(result.succeeded)
        #expect(result.outputText.contains("  testagent  Test agent of halo's core"))
    }

    @Test func theBinaryName_andAnAgentName_reachTheSameAgent() throws {
        let agent = try InstalledTestAgent()
        let viaSymlink = try run(agent.path, ["meta-data"])
        let viaArgument = try run(binary, ["testagent", "meta-data"])
        #expect(viaSymlink.succeeded && viaArgument.succeeded)
        #expect(viaSymlink.outputText == viaArgument.outputText)
        #expect(try run(binary, ["list"]).outputText == "testagent\n")
        #expect(try run(binary, ["describe", "testagent"]).outputText.contains("\"promotable\": true"))
    }

    @Test func anUnknownAgent_isNotInstalled() throws {
        let directory = TemporaryDirectory()
        #expect(symlinkTestAgent(binary, directory.file("nosuch")) == 0)
        let viaSymlink = try run(directory.file("nosuch"), ["start"])
        #expect(viaSymlink.exitStatus == 5)
        #expect(viaSymlink.errorText.contains("ocf-exit-reason:halo has no agent named nosuch"))
        #expect(try run(binary, ["nosuch", "start"]).exitStatus == 5)
    }

    @Test func theRealHaloAgent_answersHelpAndVersion() throws {
        let halo = BuildProducts.executable("halo-agent")
        let help = try run(halo, ["--help"])
        #expect(help.succeeded)
        #expect(help.outputText.hasPrefix("halo-agent 0.1.0"))
        #expect(try run(halo, ["--version"]).outputText == "halo-agent 0.1.0\n")
    }
}

@Suite("An agent process: exit codes, exit reasons, secrets")
struct AgentProcessTests {
    @Test func anUnknownAction_exits3_withUsage_andTheReasonIsTheLastLine() throws {
        let agent = try InstalledTestAgent()
        let result = try agent.process().run("bogus", ["directory": "/tmp"])
        #expect(result.code == 3)
        #expect(result.stdout.hasPrefix("usage: testagent"))
        #expect(result.stderr.split(separator: "\n").last?.hasPrefix("ocf-exit-reason:unknown action 'bogus'") == true)
    }

    @Test func metaData_runsWithoutAnyEnvironment() throws {
        let agent = try InstalledTestAgent()
        let result = try ProcessRunner().run(Command(agent.path, ["meta-data"], environment: [:]), deadline: .after(.seconds(10)))
        #expect(result.succeeded)
        #expect(result.outputText.contains("<version>1.1</version>"))
    }

    @Test func validateAll_atLevel0_checksSyntaxOnly_andAtLevel10_thisNode() throws {
        let agent = try InstalledTestAgent()
        let missing = ["directory": "/nonexistent/halo"]
        #expect(try agent.process().run("validate-all", missing).code == 0)
        let deep = try agent.process().run("validate-all", missing, extra: ["OCF_CHECK_LEVEL": "10"])
        #expect(deep.code == 5)
        #expect(deep.reason?.contains("/nonexistent/halo") == true)
    }

    @Test func aProbe_ofAResourceOnAMissingDirectory_isNotRunning_notAnError() throws {
        let agent = try InstalledTestAgent()
        let probe = try agent.process().run("monitor", ["directory": "/nonexistent/halo"],
                                            extra: ["OCF_RESKEY_CRM_meta_interval": "0"])
        #expect(probe.code == 7)
    }

    @Test func aSecret_neverReachesStandardErrorOrTheExitReason() throws {
        let agent = try InstalledTestAgent()
        for (action, extra) in [("validate-all", [:]), ("start", ["HA_debug": "1"]), ("monitor", ["HA_debug": "1"]),
                                ("stop", ["HA_debug": "1"])] {
            let result = try agent.process().run(action, [
                "directory": agent.directory.file("resources"), "token": "Sup3rS3cret\u{1b}[0m", "count": "0",
            ], extra: extra)
            #expect(result.code == 6 || action == "stop")
            #expect(!result.stderr.contains("Sup3rS3cret"))
            #expect(!result.stdout.contains("Sup3rS3cret"))
        }
        let valid = try agent.process().run("start", ["directory": agent.directory.file("resources"), "token": "Sup3rS3cret"],
                                            extra: ["HA_debug": "1"])
        #expect(valid.code == 0)
        #expect(!valid.stderr.contains("Sup3rS3cret"))
        #expect(valid.stderr.contains("token=<private>"))
    }
}
