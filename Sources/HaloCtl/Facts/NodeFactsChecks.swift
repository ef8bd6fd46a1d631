import HaloFacts
import HaloSystem

/// The move and drain checks that need the nodes' live facts (`LiveChecks`), from the facts
/// gatherer.
public struct NodeFactsChecks: LiveChecks {
    public let gatherer: FactsGatherer

    public init(gatherer: FactsGatherer) {
        self.gatherer = gatherer
    }

    public init(connection: ConnectionOptions) {
        gatherer = FactsGatherer(remote: connection.remote, remoteHaloctl: connection.remoteHaloctl, remoteFacts: connection.remoteFacts, scope: .serving)
    }

    public func canTake(_ lun: LUNView, on node: String, view: ClusterView) -> (passed: [String], refusals: [String]) {
        let serving = lun.servingNode.flatMap { $0 == node ? nil : $0 }
        let wanted = [node] + (serving.map { [$0] } ?? [])
        let all = gatherer.facts(of: wanted)
        guard case .read(let facts) = all[node] ?? .failed("not asked") else {
            return ([], ["cannot read \(node)'s live facts (\(all[node]?.failure ?? "?")): use --force to move without these checks"])
        }
        let servingFacts = serving.flatMap { all[$0]?.value }
        return Self.canTake(lun, on: node, facts: facts, servingFacts: servingFacts)
    }

    /// The checks as a pure function of the facts (tested on sample facts).
    static func canTake(_ lun: LUNView, on node: String, facts: NodeFacts, servingFacts: NodeFacts?) -> (passed: [String], refusals: [String]) {
        var passed: [String] = []
        var refusals: [String] = []
        let here = LUNFacts(lun: lun, facts: facts)

        // DRBD: the data on the node is current and replicating from the serving node.
        if let name = lun.drbdResource {
            switch here.drbd {
            case .failed(let why):
                refusals.append("cannot read DRBD on \(node): \(why)")
            case .read(nil):
                refusals.append("DRBD resource \(name) is not up on \(node)")
            case .read(let resource?):
                if resource.allUpToDate {
                    passed.append("DRBD \(name) on \(node) is UpToDate")
                } else {
                    refusals.append("DRBD \(name) on \(node) is \(Set(resource.volumes.map(\.disk.rawValue)).sorted().joined(separator: "/")), not UpToDate: promoting it would serve old data")
                }
                if let serving = lun.servingNode, serving != node {
                    let link = resource.connections.first { $0.peerName == serving } ?? (resource.connections.count == 1 ? resource.connections.first : nil)
                    if let link, link.state == .connected {
                        passed.append("DRBD \(name) on \(node) is connected to \(serving)")
                    } else {
                        refusals.append("DRBD \(name) on \(node) is not connected to \(serving) (\(link?.state.rawValue ?? "no connection")): writes since the split would be lost")
                    }
                }
            }
        }

        // Portals: every interface (or the parent a VLAN is created on) is there and up, with
        // the serving node's MTU.
        switch here.portals {
        case .failed(let why):
            refusals.append("cannot read \(node)'s interfaces: \(why)")
        case .read(let states):
            let servingStates = servingFacts.flatMap { LUNFacts(lun: lun, facts: $0).portals.value } ?? []
            var ok = 0
            for state in states {
                guard let interface = state.interface else { ok += 1; continue }
                let usable = (state.link?.isUp ?? false) || (state.link == nil && (state.parentLink?.isUp ?? false))
                if !usable {
                    let what = state.link == nil ? (state.parent.map { "its parent \($0)" } ?? interface) : interface
                    refusals.append("\(node) cannot bring up \(state.endpoint.host): \(what) is \(state.link == nil && state.parentLink == nil ? "missing" : "down")")
                    continue
                }
                if let theirs = servingStates.first(where: { $0.endpoint == state.endpoint }), let mtu = LUNFacts.mtu(theirs),
                   let mine = LUNFacts.mtu(state), mine < mtu {
                    refusals.append("\(interface) on \(node) has MTU \(mine), below the serving node's \(mtu): large frames from the initiators would be lost")
                    continue
                }
                ok += 1
            }
            if !states.isEmpty && ok == states.count { passed.append("\(node) has every portal interface (\(states.count)) up with a matching MTU") }
        }

        // The target software.
        let software = lun.layers.first { $0.kind == .target }.map { $0.agent.split(separator: ":").last.map(String.init) ?? "" }
        let needed: [String] = switch software {
        case "lio", "iSCSITarget", "iSCSILogicalUnit": ["target_core_mod", "iscsi_target_mod"]
        case "scst", "SCSTTarget", "SCSTLun": ["scst", "iscsi_scst"]
        default: []
        }
        if !needed.isEmpty {
            switch facts.modules {
            case .failed(let why):
                refusals.append("cannot read \(node)'s kernel modules: \(why)")
            case .read(let modules):
                let missing = needed.filter { !(modules[$0]?.isPresent ?? false) && modules[$0] != .available }
                if missing.isEmpty {
                    passed.append("\(node) has the target software (\(needed.joined(separator: ", ")))")
                } else {
                    refusals.append("\(node) lacks \(missing.joined(separator: ", ")): its target cannot start there")
                }
            }
        }
        return (passed, refusals)
    }

    public func verifyServed(_ lun: LUNView, on node: String, deadline: Deadline) -> (verified: [String], problems: [String]) {
        var last: (verified: [String], problems: [String]) = ([], ["not checked"])
        repeat {
            switch gatherer.facts(of: node, fresh: true, deadline: Deadline.after(FactsGatherer.patience).earlier(deadline)) {
            case .failed(let why):
                last = ([], ["cannot read \(node)'s live facts to verify: \(why)"])
            case .read(let facts):
                last = Self.verify(lun, on: node, facts: facts)
                if last.problems.isEmpty { return last }
            }
            Pause.for(min(.milliseconds(500), deadline.remaining()))
        } while !deadline.hasPassed()
        return last
    }

    public func loggedIn(_ lun: LUNView, on node: String, deadline: Deadline) -> Reading<Set<String>> {
        switch gatherer.facts(of: node, fresh: true, deadline: deadline) {
        case .failed(let why): .failed(why)
        case .read(let facts): Self.loggedIn(lun, facts: facts)
        }
    }

    static func loggedIn(_ lun: LUNView, facts: NodeFacts) -> Reading<Set<String>> {
        LUNFacts(lun: lun, facts: facts).target.map { target in Set((target?.sessions ?? []).map(\.initiator)) }
    }

    /// What `node`'s facts show of `lun` being served there.
    static func verify(_ lun: LUNView, on node: String, facts: NodeFacts) -> (verified: [String], problems: [String]) {
        var verified: [String] = []
        var problems: [String] = []
        let here = LUNFacts(lun: lun, facts: facts)
        if let name = lun.drbdResource {
            if let resource = here.drbd.value ?? nil, resource.role == .primary {
                verified.append("DRBD \(name) is Primary on \(node)")
            } else {
                problems.append("DRBD \(name) is not Primary on \(node)")
            }
        }
        if let iqn = lun.targetName {
            switch here.target {
            case .read(let target?) where target.isEnabled && !target.luns.isEmpty:
                verified.append("\(iqn) is enabled on \(node) with \(target.luns.count) LUN(s)")
            case .read(let target?):
                problems.append("\(iqn) on \(node) is \(target.isEnabled ? "enabled without a LUN" : "not enabled")")
            case .read(nil):
                problems.append("\(iqn) does not exist on \(node)")
            case .failed(let why):
                problems.append("cannot read the targets on \(node): \(why)")
            }
        }
        if let states = here.portals.value {
            let up = states.filter(\.isUsable)
            if up.count == states.count {
                if !states.isEmpty { verified.append("every portal address (\(states.count)) is up on \(node)") }
            } else {
                problems.append("portal addresses not up on \(node): \(states.filter { !$0.isUsable }.map(\.endpoint.host).joined(separator: ", "))")
            }
        } else {
            problems.append("cannot read \(node)'s addresses: \(here.portals.failure ?? "?")")
        }
        return (verified, problems)
    }
}
