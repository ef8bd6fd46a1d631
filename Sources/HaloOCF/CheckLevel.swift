/// An OCF check level: how deep a monitor or validate-all looks.
///
/// OCF defines 0 (light, "suitable for every few seconds"), 10 (medium) and 20 (heavy, real
/// I/O); every other value is reserved, and an agent asked for a level it lacks performs the
/// next lower one it has.
public struct CheckLevel: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Cheap: state the kernel reports, no I/O on data paths.
    public static let basic = CheckLevel(rawValue: 0)
    /// Medium: also the surroundings (links, backing devices, daemons).
    public static let thorough = CheckLevel(rawValue: 10)
    /// Heavy: a real I/O or network probe.
    public static let deep = CheckLevel(rawValue: 20)

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }

    /// The level an agent performs when asked for `requested`: the highest of `supported` that
    /// is not above it.
    /// - Precondition: `supported` contains `.basic`, so every request ≥ 0 resolves.
    public static func resolve(_ requested: Int, supported: [CheckLevel]) -> CheckLevel {
        precondition(supported.contains(.basic), "every agent supports check level 0")
        precondition(requested >= 0, "a negative check level is rejected when the environment is read")
        return supported.filter { $0.rawValue <= requested }.max()!
    }
}
