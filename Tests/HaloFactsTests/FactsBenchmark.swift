import Glibc
import HaloFacts
import HaloSystem
import Testing

/// Not an assertion: what one `collect()` costs on this machine, printed (median of 20). Run it
/// alone for quiet numbers: `swift test --skip-build --filter FactsBenchmark`.
@Suite("Facts collection cost (printed)")
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
        let collector = FactsCollector()
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
        print("facts collect(): median of 20 — wall \(median(walls)), CPU (collecting thread) \(median(cpus)), "
            + "CPU (child processes) \(median(children))")
    }
}
