import HaloSCSTModel
import HaloSystem
import HaloTesting

/// An in-process model driven through a captured session: the lab guest's devices (/dev/vdb,
/// 256 MiB) and its pass-through CD-ROM, a clock that only moves when told.
struct ModelReplay {
    static let texts = try! CapturedTexts(directory: SCSTModelProcess.captures)

    var model: SCSTModel
    var now = ContinuousClock.now

    init(daemonConnected: Bool = true) {
        model = SCSTModel(configuration: SCSTModel.Configuration(
            daemonConnected: daemonConnected, backing: BackingStores(virtualBlockDevices: ["/dev/vdb": 268_435_456])),
            texts: Self.texts)
    }

    static let target = "iqn.2026-11.lab.test:tgt1"

    /// Writes `command` (with the newline `echo` adds) to `path` (relative to scst_tgt).
    @discardableResult
    mutating func write(_ path: String, _ command: String) -> Result<Int, Errno> {
        model.write(path.split(separator: "/").map(String.init), bytes: Array((command + "\n").utf8), now: now)
    }

    mutating func read(_ path: String) -> Result<String, Errno> {
        model.read(path.split(separator: "/").map(String.init), now: now).map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func lastResult() -> String {
        (try? read("last_sysfs_mgmt_res").get()).map { String($0.dropLast()) } ?? "EAGAIN"
    }

    mutating func advance(_ duration: Duration) { now = now.advanced(by: duration) }

    /// Replays every write of a capture file; returns the writes whose outcome differs.
    mutating func replay(_ file: String) throws -> [String] {
        var mismatches: [String] = []
        for write in try CapturedWrite.lines(file) {
            let result = self.write(write.path, write.command)
            let errno: Int32? = switch result {
            case .success: nil
            case .failure(let error): error.rawValue
            }
            // The capture tool waited for a force-closed session to go; so does the replay.
            if write.path.hasSuffix("/force_close") { advance(.seconds(1)) }
            let last = lastResult()
            if errno != write.errno || last != String(write.lastResult) {
                mismatches.append("\(file): \(write) gave errno \(errno.map(String.init) ?? "none"), last \(last); "
                    + "captured errno \(write.errno.map(String.init) ?? "none"), last \(write.lastResult)")
            }
        }
        return mismatches
    }

    /// The writes `scstadmin -config` made for the saved configuration (capture 12's log).
    mutating func applySavedConfiguration() {
        write("targets/iscsi/mgmt", "add_target \(Self.target)")
        write("targets/iscsi/mgmt", "add_target_attribute \(Self.target) allowed_portal 198.18.1.21")
        write("targets/iscsi/\(Self.target)/rel_tgt_id", "1")
        write("targets/iscsi/\(Self.target)/luns/mgmt", "add disk1 0")
        write("targets/iscsi/\(Self.target)/luns/mgmt", "add null1 1")
        write("targets/iscsi/\(Self.target)/enabled", "1")
        write("targets/iscsi/enabled", "1")
    }

    mutating func login() {
        _ = model.login(target: Self.target, initiator: "iqn.2026-11.lab.test:ini", initiatorAddress: "198.18.1.22",
                        portalAddress: "198.18.1.21")
    }

    /// The whole captured session up to the ACL with a live session (capture 17's state).
    mutating func replayUpToTheACL() throws -> [String] {
        var mismatches = try replay("02-add-target-without-daemon.txt")
        model.connectDaemon()
        mismatches += try replay("04-configure.txt")
        mismatches += try replay("06-error-cases.txt")
        login()
        model.killDaemon()
        mismatches += try replay("11-kill-daemon-TERM.txt")
        model.connectDaemon()
        applySavedConfiguration()
        login()
        model.killDaemon()
        model.connectDaemon()
        applySavedConfiguration()
        login()
        mismatches += try replay("14-in-session-ops.txt")
        mismatches += try replay("15-delete-with-session.txt")
        mismatches += try replay("16-acl.txt")
        login()
        return mismatches
    }

    /// The model's tree in the capture's terms.
    mutating func tree() -> [String: SCSTCaptureTree.Node] {
        var nodes: [String: SCSTCaptureTree.Node] = [:]
        func walk(_ components: [String]) {
            let path = components.joined(separator: "/")
            switch model.kind(components) {
            case .directory?:
                nodes[path] = .directory
                for name in model.list(components) ?? [] { walk(components + [name]) }
            case .file(let mode)?:
                let content: [UInt8]? = mode & 0o444 == 0 ? nil : (try? model.read(components, now: now).get())
                nodes[path] = .file(mode: mode, content: content)
            case .link(let target)?:
                nodes[path] = .link(target: target)
            case nil:
                break
            }
        }
        walk([])
        return nodes
    }
}
