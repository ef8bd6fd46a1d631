import Glibc

/// An error number reported by the kernel or the C library.
///
/// Wrappers in this module throw `Errno` with typed throws; the layer above maps it by class,
/// once, into a domain error (see `AgentFailure` in HaloOCF). Only the cases halo decides on
/// are named; every other value is still representable through `rawValue`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    static var current: Errno { Errno(rawValue: errno) }

    public static let notPermitted = Errno(rawValue: EPERM)
    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let ioError = Errno(rawValue: EIO)
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    public static let tryAgain = Errno(rawValue: EAGAIN)
    public static let noMemory = Errno(rawValue: ENOMEM)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let busy = Errno(rawValue: EBUSY)
    public static let exists = Errno(rawValue: EEXIST)
    public static let noSuchDevice = Errno(rawValue: ENODEV)
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    public static let isDirectory = Errno(rawValue: EISDIR)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let outOfRange = Errno(rawValue: ERANGE)
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    public static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    public static let noExecutableFormat = Errno(rawValue: ENOEXEC)
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
    /// `EBADSLT`: SCST's answer to a relative target port id that another target already uses.
    public static let invalidSlot = Errno(rawValue: EBADSLT)
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    public static let notEmpty = Errno(rawValue: ENOTEMPTY)

    /// The symbolic name (`ENOENT`) followed by the C library's message, for exit reasons and logs.
    public var description: String {
        "\(symbol) (\(String(cString: strerror(rawValue))))"
    }

    /// The symbolic C name, e.g. `EEXIST`, or `errno N` for values halo does not name.
    public var symbol: String {
        switch rawValue {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case ESRCH: "ESRCH"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case ENODEV: "ENODEV"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case ENOSPC: "ENOSPC"
        case EROFS: "EROFS"
        case EPIPE: "EPIPE"
        case ERANGE: "ERANGE"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case ETIMEDOUT: "ETIMEDOUT"
        case ELOOP: "ELOOP"
        case ENOEXEC: "ENOEXEC"
        case ECONNREFUSED: "ECONNREFUSED"
        case ENXIO: "ENXIO"
        case EBADSLT: "EBADSLT"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case ENOTEMPTY: "ENOTEMPTY"
        case ENOTBLK: "ENOTBLK"
        case EMEDIUMTYPE: "EMEDIUMTYPE"
        case EOVERFLOW: "EOVERFLOW"
        case EADDRINUSE: "EADDRINUSE"
        default: "errno \(rawValue)"
        }
    }
}
