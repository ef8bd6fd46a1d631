import HaloOCF

/// An NAA designator (VPD page 0x83): 16 hex digits starting with 2, 3 or 5 (64-bit NAA) or 32
/// starting with 6 (IEEE Registered Extended), as SCST's `naa_id` accepts them. Kept in lower
/// case without the `0x` SCST shows in front of it.
public struct NAAIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) { self.hex = hex.lowercased() }

    public static func parse(_ raw: String) -> Result<NAAIdentifier, ValueProblem> {
        let digits = raw.lowercased().hasPrefix("0x") ? String(raw.dropFirst(2)) : raw
        guard digits.allSatisfy(\.isHexDigit), let first = digits.first else {
            return .failure(ValueProblem("is not hex digits (an NAA designator)"))
        }
        switch (digits.count, first) {
        case (16, "2"), (16, "3"), (16, "5"), (32, "6"): return .success(NAAIdentifier(hex: digits))
        default: return .failure(ValueProblem("is not an NAA designator: 16 hex digits starting with 2, 3 or 5, or 32 starting with 6"))
        }
    }

    /// The designator LIO generates from a unit serial: NAA 6, LIO's IEEE company id 0x001405,
    /// then the serial's hex digits (other characters skipped), 25 of them at most, zero-filled
    /// to 16 bytes. The kernel's rule (target_core_spc.c), reproduced so that SCST can present
    /// the very same WWID.
    public static func linuxIO(serial: UnitSerial, companyID: UInt32 = 0x001405) -> NAAIdentifier {
        let company = String(companyID, radix: 16)
        let prefix = "6" + String(repeating: "0", count: max(0, 6 - company.count)) + company
        let digits = serial.text.lowercased().filter(\.isHexDigit).prefix(25)
        return NAAIdentifier(hex: prefix + digits + String(repeating: "0", count: 25 - digits.count))
    }

    public var description: String { hex }
}

extension ParameterType where Value == NAAIdentifier? {
    public static var naaIdentifier: ParameterType<NAAIdentifier?> {
        .optional(ParameterType<NAAIdentifier>(
            constraint: .format("16 hex digits starting with 2, 3 or 5, or 32 starting with 6 (0x allowed in front)."),
            parse: NAAIdentifier.parse, render: \.hex))
    }
}
