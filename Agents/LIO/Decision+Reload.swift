import HaloISCSI
import HaloOCF

/// A reload of ocf:halo:lio: configfs operations, each with its undo (`ReloadStep`). Only the
/// switch between open access and an initiator list interrupts sessions: to open access the TPG
/// is disabled and enabled around the change; to an initiator list it is removed and made again
/// (`start`): LIO keeps an ACL for every initiator it admitted on its own, invisible in configfs,
/// and would let each of them in again — a disabled and re-enabled TPG still does (measured on
/// Debian's 6.1 kernel, 2026-12-06). Every initiator logs in again, as after a restart, but the
/// storage object stays.
typealias LIOReloadStep = ReloadStep<LIOStep>
typealias LIOReloadPlan = ReloadPlan<LIOStep>

extension LIODecision {
    /// The configfs operations that bring a running target to the reloadable settings —
    /// portals, ACL, CHAP, session parameters — with the TPG enabled throughout: a new ACL, a
    /// portal or a CHAP user is created beside the live sessions; a removed initiator's ACL is
    /// removed, and LIO closes that initiator's sessions; a new secret or session parameter
    /// applies to the next login. Everything else about the target (its storage object,
    /// identity, block size, LUN) is not reloadable: a difference there is refused, since only
    /// a restart may change what an initiator sees as its disk.
    static func reload(_ settings: LIOSettings, _ observation: LIOObservation, chap: ChapUsers) -> Result<LIOReloadPlan, AgentFailure> {
        guard let target = observation.target, target.hasTPG, target.isEnabled, observation.storage != nil,
              target.luns[settings.lun] != nil else {
            return .failure(.generic("\(settings.target) is not running here: there is nothing to reload (start it)"))
        }
        if let difference = unreloadableDifference(settings, observation) {
            return .failure(.generic("\(difference): only a restart changes that, not a reload"))
        }
        let tpg = tpgPath(settings)
        let open = settings.initiators == nil
        if target.generatesNodeACLs != open {
            let steps = start(settings, observation, chap: chap)
            // A TPG that is removed cannot be enabled again: nothing of such a plan is undone.
            let recreates = steps.contains(.removeDirectory(tpg))
            return .success(LIOReloadPlan(steps: steps.map { step in
                LIOReloadStep(step, undo: !recreates && step == .write("\(tpg)/enable", "0") ? [.write("\(tpg)/enable", "1")] : nil)
            }, cyclesTarget: true))
        }
        var additions: [LIOReloadStep] = []
        var removals: [LIOReloadStep] = []
        for portal in settings.networkPortals where !target.portals.contains(portal) {
            additions.append(LIOReloadStep(.makeDirectory("\(tpg)/np/\(portal)"), undo: [.removeDirectory("\(tpg)/np/\(portal)")]))
        }
        for portal in target.portals.sorted() where !settings.networkPortals.contains(portal) {
            removals.append(LIOReloadStep(.removeDirectory("\(tpg)/np/\(portal)"), undo: [.makeDirectory("\(tpg)/np/\(portal)")]))
        }
        for parameter in settings.sessionParameters where target.parameters[parameter.key.rawValue] != parameter.value {
            guard let path = parameterPath(parameter.key) else { continue }  // SCST's: refused before any plan
            let old = target.parameters[parameter.key.rawValue]
            additions.append(LIOReloadStep(.write("\(tpg)/\(path)", parameter.value), undo: old.map { [.write("\(tpg)/\(path)", $0)] }))
        }
        // CHAP required only once every user has its secret; no longer required before the
        // users go: no login in between finds the target asking for what it cannot check.
        let authentication = chap.incoming != nil
        let requirement = target.requiresAuthentication == authentication ? nil
            : LIOReloadStep(.write("\(tpg)/attrib/authentication", authentication ? "1" : "0"),
                            undo: [.write("\(tpg)/attrib/authentication", target.requiresAuthentication ? "1" : "0")])
        if let requirement, !authentication { additions.append(requirement) }
        if open {
            additions += chapReload(target.tpgAuthentication, "\(tpg)/auth", chap, isNew: false)
        } else {
            let wanted = settings.initiators?.map(\.text) ?? []
            for (initiator, acl) in target.acls.sorted(by: { $0.key < $1.key }) where !wanted.contains(initiator) {
                let base = "\(tpg)/acls/\(initiator)"
                let unmapping = acl.mappedLUNs.sorted { $0.key < $1.key }.flatMap { removeMappedLUN("\(base)/lun_\($0.key)", $0.value) }
                removals += (unmapping + [.removeDirectory(base)]).map { LIOReloadStep($0, undo: nil) }
            }
            for initiator in wanted {
                let base = "\(tpg)/acls/\(initiator)"
                guard let acl = target.acls[initiator] else {
                    let lun = "\(base)/lun_\(settings.lun)"
                    additions += [LIOReloadStep(.makeDirectory(base), undo: [.removeDirectory(base)]),
                                  LIOReloadStep(.makeDirectory(lun), undo: [.removeDirectory(lun)]),
                                  LIOReloadStep(.makeLink("\(lun)/halo", target: "\(tpg)/lun/lun_\(settings.lun)"), undo: [.removeLink("\(lun)/halo")])]
                    additions += chapReload(ChapPair(), "\(base)/auth", chap, isNew: true)
                    continue
                }
                // A mapping that drifted is put right as start would; what it removes is not undone.
                var mapping: [LIOStep] = []
                for (number, mapped) in acl.mappedLUNs.sorted(by: { $0.key < $1.key }) where number != settings.lun || mapped.tpgLUN != settings.lun {
                    mapping += removeMappedLUN("\(base)/lun_\(number)", mapped)
                }
                if acl.mappedLUNs[settings.lun]?.tpgLUN != settings.lun {
                    mapping += [.makeDirectory("\(base)/lun_\(settings.lun)"),
                                .makeLink("\(base)/lun_\(settings.lun)/halo", target: "\(tpg)/lun/lun_\(settings.lun)")]
                }
                additions += mapping.map { LIOReloadStep($0, undo: nil) }
                additions += chapReload(acl.authentication, "\(base)/auth", chap, isNew: false)
            }
        }
        if let requirement, authentication { additions.append(requirement) }
        return .success(LIOReloadPlan(steps: additions + removals))
    }

    /// What a reload must not change, or `nil`: the storage object's backing store, identity,
    /// block size and cache, and the LUN's mapping to it.
    static func unreloadableDifference(_ settings: LIOSettings, _ observation: LIOObservation) -> String? {
        guard let storage = observation.storage, let target = observation.target else { return nil }
        if storage.udevPath != settings.backing.path { return "the storage object \(settings.device) uses \(storage.udevPath), not \(settings.backing)" }
        if let difference = identityDifference(settings, storage) { return "the SCSI identity of \(settings.device) differs (\(difference))" }
        if storage.blockSize != settings.blockSize { return "the block size of \(settings.device) is \(storage.blockSize), not \(settings.blockSize)" }
        if settings.backstore == .fileio && storage.emulatesWriteCache != (settings.writeCache == .writeBack) {
            return "the write cache of \(settings.device) is not \(settings.writeCache.rawValue)"
        }
        let wanted = "\(settings.backstore.hba)/\(settings.device.text)"
        if target.luns.count != 1 || target.luns[settings.lun]?.storage != wanted {
            return "the LUNs of \(settings.target) are not LUN \(settings.lun) of \(wanted) alone"
        }
        return nil
    }

    /// `chapSteps` with what undoes each: the user name observed before (nothing for an ACL the
    /// reload created, which goes as a whole); never a secret.
    static func chapReload(_ pair: ChapPair, _ auth: String, _ chap: ChapUsers, isNew: Bool) -> [LIOReloadStep] {
        chapSteps(pair, auth, chap).map { step in
            if isNew { return LIOReloadStep(step, undo: []) }
            switch step {
            case .write(let path, _) where path.hasSuffix("/userid"): return LIOReloadStep(step, undo: [.write(path, pair.incomingUser)])
            case .write(let path, _) where path.hasSuffix("/userid_mutual"): return LIOReloadStep(step, undo: [.write(path, pair.outgoingUser)])
            default: return LIOReloadStep(step, undo: nil)
            }
        }
    }

    /// The failure of a reload that stopped at a step the kernel refused.
    static func reloadFailure(_ failure: ReloadFailure<LIOStep>, _ settings: LIOSettings) -> AgentFailure {
        failure.failure(refused: LIODecision.failure(failure.stopped, failure.errno, settings).reason)
    }
}
