import HaloSystem

extension SystemView {
    /// Who keeps `mapping` open: stacked devices (sysfs `holders/`), mounts (this process's
    /// mountinfo), swap (`/proc/swaps`) and processes with its node open (`/proc/*/fd`).
    ///
    /// Read only by stop, and only when the mapping is there. What is not found here: mounts in
    /// other mount namespaces and device nodes outside `/dev` (the kernel's refusal to close then
    /// still says "busy").
    func users(of mapping: Mapping) -> Users {
        var users = Users()
        let base = "/sys/block/\(mapping.kernelName)"
        for holder in (try? kernel.list("\(base)/holders")) ?? [] {
            users.holders.append(Holder(kernelName: holder, mappingName: try? kernel.readValue("/sys/block/\(holder)/dm/name")))
        }
        guard let device = mapping.deviceNumber else { return users }
        if let mountinfo = try? kernel.read("/proc/self/mountinfo") {
            users.mounts = MountTable.mountPoints(of: device, in: mountinfo)
        }
        if let swaps = try? kernel.read("/proc/swaps") {
            users.swaps = SwapTable.paths(in: swaps).filter { path in
                (try? FileSystem.info(resolve(path))).map { $0.type == .blockDevice && DeviceNumber($0) == device } ?? false
            }
        }
        users.processes = processes(opening: device)
        return users
    }

    /// The processes with a descriptor open on the block device `device`.
    ///
    /// A descriptor's link is read first and only those naming something under `/dev/` are
    /// `stat`ed: `stat` on a descriptor of a file on a dead network file system could hang,
    /// `readlink` cannot. This process itself is left out.
    func processes(opening device: DeviceNumber) -> [ProcessUse] {
        var found: [ProcessUse] = []
        let me = CurrentProcess.id
        for entry in (try? kernel.list("/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me, let descriptors = try? kernel.list("/proc/\(entry)/fd") else { continue }
            for descriptor in descriptors {
                let link = "/proc/\(entry)/fd/\(descriptor)"
                guard let target = try? kernel.linkTarget(link), target.hasPrefix("/dev/"),
                      let info = try? FileSystem.info(resolve(link)), info.type == .blockDevice,
                      DeviceNumber(info) == device else { continue }
                found.append(ProcessUse(pid: pid, command: (try? kernel.readValue("/proc/\(entry)/comm")) ?? "?"))
                break
            }
        }
        return found
    }
}

/// `/proc/self/mountinfo` (proc(5)): one mount per line, field 3 the device as `major:minor`,
/// field 5 the mount point with space, tab, newline and backslash written as octal escapes.
enum MountTable {
    /// The mount points of file systems on `device`.
    static func mountPoints(of device: DeviceNumber, in mountinfo: String) -> [String] {
        mountinfo.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, DeviceNumber(fields[2]) == device else { return nil }
            return OctalEscapes.decode(fields[4])
        }
    }
}

/// `/proc/swaps`: a heading line, then one swap area per line, its path first (escaped like
/// mountinfo), then type, size, used and priority.
enum SwapTable {
    static func paths(in swaps: String) -> [String] {
        swaps.split(separator: "\n").dropFirst().compactMap { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { OctalEscapes.decode($0) }
        }
    }
}

/// The kernel's escaping of paths in procfs tables: `\ooo` for a byte (`\040` is a space).
enum OctalEscapes {
    static func decode(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 4 <= source.count,
               let value = UInt8(String(decoding: source[(index + 1)..<(index + 4)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
