import CFuse
import Glibc
import HaloSCSTModel

/// Serves an `SCSTModel` as a file system: `sys/kernel/scst_tgt/…` is the model's sysfs tree and
/// `control/…` its control files, so that `<mount>/sys/kernel/scst_tgt` can be bound onto the
/// real `/sys/kernel/scst_tgt` of a mount namespace and an agent reads and writes it unchanged.
///
/// Runs libfuse's single-threaded loop: every callback comes on that one thread, which is what
/// protects `model` and `handles` (the class is `@unchecked Sendable` for the trampolines only).
final class FuseServer: @unchecked Sendable {
    // Protected by the FUSE loop thread (fuse_loop is single-threaded).
    var model: SCSTModel
    // Protected by the FUSE loop thread: the content read at offset 0 of each open file, as
    // kernfs buffers a sysfs show() per open file.
    var handles: [UInt64: [UInt8]] = [:]
    var nextHandle: UInt64 = 1
    let mountedAt = timespec(tv_sec: time(nil), tv_nsec: 0)

    init(model: SCSTModel) {
        self.model = model
    }

    /// A negative errno for libfuse.
    struct FuseError: Error {
        let code: Int32
        init(_ code: Int32) { self.code = code }
    }

    /// Where a FUSE path points.
    enum Place {
        /// `/`, `/sys`, `/sys/kernel`, `/control`: directories of the server's own.
        case frame([String])
        case sysfs([String])
        case control(String)
    }

    static let sysfsPrefix = ["sys", "kernel", "scst_tgt"]

    /// Where a FUSE path points, after completing what is due (a session whose `force_close`
    /// took effect is gone for the next lookup, as on a real node).
    func place(_ path: String) -> Place? {
        model.tick(now: .now)
        let components = path.split(separator: "/").map(String.init)
        if components.count >= 3 && Array(components.prefix(3)) == Self.sysfsPrefix { return .sysfs(Array(components.dropFirst(3))) }
        if components.first == "control" {
            if components.count == 1 { return .frame(components) }
            return components.count == 2 && SCSTModel.controlFiles.contains(components[1]) ? .control(components[1]) : nil
        }
        return Self.sysfsPrefix.starts(with: components) ? .frame(components) : nil
    }

    func frameEntries(_ components: [String]) -> [String] {
        switch components {
        case []: ["control", "sys"]
        case ["control"]: SCSTModel.controlFiles
        default: [Self.sysfsPrefix[components.count]]
        }
    }

    // MARK: Operations (each returns 0 or -errno, as libfuse wants)

    func attributes(_ path: String, _ stat: inout stat) -> Int32 {
        stat = Glibc.stat()
        stat.st_uid = 0
        stat.st_gid = 0
        stat.st_mtim = mountedAt
        stat.st_ctim = mountedAt
        stat.st_atim = mountedAt
        switch place(path) {
        case nil: return -ENOENT
        case .frame:
            stat.st_mode = S_IFDIR | 0o755
            stat.st_nlink = 2
        case .control(let file):
            stat.st_mode = S_IFREG | (file == "log" || file == "writes" ? 0o444 : 0o644)
            stat.st_nlink = 1
            stat.st_size = 4096
        case .sysfs(let components):
            switch model.kind(components) {
            case nil: return -ENOENT
            case .directory:
                stat.st_mode = S_IFDIR | 0o755
                stat.st_nlink = 2
            case .file(let mode):
                stat.st_mode = S_IFREG | mode_t(mode)
                stat.st_nlink = 1
                stat.st_size = 4096
            case .link(let target):
                stat.st_mode = S_IFLNK | 0o777
                stat.st_nlink = 1
                stat.st_size = off_t(target.utf8.count)
            }
        }
        return 0
    }

    func linkTarget(_ path: String) -> Result<String, FuseError> {
        guard case .sysfs(let components) = place(path), case .link(let target)? = model.kind(components) else { return .failure(FuseError(-EINVAL)) }
        return .success(target)
    }

    func entries(_ path: String) -> Result<[String], FuseError> {
        switch place(path) {
        case .frame(let components)?: return .success(frameEntries(components))
        case .sysfs(let components)?:
            guard let names = model.list(components) else { return .failure(FuseError(model.kind(components) == nil ? -ENOENT : -ENOTDIR)) }
            return .success(names)
        case .control?: return .failure(FuseError(-ENOTDIR))
        case nil: return .failure(FuseError(-ENOENT))
        }
    }

    /// Opening checks what kernfs checks: a file SCST gives no show function cannot be opened
    /// for reading, one without a store function not for writing (root included).
    func open(_ path: String, flags: Int32) -> Result<UInt64, FuseError> {
        let access = flags & O_ACCMODE
        switch place(path) {
        case nil: return .failure(FuseError(-ENOENT))
        case .frame: return .failure(FuseError(-EISDIR))
        case .control(let file):
            if access != O_RDONLY && (file == "log" || file == "writes") { return .failure(FuseError(-EACCES)) }
        case .sysfs(let components):
            switch model.kind(components) {
            case nil: return .failure(FuseError(-ENOENT))
            case .directory: return .failure(FuseError(-EISDIR))
            case .link: return .failure(FuseError(-ELOOP))
            case .file(let mode):
                if access != O_WRONLY && mode & 0o444 == 0 { return .failure(FuseError(-EACCES)) }
                if access != O_RDONLY && mode & 0o222 == 0 { return .failure(FuseError(-EACCES)) }
            }
        }
        let handle = nextHandle
        nextHandle += 1
        return .success(handle)
    }

    func read(_ path: String, handle: UInt64, offset: Int, size: Int) -> Result<[UInt8], FuseError> {
        if offset == 0 || handles[handle] == nil {
            let content: [UInt8]
            switch place(path) {
            case .control(let file)?:
                content = Array((model.controlText(file) ?? "").utf8)
            case .sysfs(let components)?:
                switch model.read(components, now: .now) {
                case .success(let bytes): content = bytes
                case .failure(let errno): return .failure(FuseError(-errno.rawValue))
                }
            default:
                return .failure(FuseError(-EISDIR))
            }
            handles[handle] = content
        }
        let content = handles[handle]!
        guard offset < content.count else { return .success([]) }
        return .success(Array(content[offset..<min(content.count, offset + size)]))
    }

    func write(_ path: String, bytes: [UInt8], offset: Int) -> Int32 {
        switch place(path) {
        case .control(let file)?:
            switch model.control(file, String(decoding: bytes, as: UTF8.self), now: .now) {
            case .success: return Int32(bytes.count)
            case .failure(let errno): return -errno.rawValue
            }
        case .sysfs(let components)?:
            switch model.write(components, bytes: bytes, now: .now) {
            case .success(let count): return Int32(count)
            case .failure(let errno): return -errno.rawValue
            }
        default:
            return -EISDIR
        }
    }

    func release(handle: UInt64) {
        handles[handle] = nil
    }
}
