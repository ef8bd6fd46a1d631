/// A directory of small state files that live until the next boot (under `HA_RSCTMP`, which
/// Pacemaker's resource-agents empty at boot): cached promotion scores, lock files.
///
/// Nothing here records *whether a resource is running* — that is always observed from the
/// kernel — so a lost or stale state file can never make an agent lie about its resource.
public struct StateDirectory: Sendable, Hashable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The full path of the state file `name`.
    /// - Precondition: `name` is a plain file name (no `/`, not `.` or `..`).
    public func path(_ name: String) -> String {
        precondition(!name.isEmpty && !name.contains("/") && name != "." && name != "..",
                     "a state file name is a plain name: \(name)")
        return "\(path)/\(name)"
    }

    /// Creates the directory (mode 0700) if it does not exist.
    public func create() throws(Errno) {
        try FileSystem.makeDirectories(path, permissions: 0o700)
    }

    /// The content of a state file, or `nil` when it does not exist.
    public func read(_ name: String) throws(Errno) -> [UInt8]? {
        do {
            return try FileSystem.readBytes(path(name), limit: 1 << 20)
        } catch {
            if error == .noSuchFile { return nil }
            throw error
        }
    }

    /// Replaces a state file atomically, creating the directory first if needed.
    public func write(_ name: String, _ bytes: [UInt8]) throws(Errno) {
        try create()
        try FileSystem.writeAtomically(path(name), bytes)
    }

    /// Removes a state file; a missing file is not an error.
    public func remove(_ name: String) throws(Errno) {
        try FileSystem.remove(path(name))
    }

    /// Takes the exclusive lock named `name` in this directory.
    public func lock(_ name: String, deadline: Deadline) throws(LockError) -> FileLock {
        do {
            try create()
        } catch {
            throw .system(path: path, error)
        }
        return try FileLock.acquire(path: path(name), deadline: deadline)
    }
}
