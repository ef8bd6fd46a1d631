import HaloISCSI
import HaloSystem

/// LIO's configfs (`/sys/kernel/config/target`) as `ocf:halo:lio` reads it, under one root: `/`
/// on a node, a fixture tree in tests. Attributes, directory listings and links only.
/// The tree's layout and its reading rules are `LIOConfigfs`'s (HaloISCSI), shared with haloctl's
/// facts; what this agent looks at, for its one target and storage object, is here.
public struct LIOView: TargetView {
    let configfs: LIOConfigfs
    var kernel: KernelAttributes { configfs.kernel }

    static let base = LIOConfigfs.base
    static let serialPrefix = "T10 VPD Unit Serial Number: "

    init(root: String = "/") {
        configfs = LIOConfigfs(root: root)
    }

    typealias Depth = TargetDepth

    public func observe(_ settings: LIOSettings, depth: TargetDepth, credentials: borrowing ChapCredentials?) throws(Errno) -> LIOObservation {
        var observation = LIOObservation()
        guard kernel.exists(Self.base) else { return observation }
        observation.isLoaded = true
        observation.hasISCSIFabric = kernel.exists("\(Self.base)/iscsi")
        observation.hasHBA = kernel.exists("\(Self.base)/core/\(settings.backstore.hba)")
        observation.storage = try storage("\(Self.base)/core/\(settings.backstore.hba)/\(settings.device.text)", depth: depth)
        observation.target = try target(settings, depth: depth, credentials: credentials)
        if depth == .full { observation.backing = BackingState.observe(settings.backing.path, kernel: kernel) }
        return observation
    }

    func storage(_ path: String, depth: Depth) throws(Errno) -> StorageObjectState? {
        guard let enable = try value("\(path)/enable") else { return nil }
        var state = StorageObjectState(isEnabled: enable == "1")
        guard depth == .full else { return state }
        state.udevPath = try value("\(path)/udev_path") ?? ""
        let serial = try value("\(path)/wwn/vpd_unit_serial") ?? ""
        state.serial = serial.hasPrefix(Self.serialPrefix) ? String(serial.dropFirst(Self.serialPrefix.count)) : serial
        state.vendor = try value("\(path)/wwn/vendor_id") ?? ""
        state.product = try value("\(path)/wwn/product_id") ?? ""
        state.revision = try value("\(path)/wwn/revision") ?? ""
        state.blockSize = try value("\(path)/attrib/block_size").flatMap { Int($0) } ?? 512
        state.emulatesWriteCache = try value("\(path)/attrib/emulate_write_cache") == "1"
        return state
    }

    func target(_ settings: LIOSettings, depth: Depth, credentials: borrowing ChapCredentials?) throws(Errno) -> LIOTargetState? {
        let path = "\(Self.base)/iscsi/\(settings.target.text)"
        guard try list(path) != nil else { return nil }
        var state = LIOTargetState()
        let tpg = "\(path)/tpgt_1"
        guard try list(tpg) != nil else { return state }
        state.hasTPG = true
        state.isEnabled = try value("\(tpg)/enable") == "1"
        state.generatesNodeACLs = try value("\(tpg)/attrib/generate_node_acls") == "1"
        state.requiresAuthentication = try value("\(tpg)/attrib/authentication") == "1"
        for (number, link) in try configfs.luns(ofPortalGroup: tpg) {
            state.luns[number] = LUNLink(linkName: link?.linkName ?? "", storage: link?.storage ?? "")
        }
        state.portals = try list("\(tpg)/np") ?? []
        for initiator in try list("\(tpg)/acls") ?? [] {
            var acl = ACLState()
            for entry in try list("\(tpg)/acls/\(initiator)") ?? [] {
                guard entry.hasPrefix("lun_"), let number = Int(entry.dropFirst(4)) else { continue }
                let found = try link(in: "\(tpg)/acls/\(initiator)/\(entry)")
                let tpgLUN = found.flatMap { Int($0.target.split(separator: "/").last?.dropFirst(4) ?? "") } ?? -1
                acl.mappedLUNs[number] = MappedLUN(linkName: found?.name ?? "", tpgLUN: tpgLUN)
            }
            if depth == .full { acl.authentication = try authentication("\(tpg)/acls/\(initiator)/auth", credentials) }
            state.acls[initiator] = acl
        }
        guard depth == .full else { return state }
        state.tpgAuthentication = try authentication("\(tpg)/auth", credentials)
        for parameter in settings.sessionParameters {
            state.parameters[parameter.key.rawValue] = try value(LIODecision.parameterPath(parameter.key).map { "\(tpg)/\($0)" } ?? "")
        }
        return state
    }

    /// The one link in a LUN directory: its name and target.
    func link(in directory: String) throws(Errno) -> (name: String, target: String)? {
        try configfs.link(in: directory)
    }

    /// An `auth/` directory: users, and whether the passwords are the configured secrets.
    func authentication(_ path: String, _ credentials: borrowing ChapCredentials?) throws(Errno) -> ChapPair {
        var pair = ChapPair()
        // Exactly one newline (the one the show function adds): a user name stored with a
        // newline of its own (written by an older halo) cannot match and is written again.
        pair.incomingUser = try exactValue("\(path)/userid") ?? ""
        pair.outgoingUser = try exactValue("\(path)/userid_mutual") ?? ""
        switch credentials {
        case .some(let configured):
            pair.incomingMatches = try configured.withCredential(outgoing: false) { (credential) throws(Errno) in
                try secretMatches("\(path)/password", credential)
            }
            pair.outgoingMatches = try configured.withCredential(outgoing: true) { (credential) throws(Errno) in
                try secretMatches("\(path)/password_mutual", credential)
            }
        case .none:
            break
        }
        return pair
    }

    func secretMatches(_ path: String, _ credential: borrowing ChapCredential?) throws(Errno) -> Bool {
        switch credential {
        case .none:
            return false
        case .some(let configured):
            let content: Secret
            do {
                content = try kernel.readSecret(path)
            } catch {
                if error == .noSuchFile { return false }
                throw error
            }
            return content.withUnsafeBytes { bytes in
                // The whole content but the show function's one newline: a secret stored with a
                // newline of its own does not match.
                let line = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.last == 10 ? bytes.count - 1 : bytes.count)])
                return configured.secret.hasSameBytes(as: line)
            }
        }
    }

    /// One block of the backing store, read as the backstore reads it (block: past the page
    /// cache; fileio: through it), given up at `deadline` (`DeepRead.read`).
    /// Only with the storage object there.
    public func deepRead(_ settings: LIOSettings, _ observation: LIOObservation, reader: BoundedReader, deadline: Deadline) -> DeepRead? {
        guard observation.storage != nil else { return nil }
        return .read(settings.backing.path, direct: settings.backstore == .block, kernel: kernel, reader: reader, deadline: deadline)
    }

    /// The attribute's content without the one newline its show function adds, or `nil` when
    /// it does not exist.
    func exactValue(_ path: String) throws(Errno) -> String? { try configfs.exactValue(path) }

    /// The attribute's first line, or `nil` when it does not exist.
    func value(_ path: String) throws(Errno) -> String? { try configfs.value(path) }

    func list(_ path: String) throws(Errno) -> [String]? { try configfs.list(path) }
}
