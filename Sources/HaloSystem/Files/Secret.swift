import Glibc

/// Bytes that must not be copied, swapped out, written to a core dump or left behind in
/// memory: a LUKS passphrase, a CHAP secret.
///
/// ```swift
/// let file = try SecretFile(opening: path)
/// let key = try file.read(limit: 8 << 20)
/// try device.activate(name: "r0", passphrase: key, options: options)   // borrows the bytes
/// // key's storage is zeroed and freed here, when `key` ends
/// ```
///
/// The bytes live in an allocation of their own, rounded up to whole pages so that nothing else
/// shares them, locked in memory (`mlock`, so they never reach swap) and excluded from core
/// dumps (`MADV_DONTDUMP`). When the value ends they are overwritten with `explicit_bzero`,
/// which the compiler may not optimise away, before the memory is unlocked and freed.
/// `Secret` is `~Copyable`: it has exactly one owner, no implicit copy exists to be forgotten,
/// and code that needs the bytes borrows them for the length of a closure. It has no
/// `description`, so it cannot be interpolated into a log line or an exit reason by accident.
///
/// Locking is best effort: without `CAP_IPC_LOCK` and with a small `RLIMIT_MEMLOCK` the bytes are
/// still wiped, only not pinned (`isLocked` says which).
public struct Secret: ~Copyable {
    private let storage: UnsafeMutableRawBufferPointer
    /// How many bytes of the storage hold the secret.
    public let count: Int
    /// Whether the storage is locked in memory (never swapped out).
    public let isLocked: Bool

    /// A secret of at most `capacity` bytes, written by `fill`, which returns how many it wrote.
    ///
    /// - Precondition: `fill` returns a count between 0 and `capacity`.
    /// - Throws: `ENOMEM` when the storage cannot be allocated, or whatever `fill` throws (the
    ///   storage is wiped and freed before the error leaves).
    public init(capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws(Errno) -> Int) throws(Errno) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = max(page, (capacity + page - 1) / page * page)
        var pointer: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&pointer, page, size) == 0, let pointer else { throw .noMemory }
        let storage = UnsafeMutableRawBufferPointer(start: pointer, count: size)
        _ = madvise(pointer, size, MADV_DONTDUMP)
        let locked = mlock(pointer, size) == 0
        let written: Int
        do {
            written = try fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<capacity]))
        } catch {
            Self.release(storage, locked: locked)
            throw error
        }
        precondition((0...capacity).contains(written), "a secret's fill wrote \(written) of \(capacity) bytes")
        self.storage = storage
        self.count = written
        self.isLocked = locked
    }

    /// A secret holding a copy of `bytes`: for tests and generated keys. The source is the
    /// caller's to wipe.
    public init(copying bytes: some Collection<UInt8>) throws(Errno) {
        let source = Array(bytes)
        try self.init(capacity: source.count) { buffer in
            buffer.copyBytes(from: source)
            return source.count
        }
    }

    /// Lends the secret's bytes to `body`; the pointer must not escape it.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Whether the secret is empty (an empty key file).
    public var isEmpty: Bool { count == 0 }

    deinit {
        Self.release(storage, locked: isLocked)
    }

    private static func release(_ storage: UnsafeMutableRawBufferPointer, locked: Bool) {
        explicit_bzero(storage.baseAddress!, storage.count)
        if locked { _ = munlock(storage.baseAddress!, storage.count) }
        free(storage.baseAddress)
    }
}
