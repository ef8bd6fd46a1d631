import CFuse
import Glibc

// The libfuse callbacks: trampolines that recover the server from libfuse's private data and
// call it. They decide nothing.

private func server() -> FuseServer {
    Unmanaged<FuseServer>.fromOpaque(fuse_get_context()!.pointee.private_data).takeUnretainedValue()
}

private func text(_ path: UnsafePointer<CChar>?) -> String { path.map { String(cString: $0) } ?? "/" }

/// The operations table: the sysfs semantics the model needs, and refusals (sysfs has no
/// mkdir, unlink, rename, …: EPERM; creating a file: EACCES) for the rest.
func fuseOperations() -> fuse_operations {
    var operations = fuse_operations()
    operations.getattr = { path, stat, _ in
        guard let stat else { return -EFAULT }
        return server().attributes(text(path), &stat.pointee)
    }
    operations.readlink = { path, buffer, size in
        switch server().linkTarget(text(path)) {
        case .failure(let error): return error.code
        case .success(let target):
            guard let buffer, size > 0 else { return -EINVAL }
            let bytes = Array(target.utf8.prefix(size - 1)) + [0]
            bytes.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return 0
        }
    }
    operations.readdir = { path, buffer, filler, _, _, _ in
        switch server().entries(text(path)) {
        case .failure(let error): return error.code
        case .success(let names):
            for name in [".", ".."] + names { _ = filler?(buffer, name, nil, 0, fuse_fill_dir_flags(rawValue: 0)) }
            return 0
        }
    }
    operations.open = { path, info in
        guard let info else { return -EFAULT }
        switch server().open(text(path), flags: info.pointee.flags) {
        case .failure(let error): return error.code
        case .success(let handle):
            info.pointee.fh = handle
            info.pointee.direct_io = 1
            info.pointee.nonseekable = 0
            return 0
        }
    }
    operations.read = { path, buffer, size, offset, info in
        guard let buffer, let info else { return -EFAULT }
        switch server().read(text(path), handle: info.pointee.fh, offset: Int(offset), size: size) {
        case .failure(let error): return error.code
        case .success(let bytes):
            bytes.withUnsafeBytes { if let base = $0.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count) } }
            return Int32(bytes.count)
        }
    }
    operations.write = { path, buffer, size, offset, _ in
        guard let buffer else { return -EFAULT }
        let bytes = Array(UnsafeRawBufferPointer(start: buffer, count: size))
        return server().write(text(path), bytes: bytes, offset: Int(offset))
    }
    operations.truncate = { path, _, _ in
        switch server().open(text(path), flags: O_WRONLY) {
        case .failure(let error): return error.code
        case .success(let handle):
            server().release(handle: handle)
            return 0
        }
    }
    operations.release = { _, info in
        if let info { server().release(handle: info.pointee.fh) }
        return 0
    }
    operations.create = { _, _, _ in -EACCES }
    operations.mkdir = { _, _ in -EPERM }
    operations.rmdir = { _ in -EPERM }
    operations.unlink = { _ in -EPERM }
    operations.symlink = { _, _ in -EPERM }
    operations.rename = { _, _, _ in -EPERM }
    operations.chmod = { _, _, _ in -EPERM }
    operations.chown = { _, _, _, _ in -EPERM }
    operations.`init` = { _, config in
        // Nothing may be cached: the tree changes under the kernel's feet (a daemon's death
        // removes whole directories), and every read must reach the model, as on sysfs.
        if let config {
            config.pointee.entry_timeout = 0
            config.pointee.attr_timeout = 0
            config.pointee.negative_timeout = 0
            config.pointee.direct_io = 1
            config.pointee.kernel_cache = 0
        }
        return fuse_get_context()!.pointee.private_data
    }
    return operations
}
