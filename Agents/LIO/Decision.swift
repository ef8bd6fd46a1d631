import HaloISCSI
import HaloOCF
import HaloSystem

/// Every decision of `ocf:halo:lio`, as pure functions of the settings and what was observed.
enum LIODecision {
    /// Where a session parameter lives in a TPG; `nil` for SCST's own limits, which LIO lacks.
    static func parameterPath(_ key: SessionParameter.Key) -> String? {
        switch key {
        case .queuedCommands: "attrib/default_cmdsn_depth"
        case .maxSessions, .nopInInterval, .nopInTimeout, .rspTimeout: nil
        default: "param/\(key.rawValue)"
        }
    }

    static func storagePath(_ settings: LIOSettings) -> String { "core/\(settings.backstore.hba)/\(settings.device.text)" }
    static func targetPath(_ settings: LIOSettings) -> String { "iscsi/\(settings.target.text)" }
    static func tpgPath(_ settings: LIOSettings) -> String { "iscsi/\(settings.target.text)/tpgt_1" }

    // MARK: monitor

    /// Depth 0: the TPG is enabled, its LUN links this resource's enabled storage object, and
    /// the ACLs are as configured (explicit ACLs with the LUN mapped; no generated ACLs, which
    /// would let any initiator in). Depth 10: also the backing path, identity, portals, CHAP and
    /// the backing store. Depth 20: a block of the backing store.
    static func monitor(_ settings: LIOSettings, _ observation: LIOObservation, level: CheckLevel,
                        chap: ChapExpectation = .configured(.none)) -> Result<AgentOutcome, AgentFailure> {
        guard observation.isLoaded else { return .success(.notRunning) }
        guard let target = observation.target else {
            if observation.storage == nil { return .success(.notRunning) }
            return .failure(.generic("\(settings.target) is missing while its storage object \(settings.device) exists: a start was cut short?"))
        }
        if let failure = exportFailure(settings, observation, target) { return .failure(failure) }
        guard level >= .thorough else { return .success(.success) }
        if let failure = configurationFailure(settings, observation, target, chap: chap) { return .failure(failure) }
        if level >= .deep, case .failed(let path, let failure)? = observation.deepRead {
            return .failure(.generic(Reason("reading a block of \(path) failed: \(failure)", details: ["halo.read": failure.symbol])))
        }
        return .success(.success)
    }

    static func exportFailure(_ settings: LIOSettings, _ observation: LIOObservation, _ target: LIOTargetState) -> AgentFailure? {
        let name = settings.target
        guard target.hasTPG else { return .generic("\(name) has no TPG 1") }
        guard let storage = observation.storage else { return .generic("\(name) exists but its storage object \(settings.device) does not") }
        guard storage.isEnabled else { return .generic("the storage object \(settings.device) is not enabled (its backing store is closed)") }
        let wanted = "\(settings.backstore.hba)/\(settings.device.text)"
        guard target.luns[settings.lun]?.storage == wanted else {
            return .generic("LUN \(settings.lun) of \(name) \(target.luns[settings.lun].map { "maps \($0.storage)" } ?? "is missing"), not \(wanted)")
        }
        if let initiators = settings.initiators {
            if target.generatesNodeACLs { return .generic("\(name) lets every initiator in (generate_node_acls=1) despite the ACL") }
            for initiator in initiators where target.acls[initiator.text]?.mappedLUNs[settings.lun]?.tpgLUN != settings.lun {
                return .generic("initiator \(initiator) has no mapping of LUN \(settings.lun) on \(name)")
            }
        } else if !target.generatesNodeACLs {
            return .generic("\(name) admits no initiator: generate_node_acls is 0 and no initiators are configured")
        }
        if !target.isEnabled { return .generic("\(name) is disabled (tpgt_1/enable is 0): initiators cannot log in") }
        return nil
    }

    static func configurationFailure(_ settings: LIOSettings, _ observation: LIOObservation, _ target: LIOTargetState,
                                     chap: ChapExpectation) -> AgentFailure? {
        guard let storage = observation.storage else { return nil }
        if storage.udevPath != settings.backing.path {
            return .generic("the storage object \(settings.device) uses \(storage.udevPath), not \(settings.backing): restart to re-create it")
        }
        if let difference = identityDifference(settings, storage) {
            return .generic("the SCSI identity of \(settings.device) changed (\(difference)): multipath would see another disk")
        }
        if case .missing(let errno)? = observation.backing {
            return .generic(Reason("the backing store \(settings.backing) is gone (\(errno.symbol))", details: ["halo.errno": errno.symbol]))
        }
        if Set(target.portals) != Set(settings.networkPortals) {
            return .generic("the portals of \(settings.target) are \(target.portals.sorted().joined(separator: " ")), not the configured ones")
        }
        if let initiators = settings.initiators, Set(target.acls.keys) != Set(initiators.map(\.text)) {
            return .generic("the ACLs of \(settings.target) differ from the configured initiators")
        }
        return chapFailure(settings, target, chap)
    }

    /// The CHAP users of the TPG (open access) or of every ACL against the credentials file, and
    /// their passwords against its secrets (compared in constant time by the view; neither
    /// secret is in any reason). A right user with a wrong secret is a secret rotated in the
    /// file and not yet applied — the old secret still logs in — so it fails like every other
    /// drift: Pacemaker restarts the resource in place, and start writes the file's secret.
    static func chapFailure(_ settings: LIOSettings, _ target: LIOTargetState, _ chap: ChapExpectation) -> AgentFailure? {
        guard case .configured(let users) = chap else { return nil }
        let pairs = settings.initiators == nil ? [target.tpgAuthentication] : target.acls.values.map(\.authentication)
        for pair in pairs where pair.incomingUser != (users.incoming ?? "") || pair.outgoingUser != (users.outgoing ?? "") {
            return .generic("the CHAP users of \(settings.target) differ from the credentials file")
        }
        for pair in pairs {
            let stale = users.incoming != nil && !pair.incomingMatches ? pair.incomingUser
                : users.outgoing != nil && !pair.outgoingMatches ? pair.outgoingUser : nil
            if let stale {
                return .generic("CHAP user \(stale) has an old secret, not chap_file's: point chap_file at a file with the new one, a reload applies it")
            }
        }
        return nil
    }

    /// The identity attributes of the storage object as LIO names them, with their values and
    /// where `LIOView` puts what LIO shows.
    static func identityAttributes(_ settings: LIOSettings) -> [(attribute: String, value: String, observed: KeyPath<StorageObjectState, String>)] {
        [("wwn/vpd_unit_serial", settings.identity.serial.text, \.serial), ("wwn/vendor_id", settings.identity.vendor.text, \.vendor),
         ("wwn/product_id", settings.identity.product.text, \.product), ("wwn/revision", settings.identity.revision.text, \.revision)]
    }

    static func identityDifference(_ settings: LIOSettings, _ storage: StorageObjectState) -> String? {
        SCSIIdentity.firstDifference(identityAttributes(settings), in: storage)
    }

    // MARK: start refusals

    static func startRefusal(_ settings: LIOSettings, _ observation: LIOObservation) -> AgentFailure? {
        guard observation.isLoaded else {
            return .notInstalled("LIO is not loaded (no /sys/kernel/config/target): load target_core_mod and mount configfs")
        }
        if let key = settings.sessionParameters.first(where: { parameterPath($0.key) == nil })?.key {
            return .misconfigured("session parameter \(key.rawValue) is SCST's; LIO has no such setting")
        }
        switch observation.backing {
        case .missing(let errno)?:
            return .generic(Reason("the backing store \(settings.backing) is not there (\(errno.symbol)): start what provides it (DRBD, LUKS) first",
                                   details: ["halo.errno": errno.symbol]))
        case .present(let type, _)? where settings.backstore == .block && type != .blockDevice:
            return .invalidArgument("\(settings.backing) is not a block device: use backstore=fileio for a file")
        default:
            return nil
        }
    }
}

// The decisions the shared glue (HaloISCSI's TargetStack) asks for.
extension LIOAgent {
    public static func monitorDecision(_ settings: LIOSettings, _ observation: LIOObservation, level: CheckLevel,
                                chap: ChapExpectation) -> Result<AgentOutcome, AgentFailure> {
        LIODecision.monitor(settings, observation, level: level, chap: chap)
    }

    public static func startRefusal(_ settings: LIOSettings, _ observation: LIOObservation, context: ActionContext<Parameters>) -> AgentFailure? {
        LIODecision.startRefusal(settings, observation)
    }
}
