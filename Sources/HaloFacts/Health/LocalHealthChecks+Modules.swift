extension LocalHealthChecks {
    /// A module the node's stack needs, why, and whether something loads it when first used
    /// (then "not loaded yet" is fine).
    struct ModuleNeed: Hashable {
        var name: String
        var reason: String
        /// Who loads it on first use; `nil` when nothing does and it must be loaded at boot.
        var loadedOnDemandBy: String?
    }

    /// The target software, then each module the stack needs.
    func modules(_ facts: NodeFacts) -> [HealthFinding] {
        var findings = targetSoftware(facts)
        guard case .read(let states) = facts.modules else { return findings }
        for need in moduleNeeds(facts) {
            findings.append(module(need, state: states[need.name] ?? .missing))
        }
        return findings
    }

    func moduleNeeds(_ facts: NodeFacts) -> [ModuleNeed] {
        var needs: [ModuleNeed] = []
        let hasDRBD = !(facts.drbdConfiguration.value ?? []).isEmpty || !(facts.drbd.value ?? []).isEmpty
        if hasDRBD { needs.append(ModuleNeed(name: "drbd", reason: "DRBD resources are configured", loadedOnDemandBy: "drbdadm up")) }
        switch expectations.targetSoftware ?? facts.targets.value?.software {
        case .lio?:
            needs.append(ModuleNeed(name: "target_core_mod", reason: "LIO serves the targets", loadedOnDemandBy: nil))
            needs.append(ModuleNeed(name: "iscsi_target_mod", reason: "LIO's iSCSI fabric", loadedOnDemandBy: "ocf:halo:lio (it creates the fabric in configfs)"))
            needs.append(ModuleNeed(name: "target_core_iblock", reason: "LIO's block backstore", loadedOnDemandBy: "ocf:halo:lio (it creates the backstore in configfs)"))
        case .scst?:
            for name in ["scst", "iscsi_scst", "scst_vdisk"] {
                needs.append(ModuleNeed(name: name, reason: "SCST serves the targets", loadedOnDemandBy: nil))
            }
        case nil:
            break
        }
        let links = facts.links.value ?? []
        if expectations.usesLUKS {
            needs.append(ModuleNeed(name: "dm_crypt", reason: "LUKS is used", loadedOnDemandBy: "cryptsetup open"))
        }
        if expectations.usesVLANs || links.contains(where: { if case .vlan = $0.kind { true } else { false } }) {
            needs.append(ModuleNeed(name: "8021q", reason: "portals are on VLANs", loadedOnDemandBy: "ocf:halo:portal (creating a VLAN interface loads it)"))
        }
        if expectations.usesBonding || links.contains(where: { $0.kind == .bond }) {
            needs.append(ModuleNeed(name: "bonding", reason: "NICs are bonded", loadedOnDemandBy: "creating the bond"))
        }
        return needs
    }

    func module(_ need: ModuleNeed, state: ModuleState) -> HealthFinding {
        let name = need.name
        let atBoot = "`modprobe \(name)`, and load it at boot: `echo \(name) >> /etc/modules-load.d/halo.conf`"
        switch state {
        case .loaded, .builtIn:
            return HealthFinding(check: "modules.\(name)", severity: .ok, subject: name,
                                 message: "\(name) is \(state == .loaded ? "loaded" : "built into the kernel") (\(need.reason))")
        case .available:
            if let loader = need.loadedOnDemandBy {
                return HealthFinding(check: "modules.\(name)", severity: .info, subject: name,
                                     message: "\(name) is not loaded yet; \(loader) loads it when first needed (\(need.reason))")
            }
            return HealthFinding(check: "modules.\(name)", severity: .critical, subject: name,
                                 message: "\(name) is not loaded, and nothing loads it on demand: \(need.reason)", fix: atBoot)
        case .missing:
            return HealthFinding(
                check: "modules.\(name)", severity: .critical, subject: name,
                message: "this kernel has no \(name) module (neither loaded, built in, nor in /lib/modules): \(need.reason)",
                fix: name == "drbd" || name.hasPrefix("scst") || name == "iscsi_scst"
                    ? "install the module for this kernel (\(name == "drbd" ? "drbd-dkms, or the kernel's own DRBD 8.4" : "SCST built for this kernel")), then \(atBoot)"
                    : "install this kernel's modules package (linux-image-$(uname -r) ships \(name)), then \(atBoot)")
        }
    }

    /// Exactly one target stack is loaded, and it is the one the cluster uses.
    func targetSoftware(_ facts: NodeFacts) -> [HealthFinding] {
        guard case .read(let targets) = facts.targets else { return [] }
        let subject = facts.node
        let loadLIO = "LIO: `echo target_core_mod >> /etc/modules-load.d/halo.conf && modprobe target_core_mod`"
        let loadSCST = "SCST: `systemctl enable --now scst` (it loads scst, iscsi_scst, scst_vdisk and starts iscsi-scstd)"
        let expected = expectations.targetSoftware
        if targets.loaded.isEmpty {
            let fix = switch expected {
            case .lio?: loadLIO
            case .scst?: loadSCST
            case nil: "load the one the cluster's targets use: \(loadLIO); \(loadSCST)"
            }
            return [HealthFinding(check: "targets.software", severity: .critical, subject: subject,
                                  message: "no iSCSI target software is loaded (neither LIO nor SCST): this node cannot serve a LUN", fix: fix)]
        }
        guard let loaded = targets.software else {
            return [HealthFinding(
                check: "targets.software", severity: .critical, subject: subject,
                message: "both LIO and SCST are loaded: they compete for the iSCSI port (3260) and the same block devices",
                fix: "unload the one the cluster does not use (LIO: `modprobe -r iscsi_target_mod target_core_iblock target_core_mod`; "
                    + "SCST: `systemctl disable --now scst`)")]
        }
        if let expected, loaded != expected {
            return [HealthFinding(
                check: "targets.software", severity: .critical, subject: subject,
                message: "\(loaded.rawValue.uppercased()) is loaded, but the cluster's targets are \(expected.rawValue.uppercased())'s",
                fix: "unload \(loaded.rawValue.uppercased()) and load \(expected.rawValue.uppercased()): \(expected == .lio ? loadLIO : loadSCST)")]
        }
        return [HealthFinding(check: "targets.software", severity: .ok, subject: subject,
                              message: "\(loaded.rawValue.uppercased()) is loaded, with \(targets.targets.count) target(s)")]
    }
}
