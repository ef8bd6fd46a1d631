/// Whether a LUN can move to a node now, as far as the manager's view tells: each check as a
/// line, and the refusals that stop the move (the live facts of the node add theirs).
public struct MoveChecks: Sendable, Hashable {
    public var passed: [String] = []
    public var refusals: [String] = []

    public var canMove: Bool { refusals.isEmpty }

    public init() {}

    /// Checks `lun` → `node` against `view`.
    ///
    /// - Throws: `HaloctlError.usage` when the LUN or the node does not exist.
    public static func check(_ view: ClusterView, lun name: String, to node: String) throws(HaloctlError) -> (LUNView, MoveChecks) {
        guard let lun = view.lun(name) else {
            throw .usage("no LUN \(name); the LUNs are: \(view.luns.map(\.name).joined(separator: ", "))")
        }
        guard let target = view.node(node) else {
            throw .usage("no node \(node); the nodes are: \(view.nodes.map(\.name).joined(separator: ", "))")
        }
        var checks = MoveChecks()
        if view.quorate == false {
            checks.refusals.append("the cluster has no quorum here: nothing may move")
        }
        if target.state.canServe {
            checks.passed.append("\(node) is online and takes LUNs")
        } else {
            checks.refusals.append("\(node) is \(target.state.words): it cannot take \(lun.name)")
        }
        if let why = lun.excluded[node] {
            checks.refusals.append("\(lun.name) may not run on \(node): \(why)")
        }
        let busy = lun.layers.flatMap { layer in layer.pending.map { "\($0.value) \(layer.id) on \($0.key)" } }
        if busy.isEmpty {
            checks.passed.append("\(view.manager.displayName) is not acting on \(lun.name) now")
        } else {
            checks.refusals.append("\(view.manager.displayName) is still acting on \(lun.name) (\(busy.joined(separator: ", "))): wait for it to finish")
        }
        if let drbd = lun.layers.first(where: { $0.kind == .drbd }), view.manager == .pacemaker {
            if let role = drbd.roles[node] {
                checks.passed.append("\(drbd.id) runs on \(node) (\(role))")
            } else {
                checks.refusals.append("\(drbd.id) does not run on \(node): its data there is not attached and replicating")
            }
        }
        if let pin = lun.pendingMove, pin != node {
            checks.refusals.append("another move of \(lun.name) (to \(pin)) is not finished")
        }
        return (lun, checks)
    }
}
