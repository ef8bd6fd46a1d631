import HaloDRBD
import HaloOCF
import HaloPacemaker
import HaloSystem
import Logging

/// What the DRBD agent changes: the resource through drbdadm (its role over netlink:
/// `changeRole`), and its promotion score through
/// crm_attribute — written only when it changes (a cache in the state directory), except where
/// Pacemaker may have forgotten it (start, probes, notifications, promote, reload).
struct DRBDEffects {
    let resource: String
    let instance: String
    let tools: DRBDTools
    let pacemaker = PacemakerTools()
    let attributes = KernelAttributes()
    let state: StateDirectory
    let logger: Logger
    let deadline: Deadline
    /// Under halod there is no attribute daemon and halod places the promotion itself.
    var writesPromotionScores = true

    /// Netlink, unless `HALO_DRBD_STATE=events2`.
    var source = DRBDObservation.Source.netlink

    func observe() throws(AgentFailure) -> DRBDObservation {
        try DRBDObservation.read(resource, attributes: attributes, tools: tools, source: source, deadline: deadline) { error in
            logger.notice("cannot read DRBD's state over netlink (\(error)): asking drbdsetup events2")
        }
    }

    /// Loads the DRBD module when it is not loaded.
    func loadModule() throws(AgentFailure) {
        guard DRBDObservation.moduleVersion(attributes) == nil else { return }
        let result = try tools.run(Command("modprobe", ["drbd"]), deadline: deadline)
        guard result.succeeded, DRBDObservation.moduleVersion(attributes) != nil else {
            throw .notInstalled(Reason("cannot load the drbd kernel module: \(firstLine(result.errorText))"))
        }
    }

    /// `drbdadm VERB`, failing with DRBD's own first line of complaint.
    func drbdadm(_ verb: String, failure: (ProcessResult) -> AgentFailure) throws(AgentFailure) {
        let result = try tools.drbdadm(verb, resource, deadline: deadline)
        guard result.succeeded else { throw failure(result) }
    }

    /// The resource's devices to `role`. Over netlink (`DRBDRoleChange`: one request per
    /// volume, no process — in the UML lab the agent's promote took 476 ms this way against
    /// 621 ms with drbdadm → drbdadm-84 → drbdsetup-84, its demote 432 against 666 ms, medians
    /// of 10), refused in drbdsetup's words and exit
    /// statuses; through `drbdadm ROLE` when `HALO_DRBD_STATE=events2`, on a DRBD 9 kernel,
    /// without a known minor, or when netlink fails before DRBD answered (said in the log). A
    /// netlink request still unanswered at the action's deadline fails the action: the kernel
    /// may be waiting for the fence-peer handler, and drbdadm would wait behind it.
    func changeRole(_ role: DRBDRoleChange.Role, state: DRBDResourceState?) throws(AgentFailure) -> RoleChangeResult {
        if source == .netlink, let state, let requests = DRBDRoleChange.requests(role, for: state) {
            do {
                var answered = 0
                for request in requests {
                    // nil: the family went away (the module is being unloaded): drbdadm answers.
                    guard let reply = try request.send(deadline: deadline) else { break }
                    if let refusal = reply.refusal {
                        return RoleChangeResult(exitStatus: refusal.exitStatus, termination: "exit status \(refusal.exitStatus)",
                                                said: refusal.message)
                    }
                    answered += 1
                }
                if answered == requests.count { return RoleChangeResult(exitStatus: 0, termination: "done", said: "") }
            } catch .netlink(let error) where error.errno == .timedOut {
                throw .generic(Reason("DRBD did not answer `\(role.verb)` for \(resource) before the action's deadline"))
            } catch {
                logger.notice("cannot change DRBD's role over netlink (\(error)): running drbdadm \(role.verb)")
            }
        }
        let result = try tools.drbdadm(role.verb, resource, deadline: deadline)
        return RoleChangeResult(exitStatus: result.succeeded ? 0 : result.exitStatus, termination: "\(result.termination)",
                                said: firstLine(result.errorText))
    }

    /// Drops the resource's connection at once (`disconnect --force`). Over netlink
    /// (`DRBDConnection`: its settings read first, for `restoreConnection`) unless
    /// `HALO_DRBD_STATE=events2`, on DRBD 9, without a known minor, or when netlink fails before
    /// DRBD answered: then `drbdadm disconnect --force` (said in the log). nil when DRBD refused
    /// or did not answer: the caller waits for DRBD's own ping instead.
    func dropConnection(state: DRBDResourceState?) -> DroppedConnection? {
        if source == .netlink, let minor = state?.devices.first?.minor {
            var settings: DRBDConnectionSettings?
            do {
                settings = try DRBDConnection.read(resource: resource, minor: UInt32(minor), deadline: deadline)
                if let settings, let reply = try DRBDConnection.disconnect(settings, deadline: deadline) {
                    if let refusal = reply.refusal {
                        logger.notice("DRBD refused to drop the connection of \(resource): \(refusal.message)")
                        return nil
                    }
                    return .netlink(settings)
                }
            } catch .netlink(let error) where error.errno == .timedOut {
                // The disconnect may still take effect: the promote's end configures the
                // connection again if it did (`DRBDDecision.mustListenAgain`).
                logger.notice("DRBD did not answer `disconnect --force` for \(resource) in time")
                return settings.map(DroppedConnection.netlink)
            } catch {
                logger.notice("cannot drop DRBD's connection over netlink (\(error)): running drbdadm disconnect --force")
            }
        }
        guard let result = try? tools.drbdadm("disconnect", resource, extra: ["--", "--force"], deadline: deadline),
              result.succeeded else {
            logger.notice("drbdadm disconnect \(resource) failed")
            return nil
        }
        return .drbdadm
    }

    /// After `dropConnection`: DRBD listens for its peer again — over netlink with the settings
    /// the connection had, else (or when that fails) `drbdadm connect`. Whether it does.
    func restoreConnection(_ dropped: DroppedConnection) -> Bool {
        if case .netlink(let settings) = dropped {
            do {
                if let reply = try DRBDConnection.connect(settings, deadline: deadline) {
                    guard let refusal = reply.refusal else { return true }
                    logger.notice("DRBD refused to connect \(resource) again (\(refusal.message)): running drbdadm connect")
                }
            } catch {
                logger.notice("cannot connect \(resource) again over netlink (\(error)): running drbdadm connect")
            }
        }
        guard let result = try? tools.drbdadm("connect", resource, deadline: deadline) else { return false }
        return result.succeeded
    }

    /// Waits until every connection is Connected, or `until`.
    func waitForConnection(until wait: Deadline) throws(AgentFailure) -> DRBDObservation {
        while true {
            let observation = try observe()
            let connections = observation.state?.connections ?? []
            if !connections.isEmpty && connections.allSatisfy({ $0.state == .connected }) || wait.hasPassed() {
                return observation
            }
            Pause.for(.milliseconds(200))
        }
    }

    /// Leaves Pacemaker's name for this node where the fence-peer handler finds it (a file
    /// read there instead of a `crm_node --name` on the failover path). Written only when it
    /// differs; a failure costs the handler that one call, nothing else.
    func noteNodeName(_ name: String?) {
        guard let name, !name.isEmpty, !name.contains(where: \.isNewline) else { return }
        let bytes = Array(name.utf8)
        if (try? state.read(FencePeer.nodeNameFile)) == bytes { return }
        do {
            try state.write(FencePeer.nodeNameFile, bytes)
        } catch {
            logger.warning("cannot note the node name for the fence-peer handler", metadata: ["halo.error": "\(error)"])
        }
    }

    /// Why a device cannot change role: its users, from sysfs and procfs.
    func users(_ observation: DRBDObservation) -> String {
        let minors = observation.state?.devices.compactMap(\.minor) ?? []
        let users = minors.flatMap { BlockDeviceUsers.describe("drbd\($0)", attributes: attributes) }
        return users.isEmpty ? "" : " — used by " + users.joined(separator: ", ")
    }

    /// The state file caching the score last written for `instance`.
    static func scoreCacheName(_ instance: String) -> String { "score-" + PlainName.of(instance) }

    /// Applies a score decision. `force` writes even when the cache says it is unchanged.
    func apply(_ decision: ScoreDecision, force: Bool) {
        guard writesPromotionScores else { return }
        let cacheName = Self.scoreCacheName(instance)
        let wanted: String
        switch decision {
        case .keep: return
        case .set(let score): wanted = "set \(score)"
        case .remove: wanted = "remove"
        }
        let cached = (try? state.read(cacheName)).map { String(decoding: $0, as: UTF8.self) }
        if !force && cached == wanted { return }
        // A bounded share of the action's time: a slow attribute daemon must not fail a monitor.
        let scoreDeadline = Deadline.after(.seconds(5)).earlier(deadline)
        do {
            switch decision {
            case .set(let score): try pacemaker.setPromotionScore(score, resource: instance, deadline: scoreDeadline)
            case .remove: try pacemaker.removePromotionScore(resource: instance, deadline: scoreDeadline)
            case .keep: return
            }
            try? state.write(cacheName, Array(wanted.utf8))
            if cached != wanted { logger.info("promotion score", metadata: ["halo.score": "\(wanted)"]) }
        } catch {
            // Next monitor retries: the cache was not updated.
            try? state.remove(cacheName)
            logger.warning("cannot write the promotion score", metadata: ["halo.error": "\(error)"])
        }
    }

    /// Reads one block of each device through DRBD (check level 20), in a child process so a
    /// hung device cannot hang the agent past its deadline.
    func readProbe(_ observation: DRBDObservation) throws(AgentFailure) {
        for minor in observation.state?.devices.compactMap(\.minor) ?? [] {
            let result = try tools.run(Command("dd", ["if=/dev/drbd\(minor)", "of=/dev/null", "bs=4096", "count=1", "iflag=direct"]),
                                       deadline: deadline)
            guard result.succeeded else {
                throw .generic(Reason("reading /dev/drbd\(minor) failed: \(firstLine(result.errorText))"))
            }
        }
    }
}

/// How a role change ended: drbdsetup's exit status (0 done), how it ended in words, and
/// DRBD's first line of complaint.
struct RoleChangeResult: Sendable, Hashable {
    let exitStatus: Int32?
    let termination: String
    let said: String

    var succeeded: Bool { exitStatus == 0 }
}

/// How `dropConnection` dropped a connection, for `restoreConnection`.
enum DroppedConnection {
    /// Over netlink, with what a connect needs again.
    case netlink(DRBDConnectionSettings)
    case drbdadm
}

/// drbdsetup and drbdadm, run with argv arrays and deadlines.
struct DRBDTools: Sendable {
    let configuration: String
    let runner: ProcessRunner

    func events2(_ resource: String, deadline: Deadline) throws(AgentFailure) -> String {
        let result = try run(Command("drbdsetup", ["events2", "--now", resource]), deadline: deadline)
        guard result.succeeded else {
            throw .generic(Reason("drbdsetup events2 --now \(resource) failed: \(result.termination): \(firstLine(result.errorText))"))
        }
        return result.outputText
    }

    /// `drbdadm -c CONF VERB RESOURCE`; returns the result, failures included (callers decide).
    func drbdadm(_ verb: String, _ resource: String, extra: [String] = [], deadline: Deadline) throws(AgentFailure) -> ProcessResult {
        try run(Command("drbdadm", ["-c", configuration] + extra + [verb, resource]), deadline: deadline)
    }

    func run(_ command: Command, deadline: Deadline) throws(AgentFailure) -> ProcessResult {
        do {
            let result = try runner.run(command, deadline: deadline)
            if result.timedOut {
                throw AgentFailure.generic(Reason("\(command) did not finish before the action's deadline"))
            }
            return result
        } catch let error as SpawnError {
            throw AgentFailure.from(error, package: "drbd-utils")
        } catch let error as AgentFailure {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }
}

func firstLine(_ text: String) -> String {
    String(text.split(separator: "\n").first(where: { !$0.hasPrefix("Command '") }) ?? Substring(text.prefix(120)))
}
