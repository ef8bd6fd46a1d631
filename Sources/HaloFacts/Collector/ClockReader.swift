import HaloSystem

/// The clock's part of the facts: `adjtimex(2)`, read only (no timedatectl, no D-Bus).
enum ClockReader {
    static func read() -> Reading<ClockFacts> {
        do {
            return .read(ClockFacts(try KernelClock.discipline()))
        } catch {
            return .failed("adjtimex: \(error)")
        }
    }
}
