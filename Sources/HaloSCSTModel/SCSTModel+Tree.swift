// The shape of the tree: which entries each directory has and what each path is. Everything
// else (contents, writes) dispatches on the `SysfsPath` resolved here.

extension SCSTModel {
    /// The path the components name (relative to /sys/kernel/scst_tgt), or `nil` when nothing
    /// is there.
    func resolve(_ components: [String]) -> SysfsPath? {
        var path = SysfsPath.root
        for component in components {
            guard let next = children(of: path)?.first(where: { $0.name == component }) else { return nil }
            path = next.path
        }
        return path
    }

    /// The entry names of the directory at `components`, sorted; `nil` when it is no directory.
    public func list(_ components: [String]) -> [String]? {
        resolve(components).flatMap { children(of: $0) }?.map(\.name)
    }

    /// What is at `components`.
    public func kind(_ components: [String]) -> NodeKind? {
        resolve(components).map(kind(of:))
    }

    /// The entries of a directory, sorted by name; `nil` for files and links.
    func children(of path: SysfsPath) -> [(name: String, path: SysfsPath)]? {
        var entries: [(name: String, path: SysfsPath)]
        switch path {
        case .root:
            entries = AttributeTables.root.map { ($0.name, .rootAttribute($0.name)) }
                + [("device_groups", .deviceGroups), ("devices", .devices), ("handlers", .handlers), ("sgv", .sgv), ("targets", .targets)]
        case .deviceGroups:
            entries = [("mgmt", .deviceGroupsMgmt)]
        case .devices:
            entries = (passThroughDevices + devices.keys).map { ($0, .device($0)) }
        case .device(let name):
            if let device = devices[name] {
                entries = AttributeTables.device(device.handler).map { ($0.name, .deviceAttribute(name, $0.name)) }
                    + [("exported", .deviceExported(name)), ("handler", .deviceHandlerLink(name))]
            } else {
                entries = AttributeTables.passThroughDevice.map { ($0.name, .deviceAttribute(name, $0.name)) }
                    + [("exported", .deviceExported(name)), ("scsi_device", .passThroughSCSILink(name))]
            }
        case .deviceExported(let name):
            entries = exports(of: name).map { ("export\($0.index)", .deviceExport(name, $0.index)) }
        case .handlers:
            entries = AttributeTables.handlerNames.map { ($0, .handler($0)) }
        case .handler(let handler):
            entries = AttributeTables.handler.map { ($0.name, .handlerAttribute(handler, $0.name)) }
                + devices.values.filter { $0.handler.rawValue == handler }.map { ($0.name, .handlerDeviceLink(handler, $0.name)) }
        case .sgv:
            entries = [("global_stats", .sgvAttribute("global_stats"))] + AttributeTables.sgvPools.map { ($0, .sgvPool($0)) }
        case .sgvPool(let pool):
            entries = [("stats", .sgvPoolStats(pool))]
        case .targets:
            entries = [("copy_manager", .copyManagerDriver), ("iscsi", .iscsiDriver)]
        case .copyManagerDriver:
            entries = AttributeTables.copyManagerDriver.map { ($0.name, .copyManagerDriverAttribute($0.name)) }
                + [("copy_manager_tgt", .target(.copyManager))]
        case .iscsiDriver:
            let table = AttributeTables.iscsiDriverAlways + (isDaemonConnected ? AttributeTables.iscsiDriverConnected : [])
            entries = table.map { ($0.name, .iscsiDriverAttribute($0.name)) } + targets.keys.map { ($0, .target(.iscsi($0))) }
        case .target(let target):
            entries = targetAttributeNames(target).map { ($0, .targetAttribute(target, $0)) }
                + [("ini_groups", .groups(target)), ("luns", .lunSet(LUNSetRef(target: target, group: nil))),
                   ("sessions", .sessions(target))]
        case .lunSet(let set):
            entries = [("mgmt", .lunSetMgmt(set))] + (lunSet(set) ?? [:]).keys.map { (String($0), .lun(set, $0)) }
        case .lun(let set, let number):
            entries = [("device", .lunDeviceLink(set, number)), ("read_only", .lunReadOnly(set, number))]
        case .groups(let target):
            entries = [("mgmt", .groupsMgmt(target))] + groupNames(target).map { ($0, .group(target, $0)) }
        case .group(let target, let group):
            entries = AttributeTables.group.map { ($0.name, .groupAttribute(target, group, $0.name)) }
                + [("initiators", .initiators(target, group)), ("luns", .lunSet(LUNSetRef(target: target, group: group)))]
        case .initiators(let target, let group):
            let names = target.iscsiName.flatMap { targets[$0]?.groups[group]?.initiators } ?? []
            entries = [("mgmt", .initiatorsMgmt(target, group))] + names.map { ($0, .initiator(target, group, $0)) }
        case .sessions(let target):
            entries = sessionNames(target).map { ($0, .session(target, $0)) }
        case .session(let target, let session):
            let table = target == .copyManager ? AttributeTables.copyManagerSession : AttributeTables.iscsiSession
            entries = table.map { ($0.name, .sessionAttribute(target, session, $0.name)) }
                + [("latency", .sessionLatency(target, session)), ("luns", .sessionLUNsLink(target, session))]
                + (sessionLUNs(target, session) ?? [:]).keys.map { ("lun\($0)", .sessionLUN(target, session, $0)) }
            if case .iscsi(let name) = target, let address = targets[name]?.sessions[session]?.initiatorAddress {
                entries.append((address, .connection(target, session, address)))
            }
        case .sessionLatency(let target, let session):
            entries = AttributeTables.latency.map { ($0, .sessionLatencyAttribute(target, session, $0)) }
        case .sessionLUN(let target, let session, let number):
            entries = AttributeTables.sessionLUN.map { ($0.name, .sessionLUNAttribute(target, session, number, $0.name)) }
        case .connection(let target, let session, let address):
            entries = AttributeTables.connection.map { ($0.name, .connectionAttribute(target, session, address, $0.name)) }
        default:
            return nil
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// Directory, file (with its permission bits) or link (with its target).
    func kind(of path: SysfsPath) -> NodeKind {
        if children(of: path) != nil { return .directory }
        switch path {
        case .rootAttribute(let name): return .file(mode: AttributeTables.mode(name, in: AttributeTables.root)!)
        case .deviceGroupsMgmt, .lunSetMgmt, .groupsMgmt, .initiatorsMgmt: return .file(mode: 0o644)
        case .deviceAttribute(let name, let attribute):
            let table = devices[name].map { AttributeTables.device($0.handler) } ?? AttributeTables.passThroughDevice
            return .file(mode: AttributeTables.mode(attribute, in: table)!)
        case .deviceExport(let name, let index):
            let set = exports(of: name).first { $0.index == index }!.set
            return .link(target: "../../../targets/\(set.directory)/\(exports(of: name).first { $0.index == index }!.lun)")
        case .deviceHandlerLink(let name): return .link(target: "../../handlers/\(devices[name]!.handler.rawValue)")
        case .passThroughSCSILink(let name):
            return .link(target: "../../../../devices/pci0000:00/0000:00:01.1/ata2/host1/target1:0:0/\(name)/scsi_device/\(name)")
        case .handlerAttribute(_, let attribute): return .file(mode: AttributeTables.mode(attribute, in: AttributeTables.handler)!)
        case .handlerDeviceLink(_, let name): return .link(target: "../../devices/\(name)")
        case .sgvAttribute, .sgvPoolStats: return .file(mode: 0o644)
        case .copyManagerDriverAttribute(let name): return .file(mode: AttributeTables.mode(name, in: AttributeTables.copyManagerDriver)!)
        case .iscsiDriverAttribute(let name):
            return .file(mode: AttributeTables.mode(name, in: AttributeTables.iscsiDriverAlways + AttributeTables.iscsiDriverConnected) ?? 0o600)
        case .targetAttribute(let target, let name):
            let table = target == .copyManager ? AttributeTables.copyManagerTarget : AttributeTables.iscsiTarget
            if let mode = AttributeTables.mode(name, in: table) { return .file(mode: mode) }
            // CHAP accounts' mode 0600 is not captured (ChapAccount): SCST's documentation.
            return .file(mode: name.hasPrefix("allowed_portal") ? 0o644 : 0o600)
        case .lunReadOnly: return .file(mode: 0o444)
        case .lunDeviceLink(let set, let number):
            let up = set.group == nil ? "../../../../.." : "../../../../../../.."
            return .link(target: "\(up)/devices/\(lunSet(set)![number]!.device)")
        case .groupAttribute: return .file(mode: 0o644)
        case .initiator: return .file(mode: 0o444)
        case .sessionAttribute(let target, _, let name):
            let table = target == .copyManager ? AttributeTables.copyManagerSession : AttributeTables.iscsiSession
            return .file(mode: AttributeTables.mode(name, in: table)!)
        case .sessionLUNsLink(let target, let session):
            guard case .iscsi(let name) = target, let group = targets[name]?.sessions[session]?.group else { return .link(target: "../../luns") }
            return .link(target: "../../ini_groups/\(group)/luns")
        case .sessionLatencyAttribute: return .file(mode: 0o644)
        case .sessionLUNAttribute, .connectionAttribute: return .file(mode: 0o444)
        default: preconditionFailure("\(path) is a directory")
        }
    }

    // MARK: What the tree is built from

    /// The attribute files of a target: the fixed ones, then one file per allowed portal and
    /// CHAP account (`allowed_portal`, `allowed_portal1`, …).
    func targetAttributeNames(_ target: TargetRef) -> [String] {
        guard case .iscsi(let name) = target, let iscsi = targets[name] else {
            return AttributeTables.copyManagerTarget.map(\.name)
        }
        return AttributeTables.iscsiTarget.map(\.name)
            + Self.instances("allowed_portal", count: iscsi.allowedPortals.count)
            + Self.instances("IncomingUser", count: iscsi.incomingUsers.count)
            + (iscsi.outgoingUser == nil && !iscsi.hasOrphanedOutgoingUser ? [] : ["OutgoingUser"])
    }

    /// `X`, `X1`, `X2`, … — how SCST names the instances of a multi-valued attribute.
    static func instances(_ name: String, count: Int) -> [String] {
        (0..<count).map { $0 == 0 ? name : "\(name)\($0)" }
    }

    func groupNames(_ target: TargetRef) -> [String] {
        target.iscsiName.flatMap { targets[$0].map { Array($0.groups.keys) } } ?? []
    }

    func sessionNames(_ target: TargetRef) -> [String] {
        switch target {
        case .copyManager: ["copy_manager_sess"]
        case .iscsi(let name): targets[name].map { Array($0.sessions.keys) } ?? []
        }
    }

    /// A LUN set's entries; `nil` when the set does not exist.
    func lunSet(_ set: LUNSetRef) -> [Int: LUNEntry]? {
        switch set.target {
        case .copyManager: set.group == nil ? copyManagerLUNs : nil
        case .iscsi(let name): targets[name]?.lunSet(group: set.group)
        }
    }

    /// The LUNs a session sees.
    func sessionLUNs(_ target: TargetRef, _ session: String) -> [Int: LUNEntry]? {
        switch target {
        case .copyManager: copyManagerLUNs
        case .iscsi(let name):
            targets[name]?.sessions[session].flatMap { targets[name]?.lunSet(group: $0.group) }
        }
    }

    /// Every LUN set in the tree.
    var allLUNSets: [LUNSetRef] {
        [LUNSetRef(target: .copyManager, group: nil)] + targets.values.flatMap { target in
            [LUNSetRef(target: .iscsi(target.name), group: nil)] + target.groups.keys.map { LUNSetRef(target: .iscsi(target.name), group: $0) }
        }
    }

    /// Where a device is exported: each `exportN` with its LUN set and number.
    func exports(of device: String) -> [(index: Int, set: LUNSetRef, lun: Int)] {
        allLUNSets.flatMap { set in
            (lunSet(set) ?? [:]).compactMap { lun, entry in entry.device == device ? (entry.exportIndex, set, lun) : nil }
        }.sorted { $0.index < $1.index }
    }
}

extension TargetRef {
    var iscsiName: String? {
        if case .iscsi(let name) = self { return name }
        return nil
    }
}
