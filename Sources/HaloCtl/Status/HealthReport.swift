import HaloFacts
import HaloJSON

/// `haloctl check-health`: everything an admin gets wrong before the first failover, each with
/// a fix: every node's own checks (modules, DRBD fencing and handlers, disks, md arrays, clock,
/// corosync), the checks across nodes (portal interfaces and MTUs, corosync's settings), the
/// manager's (fencing configured and answering, leftover constraints, quorum) and what the
/// initiators' timeouts must be for the failover times measured. Exit code: the worst finding
/// (0 ok or info, 1 warning, 2 critical).
public struct HealthReport: Sendable {
    /// Each finding and the node it was found on (nil: the cluster's).
    public var findings: [(node: String?, finding: Finding)]

    public var worst: Severity { findings.map(\.finding.severity).max() ?? .ok }

    public var exitCode: Int32 {
        switch worst {
        case .ok, .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public init(findings: [(node: String?, finding: Finding)]) {
        self.findings = findings.sorted { lhs, rhs in
            (rhs.finding.severity, lhs.node ?? "", lhs.finding.check, lhs.finding.subject)
                < (lhs.finding.severity, rhs.node ?? "", rhs.finding.check, rhs.finding.subject)
        }
    }

    /// What the nodes are expected to run, from the manager's view of the LUNs.
    static func expectations(_ view: ClusterView) -> LocalHealthChecks.Expectations {
        let agents = view.luns.flatMap(\.layers).filter { $0.kind == .target }.map { $0.agent.split(separator: ":").last.map(String.init) ?? "" }
        let software: TargetFacts.Software? = agents.contains("scst") ? .scst : agents.contains { ["lio", "iSCSITarget"].contains($0) } ? .lio : nil
        return LocalHealthChecks.Expectations(
            targetSoftware: software,
            usesLUKS: view.luns.contains { $0.layers.contains { $0.kind == .luks } },
            usesVLANs: view.luns.contains { $0.portals.contains { LUNFacts.interface($0.interface).parent != nil } })
    }

    /// Builds the report from one view, every node's facts and the manager's fencing findings.
    public static func build(view: ClusterView, facts: [String: Reading<NodeFacts>], fencing: [Finding]) -> HealthReport {
        var findings: [(String?, Finding)] = []
        for finding in view.findings { findings.append((nil, finding)) }
        for lun in view.luns { findings += lun.findings.map { (nil, $0) } }
        for finding in fencing { findings.append((nil, finding)) }
        let local = LocalHealthChecks(expecting: expectations(view))
        for node in view.nodes {
            switch facts[node.name] {
            case .read(let nodeFacts)?:
                findings += local.run(facts: nodeFacts).map { (node.name, $0) }
            case .failed(let why)?:
                findings.append((node.name, Finding(node.state.canServe ? .critical : .warning, check: "facts.readable", subject: node.name,
                                                    "\(node.name)'s facts could not be read (\(why)): its checks were not made",
                                                    fix: "make `haloctl facts` work there (ssh as root with a key, haloctl installed)")))
            case nil:
                continue
            }
        }
        findings += acrossNodes(view: view, facts: facts).map { (nil, $0) }
        findings.append((nil, initiatorTimeouts(view)))
        return HealthReport(findings: findings)
    }

    /// Portal interfaces and MTUs equal wherever a LUN may run; corosync's settings equal.
    static func acrossNodes(view: ClusterView, facts: [String: Reading<NodeFacts>]) -> [Finding] {
        var findings: [Finding] = []
        let readable = view.nodes.compactMap { node in facts[node.name]?.value.map { (node.name, $0) } }
        for lun in view.luns {
            let perNode = readable.compactMap { node, nodeFacts in LUNFacts(lun: lun, facts: nodeFacts).portals.value.map { (node, $0) } }
            for (index, endpoint) in lun.portals.enumerated() where endpoint.interface != nil {
                var mtus: [(String, Int)] = []
                for (node, states) in perNode where index < states.count {
                    let state = states[index]
                    if state.link == nil && state.parentLink == nil {
                        findings.append(Finding(.critical, check: "portal.interface", subject: lun.name,
                                                "\(node) has neither \(state.interface ?? "?") nor its parent \(state.parent ?? "?"): \(lun.name) cannot be served there on \(endpoint.host)",
                                                fix: "create the interface (or its parent) on \(node) the same as on the other nodes"))
                        continue
                    }
                    if let mtu = LUNFacts.mtu(state) { mtus.append((node, mtu)) }
                }
                if Set(mtus.map(\.1)).count > 1 {
                    findings.append(Finding(.warning, check: "portal.mtu", subject: lun.name,
                                            "the MTU for \(endpoint.host) (\(endpoint.interface ?? "")) differs: \(mtus.map { "\($0.1) on \($0.0)" }.joined(separator: ", ")); after a failover large frames may be dropped",
                                            fix: "set the same MTU on every node's interface (and its parent)"))
                } else if let mtu = mtus.first?.1, mtus.count == readable.count, readable.count > 1 {
                    findings.append(Finding(.ok, check: "portal.mtu", subject: lun.name, "\(endpoint.host) (\(endpoint.interface ?? "")): MTU \(mtu) on every node"))
                }
            }
        }
        let settings = readable.compactMap { node, nodeFacts -> (String, String)? in
            guard case .read(.running(let settings)) = nodeFacts.corosync else { return nil }
            return (node, "token \(settings.tokenMilliseconds.map(String.init) ?? "default") ms, consensus \(settings.consensusMilliseconds.map(String.init) ?? "default") ms, two_node \(settings.isTwoNode ? 1 : 0)")
        }
        if Set(settings.map(\.1)).count > 1 {
            findings.append(Finding(.warning, check: "corosync.same-settings", subject: "corosync",
                                    "corosync's settings differ between nodes: \(settings.map { "\($0.0): \($0.1)" }.joined(separator: "; "))",
                                    fix: "use one corosync.conf on every node (corosync-cfgtool -R after changing it)"))
        }
        return findings
    }

    /// What the initiators' timeouts must be, from the longest unserved window on record.
    static func initiatorTimeouts(_ view: ClusterView) -> Finding {
        let measured = view.luns.compactMap(\.lastUnservedSeconds).max()
        guard let measured else {
            return Finding(.info, check: "initiators.timeouts", subject: "initiators",
                           "no failover has been measured here yet: the initiators' replacement_timeout must exceed the worst one",
                           fix: "haloctl rehearse LUN measures one; docs/initiator-timeouts.md")
        }
        // The worst case is a crash: token + consensus + fencing on top of a planned move's
        // window; the guidance is several times the planned window and never under 30 s.
        let advised = max(30, Int((measured * 4).rounded(.up)) + 20)
        return Finding(.info, check: "initiators.timeouts", subject: "initiators",
                       "the longest unserved window on record is \(seconds(measured)); set the initiators' replacement_timeout to at least \(advised) s "
                       + "(open-iscsi: node.session.timeo.replacement_timeout) and keep NOP-Out interval + timeout below it",
                       fix: "docs/initiator-timeouts.md")
    }

    // MARK: - Output

    public var text: String {
        var lines: [String] = []
        let counts = Dictionary(grouping: findings, by: \.finding.severity).mapValues(\.count)
        lines.append("halo check-health: \(worst.rawValue.uppercased()) — \(counts[.critical] ?? 0) critical, \(counts[.warning] ?? 0) warning(s), \(counts[.info] ?? 0) note(s), \(counts[.ok] ?? 0) passed")
        for severity in [Severity.critical, .warning, .info] {
            let group = findings.filter { $0.finding.severity == severity }
            guard !group.isEmpty else { continue }
            lines.append("")
            lines.append(severity.rawValue.uppercased())
            for (node, finding) in group {
                lines.append("  \(node.map { "[\($0)] " } ?? "")\(finding.subject): \(finding.message)")
                if let fix = finding.fix { lines.append("      fix: \(fix)") }
            }
        }
        let passed = findings.filter { $0.finding.severity == .ok }
        if !passed.isEmpty {
            lines.append("")
            lines.append("PASSED")
            for (node, finding) in passed { lines.append("  \(node.map { "[\($0)] " } ?? "")\(finding.message)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        .object([
            ("schema", .string("halo.health/1")),
            ("worst", .string(worst.rawValue)),
            ("findings", .array(findings.map { node, finding in
                var members: [(String, JSONValue)] = [("node", node.map(JSONValue.string) ?? .null)]
                if case .object(let fields) = finding.json { members += fields }
                return .object(members)
            })),
            ("exitCode", .int(Int(exitCode))),
        ])
    }
}
