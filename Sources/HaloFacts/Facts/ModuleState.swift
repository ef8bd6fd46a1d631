/// Whether a kernel module is there for the stack: in the running kernel, or installable.
public enum ModuleState: String, Sendable, Hashable, CaseIterable {
    /// Loaded (`/sys/module/<name>/initstate` is `live`).
    case loaded
    /// Compiled into the kernel (in `/sys/module` without an `initstate`, or listed in
    /// `/lib/modules/<release>/modules.builtin`).
    case builtIn = "built-in"
    /// Not loaded, but this kernel has it (`modules.dep` lists it): `modprobe` can load it.
    case available
    /// Not in this kernel at all.
    case missing

    /// In the running kernel now (the Boolean the facts once carried).
    public var isPresent: Bool { self == .loaded || self == .builtIn }

    /// The modules halo's stack may need: DRBD, dm-crypt (LUKS), LIO and its block and file
    /// backstores, SCST with iSCSI-SCST and its disk handlers, bonding and 802.1Q VLANs.
    public static let stackModules = [
        "drbd", "dm_crypt", "target_core_mod", "iscsi_target_mod", "target_core_iblock", "target_core_file",
        "scst", "iscsi_scst", "scst_vdisk", "bonding", "8021q",
    ]
}
