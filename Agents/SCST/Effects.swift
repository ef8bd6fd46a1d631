import HaloISCSI
import HaloOCF
import HaloSystem
import Logging

/// What `ocf:halo:scst` changes: management writes to SCST's sysfs, one `write(2)` each, made
/// while holding the node's SCST lock.
///
/// `last_sysfs_mgmt_res` is one value for the whole node, so every management write of every
/// resource on the node goes through this one lock (`scst-mgmt.lock` in the agents' state
/// directory). A write that fails with `EAGAIN` was queued and is still running: the writer
/// then polls `last_sysfs_mgmt_res` — which itself fails with `EAGAIN` while work is pending —
/// until it gives the command's result, or the deadline passes.
struct SCSTEffects: TargetEffects {
    let kernel: KernelAttributes
    let deadline: Deadline
    let settings: SCSTSettings
    let logger: Logger

    static let base = SCSTView.base

    /// The target's sysfs directory.
    var targetPath: String { "\(Self.base)/targets/iscsi/\(settings.target.text)" }

    func apply(_ step: SCSTStep, credentials: borrowing ChapCredentials?) throws(Errno) {
        let iqn = settings.target.text
        let driver = "\(Self.base)/targets/iscsi/mgmt"
        switch step {
        case .addDevice(let name, let handler, let parameters):
            try command("\(Self.base)/handlers/\(handler)/mgmt", "add_device \(name) \(parameters)")
        case .deleteDevice(let name, let handler):
            try command("\(Self.base)/handlers/\(handler)/mgmt", "del_device \(name)")
        case .setDeviceAttribute(let device, let attribute, let value):
            try command("\(Self.base)/devices/\(device)/\(attribute)", value)
        case .addTarget: try command(driver, "add_target \(iqn)")
        case .deleteTarget: try command(driver, "del_target \(iqn)")
        case .disableTarget: try command("\(targetPath)/enabled", "0")
        case .enableTarget: try command("\(targetPath)/enabled", "1")
        case .enableDriver: try command("\(Self.base)/targets/iscsi/enabled", "1")
        case .setTargetAttribute(let attribute, let value): try command("\(targetPath)/\(attribute)", value)
        case .addAllowedPortal(let portal): try command(driver, "add_target_attribute \(iqn) allowed_portal \(portal)")
        case .deleteAllowedPortal(let portal): try command(driver, "del_target_attribute \(iqn) allowed_portal \(portal)")
        case .addChapUser(let outgoing):
            let attribute = outgoing ? "OutgoingUser" : "IncomingUser"
            switch credentials {
            case .some(let configured):
                try configured.withCredential(outgoing: outgoing) { (credential) throws(Errno) in
                    switch credential {
                    case .some(let present):
                        try secretCommand(driver, prefix: "add_target_attribute \(iqn) \(attribute) \(present.user.text) ", secret: present.secret)
                    case .none:
                        preconditionFailure("a CHAP step is planned only for a configured credential")
                    }
                }
            case .none:
                preconditionFailure("a CHAP step is planned only with credentials")
            }
        case .deleteChapUser(let outgoing, let user):
            try command(driver, "del_target_attribute \(iqn) \(outgoing ? "OutgoingUser" : "IncomingUser") \(user)")
        case .createGroup(let group): try command("\(targetPath)/ini_groups/mgmt", "create \(group)")
        case .deleteGroup(let group): try command("\(targetPath)/ini_groups/mgmt", "del \(group)")
        case .addInitiator(let group, let initiator): try command("\(targetPath)/ini_groups/\(group)/initiators/mgmt", "add \(initiator)")
        case .deleteInitiator(let group, let initiator): try command("\(targetPath)/ini_groups/\(group)/initiators/mgmt", "del \(initiator)")
        case .addLUN(let group, let device, let lun): try command("\(lunSet(group))/mgmt", "add \(device) \(lun)")
        case .deleteLUN(let group, let lun): try command("\(lunSet(group))/mgmt", "del \(lun)")
        case .closeSession(let initiator):
            do {
                try command("\(targetPath)/sessions/\(initiator)/force_close", "1")
            } catch {
                if error != .noSuchFile { throw error }   // already gone
            }
        case .waitForSessions:
            try waitForSessions()
        }
    }

    func lunSet(_ group: String?) -> String {
        group.map { "\(targetPath)/ini_groups/\($0)/luns" } ?? "\(targetPath)/luns"
    }

    /// Polls the target's `sessions/` until it is empty, for at most 80 % of the time left (the
    /// rest is for deleting the target and the device, and for the exit reason).
    func waitForSessions() throws(Errno) {
        let until = deadline.portion(0.8)
        var pause = Duration.milliseconds(10)
        while true {
            let sessions: [String]
            do {
                sessions = try kernel.list("\(targetPath)/sessions")
            } catch {
                if error == .noSuchFile { return }
                throw error
            }
            if sessions.isEmpty { return }
            if until.hasPassed() { throw .busy }
            Pause.for(min(pause, until.remaining()))
            pause = min(pause * 2, .milliseconds(200))
        }
    }

    // MARK: One management write

    /// Writes `line` and returns once SCST has a result for it.
    func command(_ path: String, _ line: String) throws(Errno) {
        do {
            try kernel.write(path, line: line)
        } catch {
            guard error == .tryAgain else { throw error }
            try awaitQueuedResult(path)
        }
    }

    /// `command` for a line that carries a CHAP secret: composed in locked memory.
    func secretCommand(_ path: String, prefix: String, secret: borrowing Secret) throws(Errno) {
        do {
            try kernel.write(path, prefix: prefix, secret: secret)
        } catch {
            guard error == .tryAgain else { throw error }
            try awaitQueuedResult(path)
        }
    }

    /// After `EAGAIN`: the command is queued and still running. Polls `last_sysfs_mgmt_res`
    /// (EAGAIN while work is pending) until it shows the result: 0, or the command's -errno.
    func awaitQueuedResult(_ path: String) throws(Errno) {
        logger.debug("EAGAIN: waiting for SCST's result", metadata: ["halo.path": "\(path)"])
        var pause = Duration.milliseconds(5)
        while true {
            do throws(Errno) {
                let text = try kernel.readValue("\(Self.base)/last_sysfs_mgmt_res")
                guard let result = Int32(text) else { throw .ioError }
                if result == 0 { return }
                throw Errno(rawValue: -result)
            } catch {
                guard error == .tryAgain else { throw error }
            }
            if deadline.hasPassed() { throw .timedOut }
            Pause.for(min(pause, deadline.remaining()))
            pause = min(pause * 2, .milliseconds(100))
        }
    }
}
