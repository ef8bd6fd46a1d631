import Glibc
import HaloSystem
import HaloTesting
import Testing

@Suite("ProcessRunner: argv arrays, deadlines, bounded capture")
struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func arguments_arePassedVerbatim_neverThroughAShell() throws {
        let tricky = ["$(id -u)", "a;b", "*", "'quoted'", "two words", "", "back\\slash"]
        let result = try runner.run(Command("/usr/bin/printf", ["%s\\n"] + tricky), deadline: .after(.seconds(10)))
        #expect(result.termination == .exited(0))
        #expect(result.outputText == tricky.map { $0 + "\n" }.joined())
    }

    @Test func outputAndError_areCapturedSeparately_withTheExitStatus() throws {
        let result = try runner.run(Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]), deadline: .after(.seconds(10)))
        #expect(result.termination == .exited(3))
        #expect(result.outputText == "out\n")
        #expect(result.errorText == "err\n")
        #expect(!result.succeeded)
        #expect(result.exitStatus == 3)
    }

    @Test func aSignal_isReportedAsTheSignal() throws {
        let result = try runner.run(Command("/bin/sh", ["-c", "kill -TERM $$"]), deadline: .after(.seconds(10)))
        #expect(result.termination == .signaled(SIGTERM, coreDumped: false))
        #expect(result.exitStatus == nil)
    }

    @Test func theDeadline_endsTheWholeProcessGroup() throws {
        let start = ContinuousClock.now
        let result = try runner.run(
            Command("/bin/sh", ["-c", "echo $$; sleep 30 & sleep 30; wait"]), deadline: .after(.milliseconds(300)))
        #expect(result.timedOut)
        #expect(start.duration(to: .now) < .seconds(5))
        let leader = try #require(Int32(result.outputText.split(separator: "\n").first ?? ""))
        // Neither the shell nor its background sleep survives: no live process is left in the
        // group (an exited one may linger as a zombie until init reaps it).
        var survivors = Self.liveMembers(ofGroup: leader)
        let until = ContinuousClock.now + .seconds(2)
        while !survivors.isEmpty && ContinuousClock.now < until {
            Pause.for(.milliseconds(20))
            survivors = Self.liveMembers(ofGroup: leader)
        }
        #expect(survivors.isEmpty)
    }

    /// Processes of process group `group` that are not zombies, from /proc/<pid>/stat.
    static func liveMembers(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileSystem.directoryEntries("/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? KernelAttributes().read("/proc/\(pid)/stat"),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is the state, fields[2] the process group
            return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == group
        }
    }

    @Test func aChildIgnoringTERM_isKilled() throws {
        let result = try ProcessRunner(killGracePeriod: .milliseconds(200)).run(
            Command("/bin/sh", ["-c", "trap '' TERM; sleep 30"]), deadline: .after(.milliseconds(200)))
        #expect(result.timedOut)
        #expect(result.termination == .signaled(SIGKILL, coreDumped: false))
    }

    @Test func capture_isBounded_andTheChildIsNeverBlocked() throws {
        let result = try runner.run(
            Command("/usr/bin/head", ["-c", "3000000", "/dev/zero"], outputLimit: 1000), deadline: .after(.seconds(10)))
        #expect(result.termination == .exited(0))
        #expect(result.standardOutput.count == 1000)
        #expect(result.isOutputTruncated)
        #expect(!result.isErrorTruncated)
    }

    @Test func standardInput_isFedWhileOutputIsRead() throws {
        let input = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let result = try runner.run(Command("/bin/cat", standardInput: input), deadline: .after(.seconds(10)))
        #expect(result.termination == .exited(0))
        #expect(result.standardOutput == input)
    }

    @Test func theEnvironment_isExactlyTheCommandsOwn() throws {
        // The test process has HOME, and maybe OCF_* variables; the child sees none of them.
        let result = try runner.run(Command("/usr/bin/env"), deadline: .after(.seconds(10)))
        let lines = Set(result.outputText.split(separator: "\n").map(String.init))
        #expect(lines == Set(Command.minimalEnvironment.map { "\($0.key)=\($0.value)" }))
    }

    @Test func aMissingProgram_isNotFound() {
        #expect(throws: SpawnError.notFound(executable: "halo-no-such-program")) {
            try runner.run(Command("halo-no-such-program"), deadline: .after(.seconds(5)))
        }
        #expect(throws: SpawnError.notFound(executable: "/nonexistent/program")) {
            try runner.run(Command("/nonexistent/program"), deadline: .after(.seconds(5)))
        }
    }

    @Test func aFileWithoutExecutePermission_isNotExecutable() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("script")
        try FileSystem.writeAtomically(path, Array("#!/bin/sh\n".utf8), permissions: 0o644)
        if CurrentProcess.isRoot {
            // root may execute any file with at least one execute bit; with none, EACCES.
            #expect(throws: SpawnError.notExecutable(executable: path, .permissionDenied)) {
                try runner.run(Command(path), deadline: .after(.seconds(5)))
            }
        }
    }

    @Test func aGrandchildHoldingTheOutputOpen_doesNotDelayTheResult() throws {
        let start = ContinuousClock.now
        let result = try runner.run(Command("/bin/sh", ["-c", "sleep 5 & echo started"]), deadline: .after(.seconds(20)))
        #expect(result.termination == .exited(0))
        #expect(result.outputText == "started\n")
        #expect(start.duration(to: .now) < .seconds(3))
    }

    @Test func theWorkingDirectory_isSetInTheChild() throws {
        let result = try runner.run(Command("/bin/pwd", workingDirectory: "/usr/share"), deadline: .after(.seconds(5)))
        #expect(result.outputText == "/usr/share\n")
    }

    @Test func aBareName_isFoundInTheCommandsPath() throws {
        let result = try runner.run(Command("true"), deadline: .after(.seconds(5)))
        #expect(result.succeeded)
        #expect(result.command.executable == "true")
    }
}
