@testable import HaloOCF
import HaloSystem
import HaloTesting
import Testing

@Suite("AgentRunner: the OCF contract around an agent's code")
struct AgentRunnerTests {
    func invoke(_ action: String?, _ parameters: [String: String] = ["target": "t1"],
                extra: [String: String] = [:], instance: String? = "r1") -> (Invocation, InMemoryLogSink) {
        var variables: [String: String] = extra
        if let instance { variables["OCF_RESOURCE_INSTANCE"] = instance }
        for (name, value) in parameters { variables["OCF_RESKEY_\(name)"] = value }
        let sink = InMemoryLogSink()
        let invocation = AgentRunner.invoke(SampleAgent.self, action: action, environment: OCFEnvironment(variables), sink: sink,
                                            reader: BoundedReader(program: Command("/bin/false")))
        return (invocation, sink)
    }

    @Test func noAction_printsUsage_andExits2() {
        let (invocation, _) = invoke(nil)
        #expect(invocation.code == .invalidArgument)
        #expect(invocation.output.hasPrefix("usage: sample {start|stop|monitor|validate-all|meta-data|usage}"))
        #expect(invocation.reason != nil)
    }

    @Test func anUnknownAction_printsUsage_andExits3() {
        let (invocation, _) = invoke("frobnicate")
        #expect(invocation.code == .unimplemented)
        #expect(invocation.output.contains("usage: sample"))
        #expect(invocation.reason?.summary.contains("frobnicate") == true)
    }

    @Test(arguments: ["promote", "demote", "notify", "reload-agent", "migrate_to", "reload"])
    func anActionTheAgentDoesNotImplement_exits3(action: String) {
        let (invocation, _) = invoke(action)
        #expect(invocation.code == .unimplemented)
        #expect(invocation.reason?.summary == "sample does not implement \(action)")
    }

    @Test func metaData_needsNoEnvironmentAtAll() {
        let (invocation, sink) = invoke("meta-data", [:], instance: nil)
        #expect(invocation.code == .success)
        #expect(invocation.output.contains("<resource-agent name=\"sample\""))
        #expect(sink.records.isEmpty)
    }

    @Test func withoutAnInstance_actionsExit2_butValidateAllRuns() {
        #expect(invoke("start", instance: nil).0.code == .invalidArgument)
        #expect(invoke("validate-all", instance: nil).0.code == .success)
    }

    @Test func invalidParameters_exit6_naming_everyProblem() {
        let (invocation, _) = invoke("start", ["lun": "x", "cache": "fast"])
        #expect(invocation.code == .notConfigured)
        let summary = invocation.reason?.summary ?? ""
        #expect(summary.contains("required parameter target is not set"))
        #expect(summary.contains("parameter lun='x' is not a whole number"))
        #expect(summary.contains("parameter cache='fast' is not one of write-through, write-back"))
        #expect(summary.hasSuffix("(3 problems)"))
        // validate-all, the administrator's check, also names the unknown parameter.
        let (validate, _) = invoke("validate-all", ["lun": "x", "cache": "fast", "typo": "1"])
        #expect(validate.reason?.summary.hasPrefix("unknown parameter typo") == true, "\(validate.reason?.summary ?? "")")
        #expect(validate.reason?.summary.hasSuffix("(4 problems)") == true)
    }

    /// An unknown parameter (a typo, or one a newer halo added: a rolling upgrade sets it
    /// while older nodes still run) is logged and ignored by every action Pacemaker runs, and
    /// refused only by validate-all, which Pacemaker never runs by itself.
    @Test(arguments: [
        ("start", [:], OCFExitCode.success),
        ("stop", [:], .success),
        ("monitor", ["OCF_RESKEY_CRM_meta_interval": "0"], .genericError),
        ("monitor", ["OCF_RESKEY_CRM_meta_interval": "10000"], .genericError),
        ("validate-all", [:], .notConfigured),
    ] as [(String, [String: String], OCFExitCode)])
    func anUnknownParameter_isIgnoredWithAWarning_butValidateAllRefusesIt(action: String, extra: [String: String],
                                                                          code: OCFExitCode) {
        let (invocation, sink) = invoke(action, ["target": "t1", "added_in_a_later_release": "1"], extra: extra)
        #expect(invocation.code == code, "\(invocation.reason?.summary ?? "")")
        if action == "validate-all" {
            #expect(invocation.reason?.summary.contains("unknown parameter added_in_a_later_release") == true)
        } else {
            // (SampleAgent's monitor reports what it saw as a failure: it ran.)
            #expect(invocation.reason?.summary.contains("unknown parameter") != true)
            #expect(sink.records.contains { $0.level == .warning && $0.message.contains("unknown parameter added_in_a_later_release")
                && $0.message.hasSuffix(": ignored") })
        }
    }

    @Test func stopWithInvalidParameters_failsByDefault_sayingWhy() {
        // The sample agent cannot tell what to stop without valid parameters: it may be running.
        let (invocation, _) = invoke("stop", ["lun": "x"])
        #expect(invocation.code == .genericError)
        #expect(invocation.reason?.summary.hasPrefix("cannot stop: the parameters do not validate, so what to stop cannot be told, and it may still run: ") == true)
        #expect(invocation.reason?.summary.contains("parameter lun='x' is not a whole number") == true)
    }

    @Test func stopWithInvalidParameters_getsEachParameterThatValidated() {
        // "report-partial" makes the sample agent report what the core handed it.
        let (invocation, _) = invoke("stop", ["target": "report-partial", "lun": "x", "cache": "write-back"])
        #expect(invocation.code == .genericError)
        #expect(invocation.reason?.summary == "target=report-partial lun=nil cache=write-back settle=0.5 seconds")
    }

    /// A stop goes ahead despite invalid operation attributes: failing it would get the node fenced.
    @Test(arguments: [["OCF_RESKEY_CRM_meta_timeout": "soon"], ["OCF_CHECK_LEVEL": "deep"], ["OCF_RESKEY_CRM_meta_clone_max": "x"]])
    func invalidOperationAttributes_failEveryActionButStop(extra: [String: String]) {
        let (stop, sink) = invoke("stop", extra: extra)
        #expect(stop.code == .success)
        #expect(sink.records.contains { $0.level == .warning && $0.message.contains("invalid operation attributes") })
        #expect(invoke("start", extra: extra).0.code == .notConfigured)
        #expect(invoke("validate-all", extra: extra).0.code == .notConfigured)
    }

    @Test func theOperationAttributes_areValidatedToo() {
        let (invocation, _) = invoke("monitor", extra: ["OCF_CHECK_LEVEL": "deep"])
        #expect(invocation.code == .notConfigured)
        #expect(invocation.reason?.summary.contains("OCF_CHECK_LEVEL='deep'") == true)
    }

    @Test(arguments: [("0", "0"), ("10", "10"), ("15", "10"), ("20", "10"), ("99", "10"), ("5", "0")])
    func monitor_getsTheResolvedCheckLevel(requested: String, resolved: String) {
        let (invocation, _) = invoke("monitor", extra: ["OCF_CHECK_LEVEL": requested, "OCF_RESKEY_CRM_meta_interval": "10000"])
        #expect(invocation.reason?.summary == "level=\(resolved) probe=false")
    }

    @Test func theRESKEYSpellingOfTheCheckLevel_isHonoured_andAnIntervalOf0IsAProbe() {
        let (invocation, _) = invoke("monitor", extra: ["OCF_RESKEY_OCF_CHECK_LEVEL": "10", "OCF_RESKEY_CRM_meta_interval": "0"])
        #expect(invocation.reason?.summary == "level=10 probe=true")
    }

    @Test func theDeadline_isTheTimeoutMinusTheMargin() {
        let (fromMeta, _) = invoke("start", ["target": "report-deadline"], extra: ["OCF_RESKEY_CRM_meta_timeout": "60000"])
        #expect(fromMeta.reason?.summary == "remaining=53" || fromMeta.reason?.summary == "remaining=54")
        // Without CRM_meta_timeout: the agent's recommended start timeout (30 s) minus 3 s.
        let (recommended, _) = invoke("start", ["target": "report-deadline"])
        #expect(recommended.reason?.summary == "remaining=26" || recommended.reason?.summary == "remaining=27")
    }

    @Test func typedValues_defaults_andTheDeprecatedName_reachTheAgent() {
        let (defaults, _) = invoke("start", ["target": "report-values"])
        #expect(defaults.reason?.summary == "lun=0 cache=write-through ro=false settle=0.5 seconds secret=-")
        let (set, _) = invoke("start", ["target": "report-values", "lun": "7", "write_cache": "write-back",
                                        "read_only": "YES", "settle": "2s", "secret_file": "/etc/k"])
        #expect(set.reason?.summary == "lun=7 cache=write-back ro=true settle=2.0 seconds secret=/etc/k")
    }

    @Test func aDeprecatedParameter_logsAWarning_andConflictsWithItsReplacement() {
        let (used, sink) = invoke("start", ["target": "t", "write_cache": "write-back"])
        #expect(used.code == .success)
        #expect(sink.records.contains { $0.level == .warning && $0.message.contains("write_cache is deprecated: use cache") })
        let (conflict, _) = invoke("start", ["target": "t", "write_cache": "write-back", "cache": "write-through"])
        #expect(conflict.code == .notConfigured)
        #expect(conflict.reason?.summary.contains("write_cache and its replacement cache are both set") == true)
    }

    @Test func aFailure_isLoggedOnce_withItsDetails_andBecomesTheExitReason() {
        let (invocation, sink) = invoke("start", ["target": "fail"])
        #expect(invocation.code == .notInstalled)
        #expect(invocation.reason?.summary == "backing device missing")
        let errors = sink.records.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["halo.device"] == "/dev/x")
    }

    @Test func everyLogLine_namesTheResourceAndTheAction_andDebugNeedsHAdebug() {
        let (_, quiet) = invoke("start")
        #expect(quiet.lines == ["INFO: r1 start: started (halo.target=t1)"])
        let (_, verbose) = invoke("start", extra: ["HA_debug": "1"])
        #expect(verbose.lines.contains("DEBUG: r1 start: debug detail"))
        #expect(verbose.records.allSatisfy { $0.instance == "r1" && $0.action == "start" && $0.agent == "sample" })
    }

    @Test func aPrivateValue_neverReachesALogLineOrAnExitReason() {
        let secret = "s3cr3t-value-\u{7}"
        for action in ["start", "validate-all", "monitor", "stop"] {
            let (invocation, sink) = invoke(action, ["target": "t1", "secret_file": secret], extra: ["HA_debug": "1"])
            let reason = invocation.reason?.summary ?? ""
            #expect(!reason.contains("s3cr3t"))
            #expect(!sink.lines.joined().contains("s3cr3t"))
            #expect(sink.records.allSatisfy { !$0.metadata.values.joined().contains("s3cr3t") })
        }
        // The debug listing of parameters shows it redacted.
        let (_, sink) = invoke("start", ["target": "t1", "secret_file": "/etc/halo/chap"], extra: ["HA_debug": "1"])
        let listing = sink.records.first { $0.message == "parameters" }?.metadata["halo.parameters"] ?? ""
        #expect(listing.contains("secret_file=<private>"))
        #expect(!listing.contains("/etc/halo/chap"))
    }
}
