import HaloISCSI

/// One management write of a start or stop plan: what `SCSTEffects` carries out, one `write(2)`
/// each, in order.
enum SCSTStep: Sendable, Hashable, CustomStringConvertible {
    case addDevice(name: String, handler: String, parameters: String)
    case deleteDevice(name: String, handler: String)
    case setDeviceAttribute(device: String, attribute: String, value: String)
    case addTarget
    case deleteTarget
    case disableTarget
    case enableTarget
    case enableDriver
    case setTargetAttribute(attribute: String, value: String)
    case addAllowedPortal(String)
    case deleteAllowedPortal(String)
    /// The configured incoming (or outgoing) CHAP account, secret from the credentials file.
    case addChapUser(outgoing: Bool)
    case deleteChapUser(outgoing: Bool, user: String)
    case createGroup(String)
    case deleteGroup(String)
    case addInitiator(group: String, initiator: String)
    case deleteInitiator(group: String, initiator: String)
    /// `group` nil: the target's default LUN set.
    case addLUN(group: String?, device: String, lun: Int)
    case deleteLUN(group: String?, lun: Int)
    case closeSession(initiator: String)
    /// Waits (bounded) until the target has no session left.
    case waitForSessions

    /// Whether iSCSI-SCST hands this write to iscsi-scstd, which logs why it refused one to its
    /// own syslog identifier, not to the kernel log (issue 17): the target, its enabling, the
    /// driver's `enabled`, portals, CHAP accounts and the iSCSI parameters — not `rel_tgt_id`,
    /// groups, LUNs, devices or sessions, which SCST's core handles.
    var isServedByISCSIDaemon: Bool {
        switch self {
        case .addTarget, .deleteTarget, .disableTarget, .enableTarget, .enableDriver, .addAllowedPortal, .deleteAllowedPortal,
             .addChapUser, .deleteChapUser:
            true
        case .setTargetAttribute(let attribute, _):
            attribute != "rel_tgt_id"
        case .addDevice, .deleteDevice, .setDeviceAttribute, .createGroup, .deleteGroup, .addInitiator, .deleteInitiator,
             .addLUN, .deleteLUN, .closeSession, .waitForSessions:
            false
        }
    }

    var description: String {
        switch self {
        case .addDevice(let name, let handler, _): "add device \(name) (\(handler))"
        case .deleteDevice(let name, _): "delete device \(name)"
        case .setDeviceAttribute(let device, let attribute, _): "set \(attribute) of \(device)"
        case .addTarget: "add the target"
        case .deleteTarget: "delete the target"
        case .disableTarget: "disable the target"
        case .enableTarget: "enable the target"
        case .enableDriver: "enable the iSCSI driver"
        case .setTargetAttribute(let attribute, _): "set \(attribute) of the target"
        case .addAllowedPortal(let portal): "allow portal \(portal)"
        case .deleteAllowedPortal(let portal): "remove portal \(portal)"
        case .addChapUser(let outgoing): "add the \(outgoing ? "outgoing" : "incoming") CHAP user"
        case .deleteChapUser(let outgoing, let user): "delete \(outgoing ? "outgoing" : "incoming") CHAP user \(user)"
        case .createGroup(let group): "create initiator group \(group)"
        case .deleteGroup(let group): "delete initiator group \(group)"
        case .addInitiator(let group, let initiator): "add \(initiator) to group \(group)"
        case .deleteInitiator(let group, let initiator): "remove \(initiator) from group \(group)"
        case .addLUN(let group, let device, let lun): "export \(device) as LUN \(lun)\(group.map { " of group \($0)" } ?? "")"
        case .deleteLUN(let group, let lun): "remove LUN \(lun)\(group.map { " of group \($0)" } ?? " of the default set")"
        case .closeSession(let initiator): "close the session of \(initiator)"
        case .waitForSessions: "wait for the sessions to close"
        }
    }
}
