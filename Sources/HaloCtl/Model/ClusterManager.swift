import HaloSystem

/// A cluster manager haloctl drives: Pacemaker (through its tools) or halod (through its
/// control socket). The commands are written once against this.
public protocol ClusterManager: Sendable {
    var kind: ManagerKind { get }

    /// The manager's view now, from one snapshot.
    func view(deadline: Deadline) throws(HaloctlError) -> ClusterView

    /// The view again while watching a move: as cheap as the manager can make it (Pacemaker:
    /// crm_mon only, with the layout of the last full view). By default the full view.
    func refresh(deadline: Deadline) throws(HaloctlError) -> ClusterView

    /// What the manager would do to move `lun` to `node`, without doing it.
    func plan(move lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MovePlan

    /// Asks the manager to move `lun` to `node`; returns what must be undone or cleaned up.
    func beginMove(_ lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MoveTicket

    /// The move is complete (served and monitored on the new node): removes what `beginMove`
    /// created. Returns notes for the admin (e.g. a constraint that had to stay, and why).
    func finishMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError) -> [String]

    /// The move is abandoned (Ctrl-C, timeout, failure): removes what `beginMove` created so
    /// nothing is left pinned; the LUN then stays wherever the manager now puts it.
    func abandonMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError)

    /// Drains `node` (no LUN may run there) or undrains it.
    func setDrained(_ node: String, _ drained: Bool, deadline: Deadline) throws(HaloctlError)

    /// Whether every node can be fenced and every fence device answers (its `monitor`): one
    /// finding per node and per device.
    func fencingFindings(_ view: ClusterView, deadline: Deadline) -> [Finding]

    /// Forgets `lun`'s failures (after the admin fixed their cause), so it may run where it failed.
    func clearFailures(_ lun: LUNView, deadline: Deadline) throws(HaloctlError)
}

extension ClusterManager {
    public func refresh(deadline: Deadline) throws(HaloctlError) -> ClusterView { try view(deadline: deadline) }
}

/// What a move would do.
public struct MovePlan: Sendable, Hashable {
    /// The actions in the order the manager would take them (`demote drbd-lun1 on node1`).
    public var steps: [String]
    /// Why the manager would not move it there (its own placement rules), if it would not.
    public var refusal: String?
    /// After the move, would releasing the move's pin send the LUN back? Why, if so.
    public var wouldReturn: String?
    /// Other LUNs or resources the same transition would touch.
    public var sideEffects: [String]

    public init(steps: [String], refusal: String? = nil, wouldReturn: String? = nil, sideEffects: [String] = []) {
        self.steps = steps
        self.refusal = refusal
        self.wouldReturn = wouldReturn
        self.sideEffects = sideEffects
    }
}

/// What a move started and must clean up.
public struct MoveTicket: Sendable, Hashable {
    public var lun: String
    public var node: String
    /// Pacemaker: the constraint created; halod: nil (its move intent ends by itself).
    public var constraint: String?

    public init(lun: String, node: String, constraint: String?) {
        self.lun = lun
        self.node = node
        self.constraint = constraint
    }
}
