import Glibc

/// What a descriptor is polled for, and what `poll(2)` found.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(POLLIN))
    public static let writable = PollEvents(rawValue: Int16(POLLOUT))
    /// The other end closed (only reported).
    public static let hangup = PollEvents(rawValue: Int16(POLLHUP))
    /// An error condition (only reported).
    public static let error = PollEvents(rawValue: Int16(POLLERR))
}

/// One descriptor to wait on.
public struct PollRequest: Sendable, Hashable {
    public var descriptor: Int32
    public var events: PollEvents

    public init(_ descriptor: Int32, _ events: PollEvents = .readable) {
        self.descriptor = descriptor
        self.events = events
    }
}

/// Waits on descriptors: the one blocking call of an event loop.
public enum Poller {
    /// Waits until a descriptor is ready or `deadline` passes (nil: no time limit).
    ///
    /// - Returns: the descriptors that are ready, with what was found; empty at the deadline.
    /// - Throws: the `errno` of `poll(2)` (`EINTR` is retried).
    /// The corresponding C function is `poll`.
    public static func wait(_ requests: [PollRequest], until deadline: Deadline?) throws(Errno) -> [(descriptor: Int32, events: PollEvents)] {
        var fds = requests.map { pollfd(fd: $0.descriptor, events: $0.events.rawValue, revents: 0) }
        _ = try Syscall.poll(&fds, deadline?.pollTimeout() ?? -1)
        return fds.filter { $0.revents != 0 }.map { ($0.fd, PollEvents(rawValue: $0.revents)) }
    }
}

extension ChildProcess {
    /// The descriptors to poll for the child now, as `Poller` takes them.
    public func pollRequests() -> [PollRequest] {
        pollDescriptors().map { PollRequest($0.fd, PollEvents(rawValue: $0.events)) }
    }
}
