import HaloOCF

/// The path of a LUN's backing store: an absolute, normalised path (no `//`, `.` or `..`
/// components) of at most 255 characters, made of letters, digits and `/ . _ + : @ -` — enough
/// for /dev/drbd1, /dev/mapper/…, /dev/md/…, /dev/disk/by-id/… and image files, and nothing that
/// separates parameters in SCST's `add_device` (`;`, `=`, spaces) or LIO's `control` (`,`).
public struct BackingPath: Sendable, Hashable, CustomStringConvertible {
    public let path: String

    public init(path: String) { self.path = path }

    public static func parse(_ raw: String) -> Result<BackingPath, ValueProblem> {
        guard raw.hasPrefix("/"), raw.count > 1 else { return .failure(ValueProblem("is not an absolute path")) }
        guard raw.utf8.count <= 255 else { return .failure(ValueProblem("is longer than 255 characters")) }
        let allowed = raw.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._+:@-".unicodeScalars.contains($0))
        }
        guard allowed else {
            return .failure(ValueProblem("may contain only letters, digits and / . _ + : @ - (no spaces, ';', '=' or ',')"))
        }
        let components = raw.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return .failure(ValueProblem("is not normalised (an empty, '.' or '..' component, or a trailing '/')"))
        }
        return .success(BackingPath(path: raw))
    }

    public var description: String { path }
}

extension ParameterType where Value == BackingPath {
    public static var backingPath: ParameterType<BackingPath> {
        ParameterType(constraint: .format("an absolute path of letters, digits and / . _ + : @ -."),
                      parse: BackingPath.parse, render: \.path)
    }
}
