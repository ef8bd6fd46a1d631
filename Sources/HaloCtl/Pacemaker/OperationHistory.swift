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

    /// How long after the previous step of an arrival the next one may begin and still be part
    /// of it: Pacemaker begins each step of a stack within milliseconds of the one before it
    /// ends, and `last-rc-change` is whole seconds (up to 1 s early); the rest covers a
    /// transition recomputed on a loaded DC.
    static let arrivalStepGap = 5.0

    /// When the LUN last arrived on `node` and how long it was unserved around that: the end of
    /// the last promote of its replication there and of the starts of its served parts that
    /// followed it step by step (each beginning within `arrivalStepGap` of the end of the ones
    /// before), and the time from the first stop or demote of them on another node (the old
    /// one) to that end — nil where the records are gone (a fenced node's history is cleared;
    /// the replication's last operation there is no promote), never guessed.
    ///
    /// A later start of a served part alone is not an arrival: Pacemaker records a reload
    /// (`reload-agent`) as a start with the reload's time (measured with 2.1.5), and a restart
    /// in place after a failed monitor is one too; neither moved the LUN.
    public func lastArrival(of lun: PacemakerLayout.LUN, on node: String) -> (arrived: Double, unserved: Double?)? {
        let served = Set(lun.onPromoted.map(\.id))
        let all = served.union([lun.replication.id])
        let done = { (op: Operation) in op.node == node && op.interval == 0 && op.status == 0 && op.rc == 0 }
        guard let promote = operations.filter({ done($0) && $0.resource == lun.replication.id && $0.task == "promote" }).max(by: { $0.ended < $1.ended })
        else { return nil }
        var arrived = promote.ended
        let starts = operations.filter { done($0) && served.contains($0.resource) && $0.task == "start" && $0.started >= promote.started.rounded(.down) }
        for start in starts.sorted(by: { $0.started < $1.started }) {
            guard start.started <= arrived + Self.arrivalStepGap else { break }
            arrived = max(arrived, start.ended)
        }
        let departures = operations.filter {
            $0.node != node && all.contains($0.resource) && $0.interval == 0
                && ($0.task == "stop" && served.contains($0.resource) || $0.task == "demote" && $0.resource == lun.replication.id)
                && $0.started <= arrived
        }
        guard let left = departures.map(\.started).min() else { return (arrived, nil) }
        return (arrived, arrived - left)
    }
}
