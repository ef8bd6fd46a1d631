import Glibc

/// Reads and writes kernel attribute files — sysfs, procfs, configfs — and reports the
/// kernel's answer as an `Errno`.
///
/// A kernel attribute is read whole and written with exactly one `write(2)`: sysfs hands the
/// buffer of one write to the attribute's store function, so splitting a management command
/// across writes would make it two different (wrong) commands. All paths are taken relative
/// to `root`, which is `/` on a real system and a fixture tree or a mounted model in tests.
public struct KernelAttributes: Sendable {
    /// The directory that stands for `/`.
    public let root: String

    public init(root: String = "/") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The real path of `path` (an absolute path as seen on a live system).
    public func resolve(_ path: String) -> String {
        precondition(path.hasPrefix("/"), "kernel attribute paths are absolute: \(path)")
        return root + path
    }

    /// The attribute's content, as the kernel printed it (usually ending in a newline).
    ///
    /// - Throws: the `errno` of `open(2)` or `read(2)`: `ENOENT` when the object does not exist,
    ///   `EACCES` for a write-only attribute, whatever the kernel's show function returns.
    public func read(_ path: String, limit: Int = 1 << 20) throws(Errno) -> String {
        String(decoding: try FileSystem.readBytes(resolve(path), limit: limit), as: UTF8.self)
    }

    /// The attribute's content without its trailing newline.
    public func readValue(_ path: String) throws(Errno) -> String {
        var text = try read(path)
        while text.last == "\n" { text.removeLast() }
        return text
    }

    /// Writes `line` followed by a newline to the attribute in one `write(2)`. With
    /// `newline: false` the line is written alone: some store functions keep a trailing newline
    /// as part of the value (LIO's `auth/userid` and `auth/password` on Linux 6.1, for one).
    ///
    /// - Precondition: `line` contains no newline and no NUL. A name that reaches a kernel
    ///   interface must have been validated before; an embedded newline would be a second
    ///   command (an injection), so it is a bug in the caller and traps here.
    /// - Throws: the kernel's `errno` for the write — `EINVAL`, `EEXIST`, `ENOENT`, `EBUSY`,
    ///   `EAGAIN` … exactly as the attribute's store function returned it. A short write
    ///   (never seen from sysfs) is reported as `EIO`.
    public func write(_ path: String, line: String, newline: Bool = true) throws(Errno) {
        precondition(!line.utf8.contains(10) && !line.utf8.contains(0),
                     "a value written to a kernel attribute must be one line without NUL")
        let fd = try Syscall.open(resolve(path), O_WRONLY | O_TRUNC)
        defer { Syscall.close(fd) }
        let bytes = Array((newline ? line + "\n" : line).utf8)
        let written = try Syscall.write(fd, bytes)
        if written != bytes.count { throw .ioError }
    }

    /// Whether anything exists at the path (without following a final symbolic link).
    public func exists(_ path: String) -> Bool {
        (try? Syscall.linkStatus(resolve(path))) != nil
    }

    /// The names in a directory, sorted, without `.` and `..`.
    public func list(_ path: String) throws(Errno) -> [String] {
        try FileSystem.directoryEntries(resolve(path))
    }

    /// The names in a directory, sorted; `nil` when it does not exist (a kernel object that is
    /// not there: an absent target, a module not loaded). Other errors are thrown.
    public func listIfPresent(_ path: String) throws(Errno) -> [String]? {
        do {
            return try list(path)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// The target of a symbolic link, as stored.
    public func linkTarget(_ path: String) throws(Errno) -> String {
        try FileSystem.linkTarget(resolve(path))
    }
}

extension KernelAttributes {
    /// Creates a directory: in configfs, the object a directory stands for (a LIO target, a
    /// LUN, an ACL) comes into being with it.
    ///
    /// - Throws: the kernel's `errno`: `EEXIST`, `ENOENT` (no parent), whatever the subsystem
    ///   refuses (LIO: `EADDRNOTAVAIL` for a portal on an address the node does not have).
    public func makeDirectory(_ path: String, permissions: mode_t = 0o755) throws(Errno) {
        try Syscall.mkdir(resolve(path), permissions)
    }

    /// Removes a directory (in configfs: the object; it must hold no user-made entries).
    public func removeDirectory(_ path: String) throws(Errno) {
        try Syscall.rmdir(resolve(path))
    }

    /// Creates the symbolic link `path` → `target` (in configfs: a LUN mapping). `target` is
    /// an absolute path on the live system; it is not remapped.
    public func makeLink(_ path: String, to target: String) throws(Errno) {
        try Syscall.symlink(target, resolve(path))
    }

    /// Removes a symbolic link (in configfs: unmaps).
    public func removeLink(_ path: String) throws(Errno) {
        try Syscall.unlink(resolve(path))
    }

    /// Writes `prefix`, the bytes of `secret`, `suffix` and a newline (unless `newline` is false,
    /// as for `write(_:line:newline:)`) to the attribute in one `write(2)`, for management
    /// commands that carry a secret (a CHAP password). The line is composed in a `Secret` of its
    /// own, so the secret is never copied into ordinary memory.
    ///
    /// - Precondition: no part contains a newline or a NUL (see `write(_:line:)`).
    /// - Throws: the kernel's `errno` for the write, as `write(_:line:)` does.
    public func write(_ path: String, prefix: String, secret: borrowing Secret, suffix: String = "",
                      newline: Bool = true) throws(Errno) {
        let head = Array(prefix.utf8)
        let tail = Array((newline ? suffix + "\n" : suffix).utf8)
        precondition(!head.contains(10) && !head.contains(0) && !tail.dropLast(newline ? 1 : 0).contains(10) && !tail.contains(0),
                     "a value written to a kernel attribute must be one line without NUL")
        let line = try Secret(capacity: head.count + secret.count + tail.count) { (buffer) throws(Errno) -> Int in
            secret.withUnsafeBytes { bytes in
                precondition(!bytes.contains(10) && !bytes.contains(0), "a secret written to a kernel attribute must be one line")
                buffer.copyBytes(from: head)
                UnsafeMutableRawBufferPointer(rebasing: buffer[head.count...]).copyMemory(from: bytes)
                UnsafeMutableRawBufferPointer(rebasing: buffer[(head.count + bytes.count)...]).copyBytes(from: tail)
            }
            return head.count + secret.count + tail.count
        }
        let fd = try Syscall.open(resolve(path), O_WRONLY | O_TRUNC)
        defer { Syscall.close(fd) }
        let written = try line.withUnsafeBytes { (bytes) throws(Errno) -> Int in try Syscall.write(fd, bytes) }
        if written != line.count { throw .ioError }
    }

    /// The attribute's content read straight into a `Secret`, for attributes that show a secret
    /// (SCST's `IncomingUser`). At most `limit` bytes.
    ///
    /// - Throws: the `errno` of `open(2)` or `read(2)`; `ERANGE` when the content is longer.
    public func readSecret(_ path: String, limit: Int = 4096) throws(Errno) -> Secret {
        let fd = try Syscall.open(resolve(path), O_RDONLY)
        defer { Syscall.close(fd) }
        return try Secret(capacity: limit + 1) { (buffer) throws(Errno) -> Int in
            var total = 0
            while total < buffer.count {
                let count = try Syscall.read(fd, into: buffer.baseAddress! + total, buffer.count - total)
                if count == 0 { break }
                total += count
            }
            if total > limit { throw .outOfRange }
            return total
        }
    }
}
