import HaloControl
import HaloDRBD
import HaloJSON
import HaloOCF
import HaloSystem

/// `ocf:halo:drbd`: a DRBD resource as a promotable clone, with promotion scores from its data
/// state and peer fencing (`drbd-fence-peer`) built in.
public enum DRBDAgent: PromotableAgent, NotifyingAgent, ReloadingAgent {
    public typealias Parameters = DRBDParameters

    public static let name = "drbd"
    public static let description = AgentDescription(
        name: name,
        shortDescription: "DRBD resource as a promotable clone, with promotion scores and peer fencing",
        longDescription: "Manages one DRBD resource (DRBD 8.4 or 9 kernel, drbd-utils 9) as a promotable clone: start "
            + "brings it up as Secondary and waits briefly for the peer, promote refuses without access to UpToDate "
            + "data (and backs off), monitor reports 8 when Primary and 9 when Primary without its local disk, and "
            + "the promotion score follows the data state, written only when it changes. For peer fencing, point "
            + "DRBD's fence-peer handler at `halo-agent drbd-fence-peer` (docs/drbd.md).",
        timeouts: [.start: .seconds(240), .stop: .seconds(100), .promote: .seconds(90), .demote: .seconds(90),
                   .notify: .seconds(90), .reloadAgent: .seconds(30), .monitor: .seconds(20)],
        monitors: [MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20), role: .promoted),
                   MonitorRecommendation(interval: .seconds(20), timeout: .seconds(20), role: .unpromoted)],
        monitorLevels: [.basic, .thorough, .deep],
        validateLevels: [.basic, .thorough])

    static func effects(_ context: ActionContext<Parameters>) -> DRBDEffects {
        DRBDEffects(resource: context.parameters.resource, instance: context.instance,
                    tools: DRBDTools(configuration: context.parameters.configuration, runner: context.processes),
                    state: context.state, logger: context.logger, deadline: context.deadline,
                    writesPromotionScores: context.environment.manager == .pacemaker,
                    source: DRBDObservation.Source(environment: CurrentProcess.environment()))
    }

    static func requireClone(_ context: ActionContext<Parameters>) throws(AgentFailure) {
        if let problem = DRBDDecision.cloneProblem(context.environment.clone, dualPrimary: context.parameters.dualPrimary) {
            throw .misconfigured(Reason(problem))
        }
    }

    /// Observe → decide the next step (`DRBDDecision.start`) → do it, until started.
    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try requireClone(context)
        let effects = effects(context)
        let resource = context.parameters.resource
        effects.noteNodeName(context.environment.operation.onNode)
        var done: Set<DRBDDecision.StartStep> = []
        var observation = try effects.observe()
        while true {
            let step = DRBDDecision.start(resource, observation, done: done, scores: context.parameters.scores)
            switch step {
            case .loadModule:
                try effects.loadModule()
            case .adjust:
                try effects.drbdadm("adjust") { result in
                    .generic(Reason("drbdadm adjust \(resource) failed (\(result.termination)): \(firstLine(result.errorText))"))
                }
            case .awaitConnection:
                done.insert(step)
                observation = try effects.waitForConnection(until: Deadline.after(context.parameters.connectTimeout).earlier(context.deadline.portion(0.5)))
                continue
            case .demote:
                try demote(context)
            case .finish(let score):
                effects.apply(score, force: true)
                return .success
            case .fail(let failure):
                throw failure
            }
            done.insert(step)
            observation = try effects.observe()
        }
    }

    /// Observe → decide the next step (`DRBDDecision.stop`) → do it, until down.
    public static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let effects = effects(context)
        var done: Set<DRBDDecision.StopStep> = []
        var observation = try effects.observe()
        while true {
            let step = DRBDDecision.stop(observation.state, done: done)
            switch step {
            case .demote:
                try demote(context)
            case .down:
                let before = observation
                try effects.drbdadm("down") { result in
                    .generic(Reason("drbdadm down failed: \(firstLine(result.errorText))\(effects.users(before))"))
                }
            case .finish:
                effects.apply(.remove, force: true)
                return .success
            case .fail(let reason):
                throw .generic(Reason(reason + effects.users(observation)))
            }
            done.insert(step)
            observation = try effects.observe()
        }
    }

    public static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        let effects = effects(context)
        let observation = try effects.observe()
        let outcome = DRBDDecision.monitor(observation, level: level)
        if observation.state != nil || !context.isProbe {
            // A probe may follow a Pacemaker restart, which forgets transient attributes: write.
            effects.apply(DRBDDecision.score(observation.state, scores: context.parameters.scores), force: context.isProbe)
        }
        if level >= .deep && observation.state?.role == .primary {
            try effects.readProbe(observation)
        }
        return outcome
    }

    /// Observe → decide the next step (`DRBDDecision.promote`) → do it. A peer DRBD still shows
    /// as Primary is waited for, bounded: at most half of the action's time, so a peer that
    /// really stays Primary still gets a reasoned refusal (and the back-off) within the timeout.
    public static func promote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try requireClone(context)
        let started = ContinuousClock.now
        let effects = effects(context)
        effects.noteNodeName(context.environment.operation.onNode)
        let peerWait = context.deadline.portion(0.5)
        var done: Set<DRBDDecision.PromoteStep> = []
        var state = try effects.observe().state
        var dropped: DroppedConnection?
        var saidWaiting = false
        // Listened for again once the promote is done or refused — not before: the fenced peer
        // is not back for minutes.
        defer { if let dropped { listenForPeers(context, effects: effects, dropped: dropped, state: state) } }
        while true {
            let step = DRBDDecision.promote(state, done: done, dualPrimary: context.parameters.dualPrimary,
                                            mayDropPeer: context.environment.manager == .halod, mayWait: peerWait.remaining() > .zero,
                                            scores: context.parameters.scores)
            switch step {
            case .alreadyPrimary:
                return .success
            case .dropFencedPeer:
                dropped = dropConnectionToFencedPeers(context, effects: effects, state: state)
            case .waitForPeer:
                if !saidWaiting {
                    context.logger.notice("the peer still shows as Primary: waiting for DRBD to see it demoted or gone")
                    saidWaiting = true
                }
                Pause.for(.milliseconds(250))
            case .primary:
                let result = try effects.changeRole(.primary, state: state)
                guard result.succeeded else {
                    let why = DRBDDecision.promoteFailure(exitStatus: result.exitStatus, termination: result.termination, said: result.said)
                    throw backOff(Reason(why), since: started, context: context, effects: effects)
                }
            case .finish(let score):
                // Written only when it changed (an UpToDate Secondary already has the best score): a
                // crm_attribute call is seconds on a loaded node, and promote is on the failover path.
                effects.apply(score, force: false)
                return .success
            case .refuse(let refusal):
                throw backOff(Reason(refusal), since: started, context: context, effects: effects)
            }
            if step != .waitForPeer { done.insert(step) }
            state = try effects.observe().state
        }
    }

    /// Under halod, a peer DRBD still shows as Primary is gone when halod's agreed state has every
    /// other node of the LUN fenced (halod's `peers-fenced`, which changes nothing): DRBD's
    /// connection to it is dropped at once (`disconnect --force` over netlink: no word from the
    /// dead peer awaited) instead of waiting up to `ping-int` + `ping-timeout` for DRBD's own ping
    /// to notice — measured in the lab, most of the promote's time after a crash. The promote
    /// that follows still goes through the fence-peer handler, which halod answers "fenced"; then
    /// `listenForPeers`. Pacemaker's profile keeps the wait: the agent has no such answer there.
    /// How it dropped the connection; nil when it did not.
    static func dropConnectionToFencedPeers(_ context: ActionContext<Parameters>, effects: DRBDEffects,
                                            state: DRBDResourceState?) -> DroppedConnection? {
        guard let socket = FencePeerCommand.halodSocket(CurrentProcess.environment()) else { return nil }
        let resource = context.parameters.resource
        let reply: JSONValue
        do {
            reply = try ControlClient.send(.peersFenced(resource: resource), to: socket, timeout: .seconds(5))
        } catch {
            context.logger.notice("halod did not say whether the peers of \(resource) are fenced (\(error)): waiting for DRBD")
            return nil
        }
        guard reply["ok"]?.boolValue == true else {
            context.logger.notice("the peer still shows as Primary and halod says: \(reply["error"]?.stringValue ?? "no answer")")
            return nil
        }
        context.logger.notice("the peer still shows as Primary but halod fenced its node: dropping DRBD's connection to it")
        guard let dropped = effects.dropConnection(state: state) else {
            context.logger.notice("the connection of \(resource) was not dropped: waiting for DRBD instead")
            return nil
        }
        return dropped
    }

    /// After `dropConnectionToFencedPeers`: DRBD listens for its peers again (`connect`), so the
    /// fenced node resyncs when it returns. A failure leaves the resource StandAlone, which the
    /// monitor reports until an admin runs `drbdadm connect`: said as a warning, with that fix.
    /// `state` is the promote's last observation of the resource.
    static func listenForPeers(_ context: ActionContext<Parameters>, effects: DRBDEffects, dropped: DroppedConnection,
                               state: DRBDResourceState?) {
        let resource = context.parameters.resource
        guard DRBDDecision.mustListenAgain(state) else {
            context.logger.notice("\(resource) kept its connection (the disconnect did not take effect): nothing to configure again")
            return
        }
        guard effects.restoreConnection(dropped) else {
            let message = "\(resource) does not listen for its peer again after the fenced peer was disconnected: it stays StandAlone "
                + "and its peer cannot resync until `drbdadm connect \(resource)` succeeds"
            context.logger.warning("\(message)")
            return
        }
    }

    /// A refused promote: no score here any more, and no return before `promote_backoff` has
    /// passed, so Pacemaker does not retry in a tight loop.
    static func backOff(_ reason: Reason, since started: ContinuousClock.Instant, context: ActionContext<Parameters>,
                        effects: DRBDEffects) -> AgentFailure {
        effects.apply(.remove, force: true)
        let until = Deadline(started + context.parameters.promoteBackoff).earlier(context.deadline)
        Pause.for(until.remaining())
        return .generic(reason)
    }

    /// Observe → decide (`DRBDDecision.demote`) → do it.
    @discardableResult
    public static func demote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let effects = effects(context)
        var done: Set<DRBDDecision.DemoteStep> = []
        var observation = try effects.observe()
        while true {
            switch DRBDDecision.demote(observation.state, done: done) {
            case .secondary:
                let before = observation
                let result = try effects.changeRole(.secondary, state: observation.state)
                guard result.succeeded else {
                    throw .generic(Reason(DRBDDecision.demoteFailure(resource: context.parameters.resource, exitStatus: result.exitStatus,
                                                                     termination: result.termination, said: result.said)
                                              + effects.users(before)))
                }
                done.insert(.secondary)
                observation = try effects.observe()
            case .finish:
                if done.contains(.secondary) {
                    effects.apply(DRBDDecision.score(observation.state, scores: context.parameters.scores), force: false)
                }
                return .success
            }
        }
    }

    public static func notify(_ context: ActionContext<Parameters>, _ notification: Notification) throws(AgentFailure) -> AgentOutcome {
        guard notification.phase == .post else { return .success }
        let effects = effects(context)
        if notification.operation == "start" && !notification.starting.nodes.isEmpty,
           let state = try effects.observe().state,
           state.connections.contains(where: { $0.state != .connected }) {
            // A peer started: make sure this side connects to it.
            _ = try effects.tools.drbdadm("adjust", context.parameters.resource, deadline: context.deadline)
        }
        // Only a changed score is written: promote, demote, start and probes write theirs, and a
        // notification round is on the failover path (one crm_attribute less per node and round).
        effects.apply(DRBDDecision.score(try effects.observe().state, scores: context.parameters.scores), force: false)
        return .success
    }

    public static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let effects = effects(context)
        effects.apply(DRBDDecision.score(try effects.observe().state, scores: context.parameters.scores), force: true)
        return .success
    }

    /// Level 10: the tools are installed, the configuration names the resource, the clone
    /// settings are supported.
    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        try requireClone(context)
        let tools = DRBDTools(configuration: context.parameters.configuration, runner: context.processes)
        let result = try tools.drbdadm("dump", context.parameters.resource, deadline: context.deadline)
        guard result.succeeded else {
            throw .notInstalled(Reason("resource \(context.parameters.resource) is not in \(context.parameters.configuration) on this node: \(firstLine(result.errorText))"))
        }
        if context.environment.clone?.promotedMax == 2 && !ConfigurationDump.allowsTwoPrimaries(result.outputText) {
            throw .misconfigured(Reason("promoted-max=2 needs allow-two-primaries in the net section of \(context.parameters.resource)"))
        }
    }

    /// Stop with parameters that do not validate: if the resource name itself is usable, take
    /// the resource down with drbdsetup (no configuration needed) rather than fail the stop —
    /// a failed stop gets the node fenced.
    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        guard let resource = context.environment.parameters["resource"],
              case .success = DRBDParameters.resourceName.value(from: resource) else {
            context.logger.warning("stop with invalid parameters and no usable resource name: nothing to stop",
                                   metadata: ["halo.problems": "\(problems)"])
            return .success
        }
        let tools = DRBDTools(configuration: "/etc/drbd.conf", runner: context.processes)
        guard DRBDObservation.moduleVersion(KernelAttributes()) != nil else { return .success }
        _ = try? tools.run(Command("drbdsetup", ["secondary", resource]), deadline: context.deadline)
        let result = try tools.run(Command("drbdsetup", ["down", resource]), deadline: context.deadline)
        context.logger.warning("stop with invalid parameters: took the resource down with drbdsetup",
                               metadata: ["halo.problems": "\(problems)", "halo.result": "\(result.termination)"])
        guard result.succeeded else {
            throw .generic(Reason("stop with invalid parameters: drbdsetup down \(resource) failed: \(firstLine(result.errorText))"))
        }
        return .success
    }
}
