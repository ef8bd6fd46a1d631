/// How iscsi-scstd reads a value written to one of a target's iSCSI parameters, and how it then
/// shows it (iscsi-scst/usr/param.c: `params_str_to_val`, `params_check_val`,
/// `params_val_to_str`).
///
/// Captured on a real SCST 3.11 (issue 17): `MaxRecvDataSegmentLength`,
/// `MaxXmitDataSegmentLength`, `MaxBurstLength` and `FirstBurstLength` above 1048576 (the
/// kernel's largest data segment, which iscsi-scstd takes as their maximum), `NopInTimeout` 0
/// and 1 and `RspTimeout` 1 are refused with `EINVAL`; `CRC32C,None` reads back as
/// `None,CRC32C`. Not captured, read in the source: the other bounds, `Yes`/`No` compared
/// exactly, numbers read by `strtol(…, 0)` (so `0x100` is 256 and text that is no number is
/// 0), digest words matched by their beginning, without regard to case.
enum ISCSIParameterRule: Sendable {
    case number(ClosedRange<UInt64>)
    case yesNo
    case digest

    /// The rule of each parameter a target shows (`ISCSITarget.parameterDefaults`).
    static func of(_ name: String) -> ISCSIParameterRule? {
        switch name {
        case "MaxRecvDataSegmentLength", "MaxXmitDataSegmentLength", "MaxBurstLength", "FirstBurstLength": .number(512...1_048_576)
        case "MaxOutstandingR2T": .number(1...65535)
        case "QueuedCommands": .number(1...2048)
        case "RspTimeout", "NopInTimeout": .number(2...65535)
        case "NopInInterval", "MaxSessions": .number(0...65535)
        case "InitialR2T", "ImmediateData", "RDMAExtensions": .yesNo
        case "HeaderDigest", "DataDigest": .digest
        default: nil
        }
    }

    /// The value as iscsi-scstd shows it afterwards; `nil` when it refuses the value (`EINVAL`).
    func shown(_ value: String) -> String? {
        switch self {
        case .number(let range):
            guard let number = Self.strtol(value), range.contains(number) else { return nil }
            return String(number)
        case .yesNo:
            return value == "Yes" || value == "No" ? value : nil
        case .digest:
            return Self.digests(value)
        }
    }

    /// `strtol(text, NULL, 0)` taken as iscsi-scstd's `unsigned int`: leading blanks, an
    /// optional sign, `0x` for hex and a leading `0` for octal, digits up to the first that is
    /// not one. `nil` for a negative number (far above every maximum as an unsigned value).
    static func strtol(_ text: String) -> UInt64? {
        var rest = Substring(text).drop { $0 == " " || $0 == "\t" }
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        var radix: UInt64 = 10
        if rest.hasPrefix("0x") || rest.hasPrefix("0X") {
            radix = 16
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("0") {
            radix = 8
        }
        var number: UInt64 = 0
        for character in rest {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { break }
            number = min(number * radix + UInt64(digit), UInt64(UInt32.max) + 1)
        }
        return negative && number != 0 ? nil : number
    }

    /// iscsi-scstd's digest set: comma-separated words, each `None` or `CRC32C` by its
    /// beginning, any case; shown `None`, `CRC32C` or `None,CRC32C`, in that order whatever the
    /// order written.
    static func digests(_ value: String) -> String? {
        var none = false
        var crc = false
        for word in value.split(separator: ",", omittingEmptySubsequences: false) {
            let text = word.drop { $0 == " " || $0 == "\t" }.lowercased()
            if text.hasPrefix("none") {
                none = true
            } else if text.hasPrefix("crc32c") {
                crc = true
            } else {
                return nil
            }
        }
        return [none ? "None" : nil, crc ? "CRC32C" : nil].compactMap { $0 }.joined(separator: ",")
    }
}
