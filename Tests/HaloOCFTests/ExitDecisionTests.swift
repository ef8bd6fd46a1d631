import HaloOCF
import Testing

@Suite("ExitDecision: outcomes and failures to OCF codes and exit reasons")
struct ExitDecisionTests {
    static let reason = Reason("why")

    @Test(arguments: [
        (Result<AgentOutcome, AgentFailure>.success(.success), OCFExitCode.success, false),
        (.success(.notRunning), .notRunning, false),
        (.success(.runningPromoted), .runningPromoted, false),
        (.success(.failedPromoted(reason)), .failedPromoted, true),
        (.success(.degraded(reason)), .degraded, true),
        (.success(.degradedPromoted(reason)), .degradedPromoted, true),
        (.failure(.generic(reason)), .genericError, true),
        (.failure(.invalidArgument(reason)), .invalidArgument, true),
        (.failure(.unimplemented(reason)), .unimplemented, true),
        (.failure(.insufficientPrivileges(reason)), .insufficientPrivileges, true),
        (.failure(.notInstalled(reason)), .notInstalled, true),
        (.failure(.misconfigured(reason)), .notConfigured, true),
    ])
    func everyResult_hasItsCode_andFailuresHaveAReason(result: Result<AgentOutcome, AgentFailure>, code: OCFExitCode, hasReason: Bool) {
        let (decided, reason) = ExitDecision.decide(result)
        #expect(decided == code)
        #expect((reason != nil) == hasReason)
    }

    @Test func theCodes_areOCFs() {
        #expect(OCFExitCode.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191])
        #expect(OCFExitCode.notConfigured.description == "OCF_ERR_CONFIGURED")
    }

    @Test func theExitReasonLine_isOneLine_withTheCallersPrefix() {
        let line = ExitDecision.exitReasonLine(Reason("first\nsecond\r\tthird"), prefix: "ocf-exit-reason:")
        #expect(line == "ocf-exit-reason:first second  third")
    }

    @Test func aLongReason_isCutToWhatPacemakerKeeps_onACharacterBoundary() {
        let long = String(repeating: "é", count: 100)  // 200 bytes
        let line = ExitDecision.exitReasonLine(Reason(long), prefix: "P:")
        let text = line.dropFirst(2)
        #expect(text.utf8.count <= ExitDecision.pacemakerReasonLimit)
        #expect(text.hasSuffix("…"))
        #expect(text.dropLast().allSatisfy { $0 == "é" })
        let short = ExitDecision.exitReasonLine(Reason(String(repeating: "x", count: 128)), prefix: "")
        #expect(short == String(repeating: "x", count: 128))
    }

    @Test func errno_isMappedByClass() {
        #expect(AgentFailure.from(.noSuchFile, while: "open /dev/x") == .notInstalled(Reason("open /dev/x: ENOENT (No such file or directory)", details: ["halo.errno": "ENOENT"])))
        guard case .insufficientPrivileges = AgentFailure.from(.permissionDenied, while: "x") else { Issue.record(); return }
        guard case .insufficientPrivileges = AgentFailure.from(.notPermitted, while: "x") else { Issue.record(); return }
        guard case .generic = AgentFailure.from(.busy, while: "x") else { Issue.record(); return }
        guard case .notInstalled = AgentFailure.from(.notFound(executable: "drbdsetup"), package: "drbd-utils") else { Issue.record(); return }
        #expect(AgentFailure.from(.notFound(executable: "drbdsetup"), package: "drbd-utils").reason.summary
                == "drbdsetup not found: install the drbd-utils package")
    }
}
