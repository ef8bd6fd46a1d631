import HaloCluster
import Testing

/// The local stack's next step, as a table: (states, goal) → step. The stack is the seed's:
/// LUKS everywhere, DRBD promotable, then a target and a portal serving.
@Suite("halod's stack planner")
struct StackPlannerTests {
    static let roles: [ResourceRole] = [.everywhere, .promotable, .serving, .serving]

    struct Row: CustomTestStringConvertible, Sendable {
        let states: [ResourceState]
        let goal: StackGoal
        let next: StackStep?
        let why: String
        var testDescription: String { why }
    }

    static func step(_ resource: Int, _ action: StackAction) -> StackStep { StackStep(resource: resource, action: action) }

    static let rows: [Row] = [
        Row(states: [.unknown, .unknown, .unknown, .unknown], goal: .serve, next: step(0, .probe), why: "probes come first, whatever the goal"),
        Row(states: [.stopped, .stopped, .stopped, .unknown], goal: .serve, next: step(3, .probe), why: "every part is probed before anything starts"),
        Row(states: [.stopped, .stopped, .stopped, .stopped], goal: .serve, next: step(0, .start), why: "to serve: the everywhere parts first"),
        Row(states: [.started, .stopped, .stopped, .stopped], goal: .serve, next: step(1, .start), why: "then the promotable part started unpromoted"),
        Row(states: [.started, .started, .stopped, .stopped], goal: .serve, next: step(1, .promote), why: "then promoted"),
        Row(states: [.started, .promoted, .stopped, .stopped], goal: .serve, next: step(2, .start), why: "then the serving parts in order"),
        Row(states: [.started, .promoted, .started, .started], goal: .serve, next: nil, why: "served: nothing to do"),
        Row(states: [.started, .promoted, .started, .started], goal: .standby, next: step(3, .stop), why: "to stop serving: the last serving part first"),
        Row(states: [.started, .promoted, .stopped, .stopped], goal: .standby, next: step(1, .demote), why: "then the promotion"),
        Row(states: [.started, .started, .stopped, .stopped], goal: .standby, next: nil, why: "standby keeps the everywhere parts and the unpromoted DRBD"),
        Row(states: [.stopped, .stopped, .stopped, .stopped], goal: .standby, next: step(0, .start), why: "standby starts the everywhere parts"),
        Row(states: [.started, .started, .stopped, .stopped], goal: .absent, next: step(1, .stop), why: "absent stops everything, last first"),
        Row(states: [.started, .promoted, .failed, .started], goal: .serve, next: step(3, .stop), why: "a failed part takes down what stands on it first"),
        Row(states: [.started, .promoted, .failed, .stopped], goal: .serve, next: step(2, .stop), why: "then it is stopped"),
        Row(states: [.started, .failedPromoted, .started, .started], goal: .serve, next: step(3, .stop), why: "a failed promotion: the serving parts go down first"),
        Row(states: [.started, .failedPromoted, .stopped, .stopped], goal: .serve, next: step(1, .demote), why: "then it is demoted (and promoted again)"),
        Row(states: [.started, .promoted, .failed, .stopped], goal: .hold, next: step(2, .stop), why: "a failure is dealt with even on hold"),
        Row(states: [.started, .started, .stopped, .stopped], goal: .hold, next: nil, why: "hold starts nothing"),
    ]

    @Test("the next step", arguments: rows)
    func next(_ row: Row) {
        var stack = LocalStack(lun: "lun1", count: row.states.count)
        stack.resources = row.states
        #expect(StackPlanner.next(stack, roles: Self.roles, goal: row.goal) == row.next)
    }

    /// Runs the planner to the goal, applying each step as an agent would succeed at it.
    static func walk(_ states: [ResourceState], startsAfter: [Int?], goal: StackGoal) -> [StackStep] {
        var stack = LocalStack(lun: "lun1", count: states.count)
        stack.resources = states
        var steps: [StackStep] = []
        while let step = StackPlanner.next(stack, roles: roles, startsAfter: startsAfter, goal: goal), steps.count < 10 {
            steps.append(step)
            let result: [StackAction: ResourceState] = [.start: .started, .stop: .stopped, .promote: .promoted, .demote: .started]
            stack.resources[step.resource] = result[step.action] ?? stack.resources[step.resource]
        }
        return steps
    }

    @Test("a portal listed before its target but starting after it: up after the target, down after it too")
    func startAfter() {
        // The seed's stack with the portal (2) listed before the target (3), starting after it.
        let startsAfter: [Int?] = [nil, nil, 3, nil]
        #expect(Self.walk([.started, .promoted, .stopped, .stopped], startsAfter: startsAfter, goal: .serve)
                == [Self.step(3, .start), Self.step(2, .start)])
        #expect(Self.walk([.started, .promoted, .started, .started], startsAfter: startsAfter, goal: .standby)
                == [Self.step(3, .stop), Self.step(2, .stop), Self.step(1, .demote)])
        #expect(Self.walk([.started, .promoted, .stopped, .stopped], startsAfter: [], goal: .serve)
                == [Self.step(2, .start), Self.step(3, .start)], "without it: the listed order")
        // A failed portal: the target above it goes down first, then both come up target first.
        #expect(Self.walk([.started, .promoted, .failed, .started], startsAfter: startsAfter, goal: .serve)
                == [Self.step(3, .stop), Self.step(2, .stop), Self.step(3, .start), Self.step(2, .start)])
        // A failed target restarts alone; the portal stays up (it does not stand on the target).
        #expect(Self.walk([.started, .promoted, .started, .failed], startsAfter: startsAfter, goal: .serve)
                == [Self.step(3, .stop), Self.step(3, .start)])
    }

    @Test("nothing while an operation runs, or after a failed stop")
    func busyOrStopFailed() {
        var stack = LocalStack(lun: "lun1", count: 4)
        stack.resources = [.stopped, .stopped, .stopped, .stopped]
        stack.operation = StackStep(resource: 0, action: .start)
        #expect(StackPlanner.next(stack, roles: Self.roles, goal: .serve) == nil)
        stack.operation = nil
        stack.stopFailed = true
        #expect(StackPlanner.next(stack, roles: Self.roles, goal: .serve) == nil)
        #expect(StackPlanner.isServing(stack, roles: Self.roles), "a node whose stop failed may still serve it")
    }

    @Test("served here: any serving part not stopped, a promotion, or one underway")
    func isServing() {
        var stack = LocalStack(lun: "lun1", count: 4)
        stack.resources = [.started, .started, .stopped, .stopped]
        #expect(!StackPlanner.isServing(stack, roles: Self.roles))
        stack.operation = StackStep(resource: 1, action: .promote)
        #expect(StackPlanner.isServing(stack, roles: Self.roles))
        stack.operation = nil
        stack.resources = [.started, .promoted, .stopped, .stopped]
        #expect(StackPlanner.isServing(stack, roles: Self.roles))
        stack.resources = [.started, .started, .unknown, .stopped]
        #expect(StackPlanner.isServing(stack, roles: Self.roles), "not probed yet counts as served")
    }

    @Test("up here: every part where serving wants it, no action but a monitor running, nothing failed")
    func isUp() {
        var stack = LocalStack(lun: "lun1", count: 4)
        stack.resources = [.started, .promoted, .started, .started]
        #expect(StackPlanner.isUp(stack, roles: Self.roles))
        stack.resources = [.started, .promoted, .started, .stopped]
        #expect(!StackPlanner.isUp(stack, roles: Self.roles), "the portal not started yet")
        #expect(StackPlanner.isServing(stack, roles: Self.roles), "though it counts as served")
        stack.resources = [.started, .promoted, .started, .started]
        stack.operation = StackStep(resource: 3, action: .monitor)
        #expect(StackPlanner.isUp(stack, roles: Self.roles), "a monitor changes nothing")
        stack.operation = StackStep(resource: 3, action: .stop)
        #expect(!StackPlanner.isUp(stack, roles: Self.roles), "a stop runs on it")
        stack.operation = nil
        stack.resources = [.started, .promoted, .failed, .started]
        #expect(!StackPlanner.isUp(stack, roles: Self.roles), "a part failed")
        stack.resources = [.started, .promoted, .started, .unknown]
        #expect(!StackPlanner.isUp(stack, roles: Self.roles), "a part not probed")
    }

    @Test("a node owes a LUN's initiators a tickle only for a placement it took over from another node, once")
    func awaitsTickle() {
        var record = LUNRecord(owner: NodeID(2), reason: .recovered(from: NodeID(1)), since: 40)
        #expect(record.awaitsTickle(by: NodeID(2), tickled: nil))
        #expect(record.awaitsTickle(by: NodeID(2), tickled: 12), "a tickle of an earlier placement does not count")
        #expect(!record.awaitsTickle(by: NodeID(2), tickled: 40))
        #expect(!record.awaitsTickle(by: NodeID(3), tickled: nil), "only the new owner tickles")
        for handover: PlacementReason in [.moved, .drained, .reassigned(from: NodeID(1)), .failedBack] {
            record.reason = handover
            #expect(record.awaitsTickle(by: NodeID(2), tickled: nil), "the previous node's connections are still open after \(handover)")
        }
        for first: PlacementReason in [.placed, .adopted] {
            record.reason = first
            #expect(!record.awaitsTickle(by: NodeID(2), tickled: nil), "no node served it before: \(first)")
        }
    }

    struct OutcomeRow: CustomTestStringConvertible, Sendable {
        let exit: AgentExit
        let action: StackAction
        let role: ResourceRole
        let was: ResourceState
        let state: ResourceState
        let failure: StackFailure.Kind?
        var testDescription: String { "\(action) \(exit) (\(role), was \(was)) → \(state) \(failure.map { "\($0)" } ?? "")" }
    }

    static let outcomes: [OutcomeRow] = [
        OutcomeRow(exit: .code(0), action: .probe, role: .serving, was: .unknown, state: .started, failure: nil),
        OutcomeRow(exit: .code(7), action: .probe, role: .serving, was: .unknown, state: .stopped, failure: nil),
        OutcomeRow(exit: .code(5), action: .probe, role: .serving, was: .unknown, state: .stopped, failure: nil),
        OutcomeRow(exit: .code(8), action: .probe, role: .promotable, was: .unknown, state: .promoted, failure: nil),
        OutcomeRow(exit: .code(1), action: .probe, role: .serving, was: .unknown, state: .failed, failure: .soft),
        OutcomeRow(exit: .code(1), action: .start, role: .serving, was: .stopped, state: .failed, failure: .startFailed),
        OutcomeRow(exit: .timedOut, action: .start, role: .serving, was: .stopped, state: .failed, failure: .startFailed),
        OutcomeRow(exit: .code(5), action: .start, role: .serving, was: .stopped, state: .failed, failure: .hard),
        OutcomeRow(exit: .notRunnable, action: .start, role: .serving, was: .stopped, state: .failed, failure: .hard),
        OutcomeRow(exit: .code(6), action: .start, role: .serving, was: .stopped, state: .failed, failure: .fatal),
        OutcomeRow(exit: .code(1), action: .promote, role: .promotable, was: .started, state: .failedPromoted, failure: .startFailed),
        OutcomeRow(exit: .code(0), action: .monitor, role: .serving, was: .started, state: .started, failure: nil),
        OutcomeRow(exit: .code(7), action: .monitor, role: .serving, was: .started, state: .failed, failure: .soft),
        OutcomeRow(exit: .timedOut, action: .monitor, role: .serving, was: .started, state: .failed, failure: .soft),
        OutcomeRow(exit: .code(8), action: .monitor, role: .promotable, was: .promoted, state: .promoted, failure: nil),
        OutcomeRow(exit: .code(0), action: .monitor, role: .promotable, was: .promoted, state: .failedPromoted, failure: .soft),
        OutcomeRow(exit: .code(9), action: .monitor, role: .promotable, was: .promoted, state: .failedPromoted, failure: .soft),
        OutcomeRow(exit: .code(4), action: .monitor, role: .serving, was: .started, state: .failed, failure: .hard),
        // Degraded is running (Pacemaker's pcmk__effective_rc): 190 as 0, 191 as 8.
        OutcomeRow(exit: .code(190), action: .monitor, role: .serving, was: .started, state: .started, failure: nil),
        OutcomeRow(exit: .code(191), action: .monitor, role: .promotable, was: .promoted, state: .promoted, failure: nil),
        OutcomeRow(exit: .code(191), action: .monitor, role: .promotable, was: .started, state: .failed, failure: .soft),
        OutcomeRow(exit: .code(191), action: .probe, role: .promotable, was: .unknown, state: .promoted, failure: nil),
        OutcomeRow(exit: .code(190), action: .probe, role: .serving, was: .unknown, state: .started, failure: nil),
        OutcomeRow(exit: .code(1), action: .stop, role: .serving, was: .started, state: .failed, failure: .stopFailed),
        OutcomeRow(exit: .timedOut, action: .demote, role: .promotable, was: .promoted, state: .failedPromoted, failure: .stopFailed),
    ]

    @Test("what an exit code means (Pacemaker's reading)", arguments: outcomes)
    func outcome(_ row: OutcomeRow) {
        let (state, failure) = StackOutcome.reading(row.exit, of: row.action, role: row.role, was: row.was)
        #expect(state == row.state)
        #expect(failure == row.failure)
    }
}
