import CHalo
import Glibc

/// Writing to the process's standard output and standard error without Foundation and
/// without buffering: every call is complete when it returns, so nothing is lost when an
/// agent exits right after.
public enum StandardStream {
    case output, error

    var fd: Int32 { self == .output ? 1 : 2 }

    /// Whether the stream is a terminal (a person watching) rather than a pipe or a file.
    public var isTerminal: Bool { isatty(fd) == 1 }

    /// Writes all of `text`. Errors (a closed descriptor, `EPIPE`) are ignored: there is
    /// nowhere left to report them.
    public func write(_ text: String) {
        write(Array(text.utf8))
    }

    /// Writes all of `bytes`, ignoring errors as `write(_:)` for text does.
    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { all -> Int in
                Glibc.write(fd, all.baseAddress! + offset, all.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// The process itself: its environment, identity and exit.
public enum CurrentProcess {
    /// The environment variables of this process.
    public static func environment() -> [String: String] {
        var result: [String: String] = [:]
        guard var pointer = halo_environ() else { return result }
        while let entry = pointer.pointee {
            // Split on the first "=" in bytes: Character-wise search costs grapheme breaking.
            let length = strlen(entry)
            entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                let buffer = UnsafeBufferPointer(start: bytes, count: length)
                if let equals = buffer.firstIndex(of: UInt8(ascii: "=")) {
                    result[String(decoding: buffer[..<equals], as: UTF8.self)] =
                        String(decoding: buffer[(equals + 1)...], as: UTF8.self)
                }
            }
            pointer += 1
        }
        return result
    }

    /// Whether the process runs with root's effective user id.
    public static var isRoot: Bool { Syscall.geteuid() == 0 }

    /// This process's id.
    public static var id: Int32 { Syscall.getpid() }

    /// The machine's node name (`uname -n`), which Pacemaker uses as the node's name unless
    /// configured otherwise.
    public static var nodeName: String { Syscall.nodeName() }

    /// The running kernel's release (`uname -r`), which names its module directory
    /// (`/lib/modules/<release>`).
    public static var kernelRelease: String { Syscall.kernelRelease() }

    /// Opens /dev/null as standard input, output and error where they are not open: a program
    /// the kernel starts (DRBD's usermode helper) may have none, and the first socket it opened
    /// would otherwise become descriptor 2, its error messages written into that socket.
    public static func openStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                _ = close(opened)
            }
        }
    }

    /// Ends the process with `status`, without running anything else.
    public static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }

    /// Whether this process image is statically linked: started without a dynamic loader
    /// (the kernel passes no interpreter base in the auxiliary vector).
    public static var isStaticallyLinked: Bool { getauxval(UInt(AT_BASE)) == 0 }

    /// The path of the running executable (`/proc/self/exe`).
    public static func executablePath() throws(Errno) -> String { try FileSystem.linkTarget("/proc/self/exe") }

    /// Replaces this process's image with `path`, keeping its id, environment and open
    /// descriptors (`execv(2)`). Returns only when that fails, with the reason.
    public static func replace(with path: String, arguments: [String]) -> Errno {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        _ = execv(path, argv)
        let failure = Errno.current
        argv.forEach { free($0) }
        return failure
    }
}
