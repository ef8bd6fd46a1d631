import HaloOCF

/// SCST's T10 device id (`t10_dev_id`): 1 to 25 of letters, digits, '.', '_' and '-'. ESXi
/// distinguishes LUNs by its first 8 characters only.
public struct T10DeviceID: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public static let maximumLength = 25

    public init(text: String) { self.text = text }

    public static func parse(_ raw: String) -> Result<T10DeviceID, ValueProblem> {
        Identifier.check(raw, maximum: maximumLength).map { T10DeviceID(text: $0) }
    }

    public var description: String { text }
}

extension ParameterType where Value == T10DeviceID? {
    public static var t10DeviceID: ParameterType<T10DeviceID?> {
        .optional(ParameterType<T10DeviceID>(constraint: .format("1 to 25 letters, digits, '.', '_' or '-'."),
                                             parse: T10DeviceID.parse, render: \.text))
    }
}
