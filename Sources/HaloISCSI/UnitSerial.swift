import HaloOCF

/// A unit serial number (VPD page 0x80): 1 to 20 of letters, digits, '.', '_' and '-'. 20 is
/// SCST's limit for `usn`; LIO takes more, but then the two stacks could not share it.
public struct UnitSerial: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public static let maximumLength = 20

    public init(text: String) { self.text = text }

    public static func parse(_ raw: String) -> Result<UnitSerial, ValueProblem> {
        Identifier.check(raw, maximum: maximumLength).map { UnitSerial(text: $0) }
    }

    public var description: String { text }
}

/// The character rule shared by identifiers written to kernel attributes.
enum Identifier {
    static func check(_ raw: String, maximum: Int) -> Result<String, ValueProblem> {
        guard (1...maximum).contains(raw.utf8.count) else { return .failure(ValueProblem("must have 1 to \(maximum) characters")) }
        let allowed = raw.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }
        return allowed ? .success(raw) : .failure(ValueProblem("may contain only letters, digits, '.', '_' and '-'"))
    }
}

extension ParameterType where Value == UnitSerial? {
    public static var unitSerial: ParameterType<UnitSerial?> {
        .optional(ParameterType<UnitSerial>(constraint: .format("1 to 20 letters, digits, '.', '_' or '-'."),
                                            parse: UnitSerial.parse, render: \.text))
    }
}
