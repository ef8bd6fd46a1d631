import HaloPacemaker
import HaloSystem
import Synchronization

/// How haloctl reads a Pacemaker cluster.
public enum PacemakerReading: String, Sendable {
    /// Pacemaker's libraries in-process (`PacemakerLibrary`): libcib's query and `pcmk_status`;
    /// the tools when the libraries cannot be loaded, when the tools run elsewhere (a command
    /// prefix) or from another directory, or when a `CIB_*` variable points Pacemaker's
    /// libraries at another CIB (the tools run with a minimal environment: both would disagree).
    case library
    /// `cibadmin --query` and `crm_mon --output-as=xml`, side by side.
    case tools
}

/// haloctl's Pacemaker backend: reads the CIB and Pacemaker's reading of it (crm_mon's XML,
/// which includes the fencing history) — in-process with Pacemaker's libraries, or with
/// `cibadmin --query` and `crm_mon --output-as=xml` —, asks `crm_simulate` what a move would
/// do, and moves with a location constraint of its own that it always removes. Every tool runs
/// with an argv array and a deadline; only their XML is read.
public final class PacemakerManager: ClusterManager {
    public let kind = ManagerKind.pacemaker
    let tools: ToolRunner
    /// Whether this manager reads with the libraries (see `PacemakerReading.library`).
    let readsWithLibrary: Bool
    /// The layout read with the last full view: the watch loop re-reads only crm_mon.
    private let cachedLayout = Mutex<PacemakerLayout?>(nil)
    /// crm_mon's status read with the last full view (for the fencing findings).
    private let cachedStatus = Mutex<PacemakerStatus?>(nil)

    public init(tools: ToolRunner = ToolRunner(), reading: PacemakerReading = .library,
                environment: [String: String] = CurrentProcess.environment()) {
        self.tools = tools
        readsWithLibrary = Self.usesLibrary(reading, tools: tools, environment: environment)
    }

    /// Whether `reading` can be honoured with the libraries (they still have to load).
    static func usesLibrary(_ reading: PacemakerReading, tools: ToolRunner, environment: [String: String]) -> Bool {
        reading == .library && tools.prefix.isEmpty && tools.directory == ToolRunner().directory
            && !environment.keys.contains { $0.hasPrefix("CIB_") }
    }

    // MARK: - Reading

    public func view(deadline: Deadline) throws(HaloctlError) -> ClusterView {
        let reading = try read(cib: true, deadline: deadline)
        guard let cib = reading.cib else { throw .noCluster("Pacemaker's CIB was not read") }
        let layout = PacemakerLayout(cib: cib)
        cachedLayout.withLock { $0 = layout }
        let status = try PacemakerStatus(crmMon: reading.status, from: reading.source)
        cachedStatus.withLock { $0 = status }
        return PacemakerViewBuilder(layout: layout, status: status, history: OperationHistory(cib: cib),
                                    localNode: CurrentProcess.nodeName).view
    }

    /// A cheaper view for watching a move: crm_mon only, with the layout of the last full view.
    public func refresh(deadline: Deadline) throws(HaloctlError) -> ClusterView {
        guard let layout = cachedLayout.withLock({ $0 }) else { return try view(deadline: deadline) }
        let reading = try read(cib: false, deadline: deadline)
        let status = try PacemakerStatus(crmMon: reading.status, from: reading.source)
        return PacemakerViewBuilder(layout: layout, status: status, history: nil, localNode: CurrentProcess.nodeName).view
    }

    /// The CIB (when `cib`) and crm_mon's XML: with the libraries when this manager uses them
    /// and they are free, else with the tools; and what wrote the status (`pcmk_status` or
    /// `crm_mon`), for the words of an error it reports.
    func read(cib: Bool, deadline: Deadline) throws(HaloctlError) -> (cib: XMLElement?, status: XMLElement, source: String) {
        if readsWithLibrary {
            switch PacemakerLibrary.read(cib: cib, deadline: deadline) {
            case .success(let reading):
                return (try reading.cib.map { text throws(HaloctlError) in try Self.parse(text, from: "the CIB (libcib)") },
                        PacemakerStatus.crmMonShape(try Self.parse(reading.status, from: "the cluster's status (pcmk_status)")), "pcmk_status")
            case .failure(.unavailable), .failure(.busy):
                break  // not loadable here, or an earlier read is still stuck in them: the tools answer
            case .failure(.timedOut):
                throw .noCluster("Pacemaker did not answer in time (its CIB and status, read in-process): is Pacemaker running here?")
            case .failure(.failed(let why)):
                throw .noCluster("Pacemaker: \(why) — is Pacemaker running on this node?")
            }
        }
        if !cib {
            return (nil, try Self.xml(tools.run("crm_mon", Self.crmMonArguments, deadline: deadline), tool: "crm_mon"), "crm_mon")
        }
        let results = tools.runAll([
            tools.command("cibadmin", ["--query"]),
            tools.command("crm_mon", Self.crmMonArguments),
        ], deadline: deadline)
        return (try Self.xml(results[0], tool: "cibadmin --query"), try Self.xml(results[1], tool: "crm_mon"), "crm_mon")
    }

    /// crm_mon's XML, once, with the inactive resources (what `pcmk_status` writes too).
    static let crmMonArguments = ["--output-as=xml", "--one-shot", "--inactive"]

    static func xml(_ result: Result<ProcessResult, SpawnError>, tool: String) throws(HaloctlError) -> XMLElement {
        let output: ProcessResult
        switch result {
        case .failure(let error):
            throw .noCluster("\(tool): \(error) — is Pacemaker installed?")
        case .success(let value):
            output = value
        }
        if output.timedOut { throw .noCluster("\(tool) did not answer in time: is Pacemaker running here?") }
        guard output.succeeded else {
            let reason = output.errorText.split(separator: "\n").first.map(String.init) ?? "exit \(output.termination)"
            throw .noCluster("\(tool): \(reason) — is Pacemaker running on this node?")
        }
        return try parse(output.outputText, from: tool)
    }

    static func parse(_ text: String, from source: String) throws(HaloctlError) -> XMLElement {
        do {
            return try XMLElement.parse(text)
        } catch {
            throw .noCluster("\(source): unreadable XML: \(error)")
        }
    }

    // MARK: - Moving

    /// The id of haloctl's move constraint for a LUN.
    static func constraintID(for lun: PacemakerLayout.LUN) -> String { PacemakerLayout.haloctlPrefix + lun.clone }

    /// The constraint: the clone's Promoted role on `node`, nowhere else while it stands.
    static func constraint(for lun: PacemakerLayout.LUN, node: String) -> XMLElement {
        let id = constraintID(for: lun)
        let expression = XMLElement("expression", attributes: [
            ("id", "\(id)-expression"), ("attribute", "#uname"), ("operation", "eq"), ("value", node)])
        let rule = XMLElement("rule", attributes: [("id", "\(id)-rule"), ("role", "Promoted"), ("score", "INFINITY")],
                              children: [expression])
        return XMLElement("rsc_location", attributes: [("id", id), ("rsc", lun.clone)], children: [rule])
    }

    func layoutLUN(_ lun: LUNView, deadline: Deadline) throws(HaloctlError) -> PacemakerLayout.LUN {
        if let layout = cachedLayout.withLock({ $0 }), let found = layout.luns.first(where: { $0.clone == lun.managerID }) { return found }
        _ = try view(deadline: deadline)
        guard let found = cachedLayout.withLock({ $0 })?.luns.first(where: { $0.clone == lun.managerID }) else {
            throw .usage("\(lun.name) is no longer in Pacemaker's configuration")
        }
        return found
    }

    public func plan(move lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MovePlan {
        let layoutLUN = try layoutLUN(lun, deadline: deadline)
        let cib = try Self.xml(tools.runAll([tools.command("cibadmin", ["--query"])], deadline: deadline)[0], tool: "cibadmin --query")
        // The CIB with the move's constraint (replacing an older one of haloctl's).
        let first = try simulate(Self.insertingConstraint(Self.constraint(for: layoutLUN, node: node), into: cib).rendered, deadline: deadline)
        let resources = Set(layoutLUN.primitives.map(\.id) + [layoutLUN.clone])
        let steps = first.transition.filter { resources.contains($0.resource) && $0.task != "cancel" }.map(\.description)
        let others = first.transition.filter { !resources.contains($0.resource) && $0.task != "cancel" && $0.task != "monitor" }.map(\.description)
        guard first.promoted(layoutLUN.replication.id).contains(node) else {
            let reason = first.promoted(layoutLUN.replication.id).isEmpty
                ? "Pacemaker would not promote \(layoutLUN.clone) anywhere with the move's constraint (see crm_simulate -L -s for the scores)"
                : "Pacemaker would keep \(lun.name) on \(first.promoted(layoutLUN.replication.id).joined(separator: ", "))"
            return MovePlan(steps: steps, refusal: reason, sideEffects: others)
        }
        // After the move, without the constraint: does the LUN stay?
        var wouldReturn: String?
        if let moved = first.outputCIB.flatMap({ try? XMLElement.parse($0) }) {
            let released = Self.removingConstraint(id: Self.constraintID(for: layoutLUN), from: moved)
            let second = try simulate(released.rendered, deadline: deadline)
            let back = second.transition.filter { resources.contains($0.resource) && ($0.task == "promote" || $0.task == "demote") }
            if !back.isEmpty {
                let target = second.promoted(layoutLUN.replication.id).joined(separator: ", ")
                wouldReturn = "once haloctl removes its constraint, Pacemaker would move \(lun.name) back to \(target.isEmpty ? "another node" : target) "
                    + "(a location preference or promotion score outweighs resource-stickiness)"
            }
        } else {
            wouldReturn = "crm_simulate did not save the moved state: whether the LUN stays after the move cannot be checked"
        }
        return MovePlan(steps: steps, wouldReturn: wouldReturn, sideEffects: others)
    }

    public func beginMove(_ lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MoveTicket {
        let layoutLUN = try layoutLUN(lun, deadline: deadline)
        let id = Self.constraintID(for: layoutLUN)
        _ = try tools.run("cibadmin", ["--modify", "--allow-create", "--scope", "constraints", "--xml-pipe"],
                          input: Self.constraint(for: layoutLUN, node: node).rendered, deadline: deadline)
            .requireSuccess("cibadmin --modify (the move's constraint)")
        return MoveTicket(lun: lun.name, node: node, constraint: id)
    }

    /// Removes the constraint, then asks the scheduler (crm_simulate on the live CIB) whether
    /// that makes it act on the LUN again: the answer is the admin's to know.
    public func finishMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError) -> [String] {
        try abandonMove(ticket, deadline: deadline)
        guard let layout = cachedLayout.withLock({ $0 }), let lun = layout.lun(named: ticket.lun) else { return [] }
        let resources = Set(lun.primitives.map(\.id))
        guard case .success(let result) = tools.run("crm_simulate", ["--live-check", "--run", "--output-as=xml"], deadline: deadline),
              result.succeeded, let root = try? XMLElement.parse(result.outputText) else {
            return ["could not ask crm_simulate whether Pacemaker leaves \(ticket.lun) where it is now"]
        }
        let actions = (root.child("transition")?.children("rsc_action") ?? []).compactMap(SimulatedAction.init)
            .filter { resources.contains($0.resource) && ["promote", "demote", "start", "stop"].contains($0.task) }
        guard !actions.isEmpty else { return [] }
        return ["without haloctl's constraint Pacemaker acts on \(ticket.lun) again: \(actions.map(\.description).joined(separator: ", "))"]
    }

    public func abandonMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError) {
        guard let id = ticket.constraint else { return }
        try removeConstraint(id: id, deadline: deadline)
    }

    func removeConstraint(id: String, deadline: Deadline) throws(HaloctlError) {
        // cibadmin --delete of an absent object exits 0 (Pacemaker 2.1.5).
        _ = try tools.run("cibadmin", ["--delete", "--scope", "constraints", "--xml-pipe"],
                          input: "<rsc_location id=\"\(XMLElement.escape(id))\"/>", deadline: deadline)
            .requireSuccess("cibadmin --delete (the move's constraint \(id))")
    }

    public func setDrained(_ node: String, _ drained: Bool, deadline: Deadline) throws(HaloctlError) {
        let arguments = drained
            ? ["--node", node, "--name", "standby", "--update", "on"]
            : ["--node", node, "--name", "standby", "--delete"]
        _ = try tools.run("crm_attribute", arguments, deadline: deadline).requireSuccess("crm_attribute standby")
    }

    /// `crm_resource --cleanup` of each of the LUN's resources: Pacemaker forgets their
    /// failures and probes them again.
    public func clearFailures(_ lun: LUNView, deadline: Deadline) throws(HaloctlError) {
        let layoutLUN = try layoutLUN(lun, deadline: deadline)
        for id in [layoutLUN.clone] + layoutLUN.onPromoted.map(\.id) + layoutLUN.below.map(\.id) {
            _ = try tools.run("crm_resource", ["--cleanup", "--resource", id], deadline: deadline).requireSuccess("crm_resource --cleanup \(id)")
        }
    }

    /// Per node, the devices that can fence it (`stonith_admin --list`); per device, whether it
    /// answers (`stonith_admin --query`, which runs its monitor).
    public func fencingFindings(_ view: ClusterView, deadline: Deadline) -> [Finding] {
        // The local fencer knows the devices registered on this node only: a device banned from
        // the node it fences (the usual two-node setup) is registered on the other node. The CIB
        // says the rest; its record of where a device runs says whether Pacemaker monitors it.
        // Each pass asks every node, or every device, at once.
        let lists = tools.runAll(view.nodes.map { tools.command("stonith_admin", ["--list=\($0.name)", "--output-as=xml"]) }, deadline: deadline)
        var registered: [String: [String]] = [:]
        for (node, result) in zip(view.nodes, lists) {
            guard case .success(let output) = result, let root = try? XMLElement.parse(output.outputText) else { continue }
            registered[node.name] = root.descendants("item").map(\.text).filter { !$0.isEmpty }
        }
        let devices = Set(registered.values.joined()).sorted()
        let queries = tools.runAll(devices.map { tools.command("stonith_admin", ["--query=\($0)", "--timeout=20"]) },
                                   deadline: Deadline.after(.seconds(30)).earlier(deadline))
        var answers: [String: Finding] = [:]
        for (device, result) in zip(devices, queries) {
            if case .success(let output) = result, output.succeeded {
                answers[device] = Finding(.ok, check: "fencing.answers", subject: device, "fence device \(device) answers its monitor")
                continue
            }
            let why: String = switch result {
            case .success(let output): output.timedOut ? "no answer in 30 s" : (output.errorText.split(separator: "\n").last.map(String.init) ?? "exit \(output.termination)")
            case .failure(let error): "\(error)"
            }
            answers[device] = Finding(.critical, check: "fencing.answers", subject: device,
                                      "fence device \(device) does not answer its monitor (\(why)): a fencing now would fail",
                                      fix: "check the device's address, credentials and network path; stonith_admin --query=\(device)")
        }
        return Self.fencingFindings(nodes: view.nodes.map(\.name), registered: registered, layout: cachedLayout.withLock { $0 },
                                    status: cachedStatus.withLock { $0 }) { device in
            answers[device] ?? Finding(.critical, check: "fencing.answers", subject: device, "fence device \(device) was not asked")
        }
    }

    /// The fencing findings from what the local fencer lists per node (`registered`; a node
    /// missing: the fencer could not be asked), the CIB's devices and crm_mon's status. A device
    /// registered here is asked directly (`query`); one registered elsewhere counts as answering
    /// when Pacemaker runs it on a node without a failure (its recurring monitor passes there).
    static func fencingFindings(nodes: [String], registered: [String: [String]], layout: PacemakerLayout?, status: PacemakerStatus?,
                                query: (String) -> Finding) -> [Finding] {
        var findings: [Finding] = []
        var devices: [String] = []
        let registeredHere = Set(registered.values.joined())
        for node in nodes {
            var names = registered[node] ?? []
            for device in layout?.fencingDevices(for: node) ?? [] where !names.contains(device) { names.append(device) }
            if names.isEmpty, registered[node] == nil {
                findings.append(Finding(.warning, check: "fencing.devices", subject: node, "could not ask Pacemaker's fencer which devices fence \(node)"))
                continue
            }
            if names.isEmpty {
                findings.append(Finding(.critical, check: "fencing.devices", subject: node,
                                        "no fence device can fence \(node): if it is lost, its LUNs stay down (or, with fencing disabled, may be served twice)",
                                        fix: "configure a stonith resource whose pcmk_host_list includes \(node)"))
            } else {
                findings.append(Finding(.ok, check: "fencing.devices", subject: node, "\(node) is fenced by \(names.joined(separator: ", "))"))
            }
            for name in names where !devices.contains(name) { devices.append(name) }
        }
        for device in devices {
            if registeredHere.contains(device) {
                findings.append(query(device))
                continue
            }
            let running = (status?.instances[device] ?? []).filter { !$0.failed && $0.role == "Started" }
            let failed = (status?.failures ?? []).contains { $0.resource == device }
            if let instance = running.first, !failed {
                findings.append(Finding(.ok, check: "fencing.answers", subject: device,
                                        "fence device \(device) runs on \(instance.node), where Pacemaker monitors it"))
            } else {
                findings.append(Finding(.critical, check: "fencing.answers", subject: device,
                                        failed ? "fence device \(device) has failed: a fencing now would fail"
                                               : "fence device \(device) runs on no node: a fencing now would fail",
                                        fix: "crm_mon -1 --failcounts; fix the device, then haloctl clear or crm_resource --cleanup --resource \(device)"))
            }
        }
        return findings
    }

    // MARK: - Simulation

    struct Simulation {
        var transition: [SimulatedAction]
        var revised: PacemakerStatus?
        var outputCIB: String?

        func promoted(_ resource: String) -> [String] { revised?.nodes(running: resource, role: "Promoted") ?? [] }
    }

    /// `crm_simulate --simulate` on a CIB: the transition, the resulting status, the resulting CIB.
    func simulate(_ cib: String, deadline: Deadline) throws(HaloctlError) -> Simulation {
        let input: String
        let output: String
        do {
            input = try FileSystem.writeTemporaryFile(Array(cib.utf8), prefix: "haloctl-cib")
        } catch {
            throw HaloctlError("cannot write a temporary CIB for crm_simulate: \(error)")
        }
        output = input + ".out"
        defer {
            try? FileSystem.remove(input)
            try? FileSystem.remove(output)
        }
        let result = try tools.run("crm_simulate", ["--xml-file", input, "--simulate", "--save-output", output, "--output-as=xml"],
                                   deadline: deadline).requireSuccess("crm_simulate")
        let root: XMLElement
        do { root = try XMLElement.parse(result.outputText) } catch { throw HaloctlError("crm_simulate printed unreadable XML: \(error)") }
        let transition = (root.child("transition")?.children("rsc_action") ?? []).compactMap(SimulatedAction.init)
        var revised: PacemakerStatus?
        if let status = root.child("revised_cluster_status") {
            // The revised status has crm_mon's shape without its envelope.
            revised = try? PacemakerStatus(crmMon: XMLElement("pacemaker-result", attributes: [], children: status.children, text: ""))
        }
        let saved = (try? FileSystem.readBytes(output, limit: 64 << 20)).map { String(decoding: $0, as: UTF8.self) }
        return Simulation(transition: transition, revised: revised, outputCIB: saved)
    }

    /// The CIB with `constraint` in its constraints section, replacing any element with its id.
    static func insertingConstraint(_ constraint: XMLElement, into cib: XMLElement) -> XMLElement {
        let id = constraint["id"]
        return removingConstraint(id: id ?? "", from: cib).rewritten { element in
            element.name == "constraints" ? element.appending(constraint) : element
        } ?? cib
    }

    /// The CIB without the constraint whose id is `id`.
    static func removingConstraint(id: String, from cib: XMLElement) -> XMLElement {
        cib.rewritten { element in
            element.name == "constraints"
                ? XMLElement(element.name, attributes: element.attributes, children: element.children.filter { $0["id"] != id })
                : element
        } ?? cib
    }
}

/// One action of a simulated transition.
struct SimulatedAction: Sendable, Hashable, CustomStringConvertible {
    var resource: String
    var task: String
    var node: String

    init?(_ element: XMLElement) {
        guard let resource = element["resource"], let task = element["op"], let node = element["node"] else { return nil }
        self.resource = String(resource.split(separator: ":").first ?? Substring(resource))
        self.task = task
        self.node = node
        if task == "monitor", let interval = element["interval"], interval == "0" { return nil }
    }

    var description: String { "\(task) \(resource) on \(node)" }
}

