import HaloOCF
import HaloSystem

extension LIODecision {
    /// The one mapping from a refused configfs operation to an OCF failure.
    static func failure(_ step: LIOStep, _ errno: Errno, _ settings: LIOSettings) -> AgentFailure {
        let details = ["halo.errno": errno.symbol, "halo.step": step.description]
        let log = "LIO's reason is in the kernel log (journalctl -k)"
        switch (step, errno) {
        // LIO binds its portals with IP_FREEBIND (every kernel version read, 3.x to mainline,
        // docs/lio.md): an address the node does not have is no refusal, and no sysctl helps
        // with what the kernel does refuse.
        case (.makeDirectory(let path), .addressNotAvailable) where path.contains("/np/"):
            let portal = path.split(separator: "/").last.map(String.init) ?? path
            return .generic(Reason("the kernel cannot listen on portal \(portal) (EADDRNOTAVAIL): \(log)", details: details))
        case (.makeDirectory("iscsi"), _):
            return .notInstalled(Reason("LIO's iSCSI fabric cannot be created (\(errno.symbol)): load iscsi_target_mod", details: details))
        case (.makeDirectory(let path), _) where path == "core/\(settings.backstore.hba)" && errno != .exists:
            return .notInstalled(Reason("LIO's \(settings.backstore.rawValue) backstore cannot be created (\(errno.symbol)): load target_core_\(settings.backstore == .block ? "iblock" : "file")",
                                        details: details))
        case (.write(let path, _), .busy) where path.hasSuffix("/enable") && path.hasPrefix("core/"):
            return .generic(Reason("\(settings.backing) is in use (held open exclusively elsewhere): \(log)", details: details))
        case (.write(let path, _), .noSuchFile) where path.hasSuffix("/enable") && path.hasPrefix("core/"),
             (.write(let path, _), .noSuchDevice) where path.hasSuffix("/enable") && path.hasPrefix("core/"):
            return .generic(Reason("LIO cannot open \(settings.backing) (\(errno.symbol)): start what provides it first", details: details))
        case (.write(let path, _), .invalidArgument) where path.contains("/wwn/"):
            return .generic(Reason("LIO refuses to change \(settings.device)'s identity (\(path.split(separator: "/").last ?? "")) while it is exported: \(log)",
                                   details: details))
        case (.removeDirectory, .busy), (.removeDirectory, .notEmpty):
            return .generic(Reason("\(step) failed: \(errno): something else still uses it (\(log))", details: details))
        case (_, .permissionDenied), (_, .notPermitted):
            return .insufficientPrivileges(Reason("\(step): \(errno): run as root", details: details))
        default:
            return .generic(Reason("\(step) failed: \(errno); \(log)", details: details))
        }
    }
}
