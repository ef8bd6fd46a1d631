@testable import HaloDaemon
import HaloCluster
import HaloControl
import HaloSystem
import HaloTesting
import Testing

/// The fence runner against real processes: small agents written for each test.
@Suite("halod's fence runner")
struct FenceRunnerTests {
    let directory = TemporaryDirectory("halod-fence")

    /// An agent that records its stdin to DIR/NAME.calls and exits with `status`.
    func agent(_ name: String, status: Int, sleep: Int = 0) throws -> String {
        let path = directory.file(name)
        try FileSystem.writeAtomically(path, Array("""
            #!/bin/sh
            { cat; echo ---; } >> \(path).calls
            sleep \(sleep)
            echo "\(name) says no for s3cr3t" >&2
            exit \(status)
            """.utf8), permissions: 0o755)
        return path
    }

    func calls(_ name: String) -> [String] {
        let text = (try? FileSystem.readBytes(directory.file("\(name).calls"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "---\n").map(String.init)
    }

    func run(_ order: FenceOrder, timeout: Duration = .seconds(20)) -> (FenceOutcome, Duration)? {
        let runner = FenceRunner()
        runner.start(order)
        let deadline = Deadline.after(timeout)
        while !deadline.hasPassed() {
            for event in runner.takeEvents() { if case .finished(_, let outcome, let took) = event { return (outcome, took) } }
            let ready = (try? Poller.wait(runner.pollRequests(), until: runner.nextWake() ?? deadline)) ?? []
            runner.service(ready: ready)
        }
        return nil
    }

    func device(_ name: String, _ agent: String, _ action: FenceAction = .reboot, timeout: Duration = .seconds(10)) -> FenceDevice {
        FenceDevice(name: name, agent: agent, action: action, timeout: timeout, options: [("password", "s3cr3t")])
    }

    static func order(_ levels: [[FenceDevice]], plugs: [String: String] = [:], delay: Duration = .zero) -> FenceOrder {
        FenceOrder(attempt: FenceAttempt(victim: NodeID(3), failure: 1, number: 1), victimName: "node3", delay: delay, levels: levels, plugs: plugs)
    }

    @Test("the first level that succeeds ends the attempt; a failed level's reason is kept without secrets")
    func levels() throws {
        let bad = try agent("bad", status: 1), good = try agent("good", status: 0)
        let result = run(Self.order([[device("ipmi", bad)], [device("pdu", good, .off)]], plugs: ["pdu": "7"]))
        #expect(result?.0 == .succeeded(device: "pdu"))
        #expect(calls("bad").first?.hasPrefix("action=reboot\nplug=node3\nnodename=node3\npassword=s3cr3t\n") == true)
        #expect(calls("good").first?.hasPrefix("action=off\nplug=7\nnodename=node3\n") == true)

        let failed = run(Self.order([[device("ipmi", bad)]]))
        guard case .failed(let reason) = failed?.0 else { Issue.record("expected a failure"); return }
        #expect(reason.contains("ipmi"))
        #expect(reason.contains("bad says no"))
        #expect(!reason.contains("s3cr3t"), "a secret an agent echoes never reaches the reason")
    }

    @Test("a level of two devices with reboot powers both off, then both on")
    func twoDeviceReboot() throws {
        let a = try agent("psu-a", status: 0), b = try agent("psu-b", status: 0)
        #expect(run(Self.order([[device("a", a), device("b", b)]]))?.0 == .succeeded(device: "a+b+a+b"))
        #expect(calls("psu-a").map { $0.split(separator: "\n").first.map(String.init) } == ["action=off", "action=on"])
        #expect(calls("psu-b").map { $0.split(separator: "\n").first.map(String.init) } == ["action=off", "action=on"])
    }

    @Test("an agent past its device timeout is killed and the attempt fails saying so")
    func timeout() throws {
        let slow = try agent("slow", status: 0, sleep: 30)
        let result = run(Self.order([[device("slow", slow, timeout: .milliseconds(300))]]))
        guard case .failed(let reason) = result?.0 else { Issue.record("expected a failure"); return }
        #expect(reason.contains("did not finish within"))
        #expect(result!.1 < .seconds(10))
    }

    @Test("a missing agent fails the level with the reason")
    func missingAgent() {
        let result = run(Self.order([[device("none", "/nonexistent/fence_none")]]))
        guard case .failed(let reason) = result?.0 else { Issue.record("expected a failure"); return }
        #expect(reason.contains("fence_none"))
    }
}
