import CHalo
import Glibc

// One-to-one call-throughs to the C library. Nothing outside HaloSystem calls these
// functions, and nothing in HaloSystem calls the C functions except through here, so the
// retry and error policy below is the only one.

/// Runs `body` until it does not fail with `EINTR`, turning `-1` into the thrown `errno`.
///
/// - Parameter retryOnInterrupt: retry when the call was interrupted by a signal. Every
///   caller in halo wants this; the parameter exists so the policy is visible where it is used.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(
    retryOnInterrupt: Bool = true, _ body: () -> T
) throws(Errno) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno.current
        if retryOnInterrupt && error == .interrupted { continue }
        throw error
    }
}

enum Syscall {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        try valueOrErrno { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    static func openAt(_ dir: Int32, _ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        try valueOrErrno { Glibc.openat(dir, path, flags | O_CLOEXEC, mode) }
    }

    static func close(_ fd: Int32) {
        // close(2) must not be retried on EINTR on Linux: the descriptor is released either way.
        _ = Glibc.close(fd)
    }

    /// Reads into `buffer`, returning the number of bytes read (0 at end of file).
    static func read(_ fd: Int32, into buffer: inout [UInt8]) throws(Errno) -> Int {
        try valueOrErrno { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
    }

    /// Reads up to `count` bytes at `offset` into `buffer` (which the caller owns and sizes),
    /// returning the number read (0 at end of file).
    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) throws(Errno) -> Int {
        try valueOrErrno { Glibc.pread(fd, buffer, count, off_t(offset)) }
    }

    /// Writes `bytes[offset...]`, returning how many bytes the kernel took.
    static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int = 0) throws(Errno) -> Int {
        precondition(offset <= bytes.count)
        return try valueOrErrno {
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
        }
    }

    /// Writes the bytes in `bytes` (memory the caller owns), returning how many the kernel took.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }

    /// Reads up to `count` bytes into `buffer` (memory the caller owns), returning how many.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, _ count: Int) throws(Errno) -> Int {
        try valueOrErrno { Glibc.read(fd, buffer, count) }
    }

    static func fsync(_ fd: Int32) throws(Errno) {
        _ = try valueOrErrno { Glibc.fsync(fd) }
    }

    static func flock(_ fd: Int32, _ operation: Int32) throws(Errno) {
        _ = try valueOrErrno { halo_flock(fd, operation) }
    }

    static func fileStatus(_ fd: Int32) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try valueOrErrno { halo_fstat(fd, &info) }
        return info
    }

    static func linkStatus(_ path: String) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try valueOrErrno { halo_lstat(path, &info) }
        return info
    }

    static func fileStatus(_ path: String) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try valueOrErrno { halo_stat(path, &info) }
        return info
    }

    static func mkdir(_ path: String, _ mode: mode_t) throws(Errno) {
        _ = try valueOrErrno { Glibc.mkdir(path, mode) }
    }

    static func rmdir(_ path: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.rmdir(path) }
    }

    static func symlink(_ target: String, _ path: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.symlink(target, path) }
    }

    static func rename(_ from: String, _ to: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.rename(from, to) }
    }

    static func unlink(_ path: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.unlink(path) }
    }

    static func pipe() throws(Errno) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try valueOrErrno { halo_pipe2(&fds, O_CLOEXEC) }
        return (fds[0], fds[1])
    }

    static func poll(_ fds: inout [pollfd], _ timeoutMilliseconds: Int32) throws(Errno) -> Int32 {
        let count = nfds_t(fds.count)
        return try valueOrErrno {
            fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, count, timeoutMilliseconds) }
        }
    }

    static func pidfdOpen(_ pid: pid_t) throws(Errno) -> Int32 {
        try valueOrErrno { halo_pidfd_open(pid) }
    }

    static func waitpid(_ pid: pid_t, _ options: Int32) throws(Errno) -> (pid: pid_t, status: Int32) {
        var status: Int32 = 0
        let reaped = try valueOrErrno { Glibc.waitpid(pid, &status, options) }
        return (reaped, status)
    }

    static func pidfdSendSignal(_ pidfd: Int32, _ signal: Int32) throws(Errno) {
        _ = try valueOrErrno { halo_pidfd_send_signal(pidfd, signal) }
    }

    static func kill(_ pid: pid_t, _ signal: Int32) throws(Errno) {
        _ = try valueOrErrno { Glibc.kill(pid, signal) }
    }

    static func fcntl(_ fd: Int32, _ command: Int32, _ value: Int32) throws(Errno) -> Int32 {
        try valueOrErrno { Glibc.fcntl(fd, command, value) }
    }

    static func readlink(_ path: String) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try valueOrErrno {
            buffer.withUnsafeMutableBufferPointer { Glibc.readlink(path, $0.baseAddress!, $0.count - 1) }
        }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func geteuid() -> uid_t { Glibc.geteuid() }
    static func getpid() -> pid_t { Glibc.getpid() }

    /// The kernel clock's discipline, read only (`modes` 0): the clock state it returns and the
    /// filled `timex`.
    static func adjtimex() throws(Errno) -> (state: Int32, timex: timex) {
        var value = timex()
        let state = try valueOrErrno { halo_adjtimex(&value) }
        return (state, value)
    }

    /// `CLOCK_REALTIME` in nanoseconds since 1970.
    static func realtimeNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The kernel release `uname(2)` reports (`6.1.0-50-amd64`).
    static func kernelRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "" }
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The node name `uname(2)` reports (the kernel's host name).
    static func nodeName() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "" }
        return withUnsafeBytes(of: name.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
