import HaloConformance
import HaloSystem
import HaloTesting
import Testing
@testable import LuksAgent

@Suite("The installed luks agent under the conformance runner, ocf-tester and strace", .serialized)
struct LuksConformanceTests {
    /// The parameter sets the agent's own types refuse, beyond those the runner derives.
    static func invalidSets(_ image: LuksTestImage, _ device: String) -> [InvalidParameters] {
        let valid = ["device": device, "name": "halo-conf", "key": image.keyPath]
        func with(_ name: String, _ value: String) -> [String: String] { valid.merging([name: value]) { $1 } }
        return [
            InvalidParameters("a relative key path", with("key", "keys/r0.key")),
            InvalidParameters("a keyring key source (not yet supported)", with("key", "keyring:%user:r0")),
            InvalidParameters("a device that is neither path nor UUID", with("device", "md0")),
            InvalidParameters("a malformed UUID", with("device", "UUID=58aba7b1-d27a")),
            InvalidParameters("the name control", with("name", "control")),
            InvalidParameters("a name with a slash", with("name", "r0/x")),
        ]
    }

    @Test(.enabled(if: canAttachLoopDevices, "loop devices cannot be attached here"))
    func everyCheckThatNeedsNoOpenMapping_passes_andTheRestWaitsForTheVMLab() throws {
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage(loop: true)
        let device = image.loopDevice!
        let underTest = AgentUnderTest(
            path: agent.path, instance: "halo-conf",
            parameters: ["device": device, "name": "halo-conf", "key": image.keyPath],
            environment: ["HA_RSCTMP": agent.directory.file("rsctmp")],
            invalidParameterSets: Self.invalidSets(image, device))
        let report = ConformanceRunner().runWithoutStarting(underTest)
        let failures = report.failures.map(\.name)
        if hasDeviceMapper {
            #expect(failures.isEmpty, "\(report.rendered)")
        } else {
            // Only validate-all's environment levels fail here, and only for the missing kernel part.
            #expect(failures == ["validate-all at check level 10 exits 0", "validate-all at check level 20 exits 0"],
                    "\(report.rendered)")
            for failure in report.failures {
                #expect(failure.detail.contains("this kernel has no device-mapper"), "\(failure.detail)")
            }
        }
        #expect(report.results.filter { $0.status == .passed }.count > 60)
        #expect(report.results.contains { $0.name == "start refuses the name control with 6 or 2 and a reason" && $0.status == .passed })
    }

    @Test(.enabled(if: RealOCFTester().isAvailable && canAttachLoopDevices, "needs ocf-tester (resource-agents) and loop devices"))
    func theRealOCFTester_passesEveryStepBeforeStart() throws {
        let tester = RealOCFTester()
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage(loop: true)
        let underTest = AgentUnderTest(path: agent.path, instance: "halo-ocft",
                                       parameters: ["device": image.loopDevice!, "name": "halo-ocft", "key": image.keyPath],
                                       environment: ["HA_RSCTMP": agent.directory.file("rsctmp")])
        let outcome = try tester.run(underTest)
        if hasDeviceMapper {
            #expect(outcome.passed, "\(outcome.output)")
            return
        }
        // ocf-tester stops at its first start; every step before it (meta-data as nobody, the
        // DTD, validate-all, monitor 7, the probe with every binary "missing") reported nothing.
        let complaints = outcome.output.split(separator: "\n").filter { $0.hasPrefix("* ") }
        #expect(complaints == ["* rc=5: Start failed.  Did you supply enough options with -o ?"], "\(outcome.output)")
        #expect(outcome.output.contains("Aborting tests"))
    }

    /// The one child an action may start is the bounded block reader (this executable as
    /// `halo-bounded-read`, with the minimal environment); the key reaches neither it nor any output.
    @Test(.enabled(if: (try? FileSystem.info("/usr/bin/strace"))?.type == .regular && canAttachLoopDevices,
                   "needs strace and loop devices"))
    func theKey_neverLeavesTheProcess_andTheOnlyChildIsTheBlockReader() throws {
        let strace = "/usr/bin/strace"
        let agent = try InstalledLuksAgent()
        let image = try LuksTestImage(loop: true)
        let trace = image.directory.file("strace.txt")
        func hex(_ text: String) -> String {  // as strace -xx writes bytes: \x0a, \x6b
            text.utf8.map { "\\x" + ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        let keyHex = hex(image.key)
        // validate-all at depth 20 reads the key and runs libcryptsetup's verification; start reads
        // it when this machine can open (the VM lab). Debug logging on, to syslog and stderr.
        for (action, level) in [("validate-all", "20"), ("start", "0"), ("monitor", "20"), ("stop", "0")] {
            var environment = Command.minimalEnvironment
            environment.merge(["OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "halo-secret", "HA_debug": "1",
                               "HA_LOGFACILITY": "daemon", "OCF_CHECK_LEVEL": level, "HA_RSCTMP": agent.directory.file("rsc"),
                               "OCF_RESKEY_device": image.loopDevice!, "OCF_RESKEY_name": "halo-secret",
                               "OCF_RESKEY_key": image.keyPath]) { $1 }
            let result = try ProcessRunner().run(Command(strace, [
                "-f", "-qq", "-s", "1000000", "-xx", "-o", trace,
                "-e", "trace=%process,openat,read,pread64,write,writev,pwrite64,sendto,sendmsg",
                agent.path, action,
            ], environment: environment), deadline: .after(.seconds(60)))
            let lines = String(decoding: try FileSystem.readBytes(trace, limit: 64 << 20), as: UTF8.self).split(separator: "\n")
            #expect(!result.outputText.contains(image.key) && !result.errorText.contains(image.key), "\(action)")
            #expect(result.errorText.contains("key=<private>"), "\(action): debug logging was on")
            let executions = lines.filter { $0.contains(" execve(") }
            #expect(executions.first?.contains(hex(agent.path)) == true, "\(action): \(executions)")
            #expect(executions.dropFirst().allSatisfy { $0.contains(hex(BoundedReader.programName)) }, "\(action): \(executions)")
            let forks = lines.filter { ($0.contains(" clone") || $0.contains("fork(")) && !$0.contains("resumed>") }
            #expect(forks.count == executions.count - 1, "\(action): \(forks) \(executions)")
            let leaving = lines.filter { line in
                ["write(", "writev(", "pwrite64(", "sendto(", "sendmsg(", "execve("].contains { line.contains(" \($0)") }
            }
            #expect(!leaving.contains { $0.contains(keyHex) }, "\(action): the key left the process")
            if action == "monitor" {
                // A monitor never loads libcryptsetup (it is opened with dlopen by start, stop and validate-all).
                #expect(!lines.contains { $0.contains(hex("libcryptsetup")) }, "monitor loaded libcryptsetup")
            }
            if action == "validate-all" {
                #expect(lines.contains { $0.contains("openat(") && $0.contains(hex("libcryptsetup")) })
                // The trace does see the key where it is read: the check above can fail.
                #expect(lines.contains { $0.contains("pread64(") && $0.contains(keyHex) })
            }
        }
    }
}
