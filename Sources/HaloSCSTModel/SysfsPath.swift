/// Which target a path is under: the copy manager's one target, or an iSCSI target.
enum TargetRef: Sendable, Hashable {
    case copyManager
    case iscsi(String)

    /// The target's directory, relative to `targets/`.
    var directory: String {
        switch self {
        case .copyManager: "copy_manager/copy_manager_tgt"
        case .iscsi(let name): "iscsi/\(name)"
        }
    }
}

/// A LUN set: a target's default set, or an initiator group's.
struct LUNSetRef: Sendable, Hashable {
    let target: TargetRef
    let group: String?

    /// The set's `luns` directory, relative to `targets/`.
    var directory: String {
        group.map { "\(target.directory)/ini_groups/\($0)/luns" } ?? "\(target.directory)/luns"
    }
}

/// Every kind of object in the tree under `/sys/kernel/scst_tgt`, with what identifies it. The
/// tree's shape is `SCSTModel.children(of:)`; what a file shows and takes is in
/// `SCSTModel+Read.swift` and `SCSTModel+Write.swift`.
enum SysfsPath: Sendable, Hashable {
    case root
    case rootAttribute(String)
    case deviceGroups
    case deviceGroupsMgmt
    case devices
    case device(String)
    case deviceAttribute(String, String)
    case deviceExported(String)
    case deviceExport(String, Int)
    case deviceHandlerLink(String)
    case passThroughSCSILink(String)
    case handlers
    case handler(String)
    case handlerAttribute(String, String)
    case handlerDeviceLink(String, String)
    case sgv
    case sgvAttribute(String)
    case sgvPool(String)
    case sgvPoolStats(String)
    case targets
    case copyManagerDriver
    case copyManagerDriverAttribute(String)
    case iscsiDriver
    case iscsiDriverAttribute(String)
    case target(TargetRef)
    case targetAttribute(TargetRef, String)
    case lunSet(LUNSetRef)
    case lunSetMgmt(LUNSetRef)
    case lun(LUNSetRef, Int)
    case lunReadOnly(LUNSetRef, Int)
    case lunDeviceLink(LUNSetRef, Int)
    case groups(TargetRef)
    case groupsMgmt(TargetRef)
    case group(TargetRef, String)
    case groupAttribute(TargetRef, String, String)
    case initiators(TargetRef, String)
    case initiatorsMgmt(TargetRef, String)
    case initiator(TargetRef, String, String)
    case sessions(TargetRef)
    case session(TargetRef, String)
    case sessionAttribute(TargetRef, String, String)
    case sessionLUNsLink(TargetRef, String)
    case sessionLatency(TargetRef, String)
    case sessionLatencyAttribute(TargetRef, String, String)
    case sessionLUN(TargetRef, String, Int)
    case sessionLUNAttribute(TargetRef, String, Int, String)
    case connection(TargetRef, String, String)
    case connectionAttribute(TargetRef, String, String, String)
}

/// What a path is, as `stat(2)` would tell.
public enum NodeKind: Sendable, Hashable {
    case directory
    /// A regular file with these permission bits (0644, 0444 or 0200 in SCST's tree).
    case file(mode: UInt16)
    case link(target: String)
}
