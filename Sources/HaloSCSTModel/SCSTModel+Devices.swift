import HaloSystem

// handlers/<handler>/mgmt and the attributes of devices/<name>.

extension SCSTModel {
    mutating func handlerCommand(_ handlerName: String, _ command: MgmtCommand) -> Result<Void, Errno> {
        guard let handler = VdiskHandler(rawValue: handlerName) else {
            record("model: handler \(handlerName) is not modelled")
            return .failure(.invalidArgument)
        }
        switch command.verb {
        case "add_device":
            guard let name = command.arguments.first else { return refuse("add_device without a device name") }
            return addDevice(name, handler, parameters: command.rest(after: 2))
        case "del_device":
            guard command.arguments.count == 1, let name = command.arguments.first else { return refuse("del_device needs one device name") }
            return deleteDevice(name, handler)
        default:
            return refuse("unknown action '\(command.verb)' for \(handlerName)")
        }
    }

    /// Logs why a command was refused and refuses it with `errno` (`EINVAL` by default).
    mutating func refuse(_ why: String, _ errno: Errno = .invalidArgument) -> Result<Void, Errno> {
        record("model: ***ERROR*** \(why) (\(errno.symbol))")
        return .failure(errno)
    }

    mutating func addDevice(_ name: String, _ handler: VdiskHandler, parameters text: String) -> Result<Void, Errno> {
        if devices[name] != nil || passThroughDevices.contains(name) { return refuse("device \(name) exists", .exists) }
        guard name.utf8.count <= 64 else { return refuse("device name \(name) is longer than 64 characters") }
        let generatedUSN = String(CRC32C.deviceIDNumber(name: name, setupID: setupID), radix: 16)
        if let other = devices.values.first(where: { $0.usn.value == generatedUSN }) {
            return refuse("the generated usn \(generatedUSN) of \(name) is the usn of \(other.name)", .exists)
        }
        guard let parameters = MgmtCommand.parameters(text) else { return refuse("syntax error in the parameters of \(name)") }
        var values: [String: String] = [:]
        for (parameter, value) in parameters {
            let key = parameter.lowercased()
            guard handler.addDeviceParameters.contains(key) else { return refuse("unknown parameter \(parameter) (device \(name))") }
            if key == "filename" && values[key] != nil { return refuse("filename given twice (device \(name))") }
            if !["filename", "dif_filename", "dif_mode"].contains(key) && MgmtCommand.number(value) == nil && key != "t10_dev_id" {
                return refuse("\(parameter)=\(value) is not a number (device \(name))")
            }
            values[key] = value
        }
        let opened: BackingStores.Opened
        if handler == .nullio {
            let size = values["size"].flatMap(MgmtCommand.number) ?? values["size_mb"].flatMap(MgmtCommand.number).map { $0 << 20 }
            opened = BackingStores.Opened(size: size ?? (5 << 40) / 2, blockDevice: nil, discards: false)
        } else {
            guard let filename = values["filename"] else { return refuse("file name required (device \(name))") }
            guard filename.hasPrefix("/") else { return refuse("file name \(filename) must be absolute (device \(name))") }
            switch backing.open(filename, for: handler) {
            case .success(let found): opened = found
            case .failure(let errno): return refuse("opening \(filename) failed", errno)
            }
            if handler == .blockio, let number = opened.blockDevice, let holder = devices.values.first(where: { $0.blockDevice == number }) {
                return refuse("\(filename) is held by device \(holder.name): attach failed", .busy)
            }
        }
        let blockSize = values["blocksize"].flatMap(MgmtCommand.number).map(Int.init) ?? 512
        guard [512, 1024, 2048, 4096].contains(blockSize) else { return refuse("block size \(blockSize) (device \(name))") }
        var device = VirtualDevice(name: name, handler: handler, filename: handler == .nullio ? nil : values["filename"],
                                   blockDevice: handler == .blockio ? opened.blockDevice : nil, size: opened.size,
                                   setupID: setupID, virtualID: nextVirtualID)
        nextVirtualID += 1
        device.blockSize = blockSize
        let flag: (String) -> Bool? = { values[$0].flatMap(MgmtCommand.number).map { $0 != 0 } }
        device.writeThrough = flag("write_through") ?? false
        device.nvCache = flag("nv_cache") ?? false
        device.readOnly = flag("read_only") ?? false
        device.dummy = flag("dummy") ?? false
        device.active = flag("active") ?? true
        device.thinProvisioned = flag("thin_provisioned") ?? (handler != .nullio && opened.discards)
        for flag in ["async", "o_direct"] where handler == .fileio {
            if let value = values[flag].flatMap(MgmtCommand.number) { device.plainAttributes[flag] = String(value) }
        }
        if let t10 = values["t10_dev_id"] {
            guard t10.utf8.count <= 25 else { return refuse("t10_dev_id \(t10) is too long (device \(name))") }
            device.t10DeviceID.set(t10)
        }
        device.nextExport = 1
        devices[name] = device
        copyManagerLUNs[nextCopyManagerLUN] = LUNEntry(device: name, readOnly: false, exportIndex: 0)
        record("model: device \(name) (\(handler.rawValue), \(device.filename ?? "none"), \(device.size >> 20) MB) added, copy manager LUN \(nextCopyManagerLUN)")
        nextCopyManagerLUN += 1
        return .success(())
    }

    mutating func deleteDevice(_ name: String, _ handler: VdiskHandler) -> Result<Void, Errno> {
        guard let device = devices[name], device.handler == handler else { return refuse("device \(name) not found") }
        for set in allLUNSets {
            guard var entries = lunSet(set) else { continue }
            let before = entries.count
            entries = entries.filter { $0.value.device != name }
            if entries.count != before { setLUNSet(set, entries) }
        }
        devices[name] = nil
        record("model: device \(name) deleted, with every LUN that exported it")
        return .success(())
    }

    mutating func setLUNSet(_ set: LUNSetRef, _ entries: [Int: LUNEntry]) {
        switch set.target {
        case .copyManager: copyManagerLUNs = entries
        case .iscsi(let name): targets[name]?.setLUNs(entries, group: set.group)
        }
    }

    /// A write to one of a vdisk's attributes: most are checked and stored in the writer's
    /// context, as SCST's store functions do.
    mutating func storeDeviceAttribute(_ name: String, _ attribute: String, _ command: MgmtCommand) -> StoreOutcome {
        var device = devices[name]!
        let line = command.text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        func text(_ maximum: Int, _ keyPath: WritableKeyPath<VirtualDevice, SettableText>) -> StoreOutcome {
            guard line.utf8.count <= maximum else { return .direct(.failure(.invalidArgument)) }
            device[keyPath: keyPath].set(line)
            devices[name] = device
            return .direct(.success(()))
        }
        switch attribute {
        case "t10_dev_id":
            if device.clusterMode { return .direct(.failure(.notPermitted)) }
            return text(25, \.t10DeviceID)
        case "usn": return text(20, \.usn)
        case "vend_specific_id": return text(128, \.vendorSpecificID)
        case "t10_vend_id": return text(8, \.t10VendorID)
        case "prod_id": return text(16, \.productID)
        case "prod_rev_lvl": return text(4, \.productRevision)
        case "scsi_device_name":
            let outcome = text(256, \.scsiDeviceName)
            if line.isEmpty { devices[name]?.scsiDeviceName.isSet = false }
            return outcome
        case "naa_id", "eui64_id":
            guard let bytes = Self.identifierBytes(command.text, naa: attribute == "naa_id") else { return .direct(.failure(.invalidArgument)) }
            if attribute == "naa_id" { devices[name]?.naaID = bytes } else { devices[name]?.eui64ID = bytes }
            return .direct(.success(()))
        case "inq_vend_specific":
            guard line.utf8.count <= 255 else { return .direct(.failure(.invalidArgument)) }
            devices[name]?.inquiryVendorSpecific = line
            return .direct(.success(()))
        case "cluster_mode":
            guard let value = Int(command.text), (0...1).contains(value) else { return .queued(.failure(.invalidArgument)) }
            devices[name]?.clusterMode = value == 1
            return .queued(.success(()))
        case "size", "size_mb":
            guard let value = MgmtCommand.number(command.text) else { return .direct(.failure(.invalidArgument)) }
            devices[name]?.size = attribute == "size" ? value : value << 20
            return .direct(.success(()))
        case "filename":
            record("model: changing a vdisk's filename is not modelled")
            return .direct(.failure(.invalidArgument))
        default:
            devices[name]?.plainAttributes[attribute] = command.text
            return .direct(.success(()))
        }
    }

    /// The bytes of an `naa_id` or `eui64_id` value as SCST checks them: hex, an optional `0x`,
    /// 16 digits starting with 2, 3 or 5 or 32 starting with 6 for NAA; 16, 24 or 32 for EUI-64;
    /// empty to clear.
    static func identifierBytes(_ text: String, naa: Bool) -> [UInt8]? {
        var digits = text.trimmingCharacters(in: " \t\n")
        if digits.hasPrefix("0x") { digits = String(digits.dropFirst(2)) }
        if digits.isEmpty { return [] }
        if naa {
            guard (digits.count == 16 && "235".contains(digits.first!)) || (digits.count == 32 && digits.first == "6") else { return nil }
        } else {
            guard [16, 24, 32].contains(digits.count) else { return nil }
        }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
