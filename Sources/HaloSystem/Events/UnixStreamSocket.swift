import CHalo
import Glibc

/// A listening unix stream socket at a path, non-blocking, for a daemon's control clients.
///
/// The socket file is created with mode 0600 (root only: the control socket moves LUNs); a
/// stale socket file left by an earlier run is replaced, any other file at the path is an
/// error. Closed, and the file removed, when dropped.
public struct UnixStreamListener: ~Copyable {
    public let descriptor: Int32
    public let path: String

    /// Binds and listens at `path`; the directory must exist.
    ///
    /// - Throws: `ENAMETOOLONG` for a path that does not fit, `EEXIST` when something other
    ///   than a socket is at the path, else the `errno` of `socket`, `bind` or `listen`.
    public init(path: String) throws(Errno) {
        guard let address = UnixSocketAddress(path: path) else { throw Errno(rawValue: ENAMETOOLONG) }
        if let info = try? FileSystem.info(path) {
            guard info.type == .socket else { throw Errno(rawValue: EEXIST) }
            try Syscall.unlink(path)
        }
        let fd = try valueOrErrno { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        let previous = umask(0o177)
        let bound = address.withSocketAddress { bind(fd, $0, $1) }
        let bindError = Errno.current
        umask(previous)
        guard bound == 0 else {
            Syscall.close(fd)
            throw bindError
        }
        guard listen(fd, 16) == 0 else {
            let error = Errno.current
            Syscall.close(fd)
            throw error
        }
        descriptor = fd
        self.path = path
    }

    /// Accepts one waiting client, or nil when none waits.
    ///
    /// The corresponding C functions are `accept4` and `getsockopt(SO_PEERCRED)`.
    public func accept() -> StreamConnection? {
        let fd = halo_accept_nonblocking(descriptor)
        guard fd >= 0 else { return nil }
        var uid: UInt32 = .max
        if halo_peer_uid(fd, &uid) != 0 { uid = .max }
        return StreamConnection(descriptor: fd, peerUID: uid)
    }

    deinit {
        Syscall.close(descriptor)
        _ = try? Syscall.unlink(path)
    }
}

/// One connected stream (a control client): non-blocking reads and writes. Closed when the
/// last reference goes. Not `Sendable`: one thread owns it.
public final class StreamConnection {
    public let descriptor: Int32
    /// The peer's effective user id (`SO_PEERCRED`) for an accepted connection; `.max` when it
    /// could not be read (treated as not root).
    public let peerUID: UInt32

    init(descriptor: Int32, peerUID: UInt32 = .max) {
        self.descriptor = descriptor
        self.peerUID = peerUID
    }

    /// Connects to the stream socket at `path` (blocking connect; reads and writes block too):
    /// the client side, for haloctl and tests.
    ///
    /// - Throws: the `errno` of `socket` or `connect` (`ENOENT`: no daemon listening there;
    ///   `ECONNREFUSED`: a stale socket).
    public static func connect(to path: String) throws(Errno) -> StreamConnection {
        guard let address = UnixSocketAddress(path: path) else { throw Errno(rawValue: ENAMETOOLONG) }
        let fd = try valueOrErrno { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        let connected = address.withSocketAddress { Glibc.connect(fd, $0, $1) }
        guard connected == 0 else {
            let error = Errno.current
            Syscall.close(fd)
            throw error
        }
        return StreamConnection(descriptor: fd)
    }

    /// What is available to read (up to 64 KiB); empty at end of stream.
    ///
    /// - Throws: `EAGAIN` when nothing is available yet, else the `errno` of `read`.
    public func read() throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = try Syscall.read(descriptor, into: &buffer)
        return Array(buffer.prefix(count))
    }

    /// Writes as much of `bytes` as the socket takes now.
    ///
    /// - Returns: how many bytes were written.
    /// - Throws: the `errno` of `send` (`EPIPE`: the peer went away); `EAGAIN` is 0 written.
    public func write(_ bytes: ArraySlice<UInt8>) throws(Errno) -> Int {
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 {
            let error = Errno.current
            if error == .tryAgain { return 0 }
            throw error
        }
        return sent
    }

    deinit { Syscall.close(descriptor) }
}

/// A listening TCP socket on one address and port, non-blocking (halod's metrics endpoint).
/// Closed when dropped.
public struct TCPListener: ~Copyable {
    public let descriptor: Int32

    /// Binds and listens at `host:port`; `host` is an IPv4 or IPv6 literal.
    ///
    /// - Throws: `EINVAL` for a host that is not an address literal, else the `errno` of
    ///   `socket`, `bind` (`EADDRINUSE`, `EADDRNOTAVAIL`) or `listen`.
    public init(host: String, port: UInt16) throws(Errno) {
        var address6 = sockaddr_in6()
        var address4 = sockaddr_in()
        let family: Int32
        if inet_pton(AF_INET, host, &address4.sin_addr) == 1 {
            family = AF_INET
            address4.sin_family = sa_family_t(AF_INET)
            address4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, host, &address6.sin6_addr) == 1 {
            family = AF_INET6
            address6.sin6_family = sa_family_t(AF_INET6)
            address6.sin6_port = port.bigEndian
        } else {
            throw Errno(rawValue: EINVAL)
        }
        let fd = try valueOrErrno { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32 = family == AF_INET
            ? withUnsafePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            : withUnsafePointer(to: &address6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            let error = Errno.current
            Syscall.close(fd)
            throw error
        }
        descriptor = fd
    }

    /// Accepts one waiting client, or nil when none waits.
    public func accept() -> StreamConnection? {
        let fd = halo_accept_nonblocking(descriptor)
        return fd >= 0 ? StreamConnection(descriptor: fd) : nil
    }

    deinit { Syscall.close(descriptor) }
}
