/// The CHAP user names a credentials file configures: what the decisions compare a target's
/// accounts with (the secrets stay in `ChapCredentials`, compared in place by the views).
public struct ChapUsers: Sendable, Hashable {
    public var incoming: String?
    public var outgoing: String?

    public init(incoming: String? = nil, outgoing: String? = nil) {
        self.incoming = incoming
        self.outgoing = outgoing
    }

    /// No CHAP: no credentials file is configured.
    public static let none = ChapUsers()

    /// The user names in `credentials`; `.none` without credentials.
    public init(_ credentials: borrowing ChapCredentials?) {
        switch credentials {
        case .some(let configured):
            self.init(incoming: configured.withCredential(outgoing: false) { Self.user($0) },
                      outgoing: configured.withCredential(outgoing: true) { Self.user($0) })
        case .none:
            self.init()
        }
    }

    static func user(_ credential: borrowing ChapCredential?) -> String? {
        switch credential {
        case .some(let present): present.user.text
        case .none: nil
        }
    }
}

/// What a depth-10 monitor compares a target's CHAP accounts with.
public enum ChapExpectation: Sendable, Hashable {
    /// The users (and, through the observation, the secrets) of the credentials file; `.none`
    /// when no file is configured: then the target must have no accounts.
    case configured(ChapUsers)
    /// The credentials file could not be read on this node (gone, or its mode changed by a
    /// configuration-management run): the accounts are not compared. The target keeps serving
    /// with the accounts it has; the monitor logs why, and start refuses the file.
    case unreadable
}
