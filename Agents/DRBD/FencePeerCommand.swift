import HaloControl
import HaloDRBD
import HaloJSON
import HaloOCF
import HaloPacemaker
import HaloSystem

/// `halo-agent drbd-fence-peer` and `halo-agent drbd-unfence-peer`: DRBD's handlers for peer
/// fencing, under Pacemaker (the crm-fence-peer semantics, over XML from cibadmin) or under halod
/// (when halod's control socket exists on the node: halod outdates or fences the peers in its
/// agreed state and answers).
///
/// ```
/// disk { fencing resource-and-stonith; }          # DRBD 8.4 (net { … } on DRBD 9)
/// handlers {
///   fence-peer "/usr/lib/halo/halo-agent drbd-fence-peer";
///   after-resync-target "/usr/lib/halo/halo-agent drbd-unfence-peer";   # unfence-peer on DRBD 9
/// }
/// ```
public enum FencePeerCommand {
    public static let fenceCommand = "drbd-fence-peer"
    public static let unfenceCommand = "drbd-unfence-peer"

    /// The entry point; `arguments` start with the command's name.
    public static func main(_ arguments: [String]) -> Never {
        run(arguments, environment: CurrentProcess.environment())
    }

    /// The handler with `environment` (drbdadm's, or DRBD's usermode helper's: `DRBD_RESOURCE`
    /// is what it reads); exits with the answer for DRBD.
    static func run(_ arguments: [String], environment: [String: String]) -> Never {
        let log = SystemLog(identifier: "halo-drbd-fence-peer", facility: .daemon)
        func say(_ text: String, _ priority: SyslogPriority = .notice) {
            StandardStream.error.write("\(arguments.first ?? fenceCommand): \(text)\n")
            log.send(text, priority: priority, fields: [("halo.resource", environment["DRBD_RESOURCE"] ?? "")])
        }
        var timeout = Duration.seconds(90)
        if let index = arguments.firstIndex(of: "--timeout"), index + 1 < arguments.count,
           let value = DurationText.parse(arguments[index + 1]) {
            timeout = value
        }
        guard let resource = environment["DRBD_RESOURCE"],
              case .success = DRBDParameters.resourceName.value(from: resource) else {
            say("DRBD_RESOURCE is missing or invalid: run by DRBD as a handler", .error)
            CurrentProcess.exit(FencePeer.Answer.failed.rawValue)
        }
        let began = ContinuousClock.now
        let deadline = Deadline.after(timeout)
        let answer: FencePeer.Answer
        do {
            if let socket = halodSocket(environment) {
                answer = try askHalod(socket, resource: resource, unfence: arguments.first == unfenceCommand, deadline: deadline, say: say)
            } else {
                answer = arguments.first == unfenceCommand
                    ? try unfence(resource, deadline: deadline, say: say)
                    : try fence(resource, environment: environment, deadline: deadline, say: say)
            }
        } catch {
            say("\(error)", .error)
            answer = .failed
        }
        let status = arguments.first == unfenceCommand && answer != .failed ? 0 : answer.rawValue
        // DRBD holds I/O until this answer (fencing resource-and-stonith): how long it took.
        say("answered DRBD with \(status) after \(began.duration(to: .now).milliseconds) ms", .notice)
        CurrentProcess.exit(status)
    }

    /// halod's control socket when halod runs this node's stacks (`HALOD_SOCKET` overrides the
    /// path, for tests), or nil: Pacemaker's profile.
    static func halodSocket(_ environment: [String: String]) -> String? {
        let path = environment["HALOD_SOCKET"] ?? "/run/halo/halod.sock"
        return (try? FileSystem.info(path).type) == .socket ? path : nil
    }

    /// The halod profile: this node's data must be UpToDate (as under Pacemaker); then halod
    /// outdates the peers that are members and waits for the lost ones to be fenced. No answer
    /// in time is a failure: DRBD keeps I/O frozen (the safe answer).
    static func askHalod(_ socket: String, resource: String, unfence: Bool, deadline: Deadline,
                         say: (String, SyslogPriority) -> Void) throws -> FencePeer.Answer {
        let local = try localState(resource, deadline: deadline)
        guard let local, local.allDisksUpToDate else {
            say(unfence ? "keeping \(resource)'s peers outdated: this node's data is not UpToDate yet"
                        : "refusing to fence the peer of \(resource): this node's data is not UpToDate", unfence ? .notice : .error)
            return unfence ? .peerOutdated : .failed
        }
        let seconds = max(1, Int(deadline.remaining().components.seconds) - 1)
        let request: ControlRequest = unfence ? .unfencePeer(resource: resource) : .fencePeer(resource: resource, timeout: seconds)
        let reply = try ControlClient.send(request, to: socket, timeout: .seconds(seconds + 1))
        guard reply["ok"]?.boolValue == true else {
            say("halod refused: \(reply["error"]?.stringValue ?? "no reason")", .error)
            return .failed
        }
        say("halod: \(reply["message"]?.stringValue ?? "")", .notice)
        if unfence { return .peerOutdated }
        switch reply["drbdExit"]?.intValue {
        case 4: return .peerOutdated
        case 7: return .peerFenced
        default: return .failed
        }
    }

    /// This node's state of `resource`: over netlink, drbdsetup if that fails (said on stderr and in the journal).
    static func localState(_ resource: String, deadline: Deadline) throws(AgentFailure) -> DRBDResourceState? {
        let tools = DRBDTools(configuration: "/etc/drbd.conf", runner: ProcessRunner())
        return try DRBDObservation.state(of: resource, tools: tools, source: .init(environment: CurrentProcess.environment()),
                                         deadline: deadline) { error in
            StandardStream.error.write("cannot read DRBD's state over netlink (\(error)): asking drbdsetup events2\n")
        }
    }

    static func fence(_ resource: String, environment: [String: String], deadline: Deadline,
                      say: (String, SyslogPriority) -> Void) throws -> FencePeer.Answer {
        let agentState = OCFEnvironment(environment).stateDirectory(agent: DRBDAgent.name)
        return try fence(resource, environment: environment, localState: try localState(resource, deadline: deadline),
                         notedNodeName: try? agentState.read(FencePeer.nodeNameFile),
                         pacemaker: PacemakerTools(), deadline: deadline, say: say)
    }

    /// The fence decision and its one change to the CIB, given this node's DRBD state and the
    /// node name `ocf:halo:drbd` noted (`crm_node --name` is asked when there is none).
    static func fence(_ resource: String, environment: [String: String], localState: DRBDResourceState?,
                      notedNodeName: [UInt8]? = nil, pacemaker: PacemakerTools, deadline: Deadline,
                      say: (String, SyslogPriority) -> Void) throws -> FencePeer.Answer {
        guard let localState, localState.allDisksUpToDate else {
            say("refusing to fence the peer of \(resource): this node's data is not UpToDate", .error)
            return .failed
        }
        var cib = try pacemaker.cib(deadline: deadline)
        guard FencePeer.hasQuorum(cib) else {
            say("refusing to fence the peer of \(resource) without quorum: this node may be the isolated one", .error)
            return .failed
        }
        let local = try FencePeer.localNode(noted: notedNodeName, in: cib) ?? pacemaker.localNodeName(deadline: deadline)
        guard let clone = FencePeer.cloneID(for: resource, in: cib) else {
            say("no promotable clone of ocf:halo:drbd with resource=\(resource) in the CIB", .error)
            return .failed
        }
        let upToDate = Array(Set([local] + FencePeer.upToDateNodes(environment))).sorted()
        try pacemaker.putConstraint(FencePeer.constraint(resource: resource, clone: clone, upToDate: upToDate,
                                                         role: FencePeer.promotedRoleName(cib)), deadline: deadline)
        say("placed \(FencePeer.constraintID(resource)): \(clone) may be promoted only on \(upToDate.joined(separator: ", "))", .notice)
        // Wait (bounded) for a lost peer to be fenced, so DRBD learns it is gone for good; answer at
        // once when waiting cannot change the answer.
        while true {
            let peers = cib.descendants("node_state").compactMap { $0["uname"] }.filter { !upToDate.contains($0) }
            let statuses = peers.map { FencePeer.status(of: $0, in: cib) }
            let answer = FencePeer.answer(peers: statuses)
            if peers.isEmpty {
                say("the CIB has no node_state for a peer of \(resource): nothing to wait for, answering at once", .notice)
            }
            if !FencePeer.awaitsFencing(statuses) || deadline.remaining() < .seconds(2) { return answer }
            Pause.for(.seconds(1))
            cib = try pacemaker.cib(deadline: deadline)
        }
    }

    static func unfence(_ resource: String, deadline: Deadline, say: (String, SyslogPriority) -> Void) throws -> FencePeer.Answer {
        try unfence(resource, localState: try localState(resource, deadline: deadline), pacemaker: PacemakerTools(),
                    deadline: deadline, say: say)
    }

    /// Removes the constraint once this node's data is UpToDate again.
    static func unfence(_ resource: String, localState: DRBDResourceState?, pacemaker: PacemakerTools,
                        deadline: Deadline, say: (String, SyslogPriority) -> Void) throws -> FencePeer.Answer {
        guard let localState, localState.allDisksUpToDate else {
            say("keeping the fencing constraint of \(resource): this node's data is not UpToDate yet", .notice)
            return .peerOutdated
        }
        try pacemaker.deleteConstraint(id: FencePeer.constraintID(resource), deadline: deadline)
        say("removed \(FencePeer.constraintID(resource)): the data is UpToDate again", .notice)
        return .peerOutdated
    }
}
