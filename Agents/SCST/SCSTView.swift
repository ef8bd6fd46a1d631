import HaloISCSI
import HaloSystem

/// SCST's sysfs as `ocf:halo:scst` reads it, under one root: `/` on a node, a fixture tree or a
/// mounted model in tests (`SCSTView(root:)`). Only attributes are read and links followed; no
/// process runs.
///
/// Reads that SCST serves through queued work can fail with `EAGAIN`; they are retried until
/// `deadline`.
///
/// The tree's layout and SCST's reading rules are `SCSTSysfs`'s (HaloISCSI), shared with
/// haloctl's facts; what this agent looks at, for its one target and device, is here.
public struct SCSTView: TargetView {
    let sysfs: SCSTSysfs
    var kernel: KernelAttributes { sysfs.kernel }
    var deadline: Deadline { sysfs.deadline }

    static let base = SCSTSysfs.base

    init(root: String = "/", deadline: Deadline) {
        sysfs = SCSTSysfs(root: root, deadline: deadline)
    }

    /// What to read (depth 0: presence, enablement, LUN mappings; full: also device attributes,
    /// portals, CHAP, parameters, backing).
    typealias Depth = TargetDepth

    /// Reads the observation for `settings`.
    ///
    /// - Parameter credentials: compared in place with the target's CHAP accounts (full depth).
    /// - Throws: the `errno` of a read that failed for another reason than the object's absence.
    public func observe(_ settings: SCSTSettings, depth: TargetDepth, credentials: borrowing ChapCredentials?) throws(Errno) -> SCSTObservation {
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
            observation.backing = BackingState.observe(settings.backing.path, kernel: kernel)
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
        for session in try sysfs.sessions(ofTarget: path) {
            state.sessions.append(SessionState(initiator: session.initiator, group: session.group))
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
    static func instances(_ entries: [String], of base: String) -> [String] { SCSTSysfs.instances(entries, of: base) }

    /// A LUN set: LUN → device name (the last component of its `device` link).
    func luns(_ path: String) throws(Errno) -> [Int: String] { try sysfs.luns(path) }

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

    /// Reads one block of the backing store the way the handler reads it (depth 20): a block
    /// device past the page cache (vdisk_blockio bypasses it), a file through it (vdisk_fileio
    /// uses it), given up at `deadline` (`DeepRead.read`); only with the device there.
    public func deepRead(_ settings: SCSTSettings, _ observation: SCSTObservation, reader: BoundedReader, deadline: Deadline) -> DeepRead? {
        guard observation.device != nil else { return nil }
        return .read(settings.backing.path, direct: settings.handler == .blockio, kernel: kernel, reader: reader, deadline: deadline)
    }

    // MARK: Reading with SCST's rules (SCSTSysfs)

    func value(_ path: String) throws(Errno) -> String? { try sysfs.value(path) }
    func list(_ path: String) throws(Errno) -> [String]? { try sysfs.list(path) }
    func link(_ path: String) throws(Errno) -> String? { try sysfs.link(path) }
    func retrying<Value: ~Copyable>(_ read: () throws(Errno) -> Value) throws(Errno) -> Value { try sysfs.retrying(read) }
}
