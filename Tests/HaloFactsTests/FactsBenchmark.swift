import Glibc
@testable import HaloFacts
import HaloSystem
import HaloTesting
import Testing

/// Not an assertion: what one `collect()` costs on this machine, printed (median of 20). A
/// measurement, not a test, so it runs only when asked: `HALO_BENCHMARKS=1 swift test
/// --skip-build --filter FactsBenchmark`.
@Suite("Facts collection cost (printed)", .serialized,
       .enabled(if: getenv("HALO_BENCHMARKS") != nil, "a measurement: HALO_BENCHMARKS=1 runs it"))
struct FactsBenchmark {
    static func threadCPU() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    static func childrenCPU() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return .seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + .microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    @Test func collect_wallAndCPU_medianOf20() {
        print("facts collect() on this machine (no DRBD, LIO, SCST or md; corosync not asked for): " + Self.measure(FactsCollector()))
    }

    /// A storage node's shape from the fixtures: LIO's captured target, six md arrays, a module
    /// tree, DRBD "loaded" with drbdsetup and drbdadm as stand-ins printing the captured output
    /// (a shell and cat each, about what the real programs cost to start), netlink and the
    /// clock live; corosync's part is haloctl's reader's, not this module's (not asked for here).
    @Test func collect_onAFixtureNode_wallAndCPU_medianOf20() throws {
        let root = try CollectorTests.root()
        let events = try CollectorTests.standIn(root, "drbdsetup", output: try CollectorTests.body("drbd-8.4/drbdsetup-events2-now-statistics-prisec-uptodate-node1.txt"))
        let dump = try CollectorTests.standIn(root, "drbdadm", output: try CollectorTests.body("drbd-utils-9.22/drbdadm-84-dump-all.txt"))
        let sources = FactsCollector.Sources(root: root.path, drbdsetup: events, drbdadm: dump, kernelRelease: "6.1.0-50-amd64")
        print("facts collect() on a fixture node (LIO target, 6 md arrays, DRBD stand-ins): " + Self.measure(FactsCollector(sources: sources)))
    }

    static func measure(_ collector: FactsCollector) -> String {
        _ = collector.collect(deadline: .after(.seconds(10)))  // warm: first-use costs are not the steady state
        var walls: [Duration] = [], cpus: [Duration] = [], children: [Duration] = []
        for _ in 0..<20 {
            let (wall0, cpu0, child0) = (ContinuousClock.now, Self.threadCPU(), Self.childrenCPU())
            _ = collector.collect(deadline: .after(.seconds(10)))
            walls.append(wall0.duration(to: .now))
            cpus.append(Self.threadCPU() - cpu0)
            children.append(Self.childrenCPU() - child0)
        }
        func median(_ values: [Duration]) -> String {
            let sorted = values.sorted()
            let hundredths = Int((((sorted[9] + sorted[10]) / 2) / .microseconds(10)).rounded())
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) ms"
        }
        return "median of 20 — wall \(median(walls)), CPU (collecting thread) \(median(cpus)), "
            + "CPU (child processes) \(median(children))"
    }
}
