import HaloISCSI
import HaloOCF
import HaloSystem

extension SCSTDecision {
    /// Why this node cannot start the resource, before anything is written.
    static func startRefusal(_ settings: SCSTSettings, _ observation: SCSTObservation, node: String?) -> AgentFailure? {
        guard observation.isLoaded else {
            return .notInstalled("SCST is not loaded (no /sys/kernel/scst_tgt): load scst, scst_vdisk and iscsi_scst (the scst service)")
        }
        for handler in [settings.handler.rawValue] + (settings.placeholderName == nil ? [] : ["vdisk_nullio"])
        where !observation.handlers.contains(handler) {
            return .notInstalled("SCST has no \(handler) handler: load scst_vdisk")
        }
        if let key = settings.sessionParameters.first(where: { attribute($0.key) == nil })?.key {
            return .misconfigured("session parameter \(key.rawValue) is LIO's; SCST has no such setting (iscsi-scstd negotiates 0 by itself)")
        }
        guard let iscsi = observation.iscsi else {
            return .notInstalled("iSCSI-SCST is not loaded (no /sys/kernel/scst_tgt/targets/iscsi): load iscsi_scst, start iscsi-scstd")
        }
        guard iscsi.isDaemonConnected else {
            return .generic("iscsi-scstd is not running (targets/iscsi/open_state is not open): start it (the scst service)")
        }
        switch observation.backing {
        case .missing(let errno)?:
            return .generic(Reason("the backing store \(settings.backing) is not there (\(errno.symbol)): start what provides it (DRBD, LUKS) first",
                                   details: ["halo.errno": errno.symbol]))
        case .present(let type, _)? where settings.handler == .blockio && type != .blockDevice:
            return .invalidArgument("\(settings.backing) is not a block device: use handler=vdisk_fileio for a file")
        case .present(let type, _)? where settings.handler == .fileio && type != .regular && type != .blockDevice:
            return .invalidArgument("\(settings.backing) is neither a file nor a block device")
        default:
            break
        }
        if let configured = settings.relativeTargetID {
            guard let id = configured.id(on: node) else {
                return .invalidArgument("relative_target_id gives no id for node \(node ?? "(unknown)")")
            }
            if let other = observation.otherRelativeIDs.first(where: { $0.value == id }) {
                return .invalidArgument("relative target id \(id) is used by target \(other.key) on this node: give each target its own")
            }
        } else if let id = relativeTargetID(settings, node: node), let other = observation.otherRelativeIDs.first(where: { $0.value == id }) {
            return .invalidArgument(Reason("set relative_target_id: the id derived for this target on \(node ?? "") (\(id)) is used by target \(other.key)",
                                           details: ["halo.relative_target_id": String(id)]))
        }
        return nil
    }

    /// The relative target port id this node gives the target: the configured one, else the
    /// one derived from the IQN and the node (`RelativeTargetID.derived`); `nil` when a per-node
    /// list has none for this node (refused by `startRefusal`), or without a node name.
    static func relativeTargetID(_ settings: SCSTSettings, node: String?) -> Int? {
        if let configured = settings.relativeTargetID { return configured.id(on: node) }
        return node.map { RelativeTargetID.derived(target: settings.target, node: $0) }
    }

    /// The management writes that take the node from what was observed to the configured target.
    ///
    /// Converges from any state: a missing or differently created device is (re)created, its
    /// identity set before it is exported; a missing target is added; an enabled target that
    /// needs changes is disabled for them (so no initiator logs in to a half-configured target)
    /// and enabled again; a target with a CHAP account file iscsi-scstd has no account for is
    /// deleted and added again (nothing else removes the file). In the order the issue sets:
    /// device and identity → target → its attributes, ACL group, CHAP → LUN → enable target →
    /// enable the driver. Whether the writes may run under the target's live sessions is
    /// `liveSessionRefusal`'s to say.
    static func start(_ settings: SCSTSettings, _ observation: SCSTObservation, chap: ChapUsers, node: String?) -> [SCSTStep] {
        if let broken = observation.target, !broken.orphanedAccounts.isEmpty {
            var fresh = observation
            fresh.target = nil
            return (broken.isEnabled ? [.disableTarget] : []) + [.deleteTarget] + start(settings, fresh, chap: chap, node: node)
        }
        var target = observation.target ?? TargetState()
        let deviceSteps = deviceSteps(settings, observation, target: &target)
        var targetSteps: [SCSTStep] = []
        if let id = relativeTargetID(settings, node: node), id != target.relativeID {
            targetSteps.append(.setTargetAttribute(attribute: "rel_tgt_id", value: String(id)))
        }
        for parameter in settings.sessionParameters where target.parameters[parameter.key.rawValue] != shownValue(parameter) {
            if let attribute = attribute(parameter.key) { targetSteps.append(.setTargetAttribute(attribute: attribute, value: shownValue(parameter))) }
        }
        let portals = settings.portals.map(\.addressText)
        targetSteps += target.allowedPortals.filter { !portals.contains($0) }.map { .deleteAllowedPortal($0) }
        targetSteps += portals.filter { !target.allowedPortals.contains($0) }.map { .addAllowedPortal($0) }
        targetSteps += chapSteps(target, chap)
        targetSteps += aclSteps(settings, target)

        let touchesExports = deviceSteps.contains { step in
            switch step {
            case .deleteDevice, .deleteLUN: true
            default: false
            }
        }
        let wasEnabled = observation.target?.isEnabled == true
        let mustDisable = wasEnabled && (touchesExports || !targetSteps.isEmpty)
        var steps: [SCSTStep] = mustDisable ? [.disableTarget] : []
        steps += deviceSteps
        if observation.target == nil { steps.append(.addTarget) }
        steps += targetSteps
        if !wasEnabled || mustDisable { steps.append(.enableTarget) }
        if observation.iscsi?.isEnabled != true { steps.append(.enableDriver) }
        return steps
    }

    /// The device (and the LUN-0 placeholder): re-created when it differs from the
    /// configuration, created when missing, its identity set while it is not exported. `target`
    /// is updated to what it will be once these steps ran (deleting a device, or withdrawing it
    /// to change its identity, takes its LUNs away).
    static func deviceSteps(_ settings: SCSTSettings, _ observation: SCSTObservation, target: inout TargetState) -> [SCSTStep] {
        var steps: [SCSTStep] = []
        let devices = [(settings.device.text, settings.handler.rawValue, deviceParameters(settings), observation.device, true)]
            + (settings.placeholderName.map { [($0.text, "vdisk_nullio", "dummy=1; read_only=1; size_mb=1", observation.placeholder, false)] } ?? [])
        for (name, handler, parameters, found, isMain) in devices {
            var current = found
            if let existing = found, existing.handler != handler || (isMain && deviceDifference(settings, existing) != nil) {
                steps.append(.deleteDevice(name: name, handler: existing.handler))
                target.forget(device: name)
                current = nil
            }
            if current == nil {
                steps.append(.addDevice(name: name, handler: handler, parameters: parameters))
            }
            guard isMain else { continue }
            let fresh = current == nil
            let changes = identityAttributes(settings.identity).filter { attribute in
                fresh ? attribute.attribute != "t10_dev_id" && !(attribute.attribute == "eui64_id" && attribute.value.isEmpty)
                    : current!.identity[keyPath: attribute.observed] != attribute.value
            }
            if !changes.isEmpty && !fresh {
                for lun in target.luns(of: name) { steps.append(.deleteLUN(group: lun.group, lun: lun.lun)) }
                target.forget(device: name)
            }
            steps += changes.map { .setDeviceAttribute(device: name, attribute: $0.attribute, value: $0.value) }
        }
        return steps
    }

    /// `add_device` parameters: the backing, the cache policy, the block size and the T10 id (the
    /// one identity attribute SCST takes at creation).
    static func deviceParameters(_ settings: SCSTSettings) -> String {
        let (writeThrough, nvCache) = cacheFlags(settings.writeCache)
        var parameters = ["filename=\(settings.backing.path)", "nv_cache=\(nvCache ? 1 : 0)", "write_through=\(writeThrough ? 1 : 0)"]
        if settings.blockSize != 512 { parameters.append("blocksize=\(settings.blockSize)") }
        parameters.append("t10_dev_id=\(settings.identity.t10DeviceID.text)")
        return parameters.joined(separator: "; ")
    }

    static func chapSteps(_ target: TargetState, _ chap: ChapUsers) -> [SCSTStep] {
        var steps: [SCSTStep] = []
        var keepIncoming = false
        for account in target.incomingUsers {
            if account.user == chap.incoming && account.secretMatches && !keepIncoming {
                keepIncoming = true
            } else {
                steps.append(.deleteChapUser(outgoing: false, user: account.user))
            }
        }
        if chap.incoming != nil && !keepIncoming { steps.append(.addChapUser(outgoing: false)) }
        let keepOutgoing = target.outgoingUser.map { $0.user == chap.outgoing && $0.secretMatches } ?? false
        if let account = target.outgoingUser, !keepOutgoing { steps.append(.deleteChapUser(outgoing: true, user: account.user)) }
        if chap.outgoing != nil && !keepOutgoing { steps.append(.addChapUser(outgoing: true)) }
        return steps
    }

    /// The LUN sets of the target as configured: with initiators listed, the LUN (and the LUN-0
    /// placeholder) only in the group, the default set holding none of them; without, in the
    /// default set, and no group of this resource.
    static func aclSteps(_ settings: SCSTSettings, _ target: TargetState) -> [SCSTStep] {
        let ours = [(settings.lun, settings.device.text)] + (settings.placeholderName.map { [(0, $0.text)] } ?? [])
        let ownNames = Set(ours.map(\.1))
        let group = settings.group.text
        var steps: [SCSTStep] = []
        // Our devices anywhere but where they belong, and our LUN numbers in the wrong set, go.
        for (other, state) in target.groups.sorted(by: { $0.key < $1.key }) where other != group {
            for (lun, device) in state.luns.sorted(by: { $0.key < $1.key }) where ownNames.contains(device) {
                steps.append(.deleteLUN(group: other, lun: lun))
            }
        }
        guard let initiators = settings.initiators else {
            if target.groups[group] != nil { steps.append(.deleteGroup(group)) }
            steps += lunSteps(ours, in: target.defaultLUNs, group: nil)
            return steps
        }
        for (lun, device) in target.defaultLUNs.sorted(by: { $0.key < $1.key })
        where ownNames.contains(device) || ours.contains(where: { $0.0 == lun }) {
            steps.append(.deleteLUN(group: nil, lun: lun))
        }
        let existing = target.groups[group]
        if existing == nil { steps.append(.createGroup(group)) }
        let members = existing?.initiators ?? []
        let wanted = initiators.map(\.text)
        steps += members.filter { !wanted.contains($0) }.map { .deleteInitiator(group: group, initiator: $0) }
        steps += wanted.filter { !members.contains($0) }.map { .addInitiator(group: group, initiator: $0) }
        steps += lunSteps(ours, in: existing?.luns ?? [:], group: group)
        return steps
    }

    /// Puts each (LUN, device) of `ours` into a set that currently holds `current`.
    static func lunSteps(_ ours: [(Int, String)], in current: [Int: String], group: String?) -> [SCSTStep] {
        var steps: [SCSTStep] = []
        for (lun, device) in ours {
            if current[lun] == device { continue }
            if current[lun] != nil { steps.append(.deleteLUN(group: group, lun: lun)) }
            for (other, name) in current.sorted(by: { $0.key < $1.key }) where name == device && other != lun {
                steps.append(.deleteLUN(group: group, lun: other))
            }
            steps.append(.addLUN(group: group, device: device, lun: lun))
        }
        return steps
    }

    // MARK: stop

    /// Takes down what this resource owns: the target (disabled first, its sessions closed and
    /// waited for) and its devices. Nothing else: not the driver, not other targets or devices.
    static func stop(_ settings: SCSTSettings, _ observation: SCSTObservation) -> [SCSTStep] {
        guard observation.isLoaded else { return [] }
        var steps: [SCSTStep] = []
        if let target = observation.target {
            if target.isEnabled { steps.append(.disableTarget) }
            if !target.sessions.isEmpty {
                steps += target.sessions.map { .closeSession(initiator: $0.initiator) }
                steps.append(.waitForSessions)
            }
            steps.append(.deleteTarget)
        }
        if let device = observation.device { steps.append(.deleteDevice(name: settings.device.text, handler: device.handler)) }
        if let placeholder = observation.placeholder, let name = settings.placeholderName {
            steps.append(.deleteDevice(name: name.text, handler: placeholder.handler))
        }
        return steps
    }
}

extension TargetState {
    /// Where `device` is exported in this target.
    func luns(of device: String) -> [(group: String?, lun: Int)] {
        defaultLUNs.filter { $0.value == device }.map { (nil, $0.key) }.sorted { $0.lun < $1.lun }
            + groups.sorted { $0.key < $1.key }.flatMap { name, group in
                group.luns.filter { $0.value == device }.map { (Optional(name), $0.key) }.sorted { $0.1 < $1.1 }
            }
    }

    /// The target as it is once `device`'s LUNs are gone (deleting a device removes them).
    mutating func forget(device: String) {
        defaultLUNs = defaultLUNs.filter { $0.value != device }
        for name in groups.keys { groups[name]!.luns = groups[name]!.luns.filter { $0.value != device } }
    }
}
