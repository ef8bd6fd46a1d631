import Glibc

/// Sleeping on the monotonic clock, for the few bounded waits agents make (polling a kernel
/// state, lock backoff). Agents are synchronous processes; there is no event loop to yield to.
public enum Pause {
    /// Sleeps for `duration`, resuming after signals until the full time has passed.
    public static func `for`(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR {
            request = remaining
        }
    }
}
