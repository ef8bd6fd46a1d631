import HaloCluster
import HaloSystem

/// Runs this node's LUN stacks: for every LUN the node may serve, one agent action at a time
/// (LUNs in parallel), the next one chosen by `StackPlanner` from the goal the agreed state
/// sets, and each resource's recurring monitors. Agents are `ChildProcess`es the loop polls.
final class StackRunner {
    /// One LUN's stack here.
    final class Stack {
        let configuration: LUNConfiguration
        var local: LocalStack
        let roles: [ResourceRole]
        let startsAfter: [Int?]
        var child: ChildProcess?
        var started: ContinuousClock.Instant?
        /// Per resource and monitor: when it is due next.
        var monitorsDue: [[ContinuousClock.Instant]]

        init(configuration: LUNConfiguration, now: ContinuousClock.Instant) {
            self.configuration = configuration
            local = LocalStack(lun: configuration.name, count: configuration.resources.count)
            roles = configuration.resources.map(\.role)
            startsAfter = configuration.startsAfter
            monitorsDue = configuration.resources.map { resource in resource.monitors.map { now + $0.interval } }
        }
    }

    /// What happened, for the daemon.
    enum Event {
        /// An action ended: the resource's new state, and what the cluster must learn.
        case finished(LUNName, StackStep, resource: String, exit: AgentExit, reason: String?, took: Duration, failure: StackFailure.Kind?)
    }

    private(set) var stacks: [LUNName: Stack] = [:]
    private var events: [Event] = []
    private var nodeName: String
    private var ocfRoot: String
    private let runner = ProcessRunner(killGracePeriod: .seconds(5))

    init(configuration: ClusterConfiguration, localNode: NodeID, now: ContinuousClock.Instant = .now) {
        nodeName = configuration.node(localNode)?.name ?? ""
        ocfRoot = configuration.local.ocfRoot
        reconfigure(configuration, localNode: localNode, now: now)
    }

    /// Takes a (re)loaded configuration: stacks for the LUNs this node is listed for; a stack
    /// whose LUN is gone is kept until its goal `.absent` has stopped it.
    func reconfigure(_ configuration: ClusterConfiguration, localNode: NodeID, now: ContinuousClock.Instant = .now) {
        nodeName = configuration.node(localNode)?.name ?? nodeName
        ocfRoot = configuration.local.ocfRoot
        for lun in configuration.luns where lun.nodes.contains(nodeName) {
            if let existing = stacks[lun.name], existing.configuration == lun { continue }
            if let existing = stacks[lun.name], existing.configuration.resources.map(\.id) == lun.resources.map(\.id) {
                // Same resources, other parameters: keep what is known of them.
                let replacement = Stack(configuration: lun, now: now)
                replacement.local = existing.local
                replacement.child = existing.child.take()
                stacks[lun.name] = replacement
                continue
            }
            guard stacks[lun.name]?.local.operation == nil else { continue }  // replaced once its action ends
            stacks[lun.name] = Stack(configuration: lun, now: now)
        }
    }

    /// The LUNs whose stacks count as served here (see `StackPlanner.isServing`).
    var served: Set<LUNName> {
        Set(stacks.values.filter { StackPlanner.isServing($0.local, roles: $0.roles) }.map(\.configuration.name))
    }

    /// Whether every resource of every stack has been probed.
    var isProbed: Bool { stacks.values.allSatisfy { !$0.local.resources.contains(.unknown) } }

    /// Starts what the goals call for: the next action of every idle stack, or a due monitor.
    func advance(goals: [LUNName: StackGoal], now: ContinuousClock.Instant = .now) {
        for (name, stack) in stacks where stack.child == nil {
            let goal = goals[name] ?? .hold
            if let step = StackPlanner.next(stack.local, roles: stack.roles, startsAfter: stack.startsAfter, goal: goal) {
                run(step, of: stack, now: now)
                continue
            }
            if goal == .absent && !stack.local.resources.contains(where: { $0 != .stopped }) {
                stacks[name] = nil
                continue
            }
            // Monitors of resources that are up, when due.
            monitors: for (index, resource) in stack.configuration.resources.enumerated()
            where stack.local.resources[index] == .started || stack.local.resources[index] == .promoted {
                for (slot, schedule) in resource.monitors.enumerated() where now >= stack.monitorsDue[index][slot] {
                    stack.monitorsDue[index][slot] = now + schedule.interval
                    run(StackStep(resource: index, action: .monitor), of: stack, now: now, schedule: schedule)
                    break monitors
                }
            }
        }
    }

    private func run(_ step: StackStep, of stack: Stack, now: ContinuousClock.Instant, schedule: MonitorSchedule? = nil) {
        let resource = stack.configuration.resources[step.resource]
        let timeout: Duration
        switch step.action {
        case .start: timeout = resource.timeouts.start
        case .stop: timeout = resource.timeouts.stop
        case .promote: timeout = resource.timeouts.promote
        case .demote: timeout = resource.timeouts.demote
        case .probe: timeout = resource.timeouts.probe
        case .monitor: timeout = schedule?.timeout ?? .seconds(20)
        }
        let command = AgentInvocation.command(resource, of: stack.configuration, action: step.action, timeout: timeout,
                                              interval: schedule?.interval ?? .zero, depth: schedule?.depth ?? 0,
                                              nodeName: nodeName, ocfRoot: ocfRoot)
        stack.local.operation = step
        stack.started = now
        do {
            stack.child = try runner.start(command, deadline: Deadline.after(timeout, now: now))
        } catch {
            finish(stack, exit: .notRunnable, reason: "\(error)", now: now)
        }
    }

    func pollRequests() -> [PollRequest] { stacks.values.flatMap { $0.child?.pollRequests() ?? [] } }

    /// When to look again at the latest: a running action's deadline, or the next monitor.
    func nextWake(now: ContinuousClock.Instant = .now) -> Deadline? {
        var wake: ContinuousClock.Instant?
        for stack in stacks.values {
            if stack.child != nil {
                if let next = stack.child!.nextWake(now: now)?.instant { wake = min(wake ?? next, next) } else { wake = now }
                continue
            }
            for (index, due) in stack.monitorsDue.enumerated() where stack.local.resources[index] == .started || stack.local.resources[index] == .promoted {
                for instant in due { wake = min(wake ?? instant, instant) }
            }
        }
        return wake.map(Deadline.init)
    }

    /// Reads and reaps running agents; returns what ended.
    func service(ready: [(descriptor: Int32, events: PollEvents)], now: ContinuousClock.Instant = .now) -> [Event] {
        for stack in stacks.values where stack.child != nil {
            let mine = Set(stack.child!.pollRequests().map(\.descriptor))
            for (fd, _) in ready where mine.contains(fd) { try? stack.child!.handle(readyDescriptor: fd) }
            if stack.child!.nextWake(now: now) == nil {
                var child = stack.child.take()!
                let result = child.finish()
                let exit: AgentExit
                switch result.termination {
                case .exited(let code) where !result.timedOut: exit = .code(code)
                default: exit = .timedOut
                }
                finish(stack, exit: exit, reason: AgentInvocation.exitReason(result), now: now)
            }
        }
        defer { events.removeAll() }
        return events
    }

    private func finish(_ stack: Stack, exit: AgentExit, reason: String?, now: ContinuousClock.Instant) {
        guard let step = stack.local.operation else { return }
        let resource = stack.configuration.resources[step.resource]
        let (state, failure) = StackOutcome.reading(exit, of: step.action, role: resource.role, was: stack.local.resources[step.resource])
        stack.local.resources[step.resource] = state
        stack.local.operation = nil
        if failure == .stopFailed { stack.local.stopFailed = true }
        if step.action == .start || step.action == .promote || step.action == .probe {
            // A resource that just came up is monitored after a full interval.
            stack.monitorsDue[step.resource] = resource.monitors.map { now + $0.interval }
        }
        events.append(.finished(stack.configuration.name, step, resource: resource.id, exit: exit, reason: reason,
                                took: (stack.started ?? now).duration(to: now), failure: failure))
    }

    /// Ends every running agent (shutdown).
    func cancelAll() {
        for stack in stacks.values where stack.child != nil { stack.child!.cancel() }
    }
}
