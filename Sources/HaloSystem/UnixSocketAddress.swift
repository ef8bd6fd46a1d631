import Glibc

/// The `sockaddr_un` of a filesystem path: the one place halo fills one in.
struct UnixSocketAddress {
    private var address = sockaddr_un()

    /// `nil` when `path` (with its terminating NUL) does not fit `sun_path`.
    init?(path: String) {
        let bytes = Array(path.utf8)
        address.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    }

    /// The address of an abstract socket (Linux: a NUL byte, then the name; no file), `nil`
    /// when the name does not fit.
    init?(abstract name: String) {
        let bytes = [0] + Array(name.utf8)
        address.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
    }

    /// The address length the calls take: the whole structure for a path, the family and the
    /// name's bytes for an abstract socket (whose name is not NUL-terminated).
    private var length = socklen_t(MemoryLayout<sockaddr_un>.size)

    /// Calls `body` with the address as the socket calls take it.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
