import HaloISCSI
import HaloOCF
import HaloSystem
import Logging

/// `ocf:halo:lio`: `ocf:halo:scst`'s target definition — one LUN, its identity, portals, ACL,
/// CHAP and session parameters — carried out through LIO's configfs directly
/// (`/sys/kernel/config/target`): no targetcli, no process.
public enum LIOAgent: TargetStack {
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

    public static let stackName = "LIO"
    public static let lockFile = "lio.lock"

    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try change(context, done: "configured") { (current, credentials) throws(AgentFailure) in
            let settings = current.settings
            let steps = LIODecision.start(settings, current.observation, chap: current.users)
            guard !steps.isEmpty else { return }
            do throws(StepFailure<LIOStep>) {
                try effects(current, context).apply(steps, credentials: credentials)
            } catch {
                throw LIODecision.failure(error.step, error.errno, settings)
            }
            context.logger.info("target configured", metadata: ["halo.target": "\(settings.target)", "halo.operations": "\(steps.count)"])
        }
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
    public static func stop(_ settings: LIOSettings, state: StateDirectory, deadline: Deadline, logger: Logger) throws(AgentFailure) -> AgentOutcome {
        let view = LIOView()
        _ = try stop(settings, view: view, effects: LIOEffects(kernel: view.kernel, logger: logger), state: state, deadline: deadline,
                     decide: { LIODecision.stop(settings, $0) }, failure: { LIODecision.failure($0.step, $0.errno, settings) })
        return .success
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
                try effects(current, context).apply(plan, credentials: credentials)
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

    // MARK: TargetStack: monitor, validate-all and the reads are the shared glue's

    public static func settings(_ parameters: ParameterValues<Parameters>) -> LIOSettings { LIOSettings(parameters) }
    public static func view(_ context: ActionContext<Parameters>) -> LIOView { LIOView() }
    static func effects(_ current: TargetChange<Self>, _ context: ActionContext<Parameters>) -> LIOEffects {
        LIOEffects(kernel: current.view.kernel, logger: context.logger)
    }
    public static let stateLocation = "LIO's state in /sys/kernel/config/target"
}
