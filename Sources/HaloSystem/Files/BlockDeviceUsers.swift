/// Who is using a block device: the reasons a device cannot be closed, stopped or demoted,
/// in words for an exit reason. Read from sysfs and procfs only.
public enum BlockDeviceUsers {
    /// Holders, mounts and processes of the block device `name` (e.g. `drbd1`, `dm-0`), at most
    /// `limit` of each kind: `holder dm-3 (lun1)`, `mounted on /srv`, `pid 1234 (iscsi-scstd)`.
    public static func describe(_ name: String, attributes: KernelAttributes = KernelAttributes(), limit: Int = 3) -> [String] {
        var users: [String] = []
        let holders = (try? attributes.list("/sys/block/\(name)/holders")) ?? []
        for holder in holders.prefix(limit) {
            let mapped = (try? attributes.readValue("/sys/block/\(holder)/dm/name")).map { " (\($0))" } ?? ""
            users.append("holder \(holder)\(mapped)")
        }
        guard let device = try? attributes.readValue("/sys/block/\(name)/dev") else { return users }
        if let mountinfo = try? attributes.read("/proc/self/mountinfo") {
            for line in mountinfo.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 4, fields[2] == device { users.append("mounted on \(fields[4])") }
                if users.count >= 2 * limit { break }
            }
        }
        users += processes(holding: "/dev/\(name)", attributes: attributes, limit: limit)
        return users
    }

    /// Processes with `path` open: `pid 1234 (name)`.
    public static func processes(holding path: String, attributes: KernelAttributes = KernelAttributes(), limit: Int = 3) -> [String] {
        var found: [String] = []
        let pids = ((try? attributes.list("/proc")) ?? []).filter { $0.allSatisfy(\.isNumber) }
        for pid in pids where found.count < limit {
            guard let fds = try? attributes.list("/proc/\(pid)/fd") else { continue }
            if fds.contains(where: { (try? attributes.linkTarget("/proc/\(pid)/fd/\($0)")) == path }) {
                let command = (try? attributes.readValue("/proc/\(pid)/comm")) ?? "?"
                found.append("pid \(pid) (\(command))")
            }
        }
        return found
    }
}
