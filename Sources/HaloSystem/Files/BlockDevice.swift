import CHalo
import Glibc

/// Reads from block devices past the page cache, for what an agent must see as the disk has
/// it: an on-disk header that something else may have overwritten, a deep monitor's read
/// through a mapping.
///
/// Internal on purpose: a read on a device whose I/O hangs blocks in the kernel until the
/// device answers, and no process can bound that wait from inside. Agents read through
/// `BoundedReader`, whose child process is the only caller.
enum BlockDevice {
    /// `length` bytes at `offset` of the block device at `path`, read with `O_DIRECT`, and the
    /// facts of the device node that was read.
    ///
    /// - Precondition: `offset` and `length` are multiples of 4096 (a multiple of every logical
    ///   block size Linux supports), `length` > 0.
    /// - Throws: the `errno` of `open(2)` or `pread(2)` (`ENOENT`, `EACCES`, `EIO`,
    ///   `EMEDIUMTYPE` from a DRBD Secondary), `ENOTBLK` when `path` is not a block device.
    ///   A read that ends early (past the end of the device) returns the bytes it got.
    static func read(_ path: String, offset: Int64, length: Int) throws(Errno) -> (info: FileInfo, bytes: [UInt8]) {
        let (status, bytes) = try read(path, offset: offset, length: length, mode: .direct)
        return (FileInfo(status), bytes)
    }

    /// `length` bytes at `offset` of `path`, read as `mode` says, with the file's `stat`.
    ///
    /// - Precondition: with `.direct`, `offset` and `length` are multiples of 4096; `length` > 0.
    /// - Throws: the `errno` of `open(2)`, `fstat(2)` or `pread(2)`; `ENOTBLK` when a direct
    ///   read's path is not a block device.
    static func read(_ path: String, offset: Int64, length: Int, mode: BoundedReader.Mode) throws(Errno) -> (status: stat, bytes: [UInt8]) {
        let direct = mode == .direct
        precondition(length > 0 && (!direct || (length % 4096 == 0 && offset % 4096 == 0)),
                     "direct reads are whole 4 KiB blocks: offset \(offset), length \(length)")
        let fd = try Syscall.open(path, O_RDONLY | O_NOCTTY | (direct ? halo_open_direct_flag() : 0))
        defer { Syscall.close(fd) }
        let status = try Syscall.fileStatus(fd)
        if direct && status.st_mode & S_IFMT != S_IFBLK { throw Errno(rawValue: ENOTBLK) }
        var pointer: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&pointer, 4096, length) == 0, let pointer else { throw .noMemory }
        defer { free(pointer) }
        var total = 0
        while total < length {
            let count = try Syscall.pread(fd, pointer + total, length - total, offset + Int64(total))
            if count == 0 { break }
            total += count
        }
        return (status, Array(UnsafeRawBufferPointer(start: pointer, count: total)))
    }
}

extension Errno {
    /// `ENOTBLK`: the path is not a block device.
    public static let notBlockDevice = Errno(rawValue: ENOTBLK)
    /// `EMEDIUMTYPE`: DRBD refuses to open a device that is not Primary.
    public static let wrongMediumType = Errno(rawValue: EMEDIUMTYPE)
}

extension FileSystem {
    /// Opens `path` read-only and closes it again. Opening a device node makes the kernel load
    /// the driver registered for its number when none is loaded, so this is the cheapest test
    /// of whether a driver (device-mapper's control node, say) can be had at all.
    ///
    /// - Throws: the `errno` of `open(2)`: `ENOENT` without the node, `ENODEV` or `ENXIO` when
    ///   no driver answers for it.
    public static func openAndClose(_ path: String) throws(Errno) {
        Syscall.close(try Syscall.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK))
    }
}
