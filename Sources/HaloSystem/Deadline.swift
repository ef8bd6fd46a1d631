/// A point in time by which an operation must be finished, on the monotonic clock.
///
/// Every wait in halo is bounded by a `Deadline`. Agents derive theirs from the action's
/// `CRM_meta_timeout` minus a margin (see `Deadline.forAction`), so that a slow operation ends
/// with an exit reason of ours rather than being killed by Pacemaker without one.
public struct Deadline: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let instant: ContinuousClock.Instant

    public init(_ instant: ContinuousClock.Instant) { self.instant = instant }

    /// The deadline `duration` after `now`.
    public static func after(_ duration: Duration, now: ContinuousClock.Instant = .now) -> Deadline {
        Deadline(now.advanced(by: duration))
    }

    /// The deadline of an action that Pacemaker gave `timeout` to, started at `start`.
    ///
    /// The margin is a tenth of the timeout, at least 500 ms and at most 5 s: enough to stop a
    /// child process, write the exit reason and exit before the executor's own timer fires.
    public static func forAction(timeout: Duration, startedAt start: ContinuousClock.Instant) -> Deadline {
        Deadline(start.advanced(by: timeout - margin(for: timeout)))
    }

    /// The safety margin kept free at the end of an action with the given timeout.
    public static func margin(for timeout: Duration) -> Duration {
        let tenth = timeout / 10
        return min(max(tenth, .milliseconds(500)), .seconds(5))
    }

    /// Time left until the deadline, never negative.
    public func remaining(now: ContinuousClock.Instant = .now) -> Duration {
        max(now.duration(to: instant), .zero)
    }

    /// Whether the deadline has been reached.
    public func hasPassed(now: ContinuousClock.Instant = .now) -> Bool { now >= instant }

    /// A deadline that ends after `fraction` of the time left, for a wait that must leave room
    /// for work after it (e.g. waiting for a peer during start).
    /// - Precondition: `fraction` is in 0...1.
    public func portion(_ fraction: Double, now: ContinuousClock.Instant = .now) -> Deadline {
        precondition((0...1).contains(fraction), "a portion of a deadline is a fraction between 0 and 1")
        return Deadline(now.advanced(by: remaining(now: now) * fraction))
    }

    /// The earlier of two deadlines.
    public func earlier(_ other: Deadline) -> Deadline { self < other ? self : other }

    /// Milliseconds left, rounded up and clamped for `poll(2)`.
    public func pollTimeout(now: ContinuousClock.Instant = .now) -> Int32 {
        let left = remaining(now: now)
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }

    public var description: String { "deadline in \(remaining())" }
}

extension Duration {
    /// Whole milliseconds (truncated), for logs and measurements.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
