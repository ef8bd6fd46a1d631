import Glibc

extension BoundedReader {
    /// The child's side: `halo-bounded-read MODE PATH OFFSET LENGTH` reads once, writes its answer
    /// to standard output (`parse` reads it) and exits 0; a malformed command line exits 2.
    ///
    /// Runs in a process of its own and nowhere else: the read may never return.
    public static func serveChild(_ arguments: [String]) -> Never {
        guard arguments.count == 5, let mode = Mode(rawValue: arguments[1]), let offset = Int64(arguments[3]),
              let length = Int(arguments[4]), length > 0, offset >= 0,
              mode == .cached || (length % 4096 == 0 && offset % 4096 == 0) else {
            StandardStream.error.write("usage: \(programName) direct|cached PATH OFFSET LENGTH (4 KiB multiples when direct)\n")
            CurrentProcess.exit(2)
        }
        StandardStream.output.write(answer(path: arguments[2], offset: offset, length: length, mode: mode))
        CurrentProcess.exit(0)
    }

    /// The bytes of the answer to one read (`parse`'s format).
    static func answer(path: String, offset: Int64, length: Int, mode: Mode) -> [UInt8] {
        do {
            let (status, bytes) = try BlockDevice.read(path, offset: offset, length: length, mode: mode)
            let header = "ok \(status.st_mode) \(status.st_uid) \(status.st_gid) \(status.st_size) \(status.st_rdev) \(bytes.count)\n"
            return Array(header.utf8) + bytes
        } catch {
            return Array("errno \(error.rawValue)\n".utf8)
        }
    }
}
