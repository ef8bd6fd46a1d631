import HaloCluster
import HaloCorosync
import HaloSystem

/// halod's link to corosync: the process group (the agreed stream), the quorum tracker, and
/// the translation of what they deliver into the state machine's events. Sends that corosync
/// refuses for now (flow control, synchronisation) wait in a queue and are retried; the loop
/// never blocks on corosync.
///
/// Owned by the loop thread: every call and every library callback happens there.
final class CorosyncConnection {
    let inbox = CorosyncInbox()
    let group: ProcessGroup
    let quorum: QuorumTracker
    let localNode: NodeID
    let groupDescriptor: Int32
    let quorumDescriptor: Int32
    /// Messages not yet accepted by corosync, oldest first.
    private var outbox: [[UInt8]] = []
    /// Whether this process's own join has been delivered (sends wait until then).
    private(set) var hasJoined = false
    /// Messages and bytes this member multicast and received (status and the benchmark).
    private(set) var counters = Counters()

    struct Counters {
        var sent = 0, sentBytes = 0, delivered = 0, deliveredBytes = 0
    }

    static let groupName = "halod"

    /// Connects to the process group and the quorum service.
    ///
    /// - Throws: `CorosyncError` (`.notRunning` without corosync).
    init() throws(CorosyncError) {
        group = try ProcessGroup(name: Self.groupName, inbox: inbox)
        quorum = try QuorumTracker(inbox: inbox)
        localNode = NodeID(try group.localNodeID())
        groupDescriptor = try group.descriptor()
        quorumDescriptor = try quorum.descriptor()
    }

    /// Joins the group, retrying while corosync says "try again" (up to `deadline`).
    func join(until deadline: Deadline) throws(CorosyncError) {
        while true {
            do {
                try group.join()
                return
            } catch .tryAgain where !deadline.hasPassed() {
                Pause.for(.milliseconds(200))
            }
        }
    }

    /// Leaves the group cleanly: the others see a leave, not a failure.
    func leave() { try? group.leave() }

    /// Queues a message and sends what corosync takes now.
    func send(_ bytes: [UInt8]) {
        outbox.append(bytes)
        flush()
    }

    /// Whether messages wait for corosync to take them.
    var hasBacklog: Bool { !outbox.isEmpty }

    /// Sends queued messages until corosync says to try again later.
    func flush() {
        guard hasJoined else { return }
        while let next = outbox.first {
            do {
                try group.send(next)
                counters.sent += 1
                counters.sentBytes += next.count
                outbox.removeFirst()
            } catch .tryAgain {
                return
            } catch {
                // A message corosync refuses for good (too big, say) would block every later
                // one: it is dropped; the daemon notices the missing effect through the state.
                outbox.removeFirst()
            }
        }
    }

    /// Runs the library callbacks for the descriptor that is ready and returns what they
    /// delivered, translated. `.notRunning` means corosync is gone.
    func dispatch(groupReady: Bool, quorumReady: Bool) throws(CorosyncError) -> [Delivery] {
        if quorumReady { try quorum.dispatch() }
        if groupReady { try group.dispatch() }
        var deliveries: [Delivery] = []
        for event in inbox.take() {
            switch event {
            case .membership(let change):
                if change.joined.contains(where: { $0.member.nodeID == localNode.rawValue && $0.member.processID == UInt32(CurrentProcess.id) }) {
                    hasJoined = true
                }
                deliveries.append(.agreed(.membership(Self.translate(change))))
            case .message(let from, let bytes):
                counters.delivered += 1
                counters.deliveredBytes += bytes.count
                let member = MemberID(node: NodeID(from.nodeID), process: from.processID)
                do {
                    deliveries.append(.agreed(.message(from: member, try ClusterMessage(decoding: bytes))))
                } catch {
                    deliveries.append(.unreadable(from: member, reason: error.description))
                }
            case .ring(let ring, let nodes):
                deliveries.append(.ring(ring.sequence, nodes: nodes.map { NodeID($0) }))
            case .quorum(let quorate, let ring, let nodes):
                deliveries.append(.local(.quorum(QuorumReport(ring: ring.sequence, isQuorate: quorate, nodes: nodes.map { NodeID($0) }.sorted()))))
            }
        }
        flush()
        return deliveries
    }

    /// What corosync delivered, for the daemon.
    enum Delivery {
        case agreed(AgreedEvent)
        case local(LocalEvent)
        /// A totem ring change (logged; the quorum verdict is what decisions use).
        case ring(UInt64, nodes: [NodeID])
        /// Bytes from a member that are not a message of this protocol: every member drops
        /// the same bytes, so the states stay equal.
        case unreadable(from: MemberID, reason: String)
    }

    static func translate(_ change: GroupMembershipChange) -> MembershipChange {
        func member(_ address: GroupMember) -> MemberID { MemberID(node: NodeID(address.nodeID), process: address.processID) }
        return MembershipChange(
            members: change.members.map(member),
            left: change.left.map { entry in
                let kind: Departure.Kind
                switch entry.reason {
                case .left: kind = .clean
                case .processDown: kind = .processDown
                // NODEDOWN, and anything corosync may add: the node is treated as lost.
                default: kind = .nodeDown
                }
                return Departure(member: member(entry.member), kind: kind)
            },
            joined: change.joined.map { Arrival(member: member($0.member), kind: $0.reason == .nodeUp ? .merged : .joined) })
    }
}
