import HaloSystem

/// Where a write's result goes. SCST checks some writes in the writer's own context and queues
/// the rest as work for its management thread; only queued work sets `last_sysfs_mgmt_res`, and
/// only queued work can answer `EAGAIN` (captured: `threads abc` and `enabled 7` leave it
/// unchanged, every failed `add`, `del`, `create` sets it).
enum StoreOutcome {
    /// Checked or done in the writer's context: `last_sysfs_mgmt_res` is left alone.
    case direct(Result<Void, Errno>)
    /// Done as queued work: the result becomes `last_sysfs_mgmt_res`.
    case queued(Result<Void, Errno>)
}

extension SCSTModel {
    /// Writes `bytes` to the file at `components` as one `write(2)` at offset 0.
    ///
    /// - Returns: the byte count, or the errno SCST gives for the command (see the table in
    ///   docs/scst.md); `EAGAIN` for a queued command while `EAGAIN` is forced (the command is
    ///   carried out all the same, and its result shows in `last_sysfs_mgmt_res` once done).
    public mutating func write(_ components: [String], bytes: [UInt8], now: ContinuousClock.Instant) -> Result<Int, Errno> {
        tick(now: now)
        let command = MgmtCommand(bytes)
        let result = perform(components, command, now: now)
        let outcome = switch result {
        case .success: "OK"
        case .failure(let errno): errno.symbol
        }
        writeLog.append("\(components.joined(separator: "/"))\t\(Self.redacted(command))\t\(outcome)")
        return result.map { bytes.count }
    }

    mutating func perform(_ components: [String], _ command: MgmtCommand, now: ContinuousClock.Instant) -> Result<Void, Errno> {
        guard let path = resolve(components) else { return .failure(.noSuchFile) }
        switch kind(of: path) {
        case .directory: return .failure(.isDirectory)
        case .link: return .failure(.invalidArgument)
        case .file(let mode) where mode & 0o200 == 0: return .failure(.permissionDenied)
        case .file: break
        }
        switch store(path, command, now: now) {
        case .direct(let result):
            return result
        case .queued(let result):
            let code: Int32 = switch result {
            case .success: 0
            case .failure(let errno): -errno.rawValue
            }
            if forcedWriteEAGAINs > 0 {
                forcedWriteEAGAINs -= 1
                pending.append((now.advanced(by: eagainDelay), code))
                return .failure(.tryAgain)
            }
            lastResult = code
            return result
        }
    }

    /// What a write to `path` does.
    mutating func store(_ path: SysfsPath, _ command: MgmtCommand, now: ContinuousClock.Instant) -> StoreOutcome {
        switch path {
        case .handlerAttribute(let handler, "mgmt"): return .queued(handlerCommand(handler, command))
        case .iscsiDriverAttribute("mgmt"): return .queued(driverCommand(command))
        case .iscsiDriverAttribute("enabled"):
            guard let flag = Self.flag(command) else { return .direct(.failure(.invalidArgument)) }
            isISCSIEnabled = flag
            return .queued(.success(()))
        case .lunSetMgmt(let set): return .queued(lunCommand(set, command))
        case .groupsMgmt(.iscsi(let target)): return .queued(groupCommand(target, command))
        case .initiatorsMgmt(.iscsi(let target), let group): return .queued(initiatorCommand(target, group, command))
        case .targetAttribute(.iscsi(let target), "enabled"): return enable(target, command)
        case .targetAttribute(.iscsi(let target), "rel_tgt_id"): return setRelativeID(target, command)
        case .targetAttribute(.iscsi(let target), let name) where ISCSITarget.parameterDefaults.contains(where: { $0.name == name }):
            return .queued(setParameter(target, name, command))
        case .targetAttribute(.iscsi(let target), let name):
            targets[target]?.plainAttributes[name] = command.text
            return .queued(.success(()))
        case .deviceAttribute(let device, let attribute) where devices[device] != nil:
            return storeDeviceAttribute(device, attribute, command)
        case .sessionAttribute(.iscsi(let target), let session, "force_close"):
            targets[target]?.sessions[session]?.closesAt = now.advanced(by: sessionCloseDelay)
            record("iscsi-scst: force closing the session of \(session) on \(target)")
            return .direct(.success(()))
        case .rootAttribute("setup_id"):
            guard let value = MgmtCommand.number(command.text), value <= UInt64(UInt32.max) else { return .direct(.failure(.invalidArgument)) }
            setupID = UInt32(value)
            return .direct(.success(()))
        case .rootAttribute("threads"):
            guard let value = Int(command.text) else { return .direct(.failure(.invalidArgument)) }
            guard value > 0 else { return .queued(.failure(.invalidArgument)) }
            threads = value
            return .queued(.success(()))
        case .rootAttribute(let name):
            plainRootAttributes[name] = command.text
            return .direct(.success(()))
        case .deviceGroupsMgmt:
            record("model: device groups (ALUA) are not modelled")
            return .queued(.failure(.invalidArgument))
        default:
            return .direct(.success(()))
        }
    }

    /// `0` or `1` as SCST reads an enable flag: the first character decides.
    static func flag(_ command: MgmtCommand) -> Bool? {
        switch command.text.first {
        case "0": false
        case "1": true
        default: nil
        }
    }

    /// A command for the write log, with CHAP secrets replaced.
    static func redacted(_ command: MgmtCommand) -> String {
        let words = command.words
        if words.count >= 5, words[0].lowercased().hasSuffix("_target_attribute"), words[2].hasSuffix("User") {
            return (words.dropLast() + ["<secret>"]).joined(separator: " ")
        }
        if words.count >= 4, words[0].lowercased().hasSuffix("_attribute"), words[1].hasSuffix("User") {
            return (words.dropLast() + ["<secret>"]).joined(separator: " ")
        }
        return command.text.replacingNewlines()
    }
}

extension String {
    func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" ? "⏎" : Character($0) })
    }
}
