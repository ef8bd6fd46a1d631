/// The next agent action for one LUN's stack on this node: a pure function of what runs here,
/// the stack's configuration and the goal.
///
/// The order is the stack's: the parts that run everywhere (and the promotable ones, started
/// unpromoted) first, then — to serve — the promotable parts promoted and the serving parts
/// started in order; to stop serving, the reverse. A failed part takes down the parts above it
/// first (they stand on it), then is stopped (or demoted) and started again, so a stack is
/// restarted in place from the failure up. One exception to the start order: a serving part
/// with a `startsAfter` index waits for that later part to be started (a portal after its
/// target); its stop keeps the reverse of the listed order.
public enum StackPlanner {
    /// The next step, or nil when the stack is where the goal wants it (or must not be touched).
    /// `startsAfter`: per resource, the later resource it starts after (empty: none does).
    public static func next(_ stack: LocalStack, roles: [ResourceRole], startsAfter: [Int?] = [], goal: StackGoal) -> StackStep? {
        precondition(stack.resources.count == roles.count, "a local stack has one state per configured resource")
        precondition(startsAfter.isEmpty || startsAfter.count == roles.count, "one start_after entry per configured resource")
        guard stack.operation == nil, !stack.stopFailed else { return nil }
        if let unknown = stack.resources.firstIndex(of: .unknown) { return StackStep(resource: unknown, action: .probe) }
        let states = stack.resources
        // A failure is dealt with first, whatever the goal: everything above it goes down.
        if let failed = states.firstIndex(where: { $0 == .failed || $0 == .failedPromoted }) {
            if let above = topmost(states, roles: roles, above: failed) { return above }
            return StackStep(resource: failed, action: states[failed] == .failedPromoted ? .demote : .stop)
        }
        switch goal {
        case .hold:
            return nil
        case .absent:
            return topmost(states, roles: roles, above: -1, includingEverywhere: true)
        case .standby:
            if let down = topmost(states, roles: roles, above: -1) { return down }
            return firstEverywhere(states, roles: roles)
        case .serve:
            if let up = firstEverywhere(states, roles: roles) { return up }
            for (index, role) in roles.enumerated() {
                switch (role, states[index]) {
                case (.promotable, .started): return StackStep(resource: index, action: .promote)
                case (.serving, .stopped):
                    if let after = startsAfter.isEmpty ? nil : startsAfter[index], states[after] != .started { continue }
                    return StackStep(resource: index, action: .start)
                default: continue
                }
            }
            return nil
        }
    }

    /// The parts that run everywhere (started, not promoted) that are stopped: the first one.
    static func firstEverywhere(_ states: [ResourceState], roles: [ResourceRole]) -> StackStep? {
        for (index, role) in roles.enumerated() where role != .serving && states[index] == .stopped {
            return StackStep(resource: index, action: .start)
        }
        return nil
    }

    /// The highest serving step above `index` still up: a serving part started, or a promotable
    /// part promoted (demoted first); with `includingEverywhere`, then every part stopped.
    static func topmost(_ states: [ResourceState], roles: [ResourceRole], above index: Int, includingEverywhere: Bool = false) -> StackStep? {
        for candidate in stride(from: states.count - 1, to: index, by: -1) {
            switch (roles[candidate], states[candidate]) {
            case (.serving, .started): return StackStep(resource: candidate, action: .stop)
            case (.promotable, .promoted): return StackStep(resource: candidate, action: .demote)
            default: continue
            }
        }
        guard includingEverywhere else { return nil }
        for candidate in stride(from: states.count - 1, to: index, by: -1) where states[candidate] == .started {
            return StackStep(resource: candidate, action: .stop)
        }
        return nil
    }

    /// Whether the LUN counts as served here for the cluster: any serving part not stopped, or
    /// a promotable part promoted — until the last of them is confirmed stopped, no other node
    /// may start the LUN.
    public static func isServing(_ stack: LocalStack, roles: [ResourceRole]) -> Bool {
        if stack.stopFailed { return true }
        for (index, role) in roles.enumerated() {
            let state = stack.resources[index]
            switch role {
            case .serving where state != .stopped: return true
            case .promotable where state == .promoted || state == .failedPromoted: return true
            default: continue
            }
        }
        if let operation = stack.operation, operation.action == .promote || (operation.action == .start && roles[operation.resource] == .serving) {
            return true
        }
        return false
    }

    /// Whether the stack is fully up here: no action changes it now, nothing failed, every part
    /// is where serving wants it. A monitor running does not count: it changes nothing until
    /// it ends, and one starts as soon as the last start is done — a tickle waiting for it
    /// came 0.43 s late in the VM lab. (`isServing` is wider: it counts a stack still starting,
    /// which is what placement needs; reporting the initiators a LUN has here needs the stack up.)
    public static func isUp(_ stack: LocalStack, roles: [ResourceRole]) -> Bool {
        var settled = stack
        if settled.operation?.action == .monitor { settled.operation = nil }
        // The start order does not matter here: up means every part is where serving wants it.
        return settled.operation == nil && !settled.stopFailed && next(settled, roles: roles, goal: .serve) == nil
            && isServing(settled, roles: roles)
    }
}
