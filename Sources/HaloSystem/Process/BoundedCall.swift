import Glibc
import Synchronization

/// Runs a blocking library call that has no timeout of its own on a thread of its own, and
/// waits for it only until a deadline.
///
/// ```swift
/// let settings = BoundedCall.run(deadline: deadline) { try? ConfigurationMap().settings() }
/// // nil: corosync did not answer in time
/// ```
/// For calls like corosync's libcmap, whose IPC waits without a timeout (`CS_IPC_TIMEOUT_MS`
/// is -1): a daemon that is stuck must not stall the caller. When the deadline passes first
/// the thread is left to finish on its own and its result is dropped, so `body` must own
/// everything it touches (open and close its handles itself) and must not expect its caller
/// to still be there. A short-lived command (haloctl) ends with it at exit; a long-running
/// caller leaks one thread per call that never returns, so it must not call this in a loop.
public enum BoundedCall {
    /// The value of `body`, or nil when the deadline passed before it returned.
    ///
    /// - Precondition: a thread can be created (`pthread_create` failing means the process is
    ///   out of threads or memory, which halo treats as fatal).
    public static func run<Value: Sendable>(deadline: Deadline, _ body: @escaping @Sendable () -> Value) -> Value? {
        start(body).wait(until: deadline)
    }

    /// Starts `body` on a thread of its own and returns at once, so the caller can do other
    /// work meanwhile and wait for it later (`Pending.wait(until:)`).
    ///
    /// - Precondition: a thread can be created, as for `run`.
    public static func start<Value: Sendable>(_ body: @escaping @Sendable () -> Value) -> Pending<Value> {
        let call = Call(body)
        let context = Unmanaged.passRetained(call as AnyObject).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let created = pthread_create(&thread, &attributes, { context in
            let call = Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue() as! Finishing
            call.perform()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        guard created == 0 else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            preconditionFailure("pthread_create failed: \(Errno(rawValue: created))")
        }
        return Pending(call: call)
    }

    /// A call started on its own thread.
    public struct Pending<Value: Sendable>: Sendable {
        fileprivate let call: Call<Value>

        /// Its value, or nil when `deadline` passes first (then the call is left to finish on
        /// its own, and its value is dropped).
        public func wait(until deadline: Deadline) -> Value? { call.wait(until: deadline) }

        /// Readable once the call returned: for a caller's own poll loop (then `wait` with a
        /// deadline that has passed collects the value without waiting).
        public var descriptor: Int32 { call.signal.read }
    }

    /// The type-erased side the thread sees.
    fileprivate protocol Finishing: AnyObject {
        func perform()
    }

    /// One call: its body, its result once there is one, and a pipe the thread writes a byte
    /// to when it is done (so the caller can wait with `poll`). Both sides hold a reference;
    /// the pipe is closed when the last one goes.
    fileprivate final class Call<Value: Sendable>: Finishing, Sendable {
        let body: @Sendable () -> Value
        // Protected by its own lock: written by the call's thread, read by the caller.
        let result = Mutex<Value?>(nil)
        let signal: (read: Int32, write: Int32)

        init(_ body: @escaping @Sendable () -> Value) {
            self.body = body
            do {
                signal = try Syscall.pipe()
            } catch {
                preconditionFailure("pipe for a bounded call: \(error)")
            }
        }

        func perform() {
            let value = body()
            result.withLock { $0 = value }
            _ = try? Syscall.write(signal.write, [1])
        }

        func wait(until deadline: Deadline) -> Value? {
            while true {
                if let value = result.withLock({ $0 }) { return value }
                var fds = [pollfd(fd: signal.read, events: Int16(POLLIN), revents: 0)]
                let ready = (try? Syscall.poll(&fds, deadline.pollTimeout())) ?? 0
                if ready == 0 && deadline.hasPassed() { return result.withLock { $0 } }
            }
        }

        deinit {
            Syscall.close(signal.read)
            Syscall.close(signal.write)
        }
    }
}
