import Glibc

/// The type of a file system object.
public enum FileType: Sendable, Hashable {
    case regular, directory, symbolicLink, blockDevice, characterDevice, fifo, socket, unknown
}

/// The facts `stat(2)` reports that halo decides on.
public struct FileInfo: Sendable, Hashable {
    public let type: FileType
    /// Permission bits (`st_mode & 07777`).
    public let permissions: UInt32
    public let owner: UInt32
    public let group: UInt32
    public let size: Int64
    /// For block and character devices: the device number it stands for (`st_rdev`).
    public let deviceNumber: UInt64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: type = .regular
        case S_IFDIR: type = .directory
        case S_IFLNK: type = .symbolicLink
        case S_IFBLK: type = .blockDevice
        case S_IFCHR: type = .characterDevice
        case S_IFIFO: type = .fifo
        case S_IFSOCK: type = .socket
        default: type = .unknown
        }
        permissions = UInt32(info.st_mode & 0o7777)
        owner = info.st_uid
        group = info.st_gid
        size = Int64(info.st_size)
        deviceNumber = UInt64(info.st_rdev)
    }

    /// The major number of a device (`major(3)`).
    public var deviceMajor: UInt32 { UInt32(((deviceNumber >> 32) & 0xffff_f000) | ((deviceNumber >> 8) & 0xfff)) }
    /// The minor number of a device (`minor(3)`).
    public var deviceMinor: UInt32 { UInt32(((deviceNumber >> 12) & 0xffff_ff00) | (deviceNumber & 0xff)) }
}

/// File operations with typed `errno`, for the few places halo touches ordinary files.
public enum FileSystem {
    /// Facts about the object at `path`; a final symbolic link is followed unless
    /// `followingLinks` is false.
    public static func info(_ path: String, followingLinks: Bool = true) throws(Errno) -> FileInfo {
        FileInfo(followingLinks ? try Syscall.fileStatus(path) : try Syscall.linkStatus(path))
    }

    /// The bytes of a file, at most `limit` of them.
    public static func readBytes(_ path: String, limit: Int = 1 << 20) throws(Errno) -> [UInt8] {
        let fd = try Syscall.open(path, O_RDONLY)
        defer { Syscall.close(fd) }
        return try readAll(fd, limit: limit)
    }

    /// Reads until end of file or `limit` bytes from an open descriptor.
    static func readAll(_ fd: Int32, limit: Int) throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while result.count < limit {
            let count = try Syscall.read(fd, into: &chunk)
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<min(count, limit - result.count)])
        }
        return result
    }

    /// Replaces the file at `path` atomically: a temporary file beside it is written, flushed
    /// and renamed over the old one, so a reader sees the old or the new content, never part.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], permissions: mode_t = 0o600) throws(Errno) {
        let temporary = "\(path).tmp.\(Syscall.getpid())"
        let fd = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, permissions)
        do {
            var offset = 0
            while offset < bytes.count {
                offset += try Syscall.write(fd, bytes, from: offset)
            }
            try Syscall.fsync(fd)
            Syscall.close(fd)
            try Syscall.rename(temporary, path)
        } catch {
            Syscall.close(fd)
            try? Syscall.unlink(temporary)
            throw error
        }
    }

    /// Removes a file; a file that is already gone is not an error.
    public static func remove(_ path: String) throws(Errno) {
        do {
            try Syscall.unlink(path)
        } catch {
            if error != .noSuchFile { throw error }
        }
    }

    /// Creates a symbolic link at `path` pointing to `target`.
    ///
    /// - Throws: the `errno` of `symlink(2)` (`EEXIST` when something is at `path`).
    public static func symlink(_ target: String, at path: String) throws(Errno) {
        try Syscall.symlink(target, path)
    }

    /// Creates `path` and its missing parents with `permissions`; existing directories are kept.
    public static func makeDirectories(_ path: String, permissions: mode_t = 0o700) throws(Errno) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            do {
                try Syscall.mkdir(prefix, permissions)
            } catch {
                if error != .exists { throw error }
            }
        }
        if try info(path).type != .directory { throw .notDirectory }
    }

    /// The entries of a directory, sorted, without `.` and `..`.
    public static func directoryEntries(_ path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno.current }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The canonical absolute path of `path`, every symbolic link resolved (`realpath(3)`).
    public static func resolvedPath(_ path: String) throws(Errno) -> String {
        guard let resolved = realpath(path, nil) else { throw Errno.current }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The target of the symbolic link at `path`, as stored.
    public static func linkTarget(_ path: String) throws(Errno) -> String {
        try Syscall.readlink(path)
    }

    /// The paths matching the shell pattern `pattern` (`*`, `?`, `[…]`), sorted (`glob(3)`);
    /// empty when nothing matches. A relative pattern is taken from the working directory.
    ///
    /// - Throws: `Errno.ioError` when a directory on the way could not be read (`GLOB_ABORTED`),
    ///   `Errno.noMemory` when glob ran out of memory.
    public static func glob(_ pattern: String) throws(Errno) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        switch Glibc.glob(pattern, GLOB_ERR, nil, &found) {
        case 0: break
        case GLOB_NOMATCH: return []
        case GLOB_NOSPACE: throw .noMemory
        default: throw .ioError
        }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
    }
}

extension FileSystem {
    /// Writes `bytes` to a new private file (mode 0600, created exclusively, never following a
    /// link) in `directory` and returns its path; the caller removes it.
    public static func writeTemporaryFile(_ bytes: [UInt8], directory: String = "/tmp", prefix: String) throws(Errno) -> String {
        var attempt = 0
        while true {
            let path = "\(directory)/\(prefix).\(Syscall.getpid()).\(UInt32.random(in: 0...UInt32.max))"
            let fd: Int32
            do {
                fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            } catch {
                attempt += 1
                if error == .exists && attempt < 16 { continue }
                throw error
            }
            do {
                var offset = 0
                while offset < bytes.count { offset += try Syscall.write(fd, bytes, from: offset) }
                Syscall.close(fd)
                return path
            } catch {
                Syscall.close(fd)
                try? Syscall.unlink(path)
                throw error
            }
        }
    }
}
