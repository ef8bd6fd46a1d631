import HaloISCSI
import HaloOCF
import HaloSystem

extension SCSTDecision {
    /// The one mapping from a refused management write to an OCF failure, by what was being done
    /// and the errno SCST gave (the table in docs/scst.md). The write's caller gets only the
    /// errno; the reason is in the kernel log for SCST's own objects and in iscsi-scstd's
    /// syslog for what iscsi-scstd serves, so every reason says where to look.
    static func failure(_ step: SCSTStep, _ errno: Errno, _ settings: SCSTSettings) -> AgentFailure {
        let details = ["halo.errno": errno.symbol, "halo.step": step.description]
        let log = step.isServedByISCSIDaemon ? "iscsi-scstd's reason is in its log (journalctl -t iscsi-scstd)"
            : "SCST's reason is in the kernel log (journalctl -k)"
        switch (step, errno) {
        case (_, .timedOut):
            return .generic(Reason("\(step): SCST did not finish it in time (EAGAIN, then no result): \(log)", details: details))
        case (.addTarget, .notPermitted), (.addAllowedPortal, .notPermitted), (.addChapUser, .notPermitted):
            return .generic(Reason(daemonGone(settings), details: details))
        case (.enableTarget, .invalidSlot), (.setTargetAttribute("rel_tgt_id", _), .invalidSlot):
            return .invalidArgument(Reason("SCST refuses \(settings.target)'s relative target id: another target of this node uses it", details: details))
        case (.addDevice, .noSuchFile):
            return .generic(Reason("SCST cannot open \(settings.backing) (ENOENT): start what provides it first", details: details))
        case (.addDevice, .busy):
            return .generic(Reason("\(settings.backing) is in use (another SCST device or an exclusive opener holds it): \(log)", details: details))
        case (.addDevice, .exists):
            return .generic(Reason("SCST already has a device named \(settings.device), or one whose generated serial collides: \(log)", details: details))
        case (.addDevice, .notBlockDevice):
            return .invalidArgument(Reason("\(settings.backing) is not a block device: use handler=vdisk_fileio", details: details))
        case (.deleteTarget, .busy), (.waitForSessions, _):
            return .generic(Reason("\(settings.target) still has sessions after force_close: its initiators hang on (\(log))", details: details))
        case (_, .permissionDenied), (_, .notPermitted):
            return .insufficientPrivileges(Reason("\(step): \(errno): run as root", details: details))
        default:
            return .generic(Reason("\(step) failed: \(errno); \(log)", details: details))
        }
    }
}
