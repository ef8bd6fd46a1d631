import HaloSystem

/// A target's backing store as the agent finds it (depth 10 and start): what is at the path.
public enum BackingState: Sendable, Hashable {
    /// Its file type, and its size in bytes (a block device's from sysfs, in 512-byte sectors).
    case present(type: FileType, size: UInt64)
    case missing(Errno)

    /// What is at `path`, read through `kernel` (whose root the tests move).
    public static func observe(_ path: String, kernel: KernelAttributes) -> BackingState {
        do {
            let info = try FileSystem.info(kernel.resolve(path))
            guard info.type == .blockDevice else { return .present(type: info.type, size: UInt64(max(info.size, 0))) }
            let sectors = (try? kernel.readValue("/sys/dev/block/\(info.deviceMajor):\(info.deviceMinor)/size")).flatMap { UInt64($0) } ?? 0
            return .present(type: info.type, size: sectors * 512)
        } catch {
            return .missing(error)
        }
    }
}

/// One block of the backing store read the way the target reads it (depth 20).
public enum DeepRead: Sendable, Hashable {
    case readable
    /// The read failed, or did not answer in time.
    case failed(path: String, ReadFailure)

    /// Reads 4 KiB of `path` (`direct`: past the page cache, as a block backstore does; else
    /// through it, as a file backstore does) in `reader`'s child, given up at `deadline`: a
    /// backing store whose I/O hangs is a `ReadFailure.noAnswer`, not a hung monitor.
    public static func read(_ path: String, direct: Bool, kernel: KernelAttributes, reader: BoundedReader, deadline: Deadline) -> DeepRead {
        do {
            _ = try reader.read(kernel.resolve(path), length: 4096, mode: direct ? .direct : .cached, deadline: deadline)
            return .readable
        } catch {
            return .failed(path: path, error)
        }
    }
}
