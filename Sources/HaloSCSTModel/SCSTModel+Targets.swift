import HaloSystem

// targets/iscsi/mgmt and a target's own attributes. iSCSI-SCST forwards all of these to
// iscsi-scstd and waits for its answer, so without the daemon they fail with EPERM.

extension SCSTModel {
    /// The attributes `add_target_attribute` knows.
    static let targetAttributeNames: Set<String> = ["IncomingUser", "OutgoingUser", "allowed_portal"]

    mutating func driverCommand(_ command: MgmtCommand) -> Result<Void, Errno> {
        guard isDaemonConnected else { return refuse("user space process is not connected: is iscsi-scstd running?", .notPermitted) }
        let arguments = Array(command.arguments)
        switch command.verb {
        case "add_target":
            guard arguments.count == 1 else { return refuse("add_target takes one target name here (parameters are not modelled)") }
            let name = arguments[0]
            guard targets[name] == nil else { return refuse("target \(name) exists", .exists) }
            guard name.utf8.count <= 223 else { return refuse("target name \(name) is too long") }
            targets[name] = ISCSITarget(name: name, tid: nextTID)
            record("model: target \(name) added (tid \(nextTID))")
            nextTID += 1
            return .success(())
        case "del_target":
            guard arguments.count == 1, let target = targets[arguments[0]] else {
                return refuse("target \(arguments.first ?? "") not found", .noSuchFile)
            }
            guard target.sessions.isEmpty else { return refuse("target \(target.name) has sessions: can't destroy", .busy) }
            targets[target.name] = nil
            record("model: target \(target.name) deleted")
            return .success(())
        case "add_target_attribute", "del_target_attribute":
            guard arguments.count >= 3 else { return refuse("\(command.verb) needs a target, an attribute and a value") }
            guard targets[arguments[0]] != nil else { return refuse("target \(arguments[0]) not found", .noSuchFile) }
            guard Self.targetAttributeNames.contains(arguments[1]) else { return refuse("unknown target attribute \(arguments[1])") }
            return command.verb == "add_target_attribute"
                ? addTargetAttribute(arguments[0], arguments[1], Array(arguments[2...]))
                : deleteTargetAttribute(arguments[0], arguments[1], Array(arguments[2...]))
        case "add_attribute", "del_attribute":
            guard arguments.count >= 2, ["IncomingUser", "OutgoingUser"].contains(arguments[0]) else {
                return refuse("unknown driver attribute \(arguments.first ?? "")")
            }
            record("model: discovery \(arguments[0]) \(command.verb == "add_attribute" ? "added" : "deleted")")
            return .success(())
        default:
            return refuse("iscsi-scstd: syntax error in '\(command.verb)'")
        }
    }

    mutating func addTargetAttribute(_ name: String, _ attribute: String, _ values: [String]) -> Result<Void, Errno> {
        var target = targets[name]!
        switch attribute {
        case "allowed_portal":
            guard values.count == 1 else { return refuse("allowed_portal takes one pattern") }
            guard !target.allowedPortals.contains(values[0]) else { return refuse("allowed_portal \(values[0]) exists on \(name)") }
            target.allowedPortals.append(values[0])
        case "IncomingUser":
            // Captured (ChapAccount): EINVAL for a user the target has. Not captured: EINVAL for
            // a malformed account; sessions stay.
            guard values.count == 2 else { return refuse("iscsi-scstd: IncomingUser takes a user and a secret") }
            guard !target.incomingUsers.contains(where: { $0.user == values[0] }) else { return refuse("iscsi-scstd: IncomingUser \(values[0]) exists on \(name)") }
            target.incomingUsers.append(ChapAccount(user: values[0], secret: values[1]))
        default:
            // Captured (ChapAccount): a second OutgoingUser — iscsi-scstd replaces its own
            // account, then asks the kernel for the attribute file, which exists: EEXIST, and
            // the file is left without an account.
            guard values.count == 2 else { return refuse("iscsi-scstd: OutgoingUser takes a user and a secret") }
            if target.outgoingUser != nil || target.hasOrphanedOutgoingUser {
                target.outgoingUser = nil
                target.hasOrphanedOutgoingUser = true
                targets[name] = target
                return refuse("iscsi-scstd: only one outgoing account is supported, old one replaced; the kernel's OutgoingUser file of \(name) exists", .exists)
            }
            target.outgoingUser = ChapAccount(user: values[0], secret: values[1])
        }
        targets[name] = target
        record("model: \(attribute) added to \(name)")
        return .success(())
    }

    mutating func deleteTargetAttribute(_ name: String, _ attribute: String, _ values: [String]) -> Result<Void, Errno> {
        var target = targets[name]!
        switch attribute {
        case "allowed_portal":
            guard let index = target.allowedPortals.firstIndex(of: values[0]) else { return refuse("allowed_portal \(values[0]) not found on \(name)") }
            target.allowedPortals.remove(at: index)
        case "IncomingUser":
            // Captured (ChapAccount): ENOENT for a user the target does not have. Not captured:
            // deleted by user name (the secret is not needed); sessions that logged in with it stay.
            guard let index = target.incomingUsers.firstIndex(where: { $0.user == values[0] }) else {
                return refuse("iscsi-scstd: user \(values[0]) not found on \(name)", .noSuchFile)
            }
            target.incomingUsers.remove(at: index)
        default:
            guard target.outgoingUser?.user == values[0] else { return refuse("iscsi-scstd: user \(values[0]) not found on \(name)", .noSuchFile) }
            target.outgoingUser = nil
        }
        targets[name] = target
        record("model: \(attribute) deleted from \(name)")
        return .success(())
    }

    /// A target's `enabled`: the first character must be 0 or 1 (checked by the writer); enabling
    /// gives a target without a relative target id a generated one, and refuses a duplicate
    /// with EBADSLT, both before anything is queued.
    mutating func enable(_ name: String, _ command: MgmtCommand) -> StoreOutcome {
        guard let flag = Self.flag(command) else {
            record("model: ***ERROR*** enable: requested action not understood: \(command.text)")
            return .direct(.failure(.invalidArgument))
        }
        if flag {
            let current = targets[name]!.relativeID
            if current == 0 {
                targets[name]!.relativeID = generateRelativeID()
                record("model: autogenerated relative target id \(targets[name]!.relativeID) for \(name)")
            } else if !isRelativeIDUnique(current, except: name) {
                record("model: ***ERROR*** relative port id \(current) is not unique")
                return .direct(.failure(.invalidSlot))
            }
        }
        targets[name]!.isEnabled = flag
        return .queued(.success(()))
    }

    /// The next free id from a counter that only goes up (1, then 2 even when 1 is free again:
    /// captured), wrapping at 65535.
    mutating func generateRelativeID() -> Int {
        while !isRelativeIDUnique(nextRelativeID, except: nil) {
            nextRelativeID = nextRelativeID >= 65535 ? 1 : nextRelativeID + 1
        }
        defer { nextRelativeID = nextRelativeID >= 65535 ? 1 : nextRelativeID + 1 }
        return nextRelativeID
    }

    func isRelativeIDUnique(_ id: Int, except name: String?) -> Bool {
        !targets.values.contains { $0.name != name && $0.relativeID == id }
    }

    /// `rel_tgt_id`: parsed by the writer, set by queued work; a duplicate on an enabled target
    /// is EBADSLT, 0 is allowed only on a disabled target, the range is 1…65535.
    mutating func setRelativeID(_ name: String, _ command: MgmtCommand) -> StoreOutcome {
        guard let value = MgmtCommand.number(command.text) else { return .direct(.failure(.invalidArgument)) }
        let target = targets[name]!
        if target.isEnabled && Int(value) != target.relativeID && !isRelativeIDUnique(Int(value), except: name) {
            return .queued(refuse("relative port id \(value) is not unique", .invalidSlot))
        }
        guard (1...65535).contains(value) || (value == 0 && !target.isEnabled) else {
            return .queued(refuse("invalid relative port id \(value)"))
        }
        targets[name]!.relativeID = Int(value)
        return .queued(.success(()))
    }

    /// An iSCSI parameter of a target (`QueuedCommands`, `MaxRecvDataSegmentLength`, …):
    /// iscsi-scstd takes one word, refuses what its rule refuses (`EINVAL`, the reason in its
    /// own log) and keeps the value as it shows it (`ISCSIParameterRule`).
    mutating func setParameter(_ name: String, _ parameter: String, _ command: MgmtCommand) -> Result<Void, Errno> {
        guard command.words.count == 1 else { return refuse("iscsi-scstd: unexpected parameter value for \(parameter)") }
        guard let shown = ISCSIParameterRule.of(parameter)?.shown(command.words[0]) else {
            return refuse("iscsi-scstd: wrong value \(command.words[0]) for parameter \(parameter)")
        }
        targets[name]!.parameters[parameter] = shown
        return .success(())
    }
}
