import HaloSystem
import Synchronization

/// libcryptsetup, loaded: the entry point to LUKS headers and dm-crypt mappings.
///
/// ```swift
/// let cryptsetup = try Cryptsetup.load()           // dlopen, only on the paths that need it
/// let device = try CryptDevice(path: "/dev/md0", using: cryptsetup)
/// try device.loadHeader()
/// ```
///
/// Loading costs what linking would have cost every agent invocation (the library and its
/// dependencies: about 4.3 M instructions), so agents load it only on the actions that open,
/// close or verify; monitors read sysfs instead.
///
/// The library reports problems as log messages; they are collected here (a passphrase is never
/// among them) and the last error message goes into each `CryptsetupError`. Instances are used
/// from one thread at a time (agents are single-threaded); the message list is behind a `Mutex`
/// only to satisfy `Sendable`.
public final class Cryptsetup: Sendable {
    let calls: CryptsetupCalls
    private let messages = Mutex<[LibraryMessage]>([])

    /// One line libcryptsetup logged.
    public struct LibraryMessage: Sendable, Hashable {
        public enum Level: Sendable, Hashable {
            case normal, error, verbose, debug
        }
        public let level: Level
        public let text: String
    }

    private init(calls: CryptsetupCalls) {
        self.calls = calls
    }

    /// Loads libcryptsetup and routes its default log output here (instead of its own
    /// printing to standard output and standard error).
    ///
    /// - Throws: `libraryUnavailable` when the library or one of its functions is missing.
    public static func load() throws(CryptsetupError) -> Cryptsetup {
        let library = Cryptsetup(calls: try CryptsetupCalls.load())
        library.calls.setLogCallback(nil, logTrampoline, library.logContext)
        return library
    }

    /// The messages logged so far, oldest first.
    public var libraryMessages: [LibraryMessage] { messages.withLock { $0 } }

    /// The context pointer libcryptsetup hands back to `logTrampoline`. The library object
    /// outlives every call that can log (devices hold a reference to it).
    var logContext: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func record(_ message: LibraryMessage) {
        messages.withLock { $0.append(message) }
    }

    /// The last error message logged since `mark`, for the error a failed call throws.
    func lastError(since mark: Int) -> String? {
        messages.withLock { list in
            list.dropFirst(mark).last(where: { $0.level == .error })?.text
        }
    }

    /// Where the next message will be recorded.
    var messageMark: Int { messages.withLock { $0.count } }

    /// Runs one library call, and turns a negative result into the `errno` and the library's
    /// last error message.
    func perform(_ body: () -> Int32) -> Result<Int32, CallFailure> {
        let mark = messageMark
        switch CryptsetupCalls.check(body()) {
        case .success(let value): return .success(value)
        case .failure(let errno): return .failure(CallFailure(errno: errno, message: lastError(since: mark)))
        }
    }

    /// Removes the dm-crypt mapping `name`.
    ///
    /// No `force` or `deferred` flag is ever passed: a forced removal replaces the table of a
    /// mapping in use with an error target, and a deferred one "succeeds" while the mapping stays.
    ///
    /// - Throws: `busy` when the mapping is open (the kernel's open count is not zero),
    ///   `noSuchMapping` when it does not exist (also what a kernel without device-mapper
    ///   answers), `deviceMapperUnavailable` on `ENOTSUP`, `failed` otherwise.
    /// The corresponding C function is `crypt_deactivate_by_name`.
    public func deactivate(name: String) throws(CryptsetupError) {
        switch perform({ calls.deactivateByName(nil, name, 0) }) {
        case .success: return
        case .failure(let failure):
            switch failure.errno {
            case .busy: throw .busy(name: name, message: failure.message)
            case .notSupported: throw .deviceMapperUnavailable
            case .noSuchDevice: throw .noSuchMapping(name: name)
            default: throw .failed(operation: "close \(name)", errno: failure.errno, message: failure.message)
            }
        }
    }
}

/// A failed libcryptsetup call: the `errno` its negative result stands for, and its last error line.
struct CallFailure: Error {
    let errno: Errno
    let message: String?
}

/// libcryptsetup's log callback: turns one message into a `LibraryMessage` on the library
/// object it belongs to, and does nothing else.
let logTrampoline: CryptsetupCalls.LogCallback = { level, text, context in
    guard let context, let text else { return }
    let library = Unmanaged<Cryptsetup>.fromOpaque(context).takeUnretainedValue()
    let kind: Cryptsetup.LibraryMessage.Level = switch level {
    case 1: .error
    case 2: .verbose
    case 0: .normal
    default: .debug
    }
    var line = String(cString: text)
    while line.last == "\n" { line.removeLast() }
    library.record(Cryptsetup.LibraryMessage(level: kind, text: line))
}
