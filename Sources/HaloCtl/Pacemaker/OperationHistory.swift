import HaloPacemaker

/// The resource operations recorded in the CIB's status section (`lrm_rsc_op`): what ran on
/// which node, when, for how long, and what is running right now.
///
/// Times: `last-rc-change` is when the operation started (whole seconds; measured with
/// Pacemaker 2.1.5: a 4 s start of `ocf:pacemaker:Dummy op_sleep=4` recorded the second it
/// began and `exec-time="4012"`), so an operation ended at `last-rc-change + exec-time`.
public struct OperationHistory: Sendable, Hashable {
    public struct Operation: Sendable, Hashable {
        public var resource: String
        public var node: String
        /// `start`, `stop`, `promote`, `demote`, `monitor`, …
        public var task: String
        /// Milliseconds; 0 for one-shot operations.
        public var interval: Int
        public var rc: Int
        /// -1: in flight (Pacemaker records pending operations), 0: done, else an execution error.
        public var status: Int
        /// Wall seconds when it started.
        public var started: Double
        /// Seconds it took.
        public var duration: Double

        public var ended: Double { started + duration }
        public var isPending: Bool { status == -1 }
    }

    public var operations: [Operation]

    public init(cib: XMLElement) {
        var operations: [Operation] = []
        for state in cib.child("status")?.children("node_state") ?? [] {
            guard let node = state["uname"] else { continue }
            for resource in state.descendants("lrm_resource") {
                guard let id = resource["id"] else { continue }
                for op in resource.children("lrm_rsc_op") {
                    guard let task = op["operation"], let started = op["last-rc-change"].flatMap(Double.init) else { continue }
                    operations.append(Operation(
                        resource: id, node: node, task: task, interval: op["interval"].flatMap(Int.init) ?? 0,
                        rc: op["rc-code"].flatMap(Int.init) ?? -1, status: op["op-status"].flatMap(Int.init) ?? 0,
                        started: started, duration: (op["exec-time"].flatMap(Double.init) ?? 0) / 1000))
                }
            }
        }
        self.operations = operations
    }

    /// Operations in flight, as `resource task on node`.
    public var pending: [Operation] { operations.filter(\.isPending) }

    /// When the LUN last arrived on `node` and how long it was unserved around that: the end
    /// of the last start/promote of its resources there, and the time from the first stop or
    /// demote of them on another node (the old one) to that end — nil where the records are
    /// gone (a fenced node's history is cleared), never guessed. Whole-second resolution.
    public func lastArrival(of lun: PacemakerLayout.LUN, on node: String) -> (arrived: Double, unserved: Double?)? {
        let served = Set(lun.onPromoted.map(\.id))
        let all = served.union([lun.replication.id])
        let arrivals = operations.filter {
            $0.node == node && all.contains($0.resource) && $0.interval == 0 && $0.status == 0 && $0.rc == 0
                && ($0.task == "start" && served.contains($0.resource) || $0.task == "promote" && $0.resource == lun.replication.id)
        }
        guard let arrived = arrivals.map(\.ended).max() else { return nil }
        let departures = operations.filter {
            $0.node != node && all.contains($0.resource) && $0.interval == 0
                && ($0.task == "stop" && served.contains($0.resource) || $0.task == "demote" && $0.resource == lun.replication.id)
                && $0.started <= arrived
        }
        guard let left = departures.map(\.started).min() else { return (arrived, nil) }
        return (arrived, arrived - left)
    }
}
