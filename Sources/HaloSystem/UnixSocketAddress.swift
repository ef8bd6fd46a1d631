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

    /// Calls `body` with the address as the socket calls take it.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
