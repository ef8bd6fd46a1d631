import HaloCluster
import HaloPacemaker

/// Turns Pacemaker's configuration and status into haloctl's view: nodes, LUNs and what is
/// wrong with the setup.
struct PacemakerViewBuilder {
    let layout: PacemakerLayout
    let status: PacemakerStatus
    /// The CIB's operation records (nil in the watch loop, which reads crm_mon only).
    let history: OperationHistory?
    let localNode: String

    var view: ClusterView {
        var findings: [Finding] = []
        if !layout.isFencingEnabled {
            findings.append(Finding(.critical, check: "pacemaker.stonith", subject: "cluster",
                                    "fencing is disabled (stonith-enabled=false): a lost node is never fenced, so its LUNs can end up served twice",
                                    fix: "configure a fence device per node, then: crm_attribute --type crm_config --name stonith-enabled --update true"))
        } else if layout.fencingDevices.isEmpty {
            findings.append(Finding(.critical, check: "pacemaker.stonith", subject: "cluster",
                                    "fencing is enabled but no fence device is configured: Pacemaker will start nothing",
                                    fix: "configure a stonith resource per node (docs/operations.md)"))
        }
        if let quorate = status.quorate, !quorate {
            findings.append(Finding(.critical, check: "pacemaker.quorum", subject: "cluster",
                                    "this partition has no quorum: Pacemaker stops or keeps resources per no-quorum-policy"))
        }
        for constraint in layout.moveConstraints {
            let what = constraint.isBan
                ? "bans \(constraint.resource) from \(constraint.node ?? "a node")"
                : "pins \(constraint.resource) to \(constraint.node ?? "a node")"
            let origin = constraint.isHaloctl ? "an interrupted haloctl move" : "a crm_resource/pcs/crm move or ban"
            findings.append(Finding(.warning, check: "pacemaker.move-constraint", subject: constraint.resource,
                                    "the constraint \(constraint.id) left by \(origin) \(what): failover is restricted until it is removed",
                                    fix: constraint.isHaloctl
                                        ? "cibadmin --delete --scope constraints --xml-text '<rsc_location id=\"\(constraint.id)\"/>'"
                                        : "crm_resource --clear --resource \(constraint.resource)"))
        }
        let pending = (status.operations.filter(\.isPending).map { "\($0.task) \($0.resource) on \($0.node)" })
        return ClusterView(
            manager: .pacemaker,
            localNode: status.node(localNode) != nil ? localNode : nil,
            quorate: status.quorate,
            nodes: nodeNames.map(node),
            luns: layout.luns.map(lun),
            findings: findings,
            pendingActions: pending)
    }

    /// Every node Pacemaker knows, in the configuration's order.
    var nodeNames: [String] {
        var names = layout.nodeNames
        for node in status.nodes where !names.contains(node.name) { names.append(node.name) }
        return names
    }

    func node(_ name: String) -> NodeView {
        let state = status.node(name)?.state ?? .offline
        let fencing = status.fenceHistory.filter { $0.target == name }.map { event in
            FenceRecord(time: event.completed.flatMap(Self.parseUTC), action: event.action, succeeded: event.status == "success",
                        detail: event.status == "success"
                            ? "by \(event.delegate ?? "?") for \(event.origin ?? "?")"
                            : "\(event.status)\(event.exitReason.map { ": \($0)" } ?? "")")
        }
        return NodeView(name: name, state: state, fencing: fencing)
    }

    func lun(_ lun: PacemakerLayout.LUN) -> LUNView {
        let promoted = status.nodes(running: lun.replication.id, role: "Promoted")
        let serving = promoted.count == 1 ? promoted[0] : nil
        var layers: [LayerView] = []
        for primitive in lun.below { layers.append(layer(primitive, kind: Self.kind(of: primitive, default: .luks))) }
        layers.append(layer(lun.replication, kind: .drbd))
        for primitive in lun.onPromoted { layers.append(layer(primitive, kind: Self.kind(of: primitive, default: .other))) }
        let served = serving.map { node in
            lun.onPromoted.allSatisfy { primitive in
                status.instances(of: primitive.id).contains { $0.node == node && $0.role == "Started" && !$0.failed }
            }
        } ?? false

        var findings: [Finding] = []
        if promoted.count > 1 {
            findings.append(Finding(.critical, check: "lun.promoted", subject: lun.name,
                                    "Pacemaker reports \(lun.replication.id) Promoted on \(promoted.joined(separator: " and "))"))
        }
        var excluded: [String: String] = [:]
        let ids = Set(lun.primitives.map(\.id))
        for failure in status.failures where ids.contains(failure.resource) {
            let reason = failure.exitReason.isEmpty ? failure.exitStatus : failure.exitReason
            excluded[failure.node] = "\(failure.resource) \(failure.task) failed there (\(reason)) at \(failure.when)"
            findings.append(Finding(.warning, check: "lun.failed-action", subject: lun.name,
                                    "\(failure.resource) \(failure.task) failed on \(failure.node): \(reason)",
                                    fix: "fix the cause, then: crm_resource --cleanup --resource \(failure.resource) --node \(failure.node)"))
        }
        for constraint in layout.moveConstraints where constraint.resource == lun.clone || ids.contains(constraint.resource) {
            if constraint.isBan, let node = constraint.node { excluded[node] = "banned by \(constraint.id)" }
        }
        let arrival = serving.flatMap { history?.lastArrival(of: lun, on: $0) }
        return LUNView(
            name: lun.name, managerID: lun.clone, drbdResource: lun.replication.parameters["resource"] ?? lun.replication.parameters["drbd_resource"],
            servingNode: serving, isServedByManager: served, layers: layers, portals: Self.portals(lun), targetName: Self.targetName(lun),
            preferredNode: lun.preferredNode, excluded: excluded,
            pendingMove: layout.moveConstraints.first { $0.isHaloctl && $0.resource == lun.clone && !$0.isBan }?.node,
            lastMoved: arrival?.arrived, lastUnservedSeconds: arrival?.unserved, findings: findings)
    }

    func layer(_ primitive: PacemakerLayout.Primitive, kind: LayerView.Kind) -> LayerView {
        let instances = status.instances(of: primitive.id)
        var roles: [String: String] = [:]
        for instance in instances { roles[instance.node] = instance.role == "Master" ? "Promoted" : instance.role == "Slave" ? "Unpromoted" : instance.role }
        let failed = Set(instances.filter(\.failed).map(\.node)).union(status.failures.filter { $0.resource == primitive.id }.map(\.node))
        let operations = status.operations.filter { $0.resource == primitive.id }
        let monitored = Set(operations.filter { $0.task == "monitor" && $0.interval > 0 && ($0.rc == 0 || $0.rc == 8) }.map(\.node))
        var pending: [String: String] = [:]
        for operation in operations where operation.isPending { pending[operation.node] = operation.task }
        return LayerView(id: primitive.id, kind: kind, agent: primitive.agent, roles: roles, failedOn: failed.sorted(),
                         monitoredOn: monitored.sorted(), pending: pending)
    }

    static func kind(of primitive: PacemakerLayout.Primitive, default fallback: LayerView.Kind) -> LayerView.Kind {
        switch primitive.type {
        case "luks", "crypt": .luks
        case "drbd": .drbd
        case "lio", "scst", "iSCSITarget", "iSCSILogicalUnit", "SCSTTarget", "SCSTLun": .target
        case "portal", "IPaddr2", "IPaddr", "IPv6addr": .portal
        default: fallback
        }
    }

    /// The portal addresses of the LUN's portal resources: `ocf:halo:portal` lists
    /// `address/prefix@interface`; `IPaddr2` has `ip`, `cidr_netmask` and `nic`.
    static func portals(_ lun: PacemakerLayout.LUN) -> [PortalEndpoint] {
        lun.onPromoted.flatMap { primitive in ConfiguredPortal.of(type: primitive.type) { primitive.parameters[$0] } }
    }

    static func targetName(_ lun: PacemakerLayout.LUN) -> String? {
        lun.onPromoted.first { kind(of: $0, default: .other) == .target && $0.parameters["iqn"] != nil }?.parameters["iqn"]
    }

    /// `2026-12-05 14:46:17Z` → seconds since 1970.
    static func parseUTC(_ text: String) -> Double? {
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 6 else { return nil }
        return Double(CivilTime.epochSeconds(year: digits[0], month: digits[1], day: digits[2],
                                             hour: digits[3], minute: digits[4], second: digits[5]))
    }
}

/// Calendar arithmetic for UTC timestamps, without Foundation.
enum CivilTime {
    /// Days from 1970-01-01 to the date (proleptic Gregorian; Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int {
        days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Seconds since 1970 → `2026-12-05 14:46:17Z`.
    static func format(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let rest = total - days * 86_400
        // Inverse of `days(year:month:day:)`.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
    }
}
