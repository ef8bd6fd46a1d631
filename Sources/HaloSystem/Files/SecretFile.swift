import Glibc

/// A file holding a secret (a key file), open for reading: first its facts, then its bytes.
///
/// ```swift
/// let file = try SecretFile(opening: "/etc/halo/keys/r0.key")
/// guard file.info.type == .regular, file.info.permissions & 0o077 == 0 else { … refuse … }
/// let key = try file.read(limit: 8 << 20)
/// ```
///
/// The facts come from `fstat(2)` on the open descriptor, so they describe exactly the file
/// whose bytes `read` returns: replacing the file between the check and the read changes
/// nothing. The open does not block on a FIFO (`O_NONBLOCK`) and does not become the agent's
/// controlling terminal (`O_NOCTTY`). The descriptor is closed when the value ends.
public struct SecretFile: ~Copyable {
    private let descriptor: Int32
    /// Type, owner, permissions and size of the open file.
    public let info: FileInfo

    /// Opens `path` (following symbolic links) and reads its facts.
    ///
    /// - Throws: the `errno` of `open(2)` or `fstat(2)`: `ENOENT` when the file is missing,
    ///   `EACCES` when this process may not read it.
    public init(opening path: String) throws(Errno) {
        let fd = try Syscall.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)
        do {
            info = FileInfo(try Syscall.fileStatus(fd))
        } catch {
            Syscall.close(fd)
            throw error
        }
        descriptor = fd
    }

    /// The file's content, at most `limit` bytes, read straight into a `Secret` (no other copy
    /// of the bytes exists in this process). The storage is sized from the file's size, so a
    /// 32-byte key locks one page, not `limit` bytes.
    ///
    /// - Throws: `outOfRange` (`ERANGE`) when the file holds more than `limit` bytes (or grew
    ///   since it was opened), the `errno` of `pread(2)` otherwise (`EISDIR` for a directory).
    public func read(limit: Int) throws(Errno) -> Secret {
        let descriptor = self.descriptor
        let expected = info.type == .regular ? min(Int(max(info.size, 0)), limit) : limit
        return try Secret(capacity: expected + 1) { buffer throws(Errno) in
            var total = 0
            while total < buffer.count {
                let count = try Syscall.pread(descriptor, buffer.baseAddress! + total, buffer.count - total, Int64(total))
                if count == 0 { break }
                total += count
            }
            if total > expected { throw .outOfRange }
            return total
        }
    }

    deinit {
        Syscall.close(descriptor)
    }
}
