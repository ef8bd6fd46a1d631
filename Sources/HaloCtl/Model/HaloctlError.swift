/// Why a haloctl command could not do what it was asked: one line for the admin, and the exit
/// code scripts see (2: no cluster or an unknown state; 1: refused or failed; 64: wrong usage).
public struct HaloctlError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// Nothing to talk to: exit 2.
    public static func noCluster(_ message: String) -> Self { Self(message, exitCode: 2) }
    /// The operator asked for something that cannot be done now: exit 1.
    public static func refused(_ message: String) -> Self { Self(message, exitCode: 1) }
    /// The operator named something that does not exist or mistyped a value: exit 64 (EX_USAGE).
    public static func usage(_ message: String) -> Self { Self(message, exitCode: 64) }
}
