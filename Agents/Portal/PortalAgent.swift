import HaloNet
import HaloOCF
import HaloSystem
import Logging

/// `ocf:halo:portal`: every portal address of one iSCSI target, on several VLANs, as one
/// resource — brought up together, announced, and taken down together, over rtnetlink and
/// packet sockets without running a single program.
public enum PortalAgent: ReloadingAgent {
    public typealias Parameters = PortalParameters

    public static let name = "portal"
    public static let description = AgentDescription(
        name: name,
        shortDescription: "Floating iSCSI portal addresses of one target, on several VLANs",
        longDescription: "Brings up all portal addresses of one iSCSI target at once: creates the VLAN interfaces it "
            + "needs (marked as halo's in their alias), adds each address marked as halo's (address protocol 104), "
            + "waits for IPv6 duplicate address detection, and announces every address (gratuitous ARP request and "
            + "reply, unsolicited neighbour advertisements, directed announcements to listed routers) from its own "
            + "packet sockets. Monitor level 0 checks every address and link, 10 also parents and MTUs, 20 probes "
            + "the network for anyone else answering for the addresses. Stop removes only what is halo's.",
        timeouts: [.start: .seconds(20), .stop: .seconds(20), .monitor: .seconds(20)],
        monitors: [MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20))],
        monitorLevels: [.basic, .thorough, .deep],
        validateLevels: [.basic, .thorough])

    static func entries(_ context: ActionContext<Parameters>) -> [PortalEntry] { context.parameters.addresses.entries }

    /// Start and stop of every portal on this node take this lock: VLAN interfaces are shared
    /// between portals, and one portal's stop must not delete an interface another's start is
    /// adding an address to.
    static func lockLinks(_ state: StateDirectory, deadline: Deadline) throws(AgentFailure) -> FileLock {
        do {
            return try state.lock("links.lock", deadline: deadline)
        } catch {
            throw .generic(Reason("cannot take the portal lock: \(error)"))
        }
    }

    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let entries = entries(context)
        let parameters = context.parameters
        let lock = try lockLinks(context.state, deadline: context.deadline)
        var effects = try PortalEffects(deadline: context.deadline)
        let before = try effects.observe()
        if PortalDecision.monitor(entries, before, level: .basic, mtu: nil) == .success(.success) {
            // Already up: the announcer of the start that brought it up (if it is still
            // sending) keeps sending its rounds. Ending it here cut them short.
            return .success
        }
        // One announcer per resource: the one about to be launched replaces any left over.
        Announcer.end(instance: context.instance, state: context.state, deadline: context.deadline)
        let steps = try PortalDecision.start(entries, before, mtu: parameters.mtu).get()
        let undo = try effects.apply(steps, mtu: parameters.mtu, skipDAD: !parameters.dad) { (effects) throws(AgentFailure) in
            guard parameters.checkDuplicates else { return }
            try checkDuplicates(entries, steps: steps, effects: &effects, context: context)
        }
        _ = consume lock
        do throws(AgentFailure) {
            if parameters.dad { try effects.waitForDAD(entries, until: context.deadline.portion(0.7)) }
            try effects.waitForLinks(entries, until: context.deadline.portion(0.8))
            let after = try effects.observe()
            if case .failure(let failure) = PortalDecision.monitor(entries, after, level: .basic, mtu: nil) {
                throw failure
            }
            announce(entries, after, context: context)
        } catch {
            let relock = try? lockLinks(context.state, deadline: context.deadline)
            effects.rollBack(undo)
            _ = consume relock
            throw error
        }
        context.logger.info("portal up", metadata: [
            "halo.addresses": "\(entries.count)",
            "halo.changes": "\(steps.count)",
        ])
        return .success
    }

    /// Probes the addresses start is about to add (their interfaces are up by now).
    static func checkDuplicates(_ entries: [PortalEntry], steps: [PortalDecision.StartStep],
                                effects: inout PortalEffects, context: ActionContext<Parameters>) throws(AgentFailure) {
        let observation = try effects.observe()
        let adding = steps.compactMap { step -> AnnounceTarget? in
            guard case .add(let entry) = step, let link = observation.link(named: entry.interface),
                  let mac = link.macAddress else { return nil }
            return AnnounceTarget(interfaceIndex: link.index, interface: link.name, mac: mac, address: entry.address,
                                  prefixLength: entry.prefixLength)
        }
        let conflicts: [IPAddress: MACAddress]
        do {
            conflicts = try Announcements.probe(adding, listening: context.parameters.probeTimeout)
        } catch {
            throw AgentFailure.from(error, while: "probe for duplicate addresses")
        }
        if let (address, mac) = conflicts.sorted(by: { $0.key < $1.key }).first {
            throw .generic(Reason("\(address) is already answered by \(mac): another host uses it (check_duplicates)",
                                  details: ["halo.conflicts": "\(conflicts.count)"]))
        }
    }

    /// The first round now; the rest from a detached announcer.
    static func announce(_ entries: [PortalEntry], _ observation: PortalObservation, context: ActionContext<Parameters>) {
        let parameters = context.parameters
        guard parameters.announceCount > 0 else { return }
        let targets = Announcements.targets(entries, observation)
        let neighbours = parameters.neighbours?.addresses ?? []
        for failure in Announcements.sendRound(targets, neighbours: neighbours) {
            context.logger.warning("announcement not sent", metadata: ["halo.error": "\(failure)"])
        }
        if parameters.announceCount > 1 {
            Announcer.launch(Announcer.arguments(
                instance: context.instance, state: context.state, rounds: parameters.announceCount - 1,
                interval: parameters.announceInterval, targets: targets, neighbours: neighbours), logger: context.logger)
        }
    }

    public static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        try stop(entries(context), instance: context.instance, state: context.state, deadline: context.deadline,
                 logger: context.logger)
    }

    /// Stop with parameters that do not validate: the addresses are what the resource is, so
    /// with valid `addresses` they are removed as by stop (the other parameters only shape a
    /// start); without, the stop fails, since they may still be up.
    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        guard let addresses = context.parameters.value(\.addresses) else {
            throw .cannotStop(without: "addresses", problems)
        }
        return try stop(addresses.entries, instance: context.instance, state: context.state, deadline: context.deadline,
                        logger: context.logger)
    }

    /// Removes the portal's addresses that are halo's, and the VLAN interfaces halo created
    /// for them once nothing else is on them.
    static func stop(_ entries: [PortalEntry], instance: String, state: StateDirectory, deadline: Deadline,
                     logger: Logger) throws(AgentFailure) -> AgentOutcome {
        Announcer.end(instance: instance, state: state, deadline: deadline)
        let lock = try lockLinks(state, deadline: deadline)
        var effects = try PortalEffects(deadline: deadline)
        let observation = try effects.observe()
        let plan = PortalDecision.stop(entries, observation)
        for foreign in plan.foreign {
            logger.warning("left an identical address that halo did not add", metadata: [
                "halo.address": "\(foreign.address)/\(foreign.prefixLength)",
            ])
        }
        // Never a failed stop for it (a failed stop gets the node fenced): said, and the stop goes on.
        for interface in plan.keepSecondaries {
            do {
                try effects.keepSecondaries(on: interface)
            } catch {
                logger.warning("promote_secondaries not set: removing this portal's address may take another portal's address of the same subnet with it",
                               metadata: ["halo.interface": "\(interface)", "halo.error": "\(error.reason.summary)"])
            }
        }
        try effects.apply(plan, observation: observation)
        let after = try effects.observe()
        _ = consume lock
        let left = PortalDecision.stop(entries, after).addresses
        guard left.isEmpty else {
            throw .generic(Reason("could not remove \(left.map { "\($0.address)" }.joined(separator: ", "))"))
        }
        if !plan.addresses.isEmpty {
            logger.info("portal down", metadata: [
                "halo.addresses": "\(plan.addresses.count)", "halo.interfaces": "\(plan.interfaces.count)",
            ])
        }
        return .success
    }

    public static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        let entries = entries(context)
        var effects = try PortalEffects(deadline: context.deadline)
        var observation = try effects.observe()
        if level >= .deep {
            let targets = Announcements.targets(entries, observation)
            do {
                observation.conflicts = try Announcements.probe(targets, listening: context.parameters.probeTimeout)
            } catch {
                throw AgentFailure.from(error, while: "probe the network for the portal addresses")
            }
        }
        return try PortalDecision.monitor(entries, observation, level: level, mtu: context.parameters.mtu).get()
    }

    /// Announcement settings and neighbours apply to the next start; nothing to change now.
    public static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        context.logger.debug("reloaded: announcement settings apply from the next start")
        return .success
    }

    /// Level 10: this node has what the portal needs — every untagged interface and every
    /// VLAN's parent — and nothing named like a portal interface is something else.
    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        var effects = try PortalEffects(deadline: context.deadline)
        let observation = try effects.observe()
        var seen = Set<String>()
        for entry in entries(context) where seen.insert(entry.interface).inserted {
            _ = try PortalDecision.interfaceSteps(entry, observation, mtu: context.parameters.mtu).get()
        }
    }
}

extension PortalAgent {
    /// The internal command the detached announcer runs as (`halo-agent portal-announce …`).
    public static let announcerCommand = Announcer.command

    /// The announcer's entry point; `arguments` start with the command's name.
    public static func runAnnouncer(_ arguments: [String]) -> Never {
        Announcer.main(arguments)
    }
}
