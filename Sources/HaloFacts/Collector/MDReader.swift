import HaloSystem

/// The md arrays' part of the facts, from each array's sysfs directory (`/sys/block/mdN/md/`,
/// Documentation/admin-guide/md.rst): attributes with one value each, not /proc/mdstat's text
/// for people.
struct MDReader {
    let kernel: KernelAttributes

    func read() -> Reading<[MDArrayFacts]> {
        do {
            var arrays: [MDArrayFacts] = []
            for name in try kernel.list("/sys/block") where name.hasPrefix("md") && kernel.exists("/sys/block/\(name)/md") {
                arrays.append(try array(name))
            }
            return .read(arrays)
        } catch {
            return .failed("cannot read md arrays (/sys/block): \(error)")
        }
    }

    func array(_ name: String) throws(Errno) -> MDArrayFacts {
        let md = "/sys/block/\(name)/md"
        var members: [MDArrayFacts.Member] = []
        for entry in try kernel.list(md) where entry.hasPrefix("dev-") {
            members.append(MDArrayFacts.Member(
                name: String(entry.dropFirst(4)), slot: try value("\(md)/\(entry)/slot").flatMap { Int($0) },
                state: (try value("\(md)/\(entry)/state") ?? "").split(separator: ",").map(String.init)))
        }
        return MDArrayFacts(
            name: name, level: try value("\(md)/level") ?? "", state: try value("\(md)/array_state") ?? "",
            // `3 (4)` while a reshape changes the count: the count it has now.
            raidDisks: try value("\(md)/raid_disks").flatMap { $0.split(separator: " ").first.flatMap { Int($0) } } ?? 0,
            degradedDevices: try value("\(md)/degraded").flatMap { Int($0) },
            members: members, sync: try sync(md))
    }

    /// The running sync operation; `nil` when idle, frozen, or the level has none.
    func sync(_ md: String) throws(Errno) -> MDArrayFacts.Sync? {
        guard let action = try value("\(md)/sync_action"), action != "idle", action != "frozen" else { return nil }
        // `123 / 4567` (sectors), or `none`, `delayed`, `pending`.
        let numbers = (try value("\(md)/sync_completed") ?? "").split(separator: "/").map { Int($0.trimmingSpaces) }
        let done = numbers.count == 2 ? numbers[0] : nil
        let total = numbers.count == 2 ? numbers[1] : nil
        return MDArrayFacts.Sync(action: action, completedSectors: done, totalSectors: total)
    }

    /// An attribute's value without its newline; `nil` when the attribute does not exist.
    func value(_ path: String) throws(Errno) -> String? {
        do {
            return try kernel.readValue(path)
        } catch {
            if error == .noSuchFile { return nil }
            throw error
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
