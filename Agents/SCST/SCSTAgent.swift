import HaloISCSI
import HaloOCF
import HaloSystem
import Logging

/// `ocf:halo:scst`: one LUN exported as an SCST iSCSI target, through SCST's sysfs interface
/// (`/sys/kernel/scst_tgt`) — no scstadmin, no shell, no process at all.
///
/// The glue of observe → decide → act: each action reads what it needs (`SCSTView`), asks
/// `SCSTDecision`, and applies the answer (`SCSTEffects`) under the node's SCST lock.
public enum SCSTAgent: TargetStack {
    public typealias Parameters = SCSTParameters

    public static let name = "scst"
    public static let description = targetDescription(
        short: "Exports one LUN as an SCST iSCSI target",
        long: "Creates an SCST vdisk device for the backing store with a SCSI identity that is the same on every "
            + "node (derived from the IQN and the LUN unless configured), an iSCSI target for it with its portals, ACL "
            + "(an initiator group: the LUN never enters the default LUN set then), CHAP and session parameters, "
            + "exports the LUN and enables the target. Every management write of the node goes through one lock and "
            + "waits out EAGAIN. Start never removes a LUN under a live session (it refuses such a repair: restart "
            + "instead). Stop closes the target's sessions and removes only the target and the device it "
            + "owns. Monitor depth 0 checks the export and that iscsi-scstd lives (its exit deletes every iSCSI target); "
            + "10 the device, identity, portals, ACL and CHAP against the configuration; 20 reads a block of the "
            + "backing store. reload-agent applies changed portals, initiators, CHAP accounts and session parameters "
            + "to the running target without disabling it: sessions of initiators still allowed stay, a removed "
            + "initiator's sessions are closed, new accounts and session parameters apply to the next login.",
        stopTimeout: .seconds(90))

    // MARK: start, reload-agent

    public static let stackName = "SCST"
    public static let lockFile = "scst-mgmt.lock"

    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try change(context, done: "configured") { (current, credentials) throws(AgentFailure) in
            let settings = current.settings
            let steps = SCSTDecision.start(settings, current.observation, chap: current.users, node: nodeName(context))
            if let refusal = SCSTDecision.liveSessionRefusal(settings, current.observation, steps, chap: current.users) { throw refusal }
            guard !steps.isEmpty else { return }
            do throws(StepFailure<SCSTStep>) {
                try effects(current, context).apply(steps, credentials: credentials)
            } catch {
                throw SCSTDecision.failure(error.step, error.errno, settings)
            }
            context.logger.info("target configured", metadata: ["halo.target": "\(settings.target)", "halo.writes": "\(steps.count)"])
        }
    }

    /// Applies changed reloadable parameters to the running target (`SCSTDecision.reload`): the
    /// target stays enabled, so every session of an initiator still allowed goes on; a write SCST
    /// refuses stops the reload, and the writes before it are undone where they can be.
    public static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try change(context, done: "reloaded") { (current, credentials) throws(AgentFailure) in
            let settings = current.settings
            let plan = try SCSTDecision.reload(settings, current.observation, chap: current.users, node: nodeName(context)).get()
            guard !plan.steps.isEmpty else {
                context.logger.info("reloaded: the target already is as configured", metadata: ["halo.target": "\(settings.target)"])
                return
            }
            do throws(ReloadFailure<SCSTStep>) {
                try effects(current, context).apply(plan, credentials: credentials)
            } catch {
                throw error.failure(refused: SCSTDecision.failure(error.stopped, error.errno, settings).reason)
            }
            let closed = plan.steps.compactMap { if case .closeSession(let initiator) = $0.step { initiator } else { nil } }
            var metadata: Logger.Metadata = ["halo.target": "\(settings.target)", "halo.writes": "\(plan.steps.count)"]
            if !closed.isEmpty { metadata["halo.closed"] = "\(closed.joined(separator: " "))" }
            context.logger.info("target reloaded in place: the sessions of allowed initiators kept", metadata: metadata)
        }
    }

    // MARK: stop

    /// Stop with parameters that do not validate: what the resource owns is named by the
    /// target's IQN, the device name and (for a LUN other than 0, whose placeholder is named
    /// after the identity) the LUN and serial. With those valid it is stopped as by stop;
    /// without them the stop fails, since the target may still run.
    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        let parameters = context.parameters
        guard let target = parameters.value(\.iqn), let device = parameters.value(\.deviceName),
              let lun = parameters.value(\.lun), lun == 0 || parameters.value(\.serial) != nil else {
            throw .cannotStop(without: "iqn, device_name, lun or serial", problems)
        }
        let settings = SCSTSettings.owned(target: target, lun: lun, device: device, serial: parameters.value(\.serial) ?? nil,
                                          group: parameters.value(\.initiatorGroup) ?? GroupName(text: "halo"))
        return try stop(settings, state: context.state, deadline: context.deadline, logger: context.logger)
    }

    /// Takes down what `settings` says the resource owns (`SCSTDecision.stop`).
    public static func stop(_ settings: SCSTSettings, state: StateDirectory, deadline: Deadline, logger: Logger) throws(AgentFailure) -> AgentOutcome {
        let view = SCSTView(deadline: deadline)
        let effects = SCSTEffects(kernel: view.kernel, deadline: deadline, settings: settings, logger: logger)
        let steps = try stop(settings, view: view, effects: effects, state: state, deadline: deadline,
                             decide: { SCSTDecision.stop(settings, $0) }, failure: { SCSTDecision.failure($0.step, $0.errno, settings) })
        if steps.contains(.deleteTarget) { logger.info("target removed", metadata: ["halo.target": "\(settings.target)"]) }
        return .success
    }

    // MARK: Helpers

    /// The node's name as Pacemaker knows it (`CRM_meta_on_node`), else the kernel's node name.
    static func nodeName(_ context: ActionContext<Parameters>) -> String {
        context.environment.operation.onNode ?? CurrentProcess.nodeName
    }

    // MARK: TargetStack: monitor, validate-all and the reads are the shared glue's

    public static func settings(_ parameters: ParameterValues<Parameters>) -> SCSTSettings { SCSTSettings(parameters) }
    public static func view(_ context: ActionContext<Parameters>) -> SCSTView { SCSTView(deadline: context.deadline) }
    static func effects(_ current: TargetChange<Self>, _ context: ActionContext<Parameters>) -> SCSTEffects {
        SCSTEffects(kernel: current.view.kernel, deadline: context.deadline, settings: current.settings, logger: context.logger)
    }
    public static let stateLocation = "SCST's state in /sys/kernel/scst_tgt"
}
