import CHalo
import Glibc

/// The kernel's own view of its clock: how NTP (chronyd, ntpd, systemd-timesyncd) disciplines
/// it, as `adjtimex(2)` reports it, and the wall-clock time.
///
/// ```swift
/// let clock = try KernelClock.discipline()
/// clock.isSynchronized   // STA_UNSYNC clear and the maximum error below 16 s
/// ```
/// Only read (`modes` 0): nothing here changes the clock, so no privilege is needed.
public enum KernelClock {
    /// The clock's discipline now.
    ///
    /// - Throws: the `errno` of `adjtimex(2)` (`EFAULT` only for a bad pointer, which would be
    ///   halo's bug; in practice it does not fail). The corresponding C function is `adjtimex`.
    public static func discipline() throws(Errno) -> ClockDiscipline {
        let (state, value) = try Syscall.adjtimex()
        return ClockDiscipline(
            state: ClockDiscipline.State(code: state),
            status: ClockDiscipline.Status(rawValue: Int32(value.status)),
            maximumErrorMicroseconds: Int(value.maxerror), estimatedErrorMicroseconds: Int(value.esterror),
            offsetNanoseconds: Int(value.offset) * (Int32(value.status) & STA_NANO != 0 ? 1 : 1000))
    }

    /// Wall-clock time (`CLOCK_REALTIME`) in whole milliseconds since 1970-01-01 UTC.
    public static func wallClockMilliseconds() -> Int {
        Int(Syscall.realtimeNanoseconds() / 1_000_000)
    }
}

/// What `adjtimex(2)` says about the kernel clock's synchronisation.
public struct ClockDiscipline: Sendable, Hashable {
    /// The clock state `adjtimex` returns (leap-second handling, or unsynchronised).
    public enum State: String, Sendable, Hashable, CaseIterable {
        case ok = "TIME_OK"
        case insertingLeapSecond = "TIME_INS"
        case deletingLeapSecond = "TIME_DEL"
        case leapSecondInProgress = "TIME_OOP"
        case leapSecondOccurred = "TIME_WAIT"
        /// `TIME_ERROR`: the clock is not synchronised (the kernel returns it whenever
        /// `STA_UNSYNC` is set, among others).
        case error = "TIME_ERROR"

        /// The state for `adjtimex`'s return value; values the kernel does not define are
        /// taken as `error` (not synchronised), never as fine.
        public init(code: Int32) {
            switch code {
            case 0: self = .ok
            case 1: self = .insertingLeapSecond
            case 2: self = .deletingLeapSecond
            case 3: self = .leapSecondInProgress
            case 4: self = .leapSecondOccurred
            default: self = .error
            }
        }
    }

    /// The `STA_*` bits of `timex.status`.
    public struct Status: RawRepresentable, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `STA_UNSYNC`: the clock is not synchronised (set by the kernel when the maximum
        /// error passes 16 s, cleared by the NTP daemon once it disciplines the clock).
        public var isUnsynchronized: Bool { rawValue & STA_UNSYNC != 0 }
        /// `STA_PLL`: the phase-locked loop is on (an NTP daemon is disciplining the clock).
        public var isPhaseLocked: Bool { rawValue & STA_PLL != 0 }
    }

    public var state: State
    public var status: Status
    /// `maxerror`: the maximum error, which grows by 500 ppm between updates from the NTP daemon.
    public var maximumErrorMicroseconds: Int
    /// `esterror`: the estimated error.
    public var estimatedErrorMicroseconds: Int
    /// `offset`, in nanoseconds whatever the kernel's unit (`STA_NANO`).
    public var offsetNanoseconds: Int

    public init(state: State, status: Status, maximumErrorMicroseconds: Int, estimatedErrorMicroseconds: Int, offsetNanoseconds: Int) {
        self.state = state
        self.status = status
        self.maximumErrorMicroseconds = maximumErrorMicroseconds
        self.estimatedErrorMicroseconds = estimatedErrorMicroseconds
        self.offsetNanoseconds = offsetNanoseconds
    }

    /// The kernel's limit on the maximum error: past it the kernel sets `STA_UNSYNC` itself
    /// (`NTP_PHASE_LIMIT`, 16 s).
    public static let maximumErrorLimitMicroseconds = 16_000_000

    /// Synchronised as the kernel means it: `STA_UNSYNC` clear and the maximum error below 16 s.
    public var isSynchronized: Bool {
        !status.isUnsynchronized && maximumErrorMicroseconds < Self.maximumErrorLimitMicroseconds
    }
}
