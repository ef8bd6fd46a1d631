import HaloSystem

/// What went wrong in a libcryptsetup call, named after what happened.
///
/// `message` is libcryptsetup's own last error line for the call, when it logged one (it never
/// contains a passphrase); it is context for the log, not text to build exit reasons from.
public enum CryptsetupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libcryptsetup could not be loaded (not installed, or a function missing).
    case libraryUnavailable(detail: String)
    /// The device carries no LUKS header libcryptsetup accepts (none, foreign, or damaged).
    case noLuksHeader(device: String, message: String?)
    /// The passphrase opens no keyslot of the header.
    case keyRejected
    /// The kernel has no device-mapper (no dm_mod), so nothing can be opened or closed.
    case deviceMapperUnavailable
    /// A mapping of that name is open (its open count is not zero).
    case busy(name: String, message: String?)
    /// No mapping of that name exists.
    case noSuchMapping(name: String)
    /// A mapping of that name already exists.
    case nameInUse(name: String)
    /// Anything else: the operation, the `errno` libcryptsetup returned, and its message.
    case failed(operation: String, errno: Errno, message: String?)

    public var description: String {
        switch self {
        case .libraryUnavailable(let detail): "libcryptsetup is not available: \(detail)"
        case .noLuksHeader(let device, _): "\(device) carries no valid LUKS header"
        case .keyRejected: "the key opens no keyslot"
        case .deviceMapperUnavailable: "the kernel has no device-mapper"
        case .busy(let name, _): "\(name) is in use"
        case .noSuchMapping(let name): "no mapping named \(name)"
        case .nameInUse(let name): "a mapping named \(name) already exists"
        case .failed(let operation, let errno, let message):
            "\(operation): \(errno)" + (message.map { " (\($0))" } ?? "")
        }
    }
}
