import HaloSystem

/// The checks one node can make about itself from its facts: what an admin gets wrong before
/// the first failover. Pure: the facts were read already (`FactsCollector`), so the checks run
/// on a node's own facts or on facts another node sent.
///
/// ```swift
/// let facts = FactsCollector.withCorosync.collect(deadline: .after(.seconds(5)))  // HaloCtl's: corosync's part too
/// let findings = LocalHealthChecks(expecting: .init(targetSoftware: .lio)).run(facts: facts)
/// let worst = findings.map(\.severity).max() ?? .ok
/// ```
/// Every finding says what was found in plain words and, when something is wrong, a concrete
/// fix. Checks that pass are reported too (`ok`), so a report shows what was looked at. Checks
/// that compare nodes (equal MTUs, the same DRBD configuration) are the cluster's, not here.
public struct LocalHealthChecks: Sendable {
    /// What this node is meant to run, where its facts cannot tell (haloctl knows it from the
    /// cluster's configuration). Unset, only what the facts show is required.
    public struct Expectations: Sendable, Hashable {
        /// The target software the cluster's target resources use; `nil`: whichever is loaded.
        public var targetSoftware: TargetFacts.Software?
        /// LUKS (dm-crypt) below or above DRBD.
        public var usesLUKS: Bool
        /// Portal addresses on 802.1Q VLANs.
        public var usesVLANs: Bool
        /// Bonded NICs.
        public var usesBonding: Bool

        public init(targetSoftware: TargetFacts.Software? = nil, usesLUKS: Bool = false, usesVLANs: Bool = false, usesBonding: Bool = false) {
            self.targetSoftware = targetSoftware
            self.usesLUKS = usesLUKS
            self.usesVLANs = usesVLANs
            self.usesBonding = usesBonding
        }
    }

    public let expectations: Expectations

    public init(expecting expectations: Expectations = Expectations()) {
        self.expectations = expectations
    }

    /// Every finding about `facts`' node, worst first (then by check and subject).
    public func run(facts: NodeFacts) -> [HealthFinding] {
        var findings: [HealthFinding] = []
        findings += unreadableParts(facts)
        findings += modules(facts)
        findings += drbdConfiguration(facts)
        findings += drbdHelper(facts)
        findings += drbdState(facts)
        findings += mdArrays(facts)
        findings += clock(facts)
        findings += corosync(facts)
        findings += addresses(facts)
        return findings.sorted { ($1.severity, $0.check, $0.subject) < ($0.severity, $1.check, $1.subject) }
    }

    /// A part that could not be read is a finding of its own: the checks that need it are not
    /// made, and the report must not look clean because of that.
    func unreadableParts(_ facts: NodeFacts) -> [HealthFinding] {
        let parts: [(String, String?, String)] = [
            ("drbd", facts.drbd.failure, "check that drbd-utils is installed and `drbdsetup events2 --now all` works"),
            ("drbd_configuration", facts.drbdConfiguration.failure, "check /etc/drbd.conf and /etc/drbd.d with `drbdadm dump all`"),
            ("drbd_helper", facts.drbdHelper.failure, "install the same haloctl on every node; check /sys/module/drbd/parameters/usermode_helper is readable"),
            ("targets", facts.targets.failure, "check the target software's tree (LIO: /sys/kernel/config/target, SCST: /sys/kernel/scst_tgt)"),
            ("links", facts.links.failure, "run haloctl as root, in the host's network namespace"),
            ("addresses", facts.addresses.failure, "run haloctl as root"),
            ("md_arrays", facts.mdArrays.failure, "check that /sys is mounted"),
            ("clock", facts.clock.failure, "check adjtimex(2) works (a container may forbid it)"),
            ("modules", facts.modules.failure, "check that /sys is mounted and /lib/modules/$(uname -r) exists"),
            ("corosync", facts.corosync.failure, "check corosync (`systemctl status corosync`): it did not answer"),
        ]
        return parts.compactMap { part, failure, fix in
            failure.map { HealthFinding(check: "facts.\(part)", severity: .warning, subject: facts.node,
                                        message: "could not read \(part): \($0); the checks that need it were not made", fix: fix) }
        }
    }
}
