import CCorosync

/// Membership in one corosync process group (CPG): the totally ordered stream of membership
/// changes and messages that every member sees in the same order.
///
/// ```swift
/// let inbox = CorosyncInbox()
/// let group = try ProcessGroup(name: "halod", inbox: inbox)
/// try group.join()
/// // poll(group.descriptor) … then:
/// try group.dispatch()
/// for event in inbox.take() { … }
/// ```
/// The handle belongs to the thread that created it: every call, and every callback (which
/// runs inside `dispatch`), happens there. It is finalised when the value is dropped.
public struct ProcessGroup: ~Copyable {
    private let handle: cpg_handle_t
    private let inbox: CorosyncInbox
    /// The group's name.
    public let name: String

    /// Connects to corosync's CPG service with the v1 model: membership changes, messages and
    /// the totem ring (delivered once right after joining, then on every change).
    ///
    /// - Throws: `.notRunning` when corosync is not reachable, `.accessDenied` when it refuses
    ///   the caller. The corresponding C function is `cpg_model_initialize`.
    public init(name: String, inbox: CorosyncInbox) throws(CorosyncError) {
        precondition(!name.isEmpty && name.utf8.count < 128, "a CPG name is 1…127 bytes")
        var model = cpg_model_v1_data_t()
        model.model = CPG_MODEL_V1
        model.cpg_deliver_fn = CPGCallbacks.deliver
        model.cpg_confchg_fn = CPGCallbacks.configurationChange
        model.cpg_totem_confchg_fn = CPGCallbacks.totemChange
        model.flags = UInt32(CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF)
        var handle: cpg_handle_t = 0
        try check(halo_cpg_model_v1_initialize(&handle, &model, inbox.context), "cpg_model_initialize")
        self.handle = handle
        self.inbox = inbox
        self.name = name
    }

    deinit { _ = cpg_finalize(handle) }

    /// The descriptor to poll for readability; then call `dispatch`.
    ///
    /// The corresponding C function is `cpg_fd_get`.
    public func descriptor() throws(CorosyncError) -> Int32 {
        var fd: Int32 = -1
        try check(cpg_fd_get(handle, &fd), "cpg_fd_get")
        return fd
    }

    /// This node's corosync node id.
    ///
    /// The corresponding C function is `cpg_local_get`.
    public func localNodeID() throws(CorosyncError) -> UInt32 {
        var node: UInt32 = 0
        try check(cpg_local_get(handle, &node), "cpg_local_get")
        return node
    }

    /// Joins the group. `.tryAgain` while corosync synchronises or a previous leave of this
    /// process is still in flight: the caller retries.
    ///
    /// The corresponding C function is `cpg_join`.
    public func join() throws(CorosyncError) {
        var group = Self.cpgName(name)
        try check(cpg_join(handle, &group), "cpg_join")
    }

    /// Leaves the group cleanly: the other members see a leave, not a failure.
    ///
    /// The corresponding C function is `cpg_leave`.
    public func leave() throws(CorosyncError) {
        var group = Self.cpgName(name)
        try check(cpg_leave(handle, &group), "cpg_leave")
    }

    /// Multicasts `bytes` to the group in agreed (total) order; it is delivered to every
    /// member, this one included. `.tryAgain` under flow control.
    ///
    /// The corresponding C function is `cpg_mcast_joined`.
    public func send(_ bytes: [UInt8]) throws(CorosyncError) {
        let result = bytes.withUnsafeBytes { buffer in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress), iov_len: buffer.count)
            return cpg_mcast_joined(handle, CPG_TYPE_AGREED, &vector, 1)
        }
        try check(result, "cpg_mcast_joined")
    }

    /// Runs the callbacks for everything corosync has delivered, without blocking; the events
    /// land in the inbox. `.notRunning` means corosync is gone and the handle is dead.
    ///
    /// The corresponding C function is `cpg_dispatch` with `CS_DISPATCH_ALL`.
    public func dispatch() throws(CorosyncError) {
        try check(cpg_dispatch(handle, CS_DISPATCH_ALL), "cpg_dispatch")
    }

    static func cpgName(_ name: String) -> cpg_name {
        var group = cpg_name()
        let bytes = Array(name.utf8)
        group.length = UInt32(bytes.count)
        withUnsafeMutableBytes(of: &group.value) { $0.copyBytes(from: bytes) }
        return group
    }
}

/// The C callbacks of the CPG handle: each recovers the inbox from the handle's context,
/// copies its arguments into Swift values and appends one event. Nothing else.
enum CPGCallbacks {
    static let deliver: cpg_deliver_fn_t = { handle, _, nodeID, processID, message, length in
        guard let inbox = inbox(handle) else { return }
        let bytes = message.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
        inbox.append(.message(from: GroupMember(nodeID: nodeID, processID: processID), bytes: bytes))
    }

    static let configurationChange: cpg_confchg_fn_t = { handle, _, members, memberCount, left, leftCount, joined, joinedCount in
        guard let inbox = inbox(handle) else { return }
        inbox.append(.membership(GroupMembershipChange(
            members: addresses(members, memberCount).map(\.member),
            left: addresses(left, leftCount), joined: addresses(joined, joinedCount))))
    }

    static let totemChange: cpg_totem_confchg_fn_t = { handle, ring, count, nodes in
        guard let inbox = inbox(handle) else { return }
        let list = nodes.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
        inbox.append(.ring(RingID(nodeID: ring.nodeid, sequence: ring.seq), nodes: list))
    }

    static func inbox(_ handle: cpg_handle_t) -> CorosyncInbox? {
        var context: UnsafeMutableRawPointer? = nil
        guard cpg_context_get(handle, &context) == CS_OK else { return nil }
        return CorosyncInbox.from(context)
    }

    static func addresses(_ list: UnsafePointer<cpg_address>?, _ count: Int) -> [(member: GroupMember, reason: MembershipReason)] {
        guard let list else { return [] }
        return UnsafeBufferPointer(start: list, count: count).map {
            (GroupMember(nodeID: $0.nodeid, processID: $0.pid), MembershipReason(rawValue: $0.reason) ?? .unspecified)
        }
    }
}
