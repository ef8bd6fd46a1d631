import HaloISCSI

extension LIODecision {
    /// The configfs operations from what was observed to the configured target: storage object
    /// (created, enabled, identity set while unexported) → target and TPG → its attributes,
    /// parameters, portals → LUN → ACLs and CHAP → enable. An enabled TPG that needs changes is
    /// disabled first. An open TPG (generate_node_acls=1) that must admit only the configured
    /// initiators is removed and made again: LIO keeps an ACL it generated for every initiator it
    /// admitted on its own (cache_dynamic_acls, which open access forces on), shows none of them
    /// in configfs, and lets them log in again after generate_node_acls goes to 0 — even after
    /// the TPG is disabled and enabled (measured on Debian's 6.1 kernel, the VM lab, 2026-12-06).
    /// Only removing the TPG forgets them.
    static func start(_ settings: LIOSettings, _ observation: LIOObservation, chap: ChapUsers) -> [LIOStep] {
        let storagePath = storagePath(settings)
        let tpg = tpgPath(settings)
        var target = observation.target ?? LIOTargetState()
        var storageSteps: [LIOStep] = []
        var withdrawals: [LIOStep] = []
        if target.hasTPG && target.generatesNodeACLs && settings.initiators != nil {
            withdrawals = tpgRemoval(target, tpg)
            target = LIOTargetState()
        }
        var storage = observation.storage
        if let existing = storage, existing.udevPath != settings.backing.path || !existing.isEnabled
            || (settings.backstore == .fileio && existing.emulatesWriteCache != (settings.writeCache == .writeBack)) {
            withdrawals += unmap(target, tpg)
            target.luns = [:]
            for name in target.acls.keys { target.acls[name]!.mappedLUNs = [:] }
            storageSteps.append(.removeDirectory(storagePath))
            storage = nil
        }
        if storage == nil {
            if !observation.hasHBA { storageSteps.append(.makeDirectory("core/\(settings.backstore.hba)")) }
            storageSteps += [.makeDirectory(storagePath), .write("\(storagePath)/control", control(settings, observation.backing)),
                             .write("\(storagePath)/udev_path", settings.backing.path),
                             .write("\(storagePath)/enable", "1")]
        }
        let exported = !target.luns.isEmpty
        let identity = identityAttributes(settings).filter { attribute in storage?[keyPath: attribute.observed] != attribute.value }
        let blockSize = storage?.blockSize ?? 512
        if (!identity.isEmpty || blockSize != settings.blockSize) && exported && storage != nil {
            withdrawals += unmap(target, tpg)
            target.luns = [:]
            for name in target.acls.keys { target.acls[name]!.mappedLUNs = [:] }
        }
        if blockSize != settings.blockSize || storage == nil && settings.blockSize != 512 {
            storageSteps.append(.write("\(storagePath)/attrib/block_size", String(settings.blockSize)))
        }
        storageSteps += identity.map { .write("\(storagePath)/\($0.attribute)", $0.value) }

        var targetSteps: [LIOStep] = []
        if !observation.hasISCSIFabric { targetSteps.append(.makeDirectory("iscsi")) }
        if observation.target == nil { targetSteps.append(.makeDirectory(targetPath(settings))) }
        if !target.hasTPG { targetSteps.append(.makeDirectory(tpg)) }
        var tpgSteps = attributeSteps(settings, target, chap: chap)
        tpgSteps += target.portals.filter { !settings.networkPortals.contains($0) }.map { .removeDirectory("\(tpg)/np/\($0)") }
        tpgSteps += settings.networkPortals.filter { !target.portals.contains($0) }.map { .makeDirectory("\(tpg)/np/\($0)") }
        tpgSteps += lunSteps(settings, &target, tpg)
        tpgSteps += aclSteps(settings, target, tpg, chap: chap)

        let wasEnabled = observation.target?.isEnabled == true
        let mustDisable = wasEnabled && (!withdrawals.isEmpty || !tpgSteps.isEmpty)
        return (mustDisable ? [.write("\(tpg)/enable", "0")] : []) + withdrawals + storageSteps + targetSteps + tpgSteps
            + (!wasEnabled || mustDisable ? [.write("\(tpg)/enable", "1")] : [])
    }

    /// The backstore's `control` line. fileio needs the size of a file (not of a block device).
    static func control(_ settings: LIOSettings, _ backing: BackingState?) -> String {
        switch settings.backstore {
        case .block:
            return "udev_path=\(settings.backing.path)"
        case .fileio:
            var line = "fd_dev_name=\(settings.backing.path)"
            if case .present(.regular, let size)? = backing { line += ",fd_dev_size=\(size)" }
            if settings.writeCache == .writeBack { line += ",fd_buffered_io=1" }
            return line
        }
    }

    /// TPG attributes (open or ACL access, CHAP required) and session parameters.
    static func attributeSteps(_ settings: LIOSettings, _ target: LIOTargetState, chap: ChapUsers) -> [LIOStep] {
        let tpg = tpgPath(settings)
        let open = settings.initiators == nil
        var steps: [LIOStep] = []
        if target.generatesNodeACLs != open || !target.hasTPG {
            steps.append(.write("\(tpg)/attrib/generate_node_acls", open ? "1" : "0"))
            if open { steps += [.write("\(tpg)/attrib/cache_dynamic_acls", "1"), .write("\(tpg)/attrib/demo_mode_write_protect", "0")] }
        }
        let authentication = chap.incoming != nil
        // Always on a new TPG: the kernel creates it with authentication=1 (CHAP required), so
        // a target without chap_file must say 0 or nobody can log in.
        if target.requiresAuthentication != authentication || !target.hasTPG {
            steps.append(.write("\(tpg)/attrib/authentication", authentication ? "1" : "0"))
        }
        for parameter in settings.sessionParameters where target.parameters[parameter.key.rawValue] != parameter.value {
            if let path = parameterPath(parameter.key) { steps.append(.write("\(tpg)/\(path)", parameter.value)) }
        }
        if open { steps += chapSteps(target.tpgAuthentication, "\(tpg)/auth", chap) }
        return steps
    }

    /// The TPG's one LUN, linked to this resource's storage object; any other LUN goes.
    static func lunSteps(_ settings: LIOSettings, _ target: inout LIOTargetState, _ tpg: String) -> [LIOStep] {
        var steps: [LIOStep] = []
        let wanted = "\(settings.backstore.hba)/\(settings.device.text)"
        for (number, link) in target.luns.sorted(by: { $0.key < $1.key }) where number != settings.lun || link.storage != wanted {
            steps += unmapLUN(number, target, tpg)
            target.luns[number] = nil
            for name in target.acls.keys { target.acls[name]!.mappedLUNs = target.acls[name]!.mappedLUNs.filter { $0.value.tpgLUN != number } }
        }
        if target.luns[settings.lun] == nil {
            steps += [.makeDirectory("\(tpg)/lun/lun_\(settings.lun)"),
                      .makeLink("\(tpg)/lun/lun_\(settings.lun)/\(settings.device.text)", target: storagePath(settings))]
            target.luns[settings.lun] = LUNLink(linkName: settings.device.text, storage: wanted)
        }
        return steps
    }

    /// One ACL per configured initiator, each with the LUN mapped under its own number and its
    /// CHAP credentials; no other ACL.
    static func aclSteps(_ settings: LIOSettings, _ target: LIOTargetState, _ tpg: String, chap: ChapUsers) -> [LIOStep] {
        let wanted = settings.initiators?.map(\.text) ?? []
        var steps: [LIOStep] = []
        for (initiator, acl) in target.acls.sorted(by: { $0.key < $1.key }) where !wanted.contains(initiator) {
            steps += acl.mappedLUNs.sorted { $0.key < $1.key }.flatMap { number, mapped in
                removeMappedLUN("\(tpg)/acls/\(initiator)/lun_\(number)", mapped)
            }
            steps.append(.removeDirectory("\(tpg)/acls/\(initiator)"))
        }
        for initiator in wanted {
            let acl = target.acls[initiator]
            let base = "\(tpg)/acls/\(initiator)"
            if acl == nil { steps.append(.makeDirectory(base)) }
            for (number, mapped) in (acl?.mappedLUNs ?? [:]).sorted(by: { $0.key < $1.key })
            where number != settings.lun || mapped.tpgLUN != settings.lun {
                steps += removeMappedLUN("\(base)/lun_\(number)", mapped)
            }
            if acl?.mappedLUNs[settings.lun]?.tpgLUN != settings.lun {
                steps += [.makeDirectory("\(base)/lun_\(settings.lun)"),
                          .makeLink("\(base)/lun_\(settings.lun)/halo", target: "\(tpg)/lun/lun_\(settings.lun)")]
            }
            steps += chapSteps(acl?.authentication ?? ChapPair(), "\(base)/auth", chap)
        }
        return steps
    }

    /// An `auth/` directory brought to the configured users and secrets (empty: no CHAP).
    static func chapSteps(_ pair: ChapPair, _ auth: String, _ chap: ChapUsers) -> [LIOStep] {
        var steps: [LIOStep] = []
        if let user = chap.incoming {
            if pair.incomingUser != user { steps.append(.write("\(auth)/userid", user)) }
            if !pair.incomingMatches || pair.incomingUser != user { steps.append(.writeSecret("\(auth)/password", outgoing: false)) }
        } else if !pair.incomingUser.isEmpty {
            steps += [.write("\(auth)/userid", ""), .write("\(auth)/password", "")]
        }
        if let user = chap.outgoing {
            if pair.outgoingUser != user { steps.append(.write("\(auth)/userid_mutual", user)) }
            if !pair.outgoingMatches || pair.outgoingUser != user { steps.append(.writeSecret("\(auth)/password_mutual", outgoing: true)) }
        } else if !pair.outgoingUser.isEmpty {
            steps += [.write("\(auth)/userid_mutual", ""), .write("\(auth)/password_mutual", "")]
        }
        return steps
    }

    /// Removes every mapping of the TPG's LUNs (ACL mapped LUNs first, then the LUNs), and the
    /// ACLs' mapped LUNs that point at no LUN of the TPG (or at nothing: a start cut short).
    static func unmap(_ target: LIOTargetState, _ tpg: String) -> [LIOStep] {
        let orphans = target.acls.sorted(by: { $0.key < $1.key }).flatMap { initiator, acl in
            acl.mappedLUNs.sorted(by: { $0.key < $1.key }).filter { target.luns[$0.value.tpgLUN] == nil }.flatMap { number, mapped in
                removeMappedLUN("\(tpg)/acls/\(initiator)/lun_\(number)", mapped)
            }
        }
        return orphans + target.luns.keys.sorted().flatMap { unmapLUN($0, target, tpg) }
    }

    /// Removes an ACL's mapped-LUN directory, its link first when it has one (a start cut short
    /// between the mkdir and the symlink leaves the directory empty; unlinking "" would be EISDIR).
    static func removeMappedLUN(_ directory: String, _ mapped: MappedLUN) -> [LIOStep] {
        (mapped.linkName.isEmpty ? [] : [.removeLink("\(directory)/\(mapped.linkName)")]) + [.removeDirectory(directory)]
    }

    static func unmapLUN(_ number: Int, _ target: LIOTargetState, _ tpg: String) -> [LIOStep] {
        var steps: [LIOStep] = []
        for (initiator, acl) in target.acls.sorted(by: { $0.key < $1.key }) {
            for (mappedNumber, mapped) in acl.mappedLUNs.sorted(by: { $0.key < $1.key }) where mapped.tpgLUN == number {
                steps += removeMappedLUN("\(tpg)/acls/\(initiator)/lun_\(mappedNumber)", mapped)
            }
        }
        if let link = target.luns[number] {
            if !link.linkName.isEmpty { steps.append(.removeLink("\(tpg)/lun/lun_\(number)/\(link.linkName)")) }
            steps.append(.removeDirectory("\(tpg)/lun/lun_\(number)"))
        }
        return steps
    }

    // MARK: stop

    /// Takes down the target (disabled first: LIO then drops its sessions) and the storage object;
    /// the HBA directory and everything else stay.
    static func stop(_ settings: LIOSettings, _ observation: LIOObservation) -> [LIOStep] {
        guard observation.isLoaded else { return [] }
        var steps: [LIOStep] = []
        if let target = observation.target {
            let tpg = tpgPath(settings)
            if target.hasTPG {
                if target.isEnabled { steps.append(.write("\(tpg)/enable", "0")) }
                steps += tpgRemoval(target, tpg)
            }
            steps.append(.removeDirectory(targetPath(settings)))
        }
        if observation.storage != nil { steps.append(.removeDirectory(storagePath(settings))) }
        return steps
    }

    /// Removes a TPG and everything in it — ACLs with their mapped LUNs, LUN links, portals — once
    /// it is disabled (the caller disables it first: LIO then drops its sessions). With it go the
    /// ACLs LIO generated on its own, which no configfs directory shows.
    static func tpgRemoval(_ target: LIOTargetState, _ tpg: String) -> [LIOStep] {
        var steps: [LIOStep] = []
        for (initiator, acl) in target.acls.sorted(by: { $0.key < $1.key }) {
            steps += acl.mappedLUNs.sorted { $0.key < $1.key }.flatMap { number, mapped in
                removeMappedLUN("\(tpg)/acls/\(initiator)/lun_\(number)", mapped)
            }
            steps.append(.removeDirectory("\(tpg)/acls/\(initiator)"))
        }
        for (number, link) in target.luns.sorted(by: { $0.key < $1.key }) {
            if !link.linkName.isEmpty { steps.append(.removeLink("\(tpg)/lun/lun_\(number)/\(link.linkName)")) }
            steps.append(.removeDirectory("\(tpg)/lun/lun_\(number)"))
        }
        steps += target.portals.sorted().map { .removeDirectory("\(tpg)/np/\($0)") }
        steps.append(.removeDirectory(tpg))
        return steps
    }
}
