import HaloSystem

extension LocalHealthChecks {
    /// md arrays: whole, and not in the middle of a rebuild.
    func mdArrays(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let arrays) = facts.mdArrays else { return [] }
        return arrays.map { array in
            let name = array.name
            let members = "\(array.activeMembers) of \(array.raidDisks) members in sync"
            if array.state == "inactive" {
                return HealthFinding(check: "md.array", severity: .critical, subject: name,
                                     message: "\(name) is inactive: assembled but not started, no I/O",
                                     fix: "`mdadm --run /dev/\(name)`, or assemble it again (`mdadm --assemble --scan`)")
            }
            if array.isDegraded {
                let failed = array.members.filter { $0.state.contains("faulty") }.map(\.name)
                let rebuilding = array.sync.map { sync in ", \(sync.action) " + (sync.percentDone.map { "\(Int($0)) % done" } ?? "pending") } ?? ""
                return HealthFinding(
                    check: "md.array", severity: .critical, subject: name,
                    message: "\(name) (\(array.level)) is degraded: \(array.degradedDevices ?? 0) member(s) missing, \(members)"
                        + (failed.isEmpty ? "" : ", faulty: \(failed.joined(separator: ", "))") + rebuilding
                        + "; one more failure loses the LUNs on it",
                    fix: rebuilding.isEmpty
                        ? "replace the failed disk: `mdadm /dev/\(name) --remove failed`, then `mdadm /dev/\(name) --add /dev/<new disk>`"
                        : "wait for the rebuild to finish; replace the disk if it fails again")
            }
            if let sync = array.sync {
                return HealthFinding(
                    check: "md.array", severity: sync.action == "check" || sync.action == "repair" ? .info : .warning, subject: name,
                    message: "\(name) (\(array.level)) runs a \(sync.action)" + (sync.percentDone.map { " (\(Int($0)) % done)" } ?? "")
                        + ": I/O is slower until it finishes",
                    fix: "let it finish; to give the LUNs more of the disks meanwhile, lower /sys/block/\(name)/md/sync_speed_max")
            }
            return HealthFinding(check: "md.array", severity: .ok, subject: name, message: "\(name) (\(array.level)) is whole: \(members)")
        }
    }

    /// The kernel clock is synchronised (logs, fencing history and haloctl's timings compare
    /// clocks across nodes).
    func clock(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let clock) = facts.clock else { return [] }
        let discipline = clock.discipline
        let maximumError = "maximum error \(discipline.maximumErrorMicroseconds / 1000) ms"
        if clock.isSynchronized {
            return [HealthFinding(check: "clock.synchronized", severity: .ok, subject: facts.node, message: "the clock is synchronised (\(maximumError))")]
        }
        if discipline.maximumErrorMicroseconds < ClockDiscipline.maximumErrorLimitMicroseconds {
            return [HealthFinding(
                check: "clock.synchronized", severity: .warning, subject: facts.node,
                message: "the kernel marks the clock unsynchronised (STA_UNSYNC) though its \(maximumError) is small: "
                    + "an NTP daemon that does not tell the kernel it synchronises (chronyd without `rtcsync`)",
                fix: "add `rtcsync` to /etc/chrony/chrony.conf and restart chrony, or check `chronyc tracking`")]
        }
        return [HealthFinding(
            check: "clock.synchronized", severity: .warning, subject: facts.node,
            message: "the clock is not synchronised (\(maximumError)): logs and fencing history do not line up across nodes",
            fix: "install and enable an NTP daemon (`apt install chrony`), and check `chronyc tracking`")]
    }

    /// corosync: running, with two_node on a two-node cluster and timers that detect a lost
    /// node quickly (docs/deploying-pacemaker.md §1.5).
    func corosync(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let corosync) = facts.corosync else { return [] }
        let subject = facts.node
        guard case .running(let settings) = corosync else {
            return [HealthFinding(check: "corosync.running", severity: .warning, subject: subject,
                                  message: "corosync is not running here: this node is not in the cluster, and its settings were not checked",
                                  fix: "`systemctl start corosync` (and pacemaker or halod)")]
        }
        var findings = [HealthFinding(check: "corosync.running", severity: .ok, subject: subject,
                                      message: "corosync is running (\(settings.nodes.count) node(s) in its node list)")]
        if settings.nodes.count == 2 {
            findings.append(settings.isTwoNode
                ? HealthFinding(check: "corosync.two-node", severity: .ok, subject: subject, message: "two_node is set for the two-node cluster")
                : HealthFinding(check: "corosync.two-node", severity: .critical, subject: subject,
                                message: "a two-node cluster without two_node: when one node dies the other loses quorum and stops every LUN",
                                fix: "set `two_node: 1` in corosync.conf's quorum section on both nodes, then restart corosync on each in turn"))
        } else if settings.isTwoNode {
            findings.append(HealthFinding(check: "corosync.two-node", severity: .warning, subject: subject,
                                          message: "two_node is set but the node list has \(settings.nodes.count) nodes: corosync ignores it",
                                          fix: "remove `two_node` from corosync.conf's quorum section"))
        }
        if let token = settings.tokenMilliseconds {
            let consensus = settings.consensusMilliseconds ?? token * 12 / 10
            let detection = Double(token + consensus) / 1000
            let text = "a lost node is noticed after token + consensus = \(token) + \(consensus) ms"
            findings.append(token > 3000
                ? HealthFinding(check: "corosync.token", severity: .warning, subject: subject,
                                message: "\(text) (\(detection) s): every crash failover waits that long first",
                                fix: "set `token: 1000` in corosync.conf's totem section (docs/deploying-pacemaker.md: detection ≈ 2.2 s)")
                : HealthFinding(check: "corosync.token", severity: .ok, subject: subject, message: text))
            if consensus * 10 < token * 12 {
                findings.append(HealthFinding(check: "corosync.consensus", severity: .warning, subject: subject,
                                              message: "consensus (\(consensus) ms) is below 1.2 × token (\(token) ms): membership can flap",
                                              fix: "remove `consensus` from corosync.conf (it defaults to 1.2 × token) or raise it"))
            }
        }
        return findings
    }

    /// Addresses another host also claims (IPv6 duplicate address detection failed).
    func addresses(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let addresses) = facts.addresses else { return [] }
        return addresses.filter(\.hasFailedDAD).map { address in
            HealthFinding(check: "network.duplicate-address", severity: .critical, subject: "\(address.address) on \(address.interface)",
                          message: "\(address.address)/\(address.prefixLength) on \(address.interface) is used by another host too (duplicate address detection failed): it does not work here",
                          fix: "find the other host with that address (`ndisc6`/`ip neigh`) and remove it there, then re-add it here")
        }
    }
}
