/// A management command as SCST reads it from the buffer of one `write(2)`: words separated by
/// white space (a newline is white space too, so a name with an embedded newline becomes extra
/// words, which is how an injection would reach SCST), the first one the verb, compared without
/// regard to case.
struct MgmtCommand: Sendable, Hashable {
    /// The whole buffer as text, trailing white space removed.
    let text: String
    /// The words, in order.
    let words: [String]

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        self.text = String(text[..<end])
        words = self.text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// The verb, lower-cased; empty for an empty command.
    var verb: String { words.first?.lowercased() ?? "" }

    /// The words after the verb.
    var arguments: ArraySlice<String> { words.dropFirst() }

    /// The text after the first `count` words (for `add_device NAME params…`, whose parameters
    /// contain spaces and `;`).
    func rest(after count: Int) -> String {
        var remainder = Substring(text)
        for _ in 0..<count {
            remainder = remainder.drop(while: { $0.isWhitespace })
            remainder = remainder.drop(while: { !$0.isWhitespace })
        }
        return String(remainder.drop(while: { $0.isWhitespace }))
    }

    /// `name=value` pairs separated by `;` (SCST's device and LUN parameters). `nil` when one
    /// is malformed: no name, no value, or more than one word for a value.
    static func parameters(_ text: String) -> [(name: String, value: String)]? {
        var result: [(String, String)] = []
        for item in text.split(separator: ";") {
            let trimmed = item.trimmingCharacters(in: " \t\n")
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " \t\n") }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
                  !parts[0].contains(where: \.isWhitespace), !parts[1].contains(where: \.isWhitespace) else { return nil }
            result.append((parts[0], parts[1]))
        }
        return result
    }

    /// A number as the kernel's `kstrtoul(…, 0)` reads it: decimal, `0x` hex, or `0` octal.
    static func number(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.count > 1 && text.hasPrefix("0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
