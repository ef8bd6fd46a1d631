/// Where the library callbacks put what corosync delivered, until the event loop takes it.
///
/// The callbacks run inside a `dispatch` call on the loop's own thread, so the inbox is only
/// ever touched by that thread: it is not `Sendable` and needs no lock. It must outlive every
/// handle that delivers into it; the handles keep a strong reference.
public final class CorosyncInbox {
    private var pending: [CorosyncEvent] = []

    public init() {}

    /// Everything delivered since the last call, oldest first.
    public func take() -> [CorosyncEvent] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    func append(_ event: CorosyncEvent) { pending.append(event) }

    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ context: UnsafeMutableRawPointer?) -> CorosyncInbox? {
        context.map { Unmanaged<CorosyncInbox>.fromOpaque($0).takeUnretainedValue() }
    }
}
