import HaloISCSI
import HaloSystem

/// SCST's sysfs as `ocf:halo:scst` reads it, under one root: `/` on a node, a fixture tree or a
/// mounted model in tests (`SCSTView(root:)`). Only attributes are read and links followed; no
/// process runs.
///
/// Reads that SCST serves through queued work can fail with `EAGAIN`; they are retried until
/// `deadline`.
struct SCSTView {
    let kernel: KernelAttributes
    let deadline: Deadline

    static let base = "/sys/kernel/scst_tgt"

    init(root: String = "/", deadline: Deadline) {
        kernel = KernelAttributes(root: root)
        self.deadline = deadline
    }

    /// What to read.
    enum Depth {
        /// Depth-0 monitor: presence, enablement, LUN mappings.
        case basic
        /// Depth-10 monitor and start: also device attributes, portals, CHAP, parameters, backing.
        case full
    }

    /// Reads the observation for `settings`.
    ///
    /// - Parameter credentials: compared in place with the target's CHAP accounts (full depth).
    /// - Throws: the `errno` of a read that failed for another reason than the object's absence.
    func observe(_ settings: SCSTSettings, depth: Depth, credentials: borrowing ChapCredentials?) throws(Errno) -> SCSTObservation {
        var observation = SCSTObservation()
        guard kernel.exists(Self.base) else { return observation }
        observation.isLoaded = true
        observation.handlers = Set(try list("\(Self.base)/handlers") ?? [])
        if kernel.exists("\(Self.base)/targets/iscsi") {
            let open = try value("\(Self.base)/targets/iscsi/open_state") == "open"
            let enabled = (try value("\(Self.base)/targets/iscsi/enabled")) == "1"
            observation.iscsi = SCSTObservation.ISCSIDriver(isDaemonConnected: open, isEnabled: enabled)
        }
        observation.device = try device(settings.device.text, depth: depth)
        if let placeholder = settings.placeholderName { observation.placeholder = try device(placeholder.text, depth: .basic) }
        observation.target = try target(settings, depth: depth, credentials: credentials)
        if depth == .full {
            observation.backing = backing(settings.backing.path)
            observation.otherRelativeIDs = try otherRelativeIDs(except: settings.target.text)
        }
        return observation
    }

    // MARK: Devices

    func device(_ name: String, depth: Depth) throws(Errno) -> DeviceState? {
        let path = "\(Self.base)/devices/\(name)"
        guard let handlerLink = try link("\(path)/handler") else { return nil }
        var state = DeviceState(handler: String(handlerLink.split(separator: "/").last ?? ""))
        for export in try list("\(path)/exported") ?? [] {
            if let target = try link("\(path)/exported/\(export)") { state.exports.append(String(target.dropFirst("../../../targets/".count))) }
        }
        guard depth == .full else { return state }
        state.filename = try value("\(path)/filename")
        state.writeThrough = try value("\(path)/write_through") == "1"
        state.nvCache = try value("\(path)/nv_cache") == "1"
        state.blockSize = try value("\(path)/blocksize").flatMap { Int($0) } ?? 512
        state.size = try value("\(path)/size").flatMap { UInt64($0) } ?? 0
        state.isActive = try value("\(path)/active") != "0"
        let read: (String) throws(Errno) -> String = { attribute throws(Errno) in try value("\(path)/\(attribute)") ?? "" }
        state.identity = IdentityState(
            usn: try read("usn"), t10DeviceID: try read("t10_dev_id"), vendorSpecificID: try read("vend_specific_id"),
            vendor: try read("t10_vend_id"), product: try read("prod_id"), revision: try read("prod_rev_lvl"),
            naa: Self.withoutHexPrefix(try read("naa_id")), eui64: Self.withoutHexPrefix(try read("eui64_id")))
        return state
    }

    static func withoutHexPrefix(_ text: String) -> String { text.hasPrefix("0x") ? String(text.dropFirst(2)) : text }

    // MARK: The target

    func target(_ settings: SCSTSettings, depth: Depth, credentials: borrowing ChapCredentials?) throws(Errno) -> TargetState? {
        let path = "\(Self.base)/targets/iscsi/\(settings.target.text)"
        guard let entries = try list(path) else { return nil }
        var state = TargetState()
        state.isEnabled = try value("\(path)/enabled") == "1"
        state.relativeID = try value("\(path)/rel_tgt_id").flatMap { Int($0) } ?? 0
        state.defaultLUNs = try luns("\(path)/luns")
        for group in try list("\(path)/ini_groups") ?? [] where group != "mgmt" {
            var groupState = GroupState(luns: try luns("\(path)/ini_groups/\(group)/luns"))
            if depth == .full || group == settings.group.text {
                groupState.initiators = (try list("\(path)/ini_groups/\(group)/initiators") ?? []).filter { $0 != "mgmt" }
            }
            state.groups[group] = groupState
        }
        for initiator in try list("\(path)/sessions") ?? [] {
            // `../../luns`, or `../../ini_groups/G/luns` for a session bound to group G; gone
            // with a session that closed meanwhile.
            guard let luns = try link("\(path)/sessions/\(initiator)/luns")?.split(separator: "/").map(String.init) else { continue }
            let group = luns.count >= 3 && luns[luns.count - 3] == "ini_groups" ? luns[luns.count - 2] : nil
            state.sessions.append(SessionState(initiator: initiator, group: group))
        }
        guard depth == .full else { return state }
        for name in Self.instances(entries, of: "allowed_portal") {
            if let portal = try value("\(path)/\(name)") { state.allowedPortals.append(portal) }
        }
        let accounts = Self.instances(entries, of: "IncomingUser") + (entries.contains("OutgoingUser") ? ["OutgoingUser"] : [])
        for name in accounts {
            let outgoing = name == "OutgoingUser"
            do {
                guard let account = try account("\(path)/\(name)", configured: credentials, outgoing: outgoing) else { continue }
                if outgoing { state.outgoingUser = account } else { state.incomingUsers.append(account) }
            } catch {
                guard error == .invalidArgument else { throw error }
                state.orphanedAccounts.append(name)
            }
        }
        for parameter in settings.sessionParameters {
            guard let attribute = SCSTDecision.attribute(parameter.key) else { continue }
            state.parameters[parameter.key.rawValue] = try value("\(path)/\(attribute)")
        }
        return state
    }

    /// `X`, `X1`, `X2`, … among `entries`, in instance order.
    static func instances(_ entries: [String], of base: String) -> [String] {
        entries.filter { $0 == base || ($0.hasPrefix(base) && Int($0.dropFirst(base.count)) != nil) }
            .sorted { Int($0.dropFirst(base.count)) ?? 0 < Int($1.dropFirst(base.count)) ?? 0 }
    }

    /// A LUN set: LUN → device name (the last component of its `device` link).
    func luns(_ path: String) throws(Errno) -> [Int: String] {
        var result: [Int: String] = [:]
        for entry in try list(path) ?? [] {
            guard let lun = Int(entry), let target = try link("\(path)/\(entry)/device") else { continue }
            result[lun] = String(target.split(separator: "/").last ?? "")
        }
        return result
    }

    /// A CHAP account attribute (`user secret`), the secret compared in place with the
    /// configured one and never kept.
    func account(_ path: String, configured credentials: borrowing ChapCredentials?, outgoing: Bool) throws(Errno) -> ChapAccountState? {
        let content: Secret
        do {
            content = try retrying { () throws(Errno) in try kernel.readSecret(path) }
        } catch {
            if error == .noSuchFile { return nil }
            throw error
        }
        return content.withUnsafeBytes { bytes -> ChapAccountState? in
            let line = bytes.prefix { $0 != 10 }
            guard let space = line.firstIndex(of: 32) else { return nil }
            let user = String(decoding: line[..<space], as: UTF8.self)
            let secret = UnsafeRawBufferPointer(rebasing: bytes[(space + 1)..<line.endIndex])
            let matches: Bool = switch credentials {
            case .some(let configured): configured.withCredential(outgoing: outgoing) { Self.matches(user: user, secret: secret, $0) }
            case .none: false
            }
            return ChapAccountState(user: user, secretMatches: matches)
        }
    }

    static func matches(user: String, secret: UnsafeRawBufferPointer, _ credential: borrowing ChapCredential?) -> Bool {
        switch credential {
        case .some(let configured):
            guard configured.user.text == user else { return false }
            return configured.secret.hasSameBytes(as: secret)
        case .none:
            return false
        }
    }

    func otherRelativeIDs(except name: String) throws(Errno) -> [String: Int] {
        var result: [String: Int] = [:]
        for entry in try list("\(Self.base)/targets/iscsi") ?? [] where entry != name {
            guard let id = try value("\(Self.base)/targets/iscsi/\(entry)/rel_tgt_id").flatMap({ Int($0) }), id != 0 else { continue }
            result[entry] = id
        }
        return result
    }

    // MARK: The backing store

    func backing(_ path: String) -> BackingState {
        do {
            let info = try FileSystem.info(kernel.resolve(path))
            let size: UInt64 = info.type == .blockDevice
                ? ((try? value("/sys/dev/block/\(info.deviceMajor):\(info.deviceMinor)/size")).flatMap { $0.flatMap { UInt64($0) } } ?? 0) * 512
                : UInt64(max(info.size, 0))
            return .present(type: info.type, size: size)
        } catch {
            return .missing(error)
        }
    }

    /// Reads one block of the backing store the way the handler reads it (depth 20): a block
    /// device past the page cache (vdisk_blockio bypasses it), a file through it (vdisk_fileio
    /// uses it). The read runs in `reader`'s child, which is given up at `deadline`: a backing
    /// store whose I/O hangs is a `ReadFailure.noAnswer`, not a hung monitor.
    func deepRead(_ path: String, handler: SCSTHandler, reader: BoundedReader) -> SCSTObservation.DeepRead {
        let mode: BoundedReader.Mode = switch handler {
        case .blockio: .direct
        case .fileio: .cached
        }
        do {
            _ = try reader.read(kernel.resolve(path), length: 4096, mode: mode, deadline: deadline)
            return .readable
        } catch {
            return .failed(path: path, error)
        }
    }

    // MARK: Reading with SCST's rules

    /// An attribute's value: its first line, without the `[key]` mark; `nil` when it does not exist.
    func value(_ path: String) throws(Errno) -> String? {
        do {
            let text = try retrying { () throws(Errno) in try kernel.read(path) }
            return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// A directory's entries; `nil` when it does not exist.
    func list(_ path: String) throws(Errno) -> [String]? {
        do {
            return try kernel.list(path)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// A link's target; `nil` when it does not exist.
    func link(_ path: String) throws(Errno) -> String? {
        do {
            return try kernel.linkTarget(path)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw error
        }
    }

    /// Runs `read` again while it fails with `EAGAIN`, backing off from 5 to 100 ms, until the deadline.
    func retrying<Value: ~Copyable>(_ read: () throws(Errno) -> Value) throws(Errno) -> Value {
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
