import HaloOCF

/// An EUI-64 designator (VPD page 0x83): 16, 24 or 32 hex digits, as SCST's `eui64_id` accepts.
public struct EUI64Identifier: Sendable, Hashable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) { self.hex = hex.lowercased() }

    public static func parse(_ raw: String) -> Result<EUI64Identifier, ValueProblem> {
        let digits = raw.lowercased().hasPrefix("0x") ? String(raw.dropFirst(2)) : raw
        guard [16, 24, 32].contains(digits.count), digits.allSatisfy(\.isHexDigit) else {
            return .failure(ValueProblem("is not an EUI-64 designator: 16, 24 or 32 hex digits"))
        }
        return .success(EUI64Identifier(hex: digits))
    }

    public var description: String { hex }
}

extension ParameterType where Value == EUI64Identifier? {
    public static var eui64Identifier: ParameterType<EUI64Identifier?> {
        .optional(ParameterType<EUI64Identifier>(constraint: .format("16, 24 or 32 hex digits (0x allowed in front)."),
                                                 parse: EUI64Identifier.parse, render: \.hex))
    }
}
