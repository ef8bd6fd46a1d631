import CCorosync

/// corosync's quorum verdict (votequorum through libquorum), tracked as it changes.
///
/// Like `ProcessGroup`, the handle belongs to the thread that created it, its callback runs
/// inside `dispatch` and appends a `.quorum` event to the inbox, and it is finalised when the
/// value is dropped.
public struct QuorumTracker: ~Copyable {
    private let handle: quorum_handle_t
    private let inbox: CorosyncInbox

    /// Connects to the quorum service and starts tracking: the current state is delivered
    /// at the first `dispatch`, then every change.
    ///
    /// - Throws: `.notRunning` without corosync; `.notFound` when corosync runs without a
    ///   quorum provider (halod refuses to run without one: it would never know whether to act).
    ///   The corresponding C functions are `quorum_model_initialize` and `quorum_trackstart`.
    public init(inbox: CorosyncInbox) throws(CorosyncError) {
        var model = quorum_model_v1_data_t()
        model.model = QUORUM_MODEL_V1
        model.quorum_notify_fn = QuorumCallbacks.quorumChange
        model.nodelist_notify_fn = nil
        var handle: quorum_handle_t = 0
        var type: UInt32 = 0
        try check(halo_quorum_model_v1_initialize(&handle, &model, &type, inbox.context), "quorum_model_initialize")
        guard type == UInt32(QUORUM_SET) else {
            _ = quorum_finalize(handle)
            throw .notFound
        }
        do {
            try check(quorum_trackstart(handle, UInt32(CS_TRACK_CHANGES | CS_TRACK_CURRENT)), "quorum_trackstart")
        } catch {
            _ = quorum_finalize(handle)
            throw error
        }
        self.handle = handle
        self.inbox = inbox
    }

    deinit { _ = quorum_finalize(handle) }

    /// The descriptor to poll for readability; then call `dispatch`.
    ///
    /// The corresponding C function is `quorum_fd_get`.
    public func descriptor() throws(CorosyncError) -> Int32 {
        var fd: Int32 = -1
        try check(quorum_fd_get(handle, &fd), "quorum_fd_get")
        return fd
    }

    /// Runs the callback for what corosync has delivered, without blocking.
    ///
    /// The corresponding C function is `quorum_dispatch` with `CS_DISPATCH_ALL`.
    public func dispatch() throws(CorosyncError) {
        try check(quorum_dispatch(handle, CS_DISPATCH_ALL), "quorum_dispatch")
    }
}

enum QuorumCallbacks {
    static let quorumChange: quorum_v1_quorum_notification_fn_t = { handle, quorate, ring, count, nodes in
        var context: UnsafeRawPointer? = nil
        guard quorum_context_get(handle, &context) == CS_OK,
              let inbox = CorosyncInbox.from(UnsafeMutableRawPointer(mutating: context)) else { return }
        let list = nodes.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
        inbox.append(.quorum(isQuorate: quorate != 0, ring: RingID(nodeID: ring.nodeid, sequence: ring.seq), nodes: list))
    }
}
