import HaloISCSI
import HaloSystem

/// The target software's part of the facts: every target LIO's configfs or SCST's sysfs holds,
/// read with the agents' own readers (`LIOConfigfs`, `SCSTSysfs`).
struct TargetReader {
    let lio: LIOConfigfs
    let scst: SCSTSysfs

    init(root: String, deadline: Deadline) {
        lio = LIOConfigfs(root: root)
        scst = SCSTSysfs(root: root, deadline: deadline)
    }

    func read() -> Reading<TargetFacts> {
        var facts = TargetFacts(loaded: [], targets: [])
        do {
            if lio.isLoaded {
                facts.loaded.append(.lio)
                facts.targets += try lioTargets()
            }
        } catch {
            return .failed("cannot read LIO's configfs (\(LIOConfigfs.base)): \(error)")
        }
        do {
            if scst.isLoaded {
                facts.loaded.append(.scst)
                facts.targets += try scstTargets()
            }
        } catch {
            return .failed("cannot read SCST's sysfs (\(SCSTSysfs.base)): \(error)")
        }
        return .read(facts)
    }

    // MARK: LIO

    func lioTargets() throws(Errno) -> [TargetFacts.Target] {
        var targets: [TargetFacts.Target] = []
        for iqn in try lio.list("\(LIOConfigfs.base)/iscsi") ?? [] {
            for (tag, tpg) in try lio.portalGroups(ofTarget: iqn) {
                var luns: [TargetFacts.LUN] = []
                for (number, link) in try lio.luns(ofPortalGroup: tpg).sorted(by: { $0.key < $1.key }) {
                    guard let link else { continue }
                    let path = try lio.value("\(LIOConfigfs.base)/core/\(link.storage)/udev_path")
                    luns.append(TargetFacts.LUN(number: number, device: link.storage, backingPath: path?.isEmpty == false ? path : nil))
                }
                targets.append(TargetFacts.Target(
                    software: .lio, iqn: iqn, portalGroup: tag, isEnabled: try lio.value("\(tpg)/enable") == "1", luns: luns,
                    portals: try lio.list("\(tpg)/np") ?? [], sessions: try lioSessions(tpg)))
            }
        }
        return targets
    }

    /// The initiators logged in to a TPG: each node ACL whose session statistics show a session
    /// index (`fabric_statistics/iscsi_sess_stats/indx` is empty without a session), and each
    /// dynamic session (`dynamic_sessions`: one initiator name per line, each followed by a
    /// NUL, for open access without ACLs).
    func lioSessions(_ tpg: String) throws(Errno) -> [TargetFacts.Session] {
        var sessions: [TargetFacts.Session] = []
        for initiator in try lio.list("\(tpg)/acls") ?? [] {
            let index = try lio.value("\(tpg)/acls/\(initiator)/fabric_statistics/iscsi_sess_stats/indx") ?? ""
            if !index.isEmpty { sessions.append(TargetFacts.Session(initiator: initiator, addresses: [])) }
        }
        let dynamic = try lio.exactValue("\(tpg)/dynamic_sessions") ?? ""
        for name in dynamic.split(whereSeparator: { $0 == "\n" || $0 == "\0" }) where !name.isEmpty {
            sessions.append(TargetFacts.Session(initiator: String(name), addresses: []))
        }
        return sessions
    }

    // MARK: SCST

    func scstTargets() throws(Errno) -> [TargetFacts.Target] {
        let base = "\(SCSTSysfs.base)/targets/iscsi"
        var targets: [TargetFacts.Target] = []
        for iqn in try scst.list(base) ?? [] {
            let path = "\(base)/\(iqn)"
            guard let entries = try scst.list(path) else { continue }  // a file: enabled, open_state, mgmt…
            var luns = try scstLUNs(try scst.luns("\(path)/luns"), group: nil)
            for group in try scst.list("\(path)/ini_groups") ?? [] where group != "mgmt" {
                luns += try scstLUNs(try scst.luns("\(path)/ini_groups/\(group)/luns"), group: group)
            }
            var portals: [String] = []
            for name in SCSTSysfs.instances(entries, of: "allowed_portal") {
                if let portal = try scst.value("\(path)/\(name)") { portals.append(portal) }
            }
            var sessions: [TargetFacts.Session] = []
            for session in try scst.sessions(ofTarget: path) {
                sessions.append(TargetFacts.Session(initiator: session.initiator,
                                                    addresses: try scstConnections("\(path)/sessions/\(session.initiator)")))
            }
            targets.append(TargetFacts.Target(
                software: .scst, iqn: iqn, portalGroup: nil, isEnabled: try scst.value("\(path)/enabled") == "1",
                luns: luns, portals: portals, sessions: sessions))
        }
        return targets
    }

    /// A LUN set's LUNs with their devices' backing files (`filename`), in LUN order. LUNs of
    /// an initiator group are named `<group>/<n>`'s device like the others; the group is kept.
    func scstLUNs(_ set: [Int: String], group: String?) throws(Errno) -> [TargetFacts.LUN] {
        try set.sorted { $0.key < $1.key }.map { (number, device) throws(Errno) in
            let path = try scst.value("\(SCSTSysfs.base)/devices/\(device)/filename")
            return TargetFacts.LUN(number: number, device: device, backingPath: path?.isEmpty == false ? path : nil, initiatorGroup: group)
        }
    }

    /// A session's connections' initiator addresses (`<session>/<address>/ip`).
    func scstConnections(_ session: String) throws(Errno) -> [String] {
        var addresses: [String] = []
        for entry in try scst.list(session) ?? [] where scst.kernel.exists("\(session)/\(entry)/ip") {
            if let address = try scst.value("\(session)/\(entry)/ip") { addresses.append(address) }
        }
        return addresses
    }
}
