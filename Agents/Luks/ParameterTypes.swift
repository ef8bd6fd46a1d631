import HaloOCF

/// A LUKS header UUID in its canonical form: 36 characters, lower-case hex, dashes after the
/// 8th, 12th, 16th and 20th digit (`58aba7b1-d27a-491a-bfb0-fad5efeb5946`).
struct LuksUUID: Hashable, Sendable, CustomStringConvertible {
    /// The canonical text.
    let text: String

    /// The UUID `text` stands for, in either case; `nil` when it is not a UUID.
    init?(_ text: String) {
        let lowered = text.lowercased()
        let groups = lowered.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else {
            return nil
        }
        self.text = lowered
    }

    /// The UUID written without dashes, as device-mapper UUIDs of LUKS mappings carry it.
    init?(compact: some StringProtocol) {
        guard compact.count == 32, compact.allSatisfy(\.isHexDigit) else { return nil }
        let digits = Array(compact.lowercased())
        var text = ""
        for (index, digit) in digits.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append("-") }
            text.append(digit)
        }
        self.text = text
    }

    /// The UUID without dashes.
    var compact: String { text.filter { $0 != "-" } }

    var description: String { text }
}

/// Which device holds the LUKS header, as configured: a path, or the header's UUID.
///
/// A UUID is resolved by reading the headers of this node's block devices (see
/// `SystemView.resolve`), not through `/dev/disk/by-uuid`: udev creates that link late for a
/// DRBD device, only once it can read it, and not at all where udev is not running.
enum EncryptedDevice: Hashable, Sendable, CustomStringConvertible {
    case path(String)
    case uuid(LuksUUID)

    /// Reads `/dev/…` (any absolute path), `UUID=<uuid>` or a bare UUID.
    static func parse(_ raw: String) -> Result<EncryptedDevice, ValueProblem> {
        if raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) {
            return .failure(ValueProblem("contains a space or a control character"))
        }
        if raw.hasPrefix("/") { return .success(.path(raw)) }
        let candidate = raw.uppercased().hasPrefix("UUID=") ? String(raw.dropFirst(5)) : raw
        if let uuid = LuksUUID(candidate) { return .success(.uuid(uuid)) }
        return .failure(ValueProblem("is neither an absolute device path nor UUID=<uuid of the LUKS header>"))
    }

    var description: String {
        switch self {
        case .path(let path): path
        case .uuid(let uuid): "UUID=\(uuid)"
        }
    }
}

/// The name of the dm-crypt mapping (`/dev/mapper/<name>`).
///
/// Narrower than what device-mapper accepts, on purpose: the name reaches the kernel, udev
/// rules and log lines, so it is 1–127 characters of letters, digits and `._+-`, does not start
/// with `-` or `.`, and is not `control` (`/dev/mapper/control` is device-mapper's own node).
struct MappingName: Hashable, Sendable, CustomStringConvertible {
    let text: String

    static func parse(_ raw: String) -> Result<MappingName, ValueProblem> {
        guard (1...127).contains(raw.utf8.count) else { return .failure(ValueProblem("must have 1 to 127 characters")) }
        let allowed = raw.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._+-".unicodeScalars.contains($0))
        }
        guard allowed else { return .failure(ValueProblem("may contain only letters, digits and . _ + -")) }
        guard !raw.hasPrefix("-"), !raw.hasPrefix(".") else { return .failure(ValueProblem("must not start with - or .")) }
        guard raw != "control" else { return .failure(ValueProblem("is device-mapper's own control node")) }
        return .success(MappingName(text: raw))
    }

    var description: String { text }
}

/// Where the passphrase comes from.
///
/// Only key files exist today. The parameter's syntax leaves room for more without a second
/// key parameter (and without a rule between parameters): a key file is an absolute path, so
/// a later `keyring:<description>` (a kernel keyring key) or `token:<id>` (a LUKS2 token) can
/// never be mistaken for one.
enum KeySource: Hashable, Sendable {
    case file(path: String)

    static func parse(_ raw: String) -> Result<KeySource, ValueProblem> {
        if raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .failure(ValueProblem("contains a control character"))
        }
        if raw.hasPrefix("/") { return .success(.file(path: raw)) }
        if raw.hasPrefix("keyring:") || raw.hasPrefix("token:") {
            return .failure(ValueProblem("names a key source this release cannot use yet (only key files)"))
        }
        return .failure(ValueProblem("is not an absolute path to a key file"))
    }
}

/// When the LUKS header is read, besides when the mapping is opened.
enum HeaderCheck: String, CaseIterable, Sendable {
    /// Only start (and validate-all) read the header.
    case open
    /// Monitors at depth 10 and 20 also read the header's first block from the backing device
    /// and compare its UUID with the open mapping's: a header overwritten under an open
    /// mapping (mkfs or pvcreate on the wrong disk) is found while the data can still be saved.
    case monitor
}

extension ParameterType where Value == EncryptedDevice {
    static var encryptedDevice: ParameterType<EncryptedDevice> {
        ParameterType(constraint: .format("an absolute device path, or UUID=<uuid of the LUKS header>."),
                      parse: EncryptedDevice.parse, render: \.description)
    }
}

extension ParameterType where Value == MappingName {
    static var mappingName: ParameterType<MappingName> {
        ParameterType(constraint: .format("1 to 127 letters, digits and . _ + - (not starting with - or .)."),
                      parse: MappingName.parse, render: \.text)
    }
}

extension ParameterType where Value == KeySource {
    static var keySource: ParameterType<KeySource> {
        ParameterType(constraint: .format("an absolute path to a key file."), parse: KeySource.parse, render: { source in
            switch source {
            case .file(let path): path
            }
        })
    }
}
