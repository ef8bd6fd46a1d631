import HaloSystem

/// One CHAP credential: a user name (not secret: it travels in clear during login) and its
/// secret, which lives only in locked, wiped memory.
public struct ChapCredential: ~Copyable {
    public let user: ChapUser
    public let secret: Secret

    public init(user: ChapUser, secret: consuming Secret) {
        self.user = user
        self.secret = secret
    }
}

/// A CHAP user name: 1 to 255 of letters, digits and `. _ : @ -` (a space would split the
/// management command it is written in).
public struct ChapUser: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        guard (1...255).contains(text.utf8.count), text.unicodeScalars.allSatisfy({
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._:@-".unicodeScalars.contains($0))
        }) else { return nil }
        self.text = text
    }

    public var description: String { text }
}

/// The CHAP credentials of one target, read from a root-only file:
///
/// ```
/// # lines: DIRECTION USER SECRET
/// incoming tgt1-initiators 9f2c3a1b7d4e6f80
/// outgoing tgt1-target     3c5e7a9b1d2f4a6c
/// ```
///
/// `incoming`: initiators must log in with this user and secret (one-way CHAP). `outgoing`: the
/// target answers the initiator's challenge with these (mutual CHAP; needs `incoming`). Secrets
/// are 12 to 255 printable ASCII characters without spaces (RFC 3720 §8.2.1 asks for at least 96
/// bits; some initiators accept at most 16), and the two must differ. Blank lines and lines
/// starting with `#` are ignored.
///
/// The file is parsed inside the `Secret` its bytes were read into; each secret is copied from
/// there straight into a `Secret` of its own, so no other copy exists in the process. Problems
/// are described without quoting the file.
public struct ChapCredentials: ~Copyable {
    public let incoming: ChapCredential?
    public let outgoing: ChapCredential?

    /// Why a credentials file was refused: a sentence that never contains a secret.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Lends the incoming or the outgoing credential to `body`.
    public borrowing func withCredential<Result, Failure: Error>(
        outgoing: Bool, _ body: (borrowing ChapCredential?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if outgoing { try body(self.outgoing) } else { try body(incoming) }
    }

    /// The largest credentials file read.
    public static let fileLimit = 4096

    /// Parses the bytes of a credentials file.
    public static func parse(_ file: borrowing Secret) -> Result<ChapCredentials, Problem> {
        var problem: Problem?
        var incoming: ChapCredential?
        var outgoing: ChapCredential?
        file.withUnsafeBytes { bytes in
            var lineNumber = 0
            var start = 0
            while start <= bytes.count && problem == nil {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                lineNumber += 1
                defer { start = end + 1 }
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                let words = split(line)
                guard let first = words.first, line[first.lowerBound] != UInt8(ascii: "#") else { continue }
                guard words.count == 3 else {
                    problem = Problem("line \(lineNumber) is not DIRECTION USER SECRET")
                    continue
                }
                let direction = String(decoding: line[words[0]], as: UTF8.self)
                guard direction == "incoming" || direction == "outgoing" else {
                    problem = Problem("line \(lineNumber) starts with neither incoming nor outgoing")
                    continue
                }
                guard let user = ChapUser(String(decoding: line[words[1]], as: UTF8.self)) else {
                    problem = Problem("line \(lineNumber): the user name must be 1 to 255 letters, digits or . _ : @ -")
                    continue
                }
                let secretBytes = UnsafeRawBufferPointer(rebasing: line[words[2]])
                guard (12...255).contains(secretBytes.count), secretBytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
                    problem = Problem("line \(lineNumber): the secret must be 12 to 255 printable characters without spaces")
                    continue
                }
                if (direction == "incoming" ? incoming != nil : outgoing != nil) {
                    problem = Problem("line \(lineNumber): a second \(direction) credential (one of each is allowed)")
                    continue
                }
                let secret: Secret
                do {
                    secret = try Secret(capacity: secretBytes.count) { buffer in
                        buffer.copyMemory(from: secretBytes)
                        return secretBytes.count
                    }
                } catch {
                    problem = Problem("cannot allocate memory for a secret: \(error)")
                    continue
                }
                if direction == "incoming" {
                    incoming = ChapCredential(user: user, secret: secret)
                } else {
                    outgoing = ChapCredential(user: user, secret: secret)
                }
            }
        }
        if let problem { return .failure(problem) }
        if outgoing != nil && incoming == nil {
            return .failure(Problem("an outgoing credential needs an incoming one (mutual CHAP answers the initiator's challenge)"))
        }
        if sameSecret(incoming, outgoing) {
            return .failure(Problem("the incoming and outgoing secrets are the same (each direction needs its own)"))
        }
        return .success(ChapCredentials(incoming: incoming, outgoing: outgoing))
    }

    static func sameSecret(_ first: borrowing ChapCredential?, _ second: borrowing ChapCredential?) -> Bool {
        switch first {
        case .some(let a):
            switch second {
            case .some(let b): a.secret.hasSameBytes(as: b.secret)
            case .none: false
            }
        case .none:
            false
        }
    }

    /// The ranges of the words of `line`, separated by spaces and tabs.
    static func split(_ line: UnsafeRawBufferPointer) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var index = 0
        while index < line.count {
            while index < line.count && (line[index] == 0x20 || line[index] == 0x09 || line[index] == 0x0d) { index += 1 }
            let start = index
            while index < line.count && line[index] != 0x20 && line[index] != 0x09 && line[index] != 0x0d { index += 1 }
            if index > start { words.append(start..<index) }
        }
        return words
    }
}
