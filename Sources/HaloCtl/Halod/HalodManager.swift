import HaloCluster
import HaloControl
import HaloJSON
import HaloSystem

/// haloctl's halod backend: the control socket's `status`, `move`, `drain` and `undrain`, and
/// the configuration file for what each LUN is made of (every member runs the same one; halod
/// refuses to decide while they differ).
public struct HalodManager: ClusterManager {
    public let kind = ManagerKind.halod
    public var socket: String
    public var configuration: ClusterConfiguration

    public init(socket: String, configuration: ClusterConfiguration) {
        self.socket = socket
        self.configuration = configuration
    }

    /// Loads the configuration at `path`.
    public static func loadConfiguration(_ path: String) throws(HaloctlError) -> ClusterConfiguration {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readBytes(path) } catch { throw .noCluster("cannot read halod's configuration \(path): \(error)") }
        do {
            return try ClusterConfiguration.load(String(decoding: bytes, as: UTF8.self), file: path)
        } catch {
            throw .noCluster("halod's configuration has an error: \(error)")
        }
    }

    func send(_ request: ControlRequest, deadline: Deadline) throws(HaloctlError) -> JSONValue {
        let answer: JSONValue
        do {
            answer = try ControlClient.send(request, to: socket, timeout: deadline.remaining())
        } catch {
            throw .noCluster("\(error)")
        }
        guard answer["ok"]?.boolValue == true else {
            throw .refused("halod refused: \(answer["error"]?.stringValue ?? "no reason given")")
        }
        return answer
    }

    public func view(deadline: Deadline) throws(HaloctlError) -> ClusterView {
        guard let status = try send(.status, deadline: deadline)["status"] else {
            throw .noCluster("halod's status answer has no status")
        }
        return HalodViewBuilder(status: status, configuration: configuration).view
    }

    public func plan(move lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MovePlan {
        guard let definition = configuration.luns.first(where: { $0.name.rawValue == lun.name }) else {
            throw .usage("\(lun.name) is not in halod's configuration")
        }
        let steps = Self.steps(of: definition, from: lun.servingNode, to: node)
        if !definition.nodes.contains(node) {
            return MovePlan(steps: steps, refusal: "\(lun.name) may not run on \(node): its nodes are \(definition.nodes.joined(separator: ", "))")
        }
        var wouldReturn: String?
        if configuration.failsBack, let first = definition.nodes.first, first != node, lun.preferredNode != nil {
            wouldReturn = "halod's failback policy moves \(lun.name) back to \(first), its first node, as soon as the move is done"
        }
        return MovePlan(steps: steps, wouldReturn: wouldReturn)
    }

    /// The agent actions of a move, in the order halod's own stack planner takes them: the
    /// stack down to standby on `from` (when a node serves it), then up on `node` — so the plan
    /// shows a resource's `start_after` as halod will follow it.
    static func steps(of definition: LUNConfiguration, from: String?, to node: String) -> [String] {
        let roles = definition.resources.map(\.role)
        let startsAfter = definition.startsAfter
        func walk(from states: [ResourceState], to goal: StackGoal, on node: String) -> [String] {
            var stack = LocalStack(lun: definition.name, count: states.count)
            stack.resources = states
            var steps: [String] = []
            // Each resource moves at most once in either direction: the bound only guards a loop.
            while steps.count < 2 * states.count, let step = StackPlanner.next(stack, roles: roles, startsAfter: startsAfter, goal: goal) {
                steps.append("\(step.action.rawValue) \(definition.resources[step.resource].id) on \(node)")
                // Every action succeeding, read as halod reads an agent's exit.
                stack.resources[step.resource] = StackOutcome.reading(.code(0), of: step.action, role: roles[step.resource],
                                                                      was: stack.resources[step.resource]).0
            }
            return steps
        }
        let standby = roles.map { $0 == .serving ? ResourceState.stopped : .started }
        let serving = roles.map { $0 == .promotable ? ResourceState.promoted : .started }
        return (from.map { walk(from: serving, to: .standby, on: $0) } ?? []) + walk(from: standby, to: .serve, on: node)
    }

    public func beginMove(_ lun: LUNView, to node: String, deadline: Deadline) throws(HaloctlError) -> MoveTicket {
        _ = try send(.move(lun: lun.name, node: node), deadline: deadline)
        return MoveTicket(lun: lun.name, node: node, constraint: nil)
    }

    public func finishMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError) -> [String] { [] }

    /// halod's move intent is cleared by halod once the LUN has moved, or when the target can
    /// no longer take it; nothing of haloctl's stays behind.
    public func abandonMove(_ ticket: MoveTicket, deadline: Deadline) throws(HaloctlError) {}

    public func setDrained(_ node: String, _ drained: Bool, deadline: Deadline) throws(HaloctlError) {
        _ = try send(drained ? .drain(node: node) : .undrain(node: node), deadline: deadline)
    }

    /// Each node has fencing levels; each device's agent answers `monitor` (run here, its
    /// options on standard input, never in argv or output).
    public func fencingFindings(_ view: ClusterView, deadline: Deadline) -> [Finding] {
        var findings: [Finding] = []
        for node in configuration.nodes {
            let devices = node.fenceLevels.flatMap { $0 }
            if devices.isEmpty {
                findings.append(Finding(.critical, check: "fencing.devices", subject: node.name, "no fence device is configured for \(node.name)",
                                        fix: "give [[node]] \(node.name) a fence level in halod.toml (docs/halod.md)"))
            } else {
                findings.append(Finding(.ok, check: "fencing.devices", subject: node.name,
                                        "\(node.name) is fenced by \(node.fenceLevels.map { $0.joined(separator: "+") }.joined(separator: ", then "))"))
            }
        }
        let runner = ProcessRunner()
        for (name, device) in configuration.fenceDevices.sorted(by: { $0.key < $1.key }) {
            let path = device.agent.hasPrefix("/") ? device.agent : "/usr/sbin/\(device.agent)"
            let command = Command(path, [], standardInput: Array(FenceAgentInput.monitorLines(device: device).utf8))
            let result = Result { () throws(SpawnError) in try runner.run(command, deadline: Deadline.after(device.timeout).earlier(deadline)) }
            if case .success(let output) = result, output.succeeded {
                findings.append(Finding(.ok, check: "fencing.answers", subject: name, "fence device \(name) (\(device.agent)) answers its monitor"))
            } else {
                let why: String = switch result {
                case .success(let output): output.timedOut ? "no answer within \(device.timeout)"
                    : FenceAgentInput.redacted(output.errorText.split(separator: "\n").last.map(String.init) ?? "exit \(output.termination)", device: device)
                case .failure(let error): "\(error)"
                }
                findings.append(Finding(.critical, check: "fencing.answers", subject: name,
                                        "fence device \(name) (\(device.agent)) does not answer its monitor (\(why)): a fencing now would fail",
                                        fix: "check the device's address, credentials and network path"))
            }
        }
        return findings
    }

    public func clearFailures(_ lun: LUNView, deadline: Deadline) throws(HaloctlError) {
        _ = try send(.clear(lun: lun.name), deadline: deadline)
    }
}

/// halod's status answer as haloctl's view.
struct HalodViewBuilder {
    let status: JSONValue
    let configuration: ClusterConfiguration

    var view: ClusterView {
        var findings: [Finding] = []
        for problem in status["problems"]?.arrayValue ?? [] {
            guard let text = problem.stringValue else { continue }
            findings.append(Finding(.critical, check: "halod.problem", subject: "cluster", text))
        }
        let running: [String: Set<String>] = Dictionary(uniqueKeysWithValues: (status["nodes"]?.arrayValue ?? []).compactMap { node in
            node["name"]?.stringValue.map { ($0, Set((node["running"]?.arrayValue ?? []).compactMap(\.stringValue))) }
        })
        // Each member's disk fact per LUN (its announcement): where the replica is up.
        let disks: [String: [String: String]] = Dictionary(uniqueKeysWithValues: (status["nodes"]?.arrayValue ?? []).compactMap { node in
            node["name"]?.stringValue.map { name in
                (name, Dictionary(uniqueKeysWithValues: (node["disks"]?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } }))
            }
        })
        let history = status["fenceHistory"]?.arrayValue ?? []
        let nodes = (status["nodes"]?.arrayValue ?? []).compactMap { node -> NodeView? in
            guard let name = node["name"]?.stringValue else { return nil }
            let fencing = history.filter { $0["victim"]?.stringValue == name }.map { entry in
                FenceRecord(time: nil, action: "fence", succeeded: entry["succeeded"]?.boolValue == true,
                            detail: entry["succeeded"]?.boolValue == true
                                ? "by \(entry["actor"]?.stringValue ?? "?") with \(entry["device"]?.stringValue ?? "?")"
                                : "by \(entry["actor"]?.stringValue ?? "?"): \(entry["reason"]?.stringValue ?? "?")")
            }
            return NodeView(name: name, state: Self.state(node), fencing: fencing)
        }
        let stacks = status["stacks"]?.arrayValue ?? []
        let localNode = status["node"]?.stringValue
        let luns = (status["luns"]?.arrayValue ?? []).compactMap { lun -> LUNView? in
            guard let name = lun["name"]?.stringValue else { return nil }
            let definition = configuration.luns.first { $0.name.rawValue == name }
            let owner = lun["node"]?.stringValue
            var excluded: [String: String] = [:]
            var lunFindings: [Finding] = []
            for failure in lun["failures"]?.arrayValue ?? [] {
                guard let node = failure["node"]?.stringValue else { continue }
                let last = failure["last"]?.stringValue ?? "?"
                if failure["banned"]?.boolValue == true {
                    excluded[node] = "it failed there: \(last)"
                    lunFindings.append(Finding(.warning, check: "lun.failed-action", subject: name,
                                               "\(name) may not run on \(node) after it failed there: \(last)",
                                               fix: "fix the cause, then: haloctl clear \(name)"))
                }
            }
            if let error = lun["configurationError"]?.stringValue {
                lunFindings.append(Finding(.critical, check: "lun.configuration", subject: name, "an agent refused the configuration: \(error)"))
            }
            var layers: [LayerView] = []
            for resource in definition?.resources ?? [] {
                var roles: [String: String] = [:]
                if resource.role == .promotable {
                    // The replica runs unpromoted on the LUN's members, as their disk facts show
                    // (halod reports other nodes' stacks only through these) — also on the
                    // owner until it reports the LUN running (a move's new node, not yet
                    // promoted, was shown "Stopped" for a moment).
                    for node in definition?.nodes ?? [] where node != owner || running[node]?.contains(name) != true {
                        if let fact = disks[node]?[name], fact == DiskFact.upToDate.rawValue || fact == DiskFact.outdated.rawValue
                            || fact == DiskFact.inconsistent.rawValue {
                            roles[node] = "Unpromoted"
                        }
                    }
                }
                if let owner, running[owner]?.contains(name) == true, resource.role != .everywhere {
                    roles[owner] = resource.role == .promotable ? "Promoted" : "Started"
                }
                // This node's own stack says exactly where each resource stands here.
                if let localNode, let stack = stacks.first(where: { $0["lun"]?.stringValue == name }) {
                    for entry in stack["resources"]?.arrayValue ?? [] where entry["id"]?.stringValue == resource.id {
                        roles[localNode] = Self.role(entry["state"]?.stringValue, promotable: resource.role == .promotable)
                    }
                }
                // halod reports a stack served once every resource started and was monitored; a
                // part on every node is known only where this halod runs, from its own probes
                // and monitors (a move to this node waits for nothing more of it).
                let monitored = resource.role == .everywhere
                    ? roles.filter { $0.value == "Started" }.map(\.key).sorted()
                    : owner.flatMap { running[$0]?.contains(name) == true ? [$0] : nil } ?? []
                layers.append(LayerView(id: resource.id, kind: Self.kind(resource.agent.type), agent: resource.agent.description,
                                        roles: roles, monitoredOn: monitored))
            }
            return LUNView(
                name: name, managerID: name, drbdResource: definition?.drbdResource, servingNode: owner,
                isServedByManager: owner.map { running[$0]?.contains(name) == true } ?? false,
                layers: layers, portals: Self.portals(definition), targetName: definition.flatMap(Self.targetName),
                preferredNode: definition?.nodes.first, excluded: excluded, pendingMove: lun["pendingMove"]?.stringValue,
                lastMoved: lun["lastMoved"]?.stringValue.flatMap(Double.init), lastUnservedSeconds: nil, findings: lunFindings)
        }
        let quorate = status["quorum"]?["quorate"]?.boolValue
        return ClusterView(manager: .halod, localNode: localNode, quorate: quorate, nodes: nodes, luns: luns, findings: findings)
    }

    static func state(_ node: JSONValue) -> NodeState {
        let state = node["state"]?.stringValue ?? ""
        // A node to be fenced (lost, or not seen running) has its fencing described.
        if case .object = node["fencing"] { return .unclean }
        if state == "fenced" { return .fenced }
        if node["member"]?.boolValue != true { return .offline }
        if node["inSync"]?.boolValue != true { return .pending }
        if node["drained"]?.boolValue == true { return .drained }
        return .online
    }

    /// A local stack's resource state (`ResourceState`) as a role, nil when it does not run.
    static func role(_ state: String?, promotable: Bool) -> String? {
        switch state.flatMap(ResourceState.init(rawValue:)) {
        case .promoted: "Promoted"
        case .started: promotable ? "Unpromoted" : "Started"
        case .failed, .failedPromoted: "Failed"
        case .stopped, .unknown, nil: nil
        }
    }

    static func kind(_ type: String) -> LayerView.Kind {
        switch type {
        case "luks": .luks
        case "drbd": .drbd
        case "lio", "scst": .target
        case "portal", "IPaddr2": .portal
        default: .other
        }
    }

    static func portals(_ definition: LUNConfiguration?) -> [PortalEndpoint] {
        definition?.portals ?? []
    }

    static func targetName(_ definition: LUNConfiguration) -> String? {
        definition.resources.first { ["lio", "scst"].contains($0.agent.type) }?.parameter("iqn")
    }
}
