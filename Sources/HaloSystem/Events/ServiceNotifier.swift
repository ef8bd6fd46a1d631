import Glibc

/// Tells systemd how the service is doing (`sd_notify(3)`'s protocol, without libsystemd): a
/// datagram of `KEY=value` lines to the socket in `NOTIFY_SOCKET`. Without that variable (not
/// started by systemd with `Type=notify`), every call does nothing.
public struct ServiceNotifier: Sendable {
    let socketPath: String?
    /// How often systemd expects `WATCHDOG=1`, when it set `WATCHDOG_USEC` for this process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let micros = environment["WATCHDOG_USEC"].flatMap(Int64.init), micros > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == CurrentProcess.id }) ?? true {
            watchdogInterval = .microseconds(micros)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `READY=1` (and a status line).
    public func ready(status: String) { send(["READY=1", "STATUS=\(status)"]) }

    /// Sends a status line (`systemctl status` shows it).
    public func status(_ text: String) { send(["STATUS=\(text)"]) }

    /// Pets the watchdog.
    public func watchdog() { send(["WATCHDOG=1"]) }

    /// When the next `WATCHDOG=1` is due after one sent at `last`: half of the interval, as
    /// `sd_watchdog_enabled(3)` advises, so one late turn of a loop is not yet a kill.
    /// - Returns: `nil` when systemd set no watchdog for this process.
    public func nextWatchdog(after last: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        watchdogInterval.map { last + $0 / 2 }
    }

    /// Says the service is stopping.
    public func stopping() { send(["STOPPING=1"]) }

    func send(_ lines: [String]) {
        guard let socketPath else { return }
        let datagram = Array(lines.map { $0.replacing("\n", with: " ") }.joined(separator: "\n").utf8)
        if socketPath.hasPrefix("@") {
            _ = SystemLog.sendDatagram(datagram, toAbstract: String(socketPath.dropFirst()))
        } else {
            _ = SystemLog.sendDatagram(datagram, to: socketPath)
        }
    }
}

/// The wall clock, for what people read (log lines, "when did it move").
public enum WallClock {
    /// Seconds since the Unix epoch, with nanoseconds.
    public static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
