import HaloISCSI
import HaloOCF

extension SCSTDecision {
    /// Why start must not carry out `steps` on this running target now: one of them takes a LUN
    /// away from a LUN set a live session sees — a LUN removed, the device deleted (its LUNs go
    /// with it), the session's group or the whole target deleted. The initiator would get
    /// "Logical unit not supported" and I/O errors, and see capacity 0 until a rescan (a real
    /// SCST, issue 17). `nil` when no step does.
    ///
    /// Start then writes nothing and fails (1) with a reason that says what the repair would do
    /// to how many sessions and what to do instead: restart the resource, whose stop closes the
    /// sessions first (the initiators log in again once the repaired target is enabled), or log
    /// the initiators out. What the repair is for (the monitor's verdict) and the sessions'
    /// initiators go to the log. Repairs that leave every session's LUNs in place go ahead: SCST
    /// keeps sessions over the disable that brackets them.
    static func liveSessionRefusal(_ settings: SCSTSettings, _ observation: SCSTObservation, _ steps: [SCSTStep],
                                   chap: ChapUsers) -> AgentFailure? {
        guard let target = observation.target, !target.sessions.isEmpty else { return nil }
        for step in steps {
            let affected = target.sessions.filter { loses(step, $0, target) }
            guard !affected.isEmpty else { continue }
            let count = affected.count == 1 ? "1 live session" : "\(affected.count) live sessions"
            let verdict = switch monitor(settings, observation, level: .thorough, chap: .configured(chap)) {
            case .failure(let failure): failure.reason.summary
            case .success: "the LUN sets differ from the configuration"
            }
            return .generic(Reason(
                "start would \(step) under \(count) (I/O errors): restart the resource (stop closes sessions first)",
                details: ["halo.repair": verdict, "halo.sessions": affected.map(\.initiator).joined(separator: " ")]))
        }
        return nil
    }

    /// Whether `session` loses a LUN it sees when `step` runs.
    static func loses(_ step: SCSTStep, _ session: SessionState, _ target: TargetState) -> Bool {
        let visible = session.group.map { target.groups[$0]?.luns ?? [:] } ?? target.defaultLUNs
        switch step {
        case .deleteLUN(let group, let lun): return group == session.group && visible[lun] != nil
        case .deleteDevice(let name, _): return visible.values.contains(name)
        case .deleteGroup(let group): return group == session.group
        case .deleteTarget: return true
        case .addDevice, .setDeviceAttribute, .addTarget, .disableTarget, .enableTarget, .enableDriver, .setTargetAttribute,
             .addAllowedPortal, .deleteAllowedPortal, .addChapUser, .deleteChapUser, .createGroup, .addInitiator, .deleteInitiator,
             .addLUN, .closeSession, .waitForSessions:
            return false
        }
    }
}
