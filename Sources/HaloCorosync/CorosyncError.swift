import CCorosync

/// What a corosync library call reported, when it was not success.
///
/// Cases are named after what happened; `code` keeps the library's own number for logs.
public enum CorosyncError: Error, Sendable, Hashable, CustomStringConvertible {
    /// corosync is not running, or the connection to it was lost (`CS_ERR_LIBRARY`).
    case notRunning
    /// corosync is busy (synchronising after a membership change, or under flow control):
    /// the same call may succeed later (`CS_ERR_TRY_AGAIN`, `CS_ERR_QUEUE_FULL`).
    case tryAgain
    /// corosync refused the caller (`CS_ERR_ACCESS`, `CS_ERR_SECURITY`): not root, or not in
    /// the uidgid list.
    case accessDenied
    /// The key, group or service does not exist (`CS_ERR_NOT_EXIST`, `CS_ERR_NAME_NOT_FOUND`).
    case notFound
    /// The handle was already finalised or never valid (`CS_ERR_BAD_HANDLE`).
    case badHandle
    /// The message is larger than the library can carry (`CS_ERR_TOO_BIG`).
    case tooBig
    /// Any other code, with the call that returned it.
    case failed(call: String, code: UInt32)

    init(_ error: cs_error_t, call: String) {
        switch error {
        case CS_ERR_LIBRARY: self = .notRunning
        case CS_ERR_TRY_AGAIN, CS_ERR_QUEUE_FULL: self = .tryAgain
        case CS_ERR_ACCESS, CS_ERR_SECURITY: self = .accessDenied
        case CS_ERR_NOT_EXIST, CS_ERR_NAME_NOT_FOUND: self = .notFound
        case CS_ERR_BAD_HANDLE: self = .badHandle
        case CS_ERR_TOO_BIG: self = .tooBig
        default: self = .failed(call: call, code: error.rawValue)
        }
    }

    public var description: String {
        switch self {
        case .notRunning: "corosync is not running or the connection to it was lost"
        case .tryAgain: "corosync is busy (try again)"
        case .accessDenied: "corosync refused access (not root?)"
        case .notFound: "not found"
        case .badHandle: "the corosync handle is no longer valid"
        case .tooBig: "the message is too large for corosync"
        case .failed(let call, let code): "\(call) failed with corosync error \(code)"
        }
    }
}

/// Turns a library return code into success or a typed error.
@inline(__always)
func check(_ result: cs_error_t, _ call: String) throws(CorosyncError) {
    guard result != CS_OK else { return }
    throw CorosyncError(result, call: call)
}
