import HaloISCSI
import HaloOCF
import HaloSystem

/// Every decision of `ocf:halo:scst`, as pure functions of the settings and what was observed:
/// no I/O, no clock. The codes they choose are explained in docs/scst.md.
enum SCSTDecision {
    /// The target attribute that holds `key` (named like the key); `nil` for LIO's
    /// `DefaultTime2Wait`, which SCST does not let one set (iscsi-scstd negotiates 0).
    static func attribute(_ key: SessionParameter.Key) -> String? {
        key == .defaultTime2Wait ? nil : key.rawValue
    }

    /// The value iscsi-scstd shows for `parameter` once it is written, which is what start
    /// compares with: a digest list as the set it keeps, in its order (`CRC32C,None` reads back
    /// `None,CRC32C`: captured, issue 17), a number in decimal. Written as shown, too.
    static func shownValue(_ parameter: SessionParameter) -> String {
        switch parameter.key {
        case .headerDigest, .dataDigest:
            let digests = Set(parameter.value.split(separator: ","))
            return ["None", "CRC32C"].filter { digests.contains(Substring($0)) }.joined(separator: ",")
        default:
            return Int(parameter.value).map(String.init) ?? parameter.value
        }
    }

    // MARK: monitor

    /// The monitor's answer at `level`.
    ///
    /// Depth 0: the target exists and is enabled, its LUN maps this resource's device from the
    /// right LUN set, and iscsi-scstd is connected — its death deletes every iSCSI target, which
    /// is reported as such, not as a clean stop. Depth 10: also the device against its
    /// configuration (backing, handler, cache policy, identity), the backing store's presence and
    /// size, portals, initiators and CHAP accounts. Depth 20: also a block read of the backing
    /// store.
    static func monitor(_ settings: SCSTSettings, _ observation: SCSTObservation, level: CheckLevel,
                        chap: ChapExpectation = .configured(.none)) -> Result<AgentOutcome, AgentFailure> {
        guard observation.isLoaded else { return .success(.notRunning) }
        guard let target = observation.target else {
            if observation.device == nil && observation.placeholder == nil { return .success(.notRunning) }
            if let iscsi = observation.iscsi, !iscsi.isDaemonConnected {
                return .failure(.generic(Reason(daemonGone(settings), details: ["halo.device": settings.device.text])))
            }
            return .failure(.generic("\(settings.target) is missing while its device \(settings.device) exists: iscsi-scstd restarted, or a start was cut short"))
        }
        if let failure = exportFailure(settings, observation, target) { return .failure(failure) }
        guard level >= .thorough else { return .success(.success) }
        if let failure = configurationFailure(settings, observation, target, chap: chap) { return .failure(failure) }
        if level >= .deep, case .failed(let path, let failure)? = observation.deepRead {
            return .failure(.generic(Reason("reading a block of \(path) failed: \(failure)", details: ["halo.read": failure.symbol])))
        }
        if let degradation = degradation(settings, observation) { return .success(.degraded(degradation)) }
        return .success(.success)
    }

    static func daemonGone(_ settings: SCSTSettings) -> String {
        "iscsi-scstd is not connected: its exit deleted every iSCSI target of this node, \(settings.target) too; restart it (the scst service)"
    }

    /// Depth 0: what makes the LUN unreachable or wrongly reachable.
    static func exportFailure(_ settings: SCSTSettings, _ observation: SCSTObservation, _ target: TargetState) -> AgentFailure? {
        let name = settings.target
        guard observation.device != nil else {
            return .generic("\(name) exists but its device \(settings.device) does not (deleted outside the cluster?)")
        }
        let visible: [Int: String]
        if settings.initiators != nil {
            guard let group = target.groups[settings.group.text] else {
                return .generic("\(name) has no initiator group \(settings.group): the LUN is not exported to the listed initiators")
            }
            visible = group.luns
        } else {
            visible = target.defaultLUNs
        }
        if visible[settings.lun] != settings.device.text {
            let found = visible[settings.lun].map { "maps \($0)" } ?? "is missing"
            return .generic("LUN \(settings.lun) of \(name) \(found), not \(settings.device)")
        }
        if let placeholder = settings.placeholderName, visible[0] != placeholder.text {
            return .generic("LUN 0 of \(name) is not its placeholder \(placeholder): initiators look for LUN 0 first")
        }
        if settings.initiators != nil, let leak = target.defaultLUNs.first(where: { $0.value == settings.device.text }) {
            return .generic("\(settings.device) is in the default LUN set of \(name) (LUN \(leak.key)): every initiator sees it despite the ACL")
        }
        if !target.isEnabled { return .generic("\(name) is disabled: initiators cannot log in") }
        if let iscsi = observation.iscsi, !iscsi.isEnabled {
            return .generic("the iSCSI driver is disabled (targets/iscsi/enabled is 0): no initiator can log in to \(name)")
        }
        return nil
    }

    /// Depth 10: the device and the target against the configuration.
    static func configurationFailure(_ settings: SCSTSettings, _ observation: SCSTObservation, _ target: TargetState,
                                     chap: ChapExpectation) -> AgentFailure? {
        guard let device = observation.device else { return nil }
        if let difference = deviceDifference(settings, device) {
            return .generic("\(settings.device) differs from its configuration (\(difference)): restart the resource to re-create it")
        }
        if let difference = identityDifference(settings.identity, device.identity) {
            return .generic("the SCSI identity of \(settings.device) changed (\(difference)): multipath would see another disk")
        }
        if !device.isActive { return .generic("\(settings.device) is not active (its backing store is closed)") }
        if case .missing(let errno)? = observation.backing {
            return .generic(Reason("the backing store \(settings.backing) is gone (\(errno.symbol)) under \(settings.device)",
                                   details: ["halo.errno": errno.symbol]))
        }
        if Set(target.allowedPortals) != Set(settings.portals.map(\.addressText)) {
            return .generic("the allowed portals of \(settings.target) are \(target.allowedPortals.joined(separator: " ")), not the configured ones")
        }
        if let initiators = settings.initiators {
            let group = target.groups[settings.group.text]?.initiators ?? []
            if Set(group) != Set(initiators.map(\.text)) {
                return .generic("the initiators of group \(settings.group) differ from the configured ones: \(group.joined(separator: " "))")
            }
        }
        return chapFailure(settings, target, chap)
    }

    /// The target's CHAP accounts against the credentials file: the same users, each with the
    /// file's secret (compared in constant time by the view; neither secret is in any reason),
    /// and no account file iscsi-scstd has dropped the account of (whatever the file says).
    /// A right user with a wrong secret is a secret rotated in the file and not yet applied —
    /// the old secret still logs in — so it fails like every other drift: Pacemaker restarts
    /// the resource in place, and start writes the file's secret.
    static func chapFailure(_ settings: SCSTSettings, _ target: TargetState, _ chap: ChapExpectation) -> AgentFailure? {
        if let orphan = target.orphanedAccounts.first {
            return .generic("\(orphan) of \(settings.target) has no account behind it (iscsi-scstd dropped it): a restart re-creates the target")
        }
        guard case .configured(let users) = chap else { return nil }
        if target.incomingUsers.map(\.user) != (users.incoming.map { [$0] } ?? []) || target.outgoingUser?.user != users.outgoing {
            return .generic("the CHAP accounts of \(settings.target) differ from the credentials file")
        }
        if let stale = (target.incomingUsers + (target.outgoingUser.map { [$0] } ?? [])).first(where: { !$0.secretMatches }) {
            return .generic("CHAP user \(stale.user) has an old secret, not chap_file's: point chap_file at a file with the new one, a reload applies it")
        }
        return nil
    }

    static func deviceDifference(_ settings: SCSTSettings, _ device: DeviceState) -> String? {
        if device.handler != settings.handler.rawValue { return "handler \(device.handler)" }
        if device.filename != settings.backing.path { return "backing \(device.filename ?? "none")" }
        let (writeThrough, nvCache) = cacheFlags(settings.writeCache)
        if device.writeThrough != writeThrough || device.nvCache != nvCache {
            return "write_through=\(device.writeThrough ? 1 : 0) nv_cache=\(device.nvCache ? 1 : 0)"
        }
        if device.blockSize != settings.blockSize { return "block size \(device.blockSize)" }
        return nil
    }

    /// SCST's `write_through` and `nv_cache` for a policy.
    static func cacheFlags(_ policy: WriteCachePolicy) -> (writeThrough: Bool, nvCache: Bool) {
        switch policy {
        case .writeThrough: (true, false)
        case .writeBack: (false, false)
        case .nonVolatile: (false, true)
        }
    }

    /// The identity attributes SCST should show, by attribute name, and where `SCSTView` puts
    /// what SCST shows.
    static func identityAttributes(_ identity: SCSIIdentity) -> [(attribute: String, value: String, observed: KeyPath<IdentityState, String>)] {
        [("usn", identity.serial.text, \.usn), ("t10_dev_id", identity.t10DeviceID.text, \.t10DeviceID),
         ("vend_specific_id", identity.serial.text, \.vendorSpecificID), ("t10_vend_id", identity.vendor.text, \.vendor),
         ("prod_id", identity.product.text, \.product), ("prod_rev_lvl", identity.revision.text, \.revision),
         ("naa_id", identity.naa.hex, \.naa), ("eui64_id", identity.eui64?.hex ?? "", \.eui64)]
    }

    static func identityDifference(_ identity: SCSIIdentity, _ state: IdentityState) -> String? {
        SCSIIdentity.firstDifference(identityAttributes(identity), in: state)
    }

    static func degradation(_ settings: SCSTSettings, _ observation: SCSTObservation) -> Reason? {
        guard settings.handler == .blockio, let device = observation.device, case .present(_, let size)? = observation.backing,
              size != device.size else { return nil }
        return "\(settings.backing) has \(size) bytes, \(settings.device) exports \(device.size): resize with SCST's resync_size, or restart"
    }
}

// The decisions the shared glue (HaloISCSI's TargetStack) asks for.
extension SCSTAgent {
    public static func monitorDecision(_ settings: SCSTSettings, _ observation: SCSTObservation, level: CheckLevel,
                                chap: ChapExpectation) -> Result<AgentOutcome, AgentFailure> {
        SCSTDecision.monitor(settings, observation, level: level, chap: chap)
    }

    public static func startRefusal(_ settings: SCSTSettings, _ observation: SCSTObservation, context: ActionContext<Parameters>) -> AgentFailure? {
        SCSTDecision.startRefusal(settings, observation, node: nodeName(context))
    }
}
