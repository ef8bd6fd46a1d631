import CHalo
import Glibc

/// Signals delivered as a readable descriptor (`signalfd(2)`), so that a daemon's event loop
/// sees SIGTERM or SIGHUP as an event among its others instead of in a handler.
///
/// Creating it blocks the signals for the process (the descriptor then receives them). Owned
/// by the loop; closed when dropped.
public struct SignalDescriptor: ~Copyable {
    /// The descriptor to poll.
    public let descriptor: Int32

    /// Blocks `signals` and opens a descriptor that receives them.
    ///
    /// - Throws: the `errno` of `sigprocmask` or `signalfd`. The corresponding C function is `signalfd`.
    public init(signals: [Int32]) throws(Errno) {
        descriptor = try valueOrErrno { signals.withUnsafeBufferPointer { halo_signalfd_create($0.baseAddress, Int32($0.count)) } }
    }

    /// The signals received since the last call, oldest first.
    public func take() -> [Int32] {
        var received: [Int32] = []
        while true {
            let signal = halo_signalfd_read(descriptor)
            guard signal > 0 else { return received }
            received.append(signal)
        }
    }

    deinit { Syscall.close(descriptor) }
}

/// The signals a daemon handles, by name.
public enum DaemonSignal {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangup = SIGHUP
}
