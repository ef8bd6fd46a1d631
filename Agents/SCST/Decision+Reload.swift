import HaloISCSI
import HaloOCF

/// A reload of ocf:halo:scst: management writes, each with its undo (`ReloadStep`). SCST never
/// needs the target disabled for one: its initiator groups rebind live sessions when their
/// membership changes (scst_sysfs.c: every `add`/`del` of `initiators/mgmt` ends in
/// `scst_check_reassign_sessions`), so an initiator keeps or loses the LUN in place.
typealias SCSTReloadStep = ReloadStep<SCSTStep>
typealias SCSTReloadPlan = ReloadPlan<SCSTStep>

extension SCSTDecision {
    /// The management writes that bring a running target to the reloadable settings — portals,
    /// initiators, CHAP accounts, session parameters — with the target enabled throughout. An
    /// added initiator joins the group (a session it has is rebound to the group's LUN set); a
    /// removed one leaves it and its sessions are closed (rebound to the default set, which holds
    /// no LUN of this resource, they would see none). The switch between open access and an
    /// initiator list exports the LUN in the new set before it leaves the old one, and closes the
    /// sessions of initiators no longer allowed. New CHAP accounts and session parameters apply to
    /// the next login. The device, its identity and the target's relative port id are not
    /// reloadable: a difference there is refused.
    static func reload(_ settings: SCSTSettings, _ observation: SCSTObservation, chap: ChapUsers, node: String?)
        -> Result<SCSTReloadPlan, AgentFailure> {
        guard observation.iscsi?.isDaemonConnected == true, let target = observation.target, target.isEnabled,
              observation.device != nil, !target.luns(of: settings.device.text).isEmpty else {
            return .failure(.generic("\(settings.target) is not running here: there is nothing to reload (start it)"))
        }
        if let difference = unreloadableDifference(settings, observation, node: node) {
            return .failure(.generic("\(difference): only a restart changes that, not a reload"))
        }
        var additions: [SCSTReloadStep] = []
        var removals: [SCSTReloadStep] = []
        for parameter in settings.sessionParameters where target.parameters[parameter.key.rawValue] != shownValue(parameter) {
            guard let attribute = attribute(parameter.key) else { continue }  // LIO's: refused before any plan
            let old = target.parameters[parameter.key.rawValue]
            additions.append(SCSTReloadStep(.setTargetAttribute(attribute: attribute, value: shownValue(parameter)),
                                            undo: old.map { [.setTargetAttribute(attribute: attribute, value: $0)] }))
        }
        let portals = settings.portals.map(\.addressText)
        for portal in portals where !target.allowedPortals.contains(portal) {
            additions.append(SCSTReloadStep(.addAllowedPortal(portal), undo: [.deleteAllowedPortal(portal)]))
        }
        for portal in target.allowedPortals where !portals.contains(portal) {
            removals.append(SCSTReloadStep(.deleteAllowedPortal(portal), undo: [.addAllowedPortal(portal)]))
        }
        // As start: an account with another user or an old secret goes before its replacement is
        // added (iscsi-scstd refuses a second account with a user it has: captured, issue 17).
        for step in chapSteps(target, chap) {
            switch step {
            case .addChapUser(let outgoing):
                let user = outgoing ? chap.outgoing : chap.incoming
                additions.append(SCSTReloadStep(step, undo: user.map { [.deleteChapUser(outgoing: outgoing, user: $0)] }))
            default:
                additions.append(SCSTReloadStep(step, undo: nil))
            }
        }
        let (acl, closing) = aclReload(settings, target)
        additions += acl.additions
        removals += acl.removals
        removals += closing.map { SCSTReloadStep(.closeSession(initiator: $0), undo: nil) }
        return .success(SCSTReloadPlan(steps: additions + removals))
    }

    /// The ACL part of a reload: the steps that keep or give the allowed initiators the LUN
    /// (with their undo), the ones that take it away (none undoable), and the initiators whose
    /// sessions are then closed.
    static func aclReload(_ settings: SCSTSettings, _ target: TargetState)
        -> (acl: (additions: [SCSTReloadStep], removals: [SCSTReloadStep]), closing: [String]) {
        let ours = [(settings.lun, settings.device.text)] + (settings.placeholderName.map { [(0, $0.text)] } ?? [])
        let group = settings.group.text
        var additions: [SCSTReloadStep] = []
        var removals: [SCSTReloadStep] = []
        guard let initiators = settings.initiators?.map(\.text) else {
            // Open access: the LUN into the default set first; deleting the group then rebinds
            // its sessions to the default set, which holds it.
            guard target.groups[group] != nil else { return (([], []), []) }
            for (lun, device) in ours where target.defaultLUNs[lun] != device {
                additions.append(SCSTReloadStep(.addLUN(group: nil, device: device, lun: lun), undo: [.deleteLUN(group: nil, lun: lun)]))
            }
            removals.append(SCSTReloadStep(.deleteGroup(group), undo: nil))
            return ((additions, removals), [])
        }
        if let existing = target.groups[group] {
            for initiator in initiators where !existing.initiators.contains(initiator) {
                additions.append(SCSTReloadStep(.addInitiator(group: group, initiator: initiator),
                                                undo: [.deleteInitiator(group: group, initiator: initiator)]))
            }
            let leaving = existing.initiators.filter { !initiators.contains($0) }
            removals += leaving.map { SCSTReloadStep(.deleteInitiator(group: group, initiator: $0), undo: nil) }
            return ((additions, removals), target.sessions.map(\.initiator).filter { leaving.contains($0) }.sorted())
        }
        // From open access: the group with the LUN and its initiators first (their sessions are
        // rebound to it and keep the LUN), then the LUN leaves the default set.
        additions.append(SCSTReloadStep(.createGroup(group), undo: [.deleteGroup(group)]))
        for (lun, device) in ours {
            additions.append(SCSTReloadStep(.addLUN(group: group, device: device, lun: lun), undo: [.deleteLUN(group: group, lun: lun)]))
        }
        for initiator in initiators {
            additions.append(SCSTReloadStep(.addInitiator(group: group, initiator: initiator),
                                            undo: [.deleteInitiator(group: group, initiator: initiator)]))
        }
        for (lun, device) in ours where target.defaultLUNs[lun] == device {
            removals.append(SCSTReloadStep(.deleteLUN(group: nil, lun: lun), undo: nil))
        }
        return ((additions, removals), target.sessions.map(\.initiator).filter { !initiators.contains($0) }.sorted())
    }

    /// What a reload must not change, or `nil`: the device (handler, backing, cache, block size,
    /// identity), the target's relative port id, the LUN sets beyond what the ACL moves, and a
    /// CHAP account iscsi-scstd lost (only deleting the target repairs that).
    static func unreloadableDifference(_ settings: SCSTSettings, _ observation: SCSTObservation, node: String?) -> String? {
        guard let target = observation.target, let device = observation.device else { return nil }
        if let difference = deviceDifference(settings, device) { return "the device \(settings.device) differs (\(difference))" }
        var scratch = target
        if !deviceSteps(settings, observation, target: &scratch).isEmpty {
            return "the device \(settings.device) or its identity differs from the configuration"
        }
        if let id = relativeTargetID(settings, node: node), id != target.relativeID {
            return "the relative target id of \(settings.target) is \(target.relativeID), not \(id)"
        }
        if !target.orphanedAccounts.isEmpty {
            return "iscsi-scstd lost the CHAP account behind \(target.orphanedAccounts.joined(separator: ", ")) (a restart re-creates the target)"
        }
        let ours = [(settings.lun, settings.device.text)] + (settings.placeholderName.map { [(0, $0.text)] } ?? [])
        let group = settings.group.text
        let current = target.groups[group]?.luns ?? target.defaultLUNs
        if ours.contains(where: { current[$0.0] != $0.1 }) {
            return "the LUNs of \(settings.target) are not where its access mode has them"
        }
        return nil
    }
}
