import HaloSystem

// luns/mgmt (a target's default LUN set or a group's), ini_groups/mgmt, initiators/mgmt.

extension SCSTModel {
    /// The highest LUN SCST accepts.
    static let maximumLUN = 16383

    mutating func lunCommand(_ set: LUNSetRef, _ command: MgmtCommand) -> Result<Void, Errno> {
        let arguments = Array(command.arguments)
        var entries = lunSet(set) ?? [:]
        switch command.verb {
        case "add", "replace", "replace_no_ua":
            guard let deviceName = arguments.first, devices[deviceName] != nil || passThroughDevices.contains(deviceName) else {
                return refuse("device '\(arguments.first ?? "")' not found")
            }
            guard arguments.count >= 2, let lun = Int(arguments[1]), arguments[1].allSatisfy(\.isNumber) else {
                return refuse("valid LUN required for dev \(deviceName)")
            }
            guard lun <= Self.maximumLUN else { return refuse("too big LUN \(lun) (max \(Self.maximumLUN))") }
            guard let parameters = MgmtCommand.parameters(command.rest(after: 3)) else { return refuse("syntax error in LUN parameters") }
            var readOnly = false
            for (name, value) in parameters {
                guard name.lowercased() == "read_only", let number = MgmtCommand.number(value) else {
                    return refuse("unknown LUN parameter \(name)")
                }
                readOnly = number != 0
            }
            if command.verb == "add" && entries[lun] != nil { return refuse("virt lun \(lun) already exists in \(set.directory)", .exists) }
            let index = devices[deviceName]?.nextExport ?? 0
            devices[deviceName]?.nextExport += 1
            entries[lun] = LUNEntry(device: deviceName, readOnly: readOnly, exportIndex: index)
            record("model: \(deviceName) added as LUN \(lun) to \(set.directory)")
        case "del":
            guard arguments.count == 1, let lun = Int(arguments[0]), entries[lun] != nil else {
                return refuse("LUN \(arguments.first ?? "") is not in \(set.directory)")
            }
            entries[lun] = nil
            record("model: LUN \(lun) removed from \(set.directory)")
        case "clear":
            entries = [:]
        default:
            return refuse("unknown action '\(command.verb)' for \(set.directory)/mgmt")
        }
        setLUNSet(set, entries)
        return .success(())
    }

    mutating func groupCommand(_ target: String, _ command: MgmtCommand) -> Result<Void, Errno> {
        let arguments = Array(command.arguments)
        guard arguments.count == 1, !arguments[0].contains("/") else { return refuse("\(command.verb) takes one group name") }
        let group = arguments[0]
        switch command.verb {
        case "create":
            guard targets[target]!.groups[group] == nil else { return refuse("acg name \(group) exists", .exists) }
            targets[target]!.groups[group] = InitiatorGroup(name: group)
        case "del":
            guard targets[target]!.groups[group] != nil else { return refuse("group \(group) not found") }
            targets[target]!.groups[group] = nil
            for (initiator, session) in targets[target]!.sessions where session.group == group {
                targets[target]!.sessions[initiator] = Session(
                    initiator: session.initiator, initiatorAddress: session.initiatorAddress,
                    portalAddress: session.portalAddress, sid: session.sid, group: nil, closesAt: session.closesAt)
            }
        default:
            return refuse("unknown action '\(command.verb)' for ini_groups/mgmt")
        }
        record("model: group \(group) \(command.verb == "create" ? "created" : "deleted") on \(target)")
        return .success(())
    }

    mutating func initiatorCommand(_ target: String, _ group: String, _ command: MgmtCommand) -> Result<Void, Errno> {
        let arguments = Array(command.arguments)
        var groups = targets[target]!.groups
        switch command.verb {
        case "add":
            guard arguments.count == 1 else { return refuse("add takes one initiator name") }
            if let holder = groups.values.first(where: { $0.initiators.contains(arguments[0]) }) {
                return refuse("name \(arguments[0]) already exists in group \(holder.name)", .exists)
            }
            groups[group]!.initiators.append(arguments[0])
        case "del":
            guard arguments.count == 1, let index = groups[group]!.initiators.firstIndex(of: arguments[0]) else {
                return refuse("initiator \(arguments.first ?? "") not found in group \(group)")
            }
            groups[group]!.initiators.remove(at: index)
        case "move":
            guard arguments.count == 2, let index = groups[group]!.initiators.firstIndex(of: arguments[0]),
                  groups[arguments[1]] != nil else { return refuse("move needs an initiator of \(group) and an existing group") }
            groups[group]!.initiators.remove(at: index)
            groups[arguments[1]]!.initiators.append(arguments[0])
        case "clear":
            groups[group]!.initiators = []
        default:
            return refuse("unknown action '\(command.verb)' for initiators/mgmt")
        }
        targets[target]!.groups = groups
        record("model: initiators of \(group) on \(target): \(command.verb) \(arguments.joined(separator: " "))")
        rebindSessions(target)
        return .success(())
    }

    /// Binds every session of `target` to the LUN set of the group its initiator's name is in,
    /// or to the default set: what SCST does after each change of a group's initiators
    /// (scst_sysfs.c: every action of `initiators/mgmt` ends in `scst_check_reassign_sessions`,
    /// which finds each session's group again). From SCST's source, not captured.
    mutating func rebindSessions(_ target: String) {
        let groups = targets[target]!.groups
        for (initiator, session) in targets[target]!.sessions {
            let group = groups.values.first { $0.initiators.contains(initiator) }?.name
            guard group != session.group else { continue }
            targets[target]!.sessions[initiator] = Session(
                initiator: session.initiator, initiatorAddress: session.initiatorAddress,
                portalAddress: session.portalAddress, sid: session.sid, group: group, closesAt: session.closesAt)
            record("model: session of \(initiator) on \(target) rebound to \(group.map { "group \($0)" } ?? "the default LUN set")")
        }
    }
}
