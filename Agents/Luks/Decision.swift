import HaloOCF
import HaloSystem

/// Every decision of `ocf:halo:luks`, as pure functions of the settings and what was observed:
/// no I/O, no clock. The OCF codes they choose are explained in docs/luks.md.
enum LuksDecision {
    /// Whether the mapping under the configured name is this resource.
    enum Ownership: Hashable, Sendable {
        case absent
        /// A LUKS mapping of the configured device.
        case ours(Mapping)
        /// Something else holds the name; `conflict` says what, for logs and start's refusal.
        case notOurs(Mapping, conflict: String)
        /// A LUKS mapping of that name, but the configured path names no block device here, so
        /// whether it is ours cannot be told. Treated as ours by stop (the name matches; a stop
        /// must not leave the resource behind) and as a failure by monitor.
        case unidentifiable(Mapping, path: String, Errno)
    }

    static func ownership(of state: MappingState, identity: ConfiguredIdentity?, name: MappingName) -> Ownership {
        guard case .present(let mapping) = state else { return .absent }
        let on = mapping.backing.map(\.kernelName).joined(separator: ",")
        switch mapping.kind {
        case .foreign(let dmUUID):
            return .notOurs(mapping, conflict: "\(name) is a device-mapper device that is not LUKS (dm uuid '\(dmUUID.prefix(40))')")
        case .otherCrypt(let type):
            return .notOurs(mapping, conflict: "\(name) is a \(type) dm-crypt mapping, not LUKS")
        case .luks(_, let uuid):
            switch identity {
            case .uuid(let configured)?:
                return uuid == configured ? .ours(mapping)
                    : .notOurs(mapping, conflict: "\(name) is open on \(on) with UUID=\(uuid), not UUID=\(configured)")
            case .device(let path, let number)?:
                // No backing device left (its table was replaced): the name and LUKS still say
                // ours, and monitor reports the loss.
                if mapping.backing.isEmpty || mapping.backing.contains(where: { $0.deviceNumber == number }) {
                    return .ours(mapping)
                }
                let numbers = mapping.backing.compactMap(\.deviceNumber).map(\.description).joined(separator: ",")
                return .notOurs(mapping, conflict: "\(name) is open on \(on) (\(numbers)), not on \(path) (\(number))")
            case .unavailable(let path, let errno)?:
                return .unidentifiable(mapping, path: path, errno)
            case nil:
                preconditionFailure("the configured device's identity is observed whenever a mapping is present")
            }
        }
    }

    // MARK: monitor

    /// The monitor's answer at `level`.
    ///
    /// Depth 0: the mapping is there and uses the configured device. Depth 10: it is not
    /// suspended, has a live table, its devices have a size (and SCSI ones are running), it is
    /// read-only exactly when configured so, and (`header_check=monitor`) the device under it
    /// answers a read of its header in time; discards passing differently from `allow_discards`
    /// and a header gone from under the open mapping are *degraded*: restarting would not
    /// help, and closing would make a lost header fatal. Depth 20: one block reads through the
    /// mapping in time.
    ///
    /// Never `misconfigured`: a monitor only reports what it finds on this node.
    static func monitor(_ settings: LuksSettings, level: CheckLevel, _ observation: MonitorObservation) -> Result<AgentOutcome, AgentFailure> {
        let name = settings.name
        let mapping: Mapping
        switch ownership(of: observation.mapping, identity: observation.identity, name: name) {
        case .absent, .notOurs:
            return .success(.notRunning)
        case .unidentifiable(let found, let path, let errno):
            return .failure(.generic(Reason("\(name) is open on \(found.backing.map(\.kernelName).joined(separator: ",")) "
                + "but \(path) is no block device here (\(errno.symbol))", details: ["halo.errno": errno.symbol])))
        case .ours(let found):
            mapping = found
        }
        if mapping.backing.isEmpty {
            return .failure(.generic("\(name) has lost its backing device (its table was replaced): stop it and check \(settings.device)"))
        }
        guard level >= .thorough else { return .success(.success) }
        guard let health = observation.health else { preconditionFailure("depth \(level) needs the mapping's health") }
        if let failure = healthFailure(settings, mapping, health) { return .failure(failure) }
        if level >= .deep, case .failed(let path, let failure)? = observation.deepRead {
            return .failure(.generic(Reason("reading through \(name) (\(path)) failed: \(failure)", details: ["halo.read": failure.symbol])))
        }
        if let degradation = degradations(settings, mapping, health).first { return .success(.degraded(degradation)) }
        return .success(.success)
    }

    /// Whether the depth-20 read may be made: never through a suspended mapping (the read
    /// would wait until someone resumes it), nor over a device that did not answer the header
    /// check (the monitor fails on that already).
    static func mayReadThrough(_ health: MappingHealth) -> Bool {
        !health.isSuspended && health.header?.isUnanswered != true
    }

    static func healthFailure(_ settings: LuksSettings, _ mapping: Mapping, _ health: MappingHealth) -> AgentFailure? {
        let name = settings.name
        if health.isSuspended { return .generic("\(name) is suspended, its I/O frozen: resume it (cryptsetup resume) or stop it") }
        if health.sectors == 0 { return .generic("\(name) has no live table (size 0)") }
        for device in health.backing {
            if device.sectors == 0 { return .generic("\(name): backing device \(device.kernelName) has size 0 (removed or failed)") }
            if let state = device.scsiState, state != "running" {
                return .generic("\(name): backing device \(device.kernelName) is \(state)")
            }
        }
        if health.isReadOnly != settings.options.readOnly {
            let mode = health.isReadOnly ? "read-only" : "read-write"
            return .generic("\(name) is open \(mode) though read_only=\(settings.options.readOnly): restart it to reopen")
        }
        // The device under the mapping failing or hanging is the mapping's I/O failing or
        // hanging: a failure. Any other refusal is only about the check (degraded, below).
        guard case .unreadable(let path, let failure)? = health.header else { return nil }
        switch failure {
        case .refused(.ioError):
            return .generic(Reason("cannot read the LUKS header on \(path): \(failure)", details: ["halo.read": failure.symbol]))
        case .noAnswer:
            return .generic(Reason("\(failure.sentence(reading: path)), and \(name) with it (checking its LUKS header)",
                                   details: ["halo.read": failure.symbol]))
        case .refused, .readerFailed:
            return nil
        }
    }

    static func degradations(_ settings: LuksSettings, _ mapping: Mapping, _ health: MappingHealth) -> [Reason] {
        let name = settings.name
        var found: [Reason] = []
        let backingDiscards = !health.backing.isEmpty && health.backing.allSatisfy { $0.discardMaxBytes > 0 }
        if settings.options.allowDiscards && health.discardMaxBytes == 0 && backingDiscards {
            found.append("\(name) passes no discards though allow_discards=true (opened without it?): restart to apply")
        } else if !settings.options.allowDiscards && health.discardMaxBytes > 0 {
            found.append("\(name) passes discards though allow_discards=false (opened with them?): restart to apply")
        }
        if settings.headerCheck == .monitor, let header = health.header, case .luks(_, let expected) = mapping.kind {
            let device = mapping.backing.first?.kernelName ?? "\(settings.device)"
            switch header {
            case .luks(let identity) where identity.uuid == expected:
                break
            case .luks(let identity):
                found.append("the LUKS header on \(device) is now UUID=\(identity.uuid), not open \(name)'s: back up its volume key before closing")
            case .notLuks:
                found.append("the LUKS header on \(device) is gone while \(name) is open: back up its volume key before closing")
            case .unreadable(let path, let failure):
                found.append(Reason("cannot check the LUKS header on \(path): \(failure.symbol)", details: ["halo.read": failure.symbol]))
            }
        }
        return found
    }

    // MARK: start

    enum StartPlan: Hashable, Sendable {
        /// Open with the same device already: nothing to do (the key is not even read).
        case alreadyOpen
        /// Check this node, read the key, open.
        case open
        case refuse(AgentFailure)
    }

    static func start(_ settings: LuksSettings, _ ownership: Ownership, clone: CloneMeta?) -> StartPlan {
        if let refusal = cloneRefusal(clone) { return .refuse(refusal) }
        switch ownership {
        case .ours: return .alreadyOpen
        case .absent: return .open
        case .notOurs(_, let conflict): return .refuse(.invalidArgument("\(conflict): close it or choose another name"))
        case .unidentifiable(let mapping, let path, let errno):
            return .refuse(.generic(Reason("\(settings.name) is already open on \(mapping.backing.map(\.kernelName).joined(separator: ",")), "
                + "and \(path) is no block device here (\(errno.symbol))", details: ["halo.errno": errno.symbol])))
        }
    }

    /// Two instances of a clone on one node would share one mapping name: an inherently
    /// invalid configuration, so every node refuses it.
    static func cloneRefusal(_ clone: CloneMeta?) -> AgentFailure? {
        guard let clone, clone.cloneNodeMax > 1 else { return nil }
        return .misconfigured("clone-node-max=\(clone.cloneNodeMax): instances on one node would share one mapping; set it to 1")
    }

    // MARK: stop

    enum StopPlan: Hashable, Sendable {
        /// Nothing of this resource is open (a mapping of another device under the name is left alone).
        case nothingToDo
        case close(Mapping)
        /// `force_stop`: end these processes (TERM, then KILL), then close.
        case endProcessesThenClose(Mapping, [ProcessUse])
        case refuse(AgentFailure)
    }

    /// - Parameter users: who keeps the mapping open; observed whenever the mapping is (or may be) ours.
    static func stop(_ settings: LuksSettings, _ ownership: Ownership, users: Users) -> StopPlan {
        stop(name: settings.name, forceStop: settings.forceStop, ownership, users: users)
    }

    /// `stop` from the two parameters it reads (all a stop with invalid parameters may have).
    static func stop(name: MappingName, forceStop: Bool, _ ownership: Ownership, users: Users) -> StopPlan {
        let mapping: Mapping
        switch ownership {
        case .absent, .notOurs: return .nothingToDo
        case .ours(let found), .unidentifiable(let found, _, _): mapping = found
        }
        if users.isEmpty { return .close(mapping) }
        // Stacked devices, mounts and swap are other resources' to stop; signals do not end them.
        let hasStackedUsers = !users.holders.isEmpty || !users.mounts.isEmpty || !users.swaps.isEmpty
        if forceStop && !hasStackedUsers { return .endProcessesThenClose(mapping, users.processes) }
        let advice = hasStackedUsers ? "stop what is stacked on it first" : "stop them first, or set force_stop=true"
        return .refuse(.generic(Reason("\(name) is in use (\(describe(users))): \(advice)",
                                       details: ["halo.users": describe(users)])))
    }

    /// Who keeps a mapping open, most structural first (a holder is the likeliest cause).
    static func describe(_ users: Users) -> String {
        var parts: [String] = []
        if !users.holders.isEmpty { parts.append("held by \(users.holders.map(\.description).joined(separator: ", "))") }
        if !users.mounts.isEmpty { parts.append("mounted on \(users.mounts.joined(separator: ", "))") }
        if !users.swaps.isEmpty { parts.append("swap") }
        if !users.processes.isEmpty { parts.append("open by \(users.processes.map(\.description).joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}
