import HaloSystem

/// SCST's sysfs (`/sys/kernel/scst_tgt`) under one root, as `ocf:halo:scst` and haloctl's
/// facts read it: the layout, and SCST's reading rules — an object that does not exist is `nil`,
/// a value is its first line (without the `[key]` mark), and a read SCST serves through queued
/// work and answers `EAGAIN` is tried again until the deadline.
///
/// ```
/// scst_tgt/devices/<name>/{handler →, filename, exported/export0 →, …}
/// scst_tgt/targets/iscsi/<iqn>/{enabled, rel_tgt_id, allowed_portal*, luns/<n>/device →}
/// scst_tgt/targets/iscsi/<iqn>/ini_groups/<group>/{initiators, luns}
/// scst_tgt/targets/iscsi/<iqn>/sessions/<initiator>/{luns →, <address>/ip}
/// ```
package struct SCSTSysfs: Sendable {
    package let kernel: KernelAttributes
    package let deadline: Deadline

    package static let base = "/sys/kernel/scst_tgt"

    package init(root: String = "/", deadline: Deadline) {
        kernel = KernelAttributes(root: root)
        self.deadline = deadline
    }

    /// The scst module is loaded.
    package var isLoaded: Bool { kernel.exists(Self.base) }

    /// A LUN set: LUN → device name (the last component of its `device` link).
    package func luns(_ path: String) throws(Errno) -> [Int: String] {
        var result: [Int: String] = [:]
        for entry in try list(path) ?? [] {
            guard let lun = Int(entry), let target = try link("\(path)/\(entry)/device") else { continue }
            result[lun] = String(target.split(separator: "/").last ?? "")
        }
        return result
    }

    /// A target's live sessions: the initiator, and the initiator group whose LUN set SCST
    /// bound the session to at login (`nil`: the target's default set). A session that closed
    /// while it was read is left out.
    package func sessions(ofTarget path: String) throws(Errno) -> [(initiator: String, group: String?)] {
        var sessions: [(String, String?)] = []
        for initiator in try list("\(path)/sessions") ?? [] {
            // `../../luns`, or `../../ini_groups/G/luns` for a session bound to group G.
            guard let luns = try link("\(path)/sessions/\(initiator)/luns")?.split(separator: "/").map(String.init) else { continue }
            let group = luns.count >= 3 && luns[luns.count - 3] == "ini_groups" ? luns[luns.count - 2] : nil
            sessions.append((initiator, group))
        }
        return sessions
    }

    /// `X`, `X1`, `X2`, … among `entries`, in instance order (SCST's numbered attributes:
    /// `allowed_portal`, `IncomingUser`).
    package static func instances(_ entries: [String], of base: String) -> [String] {
        entries.filter { $0 == base || ($0.hasPrefix(base) && Int($0.dropFirst(base.count)) != nil) }
            .sorted { Int($0.dropFirst(base.count)) ?? 0 < Int($1.dropFirst(base.count)) ?? 0 }
    }

    /// An attribute's value: its first line, without the `[key]` mark; `nil` when it does not exist.
    package func value(_ path: String) throws(Errno) -> String? {
        do {
            let text = try retrying { () throws(Errno) in try kernel.read(path) }
            return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// A directory's entries; `nil` when it does not exist.
    package func list(_ path: String) throws(Errno) -> [String]? { try kernel.listIfPresent(path) }

    /// A link's target; `nil` when it does not exist.
    package func link(_ path: String) throws(Errno) -> String? {
        do {
            return try kernel.linkTarget(path)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// Runs `read` again while it fails with `EAGAIN`, backing off from 5 to 100 ms, until the deadline.
    package func retrying<Value: ~Copyable>(_ read: () throws(Errno) -> Value) throws(Errno) -> Value {
        var pause = Duration.milliseconds(5)
        while true {
            do {
                return try read()
            } catch {
                guard error == .tryAgain, !deadline.hasPassed() else { throw error }
                Pause.for(min(pause, deadline.remaining()))
                pause = min(pause * 2, .milliseconds(100))
            }
        }
    }
}
