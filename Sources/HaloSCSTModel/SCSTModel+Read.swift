import HaloSystem

// What each file shows. Formats follow the captures byte for byte: a value, a newline, and a
// `[key]` line when the value was set (SCST's mark for what scstadmin must save); attributes
// iscsi-scstd serves carry one more newline.

extension SCSTModel {
    /// The content of the file at `components`, as `read(2)` from offset 0 would return it.
    ///
    /// - Returns: `ENOENT` when nothing is there, `EISDIR` for a directory, `EACCES` for a
    ///   write-only attribute, `EAGAIN` for `last_sysfs_mgmt_res` while a command that answered
    ///   `EAGAIN` has not finished, and for attributes SCST serves through queued work while
    ///   reads are forced to fail (control); `EINVAL` for an `OutgoingUser` file iscsi-scstd
    ///   has no account for (captured, issue 17).
    public mutating func read(_ components: [String], now: ContinuousClock.Instant) -> Result<[UInt8], Errno> {
        tick(now: now)
        guard let path = resolve(components) else { return .failure(.noSuchFile) }
        switch kind(of: path) {
        case .directory: return .failure(.isDirectory)
        case .link: return .failure(.invalidArgument)
        case .file(let mode) where mode & 0o444 == 0: return .failure(.permissionDenied)
        case .file: break
        }
        if isServedByQueuedWork(path) && forcedReadEAGAINs > 0 {
            forcedReadEAGAINs -= 1
            return .failure(.tryAgain)
        }
        if case .rootAttribute("last_sysfs_mgmt_res") = path, !pending.isEmpty { return .failure(.tryAgain) }
        if case .targetAttribute(.iscsi(let name), "OutgoingUser") = path, targets[name]?.outgoingUser == nil {
            record("iscsi-scstd: unknown user attribute OutgoingUser of \(name)")
            return .failure(.invalidArgument)
        }
        return .success(Array(show(path).utf8))
    }

    /// Attributes whose reads SCST queues as work (and which can fail with `EAGAIN`): a vdisk's
    /// `filename`, and what iscsi-scstd answers for.
    func isServedByQueuedWork(_ path: SysfsPath) -> Bool {
        switch path {
        case .deviceAttribute(_, "filename"): true
        case .targetAttribute(.iscsi, let name):
            name.hasPrefix("allowed_portal") || name.hasPrefix("IncomingUser") || name == "OutgoingUser" || name == "per_portal_acl"
        default: false
        }
    }

    /// `value` with SCST's key mark when `isKey`.
    static func keyed(_ value: String, _ isKey: Bool) -> String { isKey ? "\(value)\n[key]\n" : "\(value)\n" }

    func captured(_ path: String) -> String { String(decoding: texts.text(path), as: UTF8.self) }

    func show(_ path: SysfsPath) -> String {
        switch path {
        case .rootAttribute(let name): return showRoot(name)
        case .deviceGroupsMgmt: return captured("device_groups/mgmt")
        case .deviceAttribute(let name, let attribute):
            guard let device = devices[name] else { return captured("devices/1:0:0:0/\(attribute)") }
            return show(device, attribute)
        case .handlerAttribute(let handler, let attribute): return captured("handlers/\(handler)/\(attribute)")
        case .sgvAttribute(let name): return captured("sgv/\(name)")
        case .sgvPoolStats(let pool): return captured("sgv/\(pool)/stats")
        case .copyManagerDriverAttribute(let name): return captured("targets/copy_manager/\(name)")
        case .iscsiDriverAttribute(let name): return showISCSIDriver(name)
        case .targetAttribute(.copyManager, let name): return showCopyManagerTarget(name)
        case .targetAttribute(.iscsi(let target), let name): return showISCSITarget(targets[target]!, name)
        case .lunSetMgmt: return captured("targets/iscsi/iqn.2026-11.lab.test:tgt1/luns/mgmt")
        case .lunReadOnly(let set, let number): return Self.keyed(lunSet(set)![number]!.readOnly ? "1" : "0", lunSet(set)![number]!.readOnly)
        case .groupsMgmt: return captured("targets/iscsi/iqn.2026-11.lab.test:tgt1/ini_groups/mgmt")
        case .groupAttribute(_, _, let name): return captured("targets/iscsi/iqn.2026-11.lab.test:tgt1/ini_groups/acl_ini/\(name)")
        case .initiatorsMgmt: return captured("targets/iscsi/iqn.2026-11.lab.test:tgt1/ini_groups/acl_ini/initiators/mgmt")
        case .initiator(_, _, let name): return "\(name)\n"
        case .sessionAttribute(let target, let session, let name): return showSession(target, session, name)
        case .sessionLatencyAttribute(_, _, let name):
            return captured("targets/copy_manager/copy_manager_tgt/sessions/copy_manager_sess/latency/\(name)")
        case .sessionLUNAttribute(_, _, _, let name): return name == "thread_pid" ? "1\n" : "0\n"
        case .connectionAttribute(.iscsi(let target), let session, _, let name):
            let state = targets[target]!.sessions[session]!
            return switch name {
            case "cid": "0"
            case "ip": state.initiatorAddress
            case "state": "established idle "
            case "target_ip": state.portalAddress
            default: "iSCSI-TCP\n"
            }
        default: preconditionFailure("\(path) is not a readable file")
        }
    }

    func showRoot(_ name: String) -> String {
        switch name {
        case "last_sysfs_mgmt_res": "\(lastResult)\n"
        case "setup_id": Self.keyed("0x\(String(setupID, radix: 16))", setupID != 0)
        case "threads": Self.keyed(String(threads), threads != 1)
        case "trace_level", "version": captured(name)
        default: plainRootAttributes[name].map { "\($0)\n" } ?? captured(name)
        }
    }

    func show(_ device: VirtualDevice, _ attribute: String) -> String {
        let flag: (Bool, Bool) -> String = { value, defaultValue in Self.keyed(value ? "1" : "0", value != defaultValue) }
        let hex: ([UInt8]) -> String = { bytes in
            bytes.isEmpty ? "\n" : "0x" + bytes.map { String($0, radix: 16).leftPadded(2) }.joined() + "\n[key]\n"
        }
        switch attribute {
        case "filename": return "\(device.filename ?? "none")\n[key]\n\n"
        case "size": return "\(device.size)\n[key]\n"
        case "size_mb": return "\(device.size >> 20)\n"
        case "blocksize": return Self.keyed(String(device.blockSize), device.blockSize != 512)
        case "write_through": return flag(device.writeThrough, false)
        case "nv_cache": return flag(device.nvCache, false)
        case "read_only": return flag(device.readOnly, false)
        case "dummy": return flag(device.dummy, false)
        case "active": return flag(device.active, true)
        case "cluster_mode": return flag(device.clusterMode, false)
        case "thin_provisioned": return device.thinProvisioned ? "1\n" : "0\n"
        case "t10_dev_id": return Self.keyed(device.t10DeviceID.value, device.t10DeviceID.isSet)
        case "usn": return Self.keyed(device.usn.value, device.usn.isSet)
        case "vend_specific_id": return Self.keyed(device.vendorSpecificID.value, device.vendorSpecificID.isSet)
        case "t10_vend_id": return Self.keyed(device.t10VendorID.value, device.t10VendorID.isSet)
        case "prod_id": return Self.keyed(device.productID.value, device.productID.isSet)
        case "prod_rev_lvl": return Self.keyed(device.productRevision.value, device.productRevision.isSet)
        case "scsi_device_name": return Self.keyed(device.scsiDeviceName.value, device.scsiDeviceName.isSet)
        case "inq_vend_specific": return Self.keyed(device.inquiryVendorSpecific, !device.inquiryVendorSpecific.isEmpty)
        case "naa_id": return hex(device.naaID)
        case "eui64_id": return hex(device.eui64ID)
        case "pr_file_name": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "/var/lib/scst/pr/\(device.name)\n"
        case "bind_alua_state": return device.plainAttributes[attribute].map { "\($0)\n" } ?? (device.handler == .blockio ? "1\n" : "0\n")
        case "async", "o_direct":
            let value = device.plainAttributes[attribute] ?? "0"
            return Self.keyed(value, value != "0")
        case "expl_alua", "removable", "read_zero": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "0\n"
        case "tst", "threads_num", "lb_per_pb_exp": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "1\n"
        case "rotational": return "1\n"
        case "block": return "0 0\n"
        case "max_tgt_dev_commands": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "64\n"
        case "numa_node_id": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "-1\n"
        case "opt_trans_len": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "524288\n"
        case "threads_pool_type": return device.plainAttributes[attribute].map { "\($0)\n" } ?? "per_initiator\n"
        case "pr_state": return "version 1\ngeneration 0\n"
        case "type": return captured("devices/disk1/type")
        default: preconditionFailure("vdisk attribute \(attribute) has no content")
        }
    }

    func showISCSIDriver(_ name: String) -> String {
        switch name {
        case "open_state": isDaemonConnected ? "open\n" : "closed\n"
        case "enabled": isISCSIEnabled ? "1\n\n" : "0\n\n"
        case "mgmt", "trace_level", "version": captured("targets/iscsi/\(name)")
        case "iSNSServer", "internal_portal": "\n\n"
        case "isns_entity_name": "\n"
        case "link_local": "1\n\n"
        default: "\n"
        }
    }

    func showCopyManagerTarget(_ name: String) -> String {
        switch name {
        case "rel_tgt_id": "0\n"
        case "comment": ""
        case let counter where AttributeTables.targetCounters.contains(counter): "0\n"
        default: captured("targets/copy_manager/copy_manager_tgt/\(name)")
        }
    }

    func showISCSITarget(_ target: ISCSITarget, _ name: String) -> String {
        if let parameter = ISCSITarget.parameterDefaults.first(where: { $0.name == name }) {
            let value = target.parameters[name] ?? parameter.value
            return Self.keyed(value, value != parameter.value)
        }
        if name.hasPrefix("allowed_portal"), let index = Self.instanceIndex(name, of: "allowed_portal") {
            return "\(target.allowedPortals[index])\n[key]\n\n"
        }
        // Not captured (ChapAccount): the content of a CHAP account's file.
        if name.hasPrefix("IncomingUser"), let index = Self.instanceIndex(name, of: "IncomingUser") {
            let account = target.incomingUsers[index]
            return "\(account.user) \(account.secret)\n[key]\n\n"
        }
        if name == "OutgoingUser", let account = target.outgoingUser { return "\(account.user) \(account.secret)\n[key]\n\n" }
        switch name {
        case "enabled": return target.isEnabled ? "1\n" : "0\n"
        case "rel_tgt_id": return Self.keyed(String(target.relativeID), target.relativeID != 0)
        case "tid": return "\(target.tid)\n"
        case "per_portal_acl": return "0\n\n"
        case "alias", "redirect": return "\n"
        case "comment": return target.plainAttributes[name].map { "\($0)\n" } ?? ""
        case let counter where AttributeTables.targetCounters.contains(counter): return "0\n"
        default:
            return target.plainAttributes[name].map { "\($0)\n" }
                ?? captured("targets/iscsi/iqn.2026-11.lab.test:tgt1/\(name)")
        }
    }

    func showSession(_ target: TargetRef, _ session: String, _ name: String) -> String {
        guard case .iscsi(let targetName) = target, let state = targets[targetName]?.sessions[session] else {
            return name == "initiator_name" ? "copy_manager_sess\n"
                : captured("targets/copy_manager/copy_manager_tgt/sessions/copy_manager_sess/\(name)")
        }
        switch name {
        case "initiator_name": return "\(state.initiator)\n"
        case "sid": return "\(state.sid)\n"
        case "thread_pid": return "1 2 3 4\n"
        case "reinstating", "active_commands", "commands": return "0\n"
        case "MaxOutstandingR2T": return "1\n"
        case "MaxXmitDataSegmentLength": return "262144\n"
        case let parameter where AttributeTables.sessionParameters.contains(parameter):
            let configured = targets[targetName]?.parameters[parameter]
            return "\(configured ?? ISCSITarget.parameterDefaults.first { $0.name == parameter }!.value)\n"
        default: return "0\n"
        }
    }

    /// The index of `X`, `X1`, `X2`, … among the instances of `X`.
    static func instanceIndex(_ name: String, of base: String) -> Int? {
        let suffix = name.dropFirst(base.count)
        return suffix.isEmpty ? 0 : Int(suffix)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
