import HaloOCF

/// The name a LUN's storage object gets in the target stack (SCST device, LIO storage object):
/// 1 to 64 of letters, digits, '.', '_' and '-', not starting with '.' or '-'. SCST allows 64
/// characters; the name is a directory in sysfs or configfs and an argument of management
/// commands, so anything that could split a command or a path is refused, and so are the
/// names of the files that share SCST's handler directories (`mgmt`, `type`, `trace_level`).
public struct StorageName: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(text: String) { self.text = text }

    public static func parse(_ raw: String) -> Result<StorageName, ValueProblem> {
        guard (1...64).contains(raw.utf8.count) else { return .failure(ValueProblem("must have 1 to 64 characters")) }
        let allowed = raw.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }
        guard allowed else { return .failure(ValueProblem("may contain only letters, digits, '.', '_' and '-'")) }
        guard !raw.hasPrefix("-"), !raw.hasPrefix(".") else { return .failure(ValueProblem("must not start with '-' or '.'")) }
        guard !["mgmt", "type", "trace_level"].contains(raw) else {
            return .failure(ValueProblem("is the name of a file in SCST's handler directories"))
        }
        return .success(StorageName(text: raw))
    }

    public var description: String { text }
}

extension ParameterType where Value == StorageName {
    public static var storageName: ParameterType<StorageName> {
        ParameterType(constraint: .format("1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'."),
                      parse: StorageName.parse, render: \.text)
    }
}
