import HaloCluster
import Testing

/// A deterministic model of what halod runs on: nodes with corosync and halod, a network that
/// partitions and heals, CPG's agreed order with extended virtual synchrony (the messages of a
/// configuration are delivered to its members before the next configuration change),
/// votequorum's majority (or two_node), fence devices that power nodes off or fail, and timers.
///
/// Each `ClusterMachine` is driven exactly as the daemon drives it; the tests read the machines'
/// states and what the simulated world did. It is deterministic (nothing depends on the order of
/// a dictionary, which differs between processes): a history replays exactly.
struct ClusterSimulator {
    struct Node {
        let id: NodeID
        /// corosync runs (the node is powered and booted).
        var isUp = true
        /// halod runs: its process id and its machine.
        var halod: (pid: UInt32, machine: ClusterMachine)?
        /// Fencing this node fails while true.
        var fenceFails = false
        /// The component (partition) the node's corosync is in.
        var component = 0
    }

    struct PendingMessage {
        var from: MemberID
        var message: ClusterMessage
    }

    struct FenceJob {
        var due: Duration
        var actor: MemberID
        var order: FenceOrder
    }

    struct Timer {
        var due: Duration
        var member: MemberID
        var timer: ClusterTimer
    }

    let configuration: ClusterConfiguration
    var nodes: [NodeID: Node] = [:]
    /// Each component's group view (the halod members, as CPG reports them).
    var views: [Int: [MemberID]] = [:]
    /// Messages sent and not yet delivered, per component.
    var queues: [Int: [PendingMessage]] = [:]
    var fenceJobs: [FenceJob] = []
    var timers: [Timer] = []
    var now: Duration = .zero
    var ring: UInt64 = 0
    var nextPID: UInt32 = 1000
    /// Every fence agent run, in order: (victim, whether it powered the node off).
    var fenceRuns: [(victim: NodeID, succeeded: Bool, at: Duration)] = []
    /// Fence starts by victim, with the reason the victim's last departure had then.
    var lastDeparture: [NodeID: Departure.Kind] = [:]
    var replies: [(RequestID, IntentOutcome)] = []
    /// The LUN stacks each node's halod serves: after every event its machine handles, what
    /// `StackGoal` says (the daemon's rule) — serve: started, standby or absent: stopped, hold:
    /// as they were. A change is announced, as the daemon's probes announce it. (Starting and
    /// stopping take no time here; the old node's announcement is what orders a move.)
    var stacks: [NodeID: Set<LUNName>] = [:]
    /// What a node whose halod died without leaving still serves: its LUN stacks keep running
    /// until the node is powered off or a new halod there takes them over (a clean stop stops
    /// them first).
    var leftover: [NodeID: Set<LUNName>] = [:]
    var logs: [ClusterLogEntry] = []
    /// The members kept sending without end (a livelock): the run failed.
    var didNotSettle = false
    /// Messages delivered since every queue was last empty.
    private var deliveriesWithoutPause = 0
    var disks: [LUNName: DiskFact]

    init(configuration: ClusterConfiguration) {
        self.configuration = configuration
        self.disks = Dictionary(uniqueKeysWithValues: configuration.luns.map { ($0.name, DiskFact.notReplicated) })
        for node in configuration.nodes { nodes[node.id] = Node(id: node.id) }
        formComponents()
    }

    var nodeIDs: [NodeID] { nodes.keys.sorted() }

    func machine(_ node: NodeID) -> ClusterMachine? { nodes[node]?.halod?.machine }
    func state(_ node: NodeID) -> ClusterState? { machine(node)?.state }
    func member(_ node: NodeID) -> MemberID? { nodes[node]?.halod.map { MemberID(node: node, process: $0.pid) } }

    // MARK: The world's events

    /// Starts halod on a node whose corosync runs: it loads the configuration, reads its facts
    /// and quorum, and joins the group.
    mutating func startHalod(_ node: NodeID) {
        guard let n = nodes[node], n.isUp, n.halod == nil else { return }
        nextPID += 1
        let me = MemberID(node: node, process: nextPID)
        nodes[node]!.halod = (nextPID, ClusterMachine(me: me, software: "sim"))
        // Its probes find what the halod before it left running: from now on it manages them.
        stacks[node] = leftover.removeValue(forKey: node)
        perform(me, local: .configuration(configuration))
        perform(me, local: .facts(facts(of: node)))
        perform(me, local: .quorum(quorumReport(for: n.component)))
        changeGroup(n.component, joined: [(me, .joined)], left: [])
    }

    /// Stops halod cleanly (it leaves the group).
    mutating func stopHalod(_ node: NodeID) {
        guard let me = member(node) else { return }
        flush(nodes[node]!.component)
        nodes[node]!.halod = nil
        stacks[node] = nil
        lastDeparture[node] = .clean
        changeGroup(nodes[node]!.component, joined: [], left: [(me, .clean)])
    }

    /// halod dies (killed, crashed): the group sees a process-down.
    mutating func crashHalod(_ node: NodeID) {
        guard let me = member(node) else { return }
        flush(nodes[node]!.component)
        leftover[node, default: []].formUnion(stacks.removeValue(forKey: node) ?? [])
        nodes[node]!.halod = nil
        lastDeparture[node] = .processDown
        changeGroup(nodes[node]!.component, joined: [], left: [(me, .processDown)])
    }

    /// The node loses power: corosync and halod are gone.
    mutating func kill(_ node: NodeID) {
        guard nodes[node]?.isUp == true else { return }
        for component in Set(nodes.values.map(\.component)).sorted() { flush(component) }
        nodes[node]!.isUp = false
        nodes[node]!.halod = nil
        stacks[node] = nil
        leftover[node] = nil
        lastDeparture[node] = .nodeDown
        formComponents()
    }

    /// Powers a node on: corosync starts (halod does not, until `startHalod`).
    mutating func powerOn(_ node: NodeID) {
        guard nodes[node]?.isUp == false else { return }
        for component in Set(nodes.values.map(\.component)).sorted() { flush(component) }
        nodes[node]!.isUp = true
        nodes[node]!.component = -1
        formComponents(joining: node)
    }

    /// Cuts the network into the given groups of nodes (nodes not named stay with the first).
    mutating func partition(_ sides: [[NodeID]]) {
        for component in Set(nodes.values.map(\.component)).sorted() { flush(component) }
        for (index, side) in sides.enumerated() {
            for node in side { nodes[node]?.component = index + 1000 }
        }
        formComponents(keepAssignment: true)
    }

    /// Heals every partition.
    mutating func heal() {
        for component in Set(nodes.values.map(\.component)).sorted() { flush(component) }
        for node in nodes.keys where nodes[node]!.isUp { nodes[node]!.component = 0 }
        formComponents(keepAssignment: true)
    }

    /// An operator's request at a node's control socket.
    mutating func request(_ intent: Intent, at node: NodeID, client: UInt64 = 1) {
        guard let me = member(node) else { return }
        perform(me, local: .request(intent, client: client))
    }

    /// The node serving `lun` (in its own state) reports its stack failed.
    mutating func reportFailure(_ lun: LUNName, _ kind: StackFailure.Kind, on node: NodeID) {
        guard let me = member(node), state(node)?.luns[lun]?.owner == node, let component = nodes[node]?.component else { return }
        queues[component, default: []].append(PendingMessage(from: me, message: .stackFailed(
            StackFailure(lun: lun, resource: "r-\(lun)", action: kind == .stopFailed ? "stop" : "monitor", kind: kind, reason: "simulated"))))
    }

    /// The node's disk facts change (and it announces them).
    mutating func setDisk(_ lun: LUNName, _ fact: DiskFact, on node: NodeID) {
        guard let me = member(node) else { return }
        var facts = machineDisks[node] ?? disks
        facts[lun] = fact
        machineDisks[node] = facts
        perform(me, local: .facts(self.facts(of: node)))
    }

    /// What the node's probes find: its disks, and the stacks that run.
    func facts(of node: NodeID) -> LocalFacts {
        LocalFacts(disks: machineDisks[node] ?? disks, running: (stacks[node] ?? []).union(leftover[node] ?? []))
    }
    var machineDisks: [NodeID: [LUNName: DiskFact]] = [:]

    // MARK: Running

    /// What can happen next, for random schedules.
    enum Step: Hashable {
        case deliver(component: Int)
        case fence(index: Int)
        case timer(index: Int)
    }

    var enabledSteps: [Step] {
        var steps: [Step] = queues.filter { !$0.value.isEmpty }.keys.sorted().map { .deliver(component: $0) }
        steps += fenceJobs.indices.map { .fence(index: $0) }
        steps += timers.indices.map { .timer(index: $0) }
        return steps
    }

    mutating func run(_ step: Step) {
        switch step {
        case .deliver(let component): deliverOne(component)
        case .fence(let index): completeFence(index)
        case .timer(let index):
            let timer = timers.remove(at: index)
            now = max(now, timer.due)
            if member(timer.member.node) == timer.member { perform(timer.member, local: .timer(timer.timer)) }
        }
    }

    /// Runs until nothing is pending but timers and fence jobs due later than `limit` from now.
    mutating func settle(for limit: Duration = .seconds(600)) {
        let end = now + limit
        while true {
            if let component = queues.filter({ !$0.value.isEmpty }).keys.min() {
                deliverOne(component)
                continue
            }
            let nextFence = fenceJobs.indices.min { fenceJobs[$0].due < fenceJobs[$1].due }
            let nextTimer = timers.indices.min { timers[$0].due < timers[$1].due }
            let fenceDue = nextFence.map { fenceJobs[$0].due } ?? .seconds(1_000_000)
            let timerDue = nextTimer.map { timers[$0].due } ?? .seconds(1_000_000)
            guard min(fenceDue, timerDue) <= end else { return }
            if fenceDue <= timerDue, let nextFence {
                now = max(now, fenceDue)
                completeFence(nextFence)
            } else if let nextTimer {
                run(.timer(index: nextTimer))
            }
        }
    }

    private mutating func deliverOne(_ component: Int) {
        guard var queue = queues[component], !queue.isEmpty else { return }
        let pending = queue.removeFirst()
        queues[component] = queue
        now += .milliseconds(1)
        for member in views[component] ?? [] where self.member(member.node) == member {
            perform(member, agreed: .message(from: pending.from, pending.message))
        }
        // Members that keep sending to each other without end (a livelock) fail the run.
        deliveriesWithoutPause = queues.values.allSatisfy(\.isEmpty) ? 0 : deliveriesWithoutPause + 1
        if deliveriesWithoutPause > 100_000 {
            Issue.record("the cluster does not settle: 100000 messages delivered without a pause")
            didNotSettle = true
            queues = [:]
            deliveriesWithoutPause = 0
        }
    }

    /// Delivers everything pending in a component (what EVS does before a configuration change).
    mutating func flush(_ component: Int) {
        while !(queues[component]?.isEmpty ?? true) { deliverOne(component) }
    }

    private mutating func completeFence(_ index: Int) {
        let job = fenceJobs.remove(at: index)
        now = max(now, job.due)
        // A fence agent runs on the actor's node: it dies with that node (not with halod).
        guard nodes[job.actor.node]?.isUp == true else { return }
        let victim = job.order.attempt.victim
        let succeeded = !(nodes[victim]?.fenceFails ?? true)
        fenceRuns.append((victim, succeeded, now))
        if succeeded { kill(victim) }
        guard member(job.actor.node) == job.actor else { return }  // the actor died meanwhile
        perform(job.actor, local: .fenceFinished(job.order.attempt, succeeded ? .succeeded(device: "sim") : .failed(reason: "simulated failure")))
    }

    // MARK: Plumbing

    mutating func perform(_ member: MemberID, local event: LocalEvent) {
        guard var halod = nodes[member.node]?.halod, halod.pid == member.process else { return }
        let actions = halod.machine.handle(event)
        nodes[member.node]!.halod = halod
        execute(actions, from: member)
        updateStacks(member)
    }

    mutating func perform(_ member: MemberID, agreed event: AgreedEvent) {
        guard var halod = nodes[member.node]?.halod, halod.pid == member.process else { return }
        let actions = halod.machine.handle(event)
        nodes[member.node]!.halod = halod
        execute(actions, from: member)
        updateStacks(member)
    }

    /// Starts and stops the member's stacks as `StackGoal` says, and announces a change.
    private mutating func updateStacks(_ member: MemberID) {
        guard let machine = machine(member.node), self.member(member.node) == member else { return }
        let before = stacks[member.node] ?? []
        var running = before
        for lun in configuration.luns.map(\.name) {
            switch StackGoal.of(lun, for: member.node, in: machine.stateForStacks, isConfigured: true) {
            case .serve: running.insert(lun)
            case .standby, .absent: running.remove(lun)
            case .hold: break
            }
        }
        guard running != before else { return }
        stacks[member.node] = running
        perform(member, local: .facts(facts(of: member.node)))
    }

    private mutating func execute(_ actions: [ClusterAction], from member: MemberID) {
        for action in actions {
            switch action {
            case .send(let message):
                guard self.member(member.node) == member, let component = nodes[member.node]?.component,
                      views[component]?.contains(member) == true else { continue }
                queues[component, default: []].append(PendingMessage(from: member, message: message))
            case .runFence(let order):
                fenceJobs.append(FenceJob(due: now + order.delay + .seconds(1), actor: member, order: order))
            case .schedule(let timer, let delay):
                timers.append(Timer(due: now + delay, member: member, timer: timer))
            case .reply(let request, let outcome):
                replies.append((request, outcome))
            case .log(let entry):
                logs.append(entry)
            case .restart:
                crashHalod(member.node)
            }
        }
    }

    /// libquorum's verdict in a component: a majority of the configured nodes (each of two
    /// nodes alone with two_node).
    func quorumReport(for component: Int) -> QuorumReport {
        let present = nodes.values.filter { $0.isUp && $0.component == component }.map(\.id).sorted()
        let quorate = nodes.count == 2 ? !present.isEmpty : present.count * 2 > nodes.count
        return QuorumReport(ring: ring, isQuorate: quorate, nodes: present)
    }

    /// Recomputes the corosync components after a node-level change and delivers each member
    /// its configuration change (left and joined relative to its own previous view), then each
    /// node its quorum verdict for the new ring.
    private mutating func formComponents(joining: NodeID? = nil, keepAssignment: Bool = false) {
        if !keepAssignment {
            // One component of every node that is up, unless a partition is in force: a node
            // that comes up joins the component of the lowest node it can reach (here: the
            // first existing component).
            let existing = Set(nodes.values.filter { $0.isUp && $0.component >= 0 }.map(\.component))
            let target = existing.min() ?? 0
            for node in nodes.keys where nodes[node]!.isUp && nodes[node]!.component < 0 { nodes[node]!.component = target }
        }
        ring += 4
        let oldViews = views
        var newViews: [Int: [MemberID]] = [:]
        for node in nodes.values where node.isUp {
            if let halod = node.halod { newViews[node.component, default: []].append(MemberID(node: node.id, process: halod.pid)) }
        }
        for key in newViews.keys { newViews[key]!.sort() }
        views = newViews
        queues = queues.filter { newViews[$0.key] != nil }
        let oldComponentOf: [MemberID: Int] = Dictionary(oldViews.flatMap { key, members in members.map { ($0, key) } }, uniquingKeysWith: { a, _ in a })
        for (component, members) in newViews.sorted(by: { $0.key < $1.key }) {
            for member in members {
                let previous = oldComponentOf[member].flatMap { oldViews[$0] } ?? []
                let left = previous.filter { !members.contains($0) }.map { Departure(member: $0, kind: .nodeDown) }
                let joined = members.filter { !previous.contains($0) && $0 != member }.map { Arrival(member: $0, kind: .merged) }
                guard !left.isEmpty || !joined.isEmpty else { continue }
                perform(member, agreed: .membership(MembershipChange(members: members, left: left, joined: joined)))
            }
            _ = component
        }
        for node in nodeIDs.map({ nodes[$0]! }) where node.isUp {
            if let me = member(node.id) { perform(me, local: .quorum(quorumReport(for: node.component))) }
        }
    }

    /// A group change inside one component (halod joined or left, corosync unchanged).
    private mutating func changeGroup(_ component: Int, joined: [(MemberID, Arrival.Kind)], left: [(MemberID, Departure.Kind)]) {
        var members = views[component] ?? []
        members.removeAll { member in left.contains { $0.0 == member } }
        members += joined.map(\.0)
        members.sort()
        views[component] = members
        let change = MembershipChange(members: members, left: left.map { Departure(member: $0.0, kind: $0.1) },
                                      joined: joined.map { Arrival(member: $0.0, kind: $0.1) })
        for member in members { perform(member, agreed: .membership(change)) }
    }

    // MARK: What tests look at

    /// The nodes that serve `lun`: powered on, with its stack running (under their halod, or
    /// left by a halod that died).
    func servers(of lun: LUNName) -> [NodeID] {
        nodes.values.filter { $0.isUp }.compactMap { node in
            stacks[node.id]?.contains(lun) == true || leftover[node.id]?.contains(lun) == true ? node.id : nil
        }.sorted()
    }

    /// The owner of `lun` in the state of `node`.
    func owner(of lun: LUNName, at node: NodeID) -> NodeID? { state(node)?.luns[lun]?.owner }
}
