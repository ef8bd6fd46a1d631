import HaloOCF

/// A field of the standard INQUIRY data (vendor, product, revision): printable ASCII, no
/// leading or trailing space (INQUIRY pads with spaces, so they would be lost), at most as many
/// characters as the field holds.
public struct InquiryText: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(text: String) { self.text = text }

    public static func parse(_ raw: String, maximum: Int) -> Result<InquiryText, ValueProblem> {
        guard (1...maximum).contains(raw.utf8.count) else { return .failure(ValueProblem("must have 1 to \(maximum) characters")) }
        guard raw.unicodeScalars.allSatisfy({ (0x20...0x7e).contains($0.value) }) else {
            return .failure(ValueProblem("may contain only printable ASCII"))
        }
        guard raw.first != " ", raw.last != " " else { return .failure(ValueProblem("must not start or end with a space")) }
        return .success(InquiryText(text: raw))
    }

    public var description: String { text }
}

extension ParameterType where Value == InquiryText {
    /// A standard INQUIRY field of at most `maximum` characters.
    public static func inquiryText(maximum: Int) -> ParameterType<InquiryText> {
        ParameterType(constraint: .format("1 to \(maximum) printable ASCII characters, no leading or trailing space."),
                      parse: { InquiryText.parse($0, maximum: maximum) }, render: \.text)
    }
}
