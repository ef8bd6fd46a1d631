import HaloISCSI
import HaloOCF
import HaloSystem
import Logging

/// `ocf:halo:lio`: `ocf:halo:scst`'s target definition — one LUN, its identity, portals, ACL,
/// CHAP and session parameters — carried out through LIO's configfs directly
/// (`/sys/kernel/config/target`): no targetcli, no process.
public enum LIOAgent: TargetAgent {
    public typealias Parameters = LIOParameters

    public static let name = "lio"
    public static let description = targetDescription(
        short: "Exports one LUN as a LIO iSCSI target",
        long: "Creates a LIO storage object for the backing store with the same SCSI identity ocf:halo:scst gives "
            + "it (so a LUN keeps its identity on either stack), an iSCSI target with TPG 1, its network portals, LUN, "
            + "node ACLs (or open access when no initiators are listed), CHAP and session parameters, and enables the "
            + "TPG. Stop disables the TPG (LIO drops its sessions) and removes only the target and the storage object it "
            + "owns. Monitor depth 0 checks the export, 10 the configuration and identity, 20 reads a block of the "
            + "backing store. reload-agent applies changed portals, initiators, CHAP credentials and session "
            + "parameters to the running target without disabling it: sessions of initiators still allowed stay, a "
            + "removed initiator's sessions are closed, new secrets and session parameters apply to the next login.",
        stopTimeout: .seconds(60))

    /// What start and reload-agent work from: the settings, the CHAP users and the target as it
    /// runs, read under the node's LIO lock.
    struct Current {
        let settings: LIOSettings
        let users: ChapUsers
        let observation: LIOObservation
        let effects: LIOEffects
    }

    public static let stackName = "LIO"
    public static let lockFile = "lio.lock"

    /// start and reload-agent around their own plan (`TargetAgent.change`): the target read
    /// under the node's LIO lock and refused when it cannot work here (`startRefusal`); after
    /// `change`, read again for the depth-10 monitor.
    static func change(_ context: ActionContext<Parameters>, done: String,
                       _ change: (Current, borrowing ChapCredentials?) throws(AgentFailure) -> Void) throws(AgentFailure) -> AgentOutcome {
        let settings = LIOSettings(context.parameters)
        let view = LIOView()
        return try self.change(context, done: done, chapFile: settings.chapFile, read: { (credentials) throws(AgentFailure) in
            let observation = try observe(view, settings, .full, credentials)
            if let refusal = LIODecision.startRefusal(settings, observation) { throw refusal }
            return Current(settings: settings, users: ChapUsers(credentials), observation: observation,
                           effects: LIOEffects(kernel: view.kernel, logger: context.logger))
        }, verify: { (credentials) throws(AgentFailure) in
            LIODecision.monitor(settings, try observe(view, settings, .full, credentials), level: .thorough, chap: .configured(ChapUsers(credentials)))
        }, change)
    }

    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try change(context, done: "configured") { (current, credentials) throws(AgentFailure) in
            let settings = current.settings
            let steps = LIODecision.start(settings, current.observation, chap: current.users)
            guard !steps.isEmpty else { return }
            do throws(StepFailure<LIOStep>) {
                try current.effects.apply(steps, credentials: credentials)
            } catch {
                throw LIODecision.failure(error.step, error.errno, settings)
            }
            context.logger.info("target configured", metadata: ["halo.target": "\(settings.target)", "halo.operations": "\(steps.count)"])
        }
    }

    public static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try stop(LIOSettings(context.parameters), state: context.state, deadline: context.deadline, logger: context.logger)
    }

    /// Stop with parameters that do not validate: what the resource owns is named by the
    /// target's IQN, the storage object's name and its backstore (the HBA directory it is in).
    /// With those valid it is stopped as by stop; without them the stop fails, since the
    /// target may still run.
    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        let parameters = context.parameters
        guard let target = parameters.value(\.iqn), let device = parameters.value(\.deviceName),
              let backstore = parameters.value(\.backstore) else {
            throw .cannotStop(without: "iqn, device_name or backstore", problems)
        }
        let settings = LIOSettings(target: target, device: device, backing: BackingPath(path: "(not validated)"), backstore: backstore)
        return try stop(settings, state: context.state, deadline: context.deadline, logger: context.logger)
    }

    /// Takes down what `settings` says the resource owns (`LIODecision.stop`): it reads the
    /// target, the storage object's name and its backstore, nothing else.
    static func stop(_ settings: LIOSettings, state: StateDirectory, deadline: Deadline, logger: Logger) throws(AgentFailure) -> AgentOutcome {
        let lock = try lock(state, deadline: deadline)
        let view = LIOView()
        let steps = LIODecision.stop(settings, try observe(view, settings, .basic, nil))
        do {
            try LIOEffects(kernel: view.kernel, logger: logger).apply(steps, credentials: nil)
        } catch {
            if !LIODecision.stop(settings, try observe(view, settings, .basic, nil)).isEmpty {
                throw LIODecision.failure(error.step, error.errno, settings)
            }
        }
        _ = consume lock
        return .success
    }

    public static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        let settings = LIOSettings(context.parameters)
        let view = LIOView()
        guard level >= .thorough else {
            return try LIODecision.monitor(settings, try observe(view, settings, .basic, nil), level: level).get()
        }
        var credentials: ChapCredentials? = nil
        let chap = monitorExpectation(settings.chapFile, logger: context.logger, credentials: &credentials)
        var observation = try observe(view, settings, .full, credentials)
        if level >= .deep, observation.storage != nil {
            observation.deepRead = view.deepRead(settings, reader: context.reader, deadline: context.deadline)
        }
        return try LIODecision.monitor(settings, observation, level: level, chap: chap).get()
    }

    /// Applies changed reloadable parameters to the running target (`LIODecision.reload`): the
    /// TPG stays enabled, so every session of an initiator still allowed goes on; a step the
    /// kernel refuses stops the reload, and the steps before it are undone where they can be.
    public static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try change(context, done: "reloaded") { (current, credentials) throws(AgentFailure) in
            let settings = current.settings
            let plan = try LIODecision.reload(settings, current.observation, chap: current.users).get()
            guard !plan.steps.isEmpty else {
                context.logger.info("reloaded: the target already is as configured", metadata: ["halo.target": "\(settings.target)"])
                return
            }
            if plan.cyclesTarget {
                context.logger.warning(settings.initiators == nil
                    ? "switching to open access: the TPG is disabled and enabled again, every initiator logs in again"
                    : "switching from open access to an initiator list: the TPG is made again (LIO would go on admitting every initiator it let in on its own), every allowed initiator logs in again",
                    metadata: ["halo.target": "\(settings.target)"])
            }
            do throws(ReloadFailure<LIOStep>) {
                try current.effects.apply(plan, credentials: credentials)
            } catch {
                throw LIODecision.reloadFailure(error, settings)
            }
            // The ACLs the plan removes (LIO closed their sessions): `tpgt_1/acls/<initiator>`.
            let acls = "\(LIODecision.tpgPath(settings))/acls/"
            let removed = plan.steps.compactMap { planned -> String? in
                guard case .removeDirectory(let path) = planned.step, path.hasPrefix(acls) else { return nil }
                let initiator = path.dropFirst(acls.count)
                return initiator.contains("/") ? nil : String(initiator)
            }
            var metadata: Logger.Metadata = ["halo.target": "\(settings.target)", "halo.operations": "\(plan.steps.count)"]
            if !removed.isEmpty && !plan.cyclesTarget { metadata["halo.closed"] = "\(removed.joined(separator: " "))" }
            context.logger.info(!plan.cyclesTarget ? "target reloaded in place: the sessions of allowed initiators kept"
                                    : settings.initiators == nil ? "target reloaded (TPG re-enabled)" : "target reloaded (TPG made again)",
                                metadata: metadata)
        }
    }

    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        let settings = LIOSettings(context.parameters)
        let credentials = try readCredentials(settings.chapFile)
        if let refusal = LIODecision.startRefusal(settings, try observe(LIOView(), settings, .full, credentials)) { throw refusal }
    }

    // MARK: Helpers

    static func observe(_ view: LIOView, _ settings: LIOSettings, _ depth: LIOView.Depth,
                        _ credentials: borrowing ChapCredentials?) throws(AgentFailure) -> LIOObservation {
        do {
            return try view.observe(settings, depth: depth, credentials: credentials)
        } catch {
            throw AgentFailure.generic(Reason("cannot read LIO's state in /sys/kernel/config/target: \(error)", details: ["halo.errno": error.symbol]))
        }
    }
}
