/// The attribute files of each kind of object, with their permission bits, as the captures list
/// them (`ls -lR` of /sys/kernel/scst_tgt in Tests/Fixtures/scst-3.11). The fileio device's list
/// is not in the captures: a real SCST 3.11 showed (issue 17) that it has `async` and `o_direct`
/// and neither `zero_copy` nor `gen_tp_soft_threshold_reached_UA`; the rest — blockio's other
/// attributes, the modes of `async` and `o_direct` (0444: fixed at `add_device`), a read-only
/// `size` — is assumed from SCST's attribute list for vdisk_fileio.
enum AttributeTables {
    typealias Table = [(name: String, mode: UInt16)]

    static let root: Table = [
        ("async_lun_replace", 0o644), ("cluster_name", 0o644), ("force_global_sgv_pool", 0o644),
        ("last_sysfs_mgmt_res", 0o444), ("max_tasklet_cmd", 0o644), ("measure_latency", 0o644), ("poll_us", 0o644),
        ("setup_id", 0o644), ("suspend", 0o644), ("threads", 0o644), ("trace_cmds", 0o444), ("trace_level", 0o644),
        ("trace_mcmds", 0o444), ("version", 0o444),
    ]

    static let blockioDevice: Table = [
        ("active", 0o644), ("bind_alua_state", 0o644), ("block", 0o644), ("blocksize", 0o444), ("cluster_mode", 0o644),
        ("dump_prs", 0o200), ("eui64_id", 0o644), ("expl_alua", 0o644), ("filename", 0o644),
        ("gen_tp_soft_threshold_reached_UA", 0o200), ("inq_vend_specific", 0o644), ("lb_per_pb_exp", 0o644),
        ("max_tgt_dev_commands", 0o644), ("naa_id", 0o644), ("numa_node_id", 0o644), ("nv_cache", 0o444),
        ("opt_trans_len", 0o644), ("pr_file_name", 0o644), ("pr_state", 0o644), ("prod_id", 0o644),
        ("prod_rev_lvl", 0o644), ("read_only", 0o444), ("removable", 0o444), ("resync_size", 0o200),
        ("rotational", 0o444), ("scsi_device_name", 0o644), ("size", 0o644), ("size_mb", 0o644), ("sync", 0o200),
        ("t10_dev_id", 0o644), ("t10_vend_id", 0o644), ("thin_provisioned", 0o444), ("threads_num", 0o644),
        ("threads_pool_type", 0o644), ("tst", 0o444), ("type", 0o444), ("usn", 0o644), ("vend_specific_id", 0o644),
        ("write_through", 0o444),
    ]

    static let fileioDevice: Table = (blockioDevice.filter { $0.name != "gen_tp_soft_threshold_reached_UA" }.map { entry in
        entry.name == "size" || entry.name == "size_mb" ? (entry.name, UInt16(0o444)) : entry
    } + [("async", 0o444), ("o_direct", 0o444)]).sorted { $0.name < $1.name }

    static let nullioDevice: Table = [
        ("block", 0o644), ("blocksize", 0o444), ("cluster_mode", 0o644), ("dummy", 0o444), ("dump_prs", 0o200),
        ("eui64_id", 0o644), ("inq_vend_specific", 0o644), ("max_tgt_dev_commands", 0o644), ("naa_id", 0o644),
        ("numa_node_id", 0o644), ("opt_trans_len", 0o644), ("pr_file_name", 0o644), ("pr_state", 0o644),
        ("prod_id", 0o644), ("prod_rev_lvl", 0o644), ("read_only", 0o444), ("read_zero", 0o644), ("removable", 0o444),
        ("rotational", 0o444), ("scsi_device_name", 0o644), ("size", 0o644), ("size_mb", 0o644), ("t10_dev_id", 0o644),
        ("t10_vend_id", 0o644), ("threads_num", 0o644), ("threads_pool_type", 0o644), ("tst", 0o444), ("type", 0o444),
        ("usn", 0o644), ("vend_specific_id", 0o644),
    ]

    static let passThroughDevice: Table = [
        ("block", 0o644), ("dump_prs", 0o200), ("max_tgt_dev_commands", 0o644), ("numa_node_id", 0o644),
        ("pr_file_name", 0o644), ("pr_state", 0o644), ("type", 0o444),
    ]

    static func device(_ handler: VdiskHandler) -> Table {
        switch handler {
        case .blockio: blockioDevice
        case .fileio: fileioDevice
        case .nullio: nullioDevice
        }
    }

    static let handler: Table = [("mgmt", 0o644), ("trace_level", 0o644), ("type", 0o444)]
    static let handlerNames = ["vcdrom", "vdisk_blockio", "vdisk_fileio", "vdisk_nullio"]
    static let sgvPools = ["sgv", "sgv-0", "sgv-clust", "sgv-clust-0", "sgv-dma", "sgv-dma-0"]

    static let copyManagerDriver: Table = [("allow_not_connected_copy", 0o644), ("dif_capabilities", 0o444)]

    /// iscsi-scst's driver directory before iscsi-scstd connects, and the files it adds then.
    static let iscsiDriverAlways: Table = [("mgmt", 0o644), ("open_state", 0o444), ("trace_level", 0o644), ("version", 0o444)]
    static let iscsiDriverConnected: Table = [
        ("enabled", 0o644), ("iSNSServer", 0o644), ("internal_portal", 0o644), ("isns_entity_name", 0o644), ("link_local", 0o644),
    ]

    /// The statistics every target has.
    static let targetCounters = [
        "bidi_cmd_count", "bidi_io_count_kb", "bidi_unaligned_cmd_count", "none_cmd_count", "read_cmd_count",
        "read_io_count_kb", "read_unaligned_cmd_count", "unknown_cmd_count", "write_cmd_count", "write_io_count_kb",
        "write_unaligned_cmd_count",
    ]

    static let copyManagerTarget: Table = ([
        ("addr_method", 0o644), ("aen_disabled", 0o644), ("black_hole", 0o644), ("comment", 0o644), ("cpu_mask", 0o644),
        ("dif_capabilities", 0o444), ("dif_checks_failed", 0o644), ("forward_dst", 0o644), ("forward_src", 0o644),
        ("forwarding", 0o644), ("io_grouping_type", 0o644), ("rel_tgt_id", 0o644), ("sg_tablesize", 0o444),
    ] + targetCounters.map { ($0, UInt16(0o444)) }).sorted { $0.name < $1.name }

    static let iscsiTarget: Table = (ISCSITarget.parameterDefaults.map { ($0.name, UInt16(0o644)) } + [
        ("addr_method", 0o644), ("aen_disabled", 0o644), ("alias", 0o644), ("black_hole", 0o644), ("comment", 0o644),
        ("cpu_mask", 0o644), ("enabled", 0o644), ("forward_dst", 0o644), ("forward_src", 0o644), ("forwarding", 0o644),
        ("io_grouping_type", 0o644), ("per_portal_acl", 0o644), ("redirect", 0o644), ("rel_tgt_id", 0o644),
        ("sg_tablesize", 0o444), ("tid", 0o444),
    ] + targetCounters.map { ($0, UInt16(0o444)) }).sorted { $0.name < $1.name }

    static let group: Table = [
        ("addr_method", 0o644), ("black_hole", 0o644), ("cpu_mask", 0o644), ("io_grouping_type", 0o644),
        ("per_sess_dedicated_tgt_threads", 0o644),
    ]

    /// Session statistics, writable (writing resets them).
    static let sessionCounters: Table = [
        ("bidi_cmd_count", 0o644), ("bidi_io_count_kb", 0o644), ("bidi_unaligned_cmd_count", 0o644),
        ("none_cmd_count", 0o644), ("read_cmd_count", 0o644), ("read_io_count_kb", 0o644),
        ("read_unaligned_cmd_count", 0o644), ("unknown_cmd_count", 0o644), ("write_cmd_count", 0o644),
        ("write_io_count_kb", 0o644), ("write_unaligned_cmd_count", 0o644),
    ]

    /// The negotiated parameters an iSCSI session shows.
    static let sessionParameters = [
        "DataDigest", "FirstBurstLength", "HeaderDigest", "ImmediateData", "InitialR2T", "MaxBurstLength",
        "MaxOutstandingR2T", "MaxRecvDataSegmentLength", "MaxXmitDataSegmentLength",
    ]

    static let iscsiSession: Table = (sessionParameters.map { ($0, UInt16(0o444)) } + [
        ("active_commands", 0o444), ("commands", 0o444), ("force_close", 0o200), ("initiator_name", 0o444),
        ("reinstating", 0o444), ("sid", 0o444), ("thread_pid", 0o444),
    ] + sessionCounters).sorted { $0.name < $1.name }

    static let copyManagerSession: Table = ([
        ("active_commands", 0o444), ("commands", 0o444), ("dif_checks_failed", 0o644), ("initiator_name", 0o444),
    ] + sessionCounters).sorted { $0.name < $1.name }

    static let connection: Table = [("cid", 0o444), ("ip", 0o444), ("state", 0o444), ("target_ip", 0o444), ("transport", 0o444)]
    static let sessionLUN: Table = [("active_commands", 0o444), ("thread_index", 0o444), ("thread_pid", 0o444)]

    /// `latency/` of a session: b, n, r, w for each size from 512 bytes to 512 KiB.
    static let latency: [String] = ["b", "n", "r", "w"].flatMap { kind in
        (9...19).map { "\(kind)\(1 << $0)" }
    }.sorted()

    static func mode(_ name: String, in table: Table) -> UInt16? {
        table.first { $0.name == name }?.mode
    }
}
