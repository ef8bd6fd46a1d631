import HaloDRBD

extension LocalHealthChecks {
    // MARK: configuration

    /// Each configured resource: fencing that keeps an isolated Primary from writing, and
    /// halo's handlers wired to it (docs/drbd.md, "Peer fencing").
    func drbdConfiguration(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let resources) = facts.drbdConfiguration else { return [] }
        var findings: [HealthFinding] = []
        for resource in resources {
            findings.append(fencing(resource))
            findings.append(fencePeerHandler(resource))
            if resource.fencing != nil && resource.fencing != "dont-care" { findings.append(unfenceHandler(resource)) }
        }
        if case .read(let up) = facts.drbd {
            let upNames = Set(up.map(\.name))
            for resource in resources where !upNames.contains(resource.name) {
                findings.append(HealthFinding(
                    check: "drbd.up", severity: .warning, subject: resource.name,
                    message: "DRBD resource \(resource.name) is configured but not up on this node: nothing is replicated to it",
                    fix: "let the cluster start it (`pcs resource cleanup` for its clone), or `drbdadm up \(resource.name)` if nothing manages it"))
            }
        }
        return findings
    }

    /// DRBD's usermode helper: one the kernel cannot run leaves every handler unanswered; with
    /// halo's fence-peer handler configured on DRBD 8.4, halo's helper starts it without drbdadm
    /// and sh before it (docs/drbd.md, "halo-drbd-helper").
    func drbdHelper(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let helper?) = facts.drbdHelper else { return [] }
        let parameter = "/sys/module/drbd/parameters/usermode_helper"
        guard helper.runnable else {
            let shown = helper.path.replacing("\n", with: "\\n")
            return [HealthFinding(
                check: "drbd.usermode-helper", severity: .critical, subject: facts.node,
                message: "DRBD's usermode helper \"\(shown)\" cannot be run: DRBD runs none of its handlers, and a fence-peer call never "
                    + "answers (with resource-and-stonith, a Primary that loses its peer keeps its I/O frozen)"
                    + (helper.path.hasSuffix("\n") ? "; the value ends with a newline, which `echo` wrote and the kernel kept" : ""),
                fix: "`printf %s \(DRBDHelperFacts.drbdadm) > \(parameter)` (no newline; or install halo-agents again for "
                    + "\(DRBDHelperFacts.halos)), and the same in the `options drbd usermode_helper=` line of /etc/modprobe.d")]
        }
        let halos = facts.drbdConfiguration.value?.filter { $0.runsHalo("fence-peer", command: DRBDResourceConfiguration.halosFencePeerCommand) } ?? []
        if helper.path == DRBDHelperFacts.drbdadm && !halos.isEmpty && helper.answersFencePeer {
            return [HealthFinding(
                check: "drbd.usermode-helper", severity: .info, subject: facts.node,
                message: "DRBD runs halo's fence-peer handler (\(halos.map(\.name).joined(separator: ", "))) through drbdadm and sh: "
                    + "\(DRBDHelperFacts.halos) would start it without them, while DRBD waits for its answer",
                fix: "`printf %s \(DRBDHelperFacts.halos) > \(parameter)` (no newline), and `options drbd usermode_helper=\(DRBDHelperFacts.halos)` "
                    + "in /etc/modprobe.d/halo-drbd.conf (docs/drbd.md)")]
        }
        return [HealthFinding(check: "drbd.usermode-helper", severity: .ok, subject: facts.node,
                              message: "DRBD's usermode helper is \(helper.path)")]
    }

    func fencing(_ resource: DRBDResourceConfiguration) -> HealthFinding {
        let name = resource.name
        let fix = "set `fencing resource-and-stonith;` in \(name)'s disk section (DRBD 9: its net section), then `drbdadm adjust \(name)` on both nodes"
        switch resource.fencing {
        case "resource-and-stonith":
            return HealthFinding(check: "drbd.fencing", severity: .ok, subject: name,
                                 message: "\(name) fences with resource-and-stonith: I/O freezes until the peer is fenced or outdated")
        case "resource-only":
            return HealthFinding(
                check: "drbd.fencing", severity: .info, subject: name,
                message: "\(name) fences with resource-only: the peer is kept from promotion, but I/O is not frozen while the handler runs, "
                    + "so an isolated Primary may still accept writes that the survivor never sees", fix: fix)
        case let other:
            return HealthFinding(
                check: "drbd.fencing", severity: .critical, subject: name,
                message: "\(name) has \(other.map { "fencing \($0)" } ?? "no fencing policy (DRBD's default is dont-care)"): "
                    + "after a replication link failure both nodes can become Primary and write (split brain, lost writes)", fix: fix)
        }
    }

    func fencePeerHandler(_ resource: DRBDResourceConfiguration) -> HealthFinding {
        let name = resource.name
        let fix = "in \(name)'s handlers section: `fence-peer \"/usr/lib/halo/halo-agent drbd-fence-peer\";`, then `drbdadm adjust \(name)`"
        if resource.runsHalo("fence-peer", command: DRBDResourceConfiguration.halosFencePeerCommand) {
            return HealthFinding(check: "drbd.fence-peer-handler", severity: .ok, subject: name,
                                 message: "\(name)'s fence-peer handler is halo's (\(resource.handlers["fence-peer"]!))")
        }
        guard let other = resource.handlers["fence-peer"] else {
            let freezes = resource.fencing == "resource-and-stonith"
            return HealthFinding(
                check: "drbd.fence-peer-handler", severity: freezes ? .critical : .warning, subject: name,
                message: "\(name) has no fence-peer handler: " + (freezes
                    ? "with resource-and-stonith, DRBD freezes I/O on a lost peer and nothing answers it"
                    : "nothing keeps the cluster from promoting a peer with stale data"),
                fix: fix)
        }
        return HealthFinding(
            check: "drbd.fence-peer-handler", severity: .warning, subject: name,
            message: "\(name)'s fence-peer handler is not halo's (\(other)): its constraints are not the ones ocf:halo:drbd and halod "
                + "look for, and under halod nothing answers it", fix: fix)
    }

    /// The handler that lifts the fencing constraint once the peer is UpToDate again:
    /// `after-resync-target` on DRBD 8.4, `unfence-peer` on DRBD 9.
    func unfenceHandler(_ resource: DRBDResourceConfiguration) -> HealthFinding {
        let name = resource.name
        let command = DRBDResourceConfiguration.halosUnfenceCommand
        if let handler = ["unfence-peer", "after-resync-target"].first(where: { resource.runsHalo($0, command: command) }) {
            return HealthFinding(check: "drbd.unfence-handler", severity: .ok, subject: name,
                                 message: "\(name)'s \(handler) handler is halo's: the fencing constraint goes once the resync is done")
        }
        return HealthFinding(
            check: "drbd.unfence-handler", severity: .warning, subject: name,
            message: "\(name) has no halo unfence handler: after a fenced peer resyncs, the constraint that keeps it from promotion stays, "
                + "and the next failover to it is refused",
            fix: "in \(name)'s handlers section: `after-resync-target \"/usr/lib/halo/halo-agent drbd-unfence-peer\";` "
                + "(DRBD 9: `unfence-peer`), then `drbdadm adjust \(name)`")
    }

    // MARK: state

    /// Each resource that is up: I/O not suspended, local disks UpToDate, every peer connected
    /// with its disks UpToDate (a resync in progress says how far it has come).
    func drbdState(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let resources) = facts.drbd else { return [] }
        var findings: [HealthFinding] = []
        for resource in resources {
            let name = resource.name
            if let cause = resource.suspendedBy {
                findings.append(HealthFinding(
                    check: "drbd.suspended", severity: .critical, subject: name,
                    message: "\(name)'s I/O is suspended (\(cause)): writes to its LUN hang",
                    fix: cause.contains("fencing")
                        ? "the fence-peer handler has not answered: check the peer's fencing (`stonith_admin --history`) and the handler's log (journalctl -t halo-drbd-fence-peer)"
                        : "`drbdadm resume-io \(name)` once the cause (\(cause)) is resolved"))
            }
            for volume in resource.volumes {
                findings.append(localDisk(resource, volume))
            }
            if resource.connections.isEmpty {
                findings.append(HealthFinding(check: "drbd.connection", severity: .critical, subject: name,
                                              message: "\(name) has no peer connection: nothing is replicated",
                                              fix: "`drbdadm adjust \(name)`, and check its configuration names the peer"))
            }
            for connection in resource.connections {
                findings.append(self.connection(resource, connection))
                guard connection.state == .connected else { continue }
                for volume in connection.volumes { findings.append(peerDisk(resource, connection, volume)) }
            }
        }
        return findings
    }

    func localDisk(_ resource: DRBDResourceFacts, _ volume: DRBDResourceFacts.Volume) -> HealthFinding {
        let subject = resource.volumes.count > 1 ? "\(resource.name)/\(volume.number)" : resource.name
        switch volume.disk {
        case .upToDate:
            return HealthFinding(check: "drbd.disk", severity: .ok, subject: subject, message: "\(subject)'s disk is UpToDate")
        case .inconsistent where resource.connections.contains(where: { $0.volumes.contains { $0.number == volume.number && $0.replication.isResyncing } }):
            let progress = resource.connections.lazy.compactMap { resource.resyncPercentDone(volume: volume.number, peerNodeID: $0.peerNodeID) }.first
            return HealthFinding(
                check: "drbd.disk", severity: .warning, subject: subject,
                message: "\(subject)'s disk is Inconsistent while it resyncs" + (progress.map { " (\(Int($0)) % done)" } ?? "")
                    + ": it cannot take over until the resync finishes",
                fix: "wait for the resync; `drbdadm status \(resource.name)` shows its progress")
        case .consistent, .outdated, .inconsistent:
            return HealthFinding(
                check: "drbd.disk", severity: .critical, subject: subject,
                message: "\(subject)'s disk is \(volume.disk.rawValue): this node's data is not current and it cannot take over",
                fix: "connect it to a peer with UpToDate data (`drbdadm connect \(resource.name)`) so it resyncs")
        case .diskless, .failed, .detaching, .attaching, .negotiating, .unknown:
            return HealthFinding(
                check: "drbd.disk", severity: .critical, subject: subject,
                message: "\(subject) has no usable local disk (\(volume.disk.rawValue)): it serves I/O from the peer, or not at all",
                fix: "check the backing device (dmesg, the LUKS mapping under it), then `drbdadm attach \(resource.name)`")
        }
    }

    func connection(_ resource: DRBDResourceFacts, _ connection: DRBDResourceFacts.Connection) -> HealthFinding {
        let peer = connection.peerName ?? "peer \(connection.peerNodeID)"
        let subject = "\(resource.name)@\(peer)"
        switch connection.state {
        case .connected:
            return HealthFinding(check: "drbd.connection", severity: .ok, subject: subject,
                                 message: "\(resource.name) is connected to \(peer) (peer \(connection.peerRole.rawValue))")
        case .standAlone:
            return HealthFinding(
                check: "drbd.connection", severity: .critical, subject: subject,
                message: "\(resource.name) is StandAlone towards \(peer): it will not reconnect by itself (a split brain, or disconnected by hand)",
                fix: "read the kernel log for `Split-Brain detected`; resolve it (docs/drbd.md) or `drbdadm connect \(resource.name)`")
        default:
            return HealthFinding(
                check: "drbd.connection", severity: .critical, subject: subject,
                message: "\(resource.name) is not connected to \(peer) (\(connection.state.rawValue)): writes are not replicated",
                fix: "check the replication link (addresses, MTU, firewall on its port) and the peer's DRBD")
        }
    }

    func peerDisk(_ resource: DRBDResourceFacts, _ connection: DRBDResourceFacts.Connection, _ volume: DRBDResourceFacts.PeerVolume) -> HealthFinding {
        let peer = connection.peerName ?? "peer \(connection.peerNodeID)"
        let subject = "\(resource.name)@\(peer)" + (resource.volumes.count > 1 ? "/\(volume.number)" : "")
        if volume.peerDisk == .upToDate {
            return HealthFinding(check: "drbd.peer-disk", severity: .ok, subject: subject, message: "\(peer)'s copy of \(resource.name) is UpToDate")
        }
        if volume.replication.isResyncing {
            let progress = resource.resyncPercentDone(volume: volume.number, peerNodeID: connection.peerNodeID)
            let paused = volume.resyncSuspendedBy.map { ", paused by \($0)" } ?? ""
            return HealthFinding(
                check: "drbd.peer-disk", severity: .warning, subject: subject,
                message: "\(peer)'s copy of \(resource.name) is \(volume.peerDisk.rawValue), resyncing (\(volume.replication.rawValue)"
                    + (progress.map { ", \(Int($0)) % done" } ?? "") + "\(paused)): \(peer) cannot take over until it finishes",
                fix: volume.resyncSuspendedBy == nil ? "wait for the resync" : "`drbdadm resume-sync \(resource.name)`")
        }
        return HealthFinding(
            check: "drbd.peer-disk", severity: .critical, subject: subject,
            message: "\(peer)'s copy of \(resource.name) is \(volume.peerDisk.rawValue) and not resyncing: \(peer) cannot take over",
            fix: "on \(peer): check its disk (`drbdadm status \(resource.name)`), attach it, and let it resync")
    }
}
