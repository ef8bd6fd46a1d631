import HaloOCF

/// An iSCSI name (RFC 3720 §3.2.6.3): a target's or an initiator's world-wide name.
///
/// Three formats, checked strictly because a name is written into kernel management files,
/// where a space separates arguments and a newline ends a command:
/// ```
/// iqn.2026-11.lab.test:tgt1      iqn. YYYY-MM . reversed domain [ : anything of a-z 0-9 - . : ]
/// eui.02004567A425678D           eui. 16 hex digits (EUI-64)
/// naa.52004567BA64678D           naa. 16 or 32 hex digits (NAA 64 or 128 bits)
/// ```
/// iSCSI names are compared after stringprep, which lower-cases them, so an `iqn.` name must be
/// written in lower case (an upper-case letter would make two spellings of one name); the hex
/// digits of `eui.` and `naa.` may be of either case, as the RFC's own examples are. At most 223
/// bytes.
public struct ISCSIName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name as written.
    public let text: String

    /// The longest iSCSI name, in bytes (RFC 3720 §3.2.6.1).
    public static let maximumLength = 223

    /// Parses `text`, or says in a phrase what is wrong with it.
    public static func parse(_ text: String) -> Result<ISCSIName, ValueProblem> {
        guard !text.isEmpty else { return .failure(ValueProblem("is empty")) }
        guard text.utf8.count <= maximumLength else {
            return .failure(ValueProblem("is longer than \(maximumLength) bytes (RFC 3720)"))
        }
        if let bad = text.unicodeScalars.first(where: { !$0.isASCII || $0.properties.generalCategory == .control || $0 == " " }) {
            let what = bad == " " ? "a space" : bad == "\n" ? "a newline" : "the character \(bad.escaped(asASCII: true))"
            return .failure(ValueProblem("contains \(what): not an iSCSI name"))
        }
        if text.hasPrefix("iqn.") { return parseIQN(text) }
        if text.hasPrefix("eui.") { return parseHex(text, prefix: "eui.", lengths: [16], what: "an EUI-64 (eui. and 16 hex digits)") }
        if text.hasPrefix("naa.") { return parseHex(text, prefix: "naa.", lengths: [16, 32], what: "an NAA name (naa. and 16 or 32 hex digits)") }
        return .failure(ValueProblem("is not an iSCSI name: it must start with iqn., eui. or naa. (RFC 3720)"))
    }

    static func parseIQN(_ text: String) -> Result<ISCSIName, ValueProblem> {
        let allowed: (Character) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-.:".contains($0) }
        if let bad = text.first(where: { !allowed($0) }) {
            let why = ("A"..."Z").contains(bad) ? "an upper-case letter (iSCSI names are lower case)" : "the character '\(bad)'"
            return .failure(ValueProblem("contains \(why): an iqn. name has only a-z, 0-9, '-', '.' and ':'"))
        }
        let body = text.dropFirst(4)
        let (authority, unique) = body.firstIndex(of: ":").map { (body[..<$0], Optional(body[body.index(after: $0)...])) }
            ?? (body, nil)
        let labels = authority.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, isDate(labels[0]) else {
            return .failure(ValueProblem("is not iqn.YYYY-MM.<reversed domain>[:<name>] (RFC 3720 §3.2.6.3.1)"))
        }
        for label in labels.dropFirst() where label.isEmpty || label.hasPrefix("-") || label.hasSuffix("-") || label.contains(":") {
            return .failure(ValueProblem("has an empty or malformed domain label in its naming authority"))
        }
        if let unique, unique.isEmpty {
            return .failure(ValueProblem("ends with ':' and nothing after it"))
        }
        return .success(ISCSIName(text: text))
    }

    /// `YYYY-MM` with a month 01…12.
    static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { ("0"..."9").contains($0) } }),
              let month = Int(parts[1]) else { return false }
        return (1...12).contains(month)
    }

    static func parseHex(_ text: String, prefix: String, lengths: [Int], what: String) -> Result<ISCSIName, ValueProblem> {
        let digits = text.dropFirst(prefix.count)
        guard lengths.contains(digits.count), digits.allSatisfy(\.isHexDigit) else {
            return .failure(ValueProblem("is not \(what)"))
        }
        return .success(ISCSIName(text: text))
    }

    public var description: String { text }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.text < rhs.text }
}

extension ParameterType where Value == ISCSIName {
    /// An iSCSI name (iqn., eui. or naa.), checked against RFC 3720's grammar.
    public static var iscsiName: ParameterType<ISCSIName> {
        ParameterType(constraint: .format("an iSCSI name: iqn.YYYY-MM.reversed.domain[:name], eui.<16 hex> or naa.<16|32 hex>."),
                      parse: ISCSIName.parse, render: \.text)
    }
}

extension ParameterType where Value == [ISCSIName] {
    /// One or more iSCSI names separated by spaces; a name given twice is refused (a typo).
    public static var iscsiNames: ParameterType<[ISCSIName]> {
        ParameterType(constraint: .format("iSCSI names (iqn., eui. or naa.) separated by spaces."), parse: { raw in
            var names: [ISCSIName] = []
            for word in raw.split(separator: " ") {
                switch ISCSIName.parse(String(word)) {
                case .success(let name):
                    if names.contains(name) { return .failure(ValueProblem("names \(name) twice")) }
                    names.append(name)
                case .failure(let problem):
                    return .failure(ValueProblem("has \(ParameterProblem.quoted(String(word))), which \(problem.message)"))
                }
            }
            return names.isEmpty ? .failure(ValueProblem("names no initiator")) : .success(names)
        }, render: { $0.map(\.text).joined(separator: " ") })
    }
}
