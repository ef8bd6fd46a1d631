import HaloISCSI
import HaloOCF

/// SCST's vdisk handler for the LUN's backing store.
enum SCSTHandler: String, CaseIterable, Sendable {
    /// A block device, opened exclusively and written with direct block I/O.
    case blockio = "vdisk_blockio"
    /// A file (or a block device through the page cache).
    case fileio = "vdisk_fileio"
}

/// The relative target port id a node gives this target (`rel_tgt_id`): a port's identity in
/// ALUA and in persistent reservations, so the target's port on each node needs its own.
///
/// Written `N` (every node the same: for a target only ever enabled on one node at a time) or
/// `NODE=N NODE=N …` (one per node, by Pacemaker's node name). Unset: `derived(target:node:)`
/// — SCST's own choice would be the next number of a counter that grows with every target
/// enabled on the node, another one at every restart (captured, issue 17).
enum RelativeTargetID: Sendable, Hashable, CustomStringConvertible {
    case everywhere(Int)
    case perNode([String: Int])

    static func parse(_ raw: String) -> Result<RelativeTargetID, ValueProblem> {
        let words = raw.split(separator: " ")
        if words.count == 1, !words[0].contains("="), let id = Int(words[0]), (1...65535).contains(id) {
            return .success(.everywhere(id))
        }
        var map: [String: Int] = [:]
        for word in words {
            let parts = word.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let id = Int(parts[1]), (1...65535).contains(id) else {
                return .failure(ValueProblem("has \(ParameterProblem.quoted(String(word))), not N or NODE=N with N in 1…65535"))
            }
            guard parts[0].unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.generalCategory != .control }) else {
                return .failure(ValueProblem("has a node name with a control character"))
            }
            guard map[String(parts[0])] == nil else { return .failure(ValueProblem("names node \(parts[0]) twice")) }
            guard !map.values.contains(id) else { return .failure(ValueProblem("gives \(id) to two nodes (each node's port needs its own)")) }
            map[String(parts[0])] = id
        }
        return .success(.perNode(map))
    }

    /// The id of `target`'s port on `node` when none is configured, derived like the serial so
    /// that it is the same at every start and on every release: 1 + (the first 4 bytes of
    /// SHA-256(`halo-relative-target-id-v1` NUL iqn NUL node), big-endian) mod 65535. Two nodes
    /// give the same target different ids unless the hashes meet (1 in 65535); two targets on a
    /// node that meet are refused before any write (`SCSTDecision.startRefusal`).
    static func derived(target: ISCSIName, node: String) -> Int {
        let digest = SHA256.digest(Array("halo-relative-target-id-v1".utf8) + [0] + Array(target.text.utf8) + [0] + Array(node.utf8))
        let number = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return 1 + Int(number % 65535)
    }

    /// The id for `node`; `nil` when a per-node list has no entry for it.
    func id(on node: String?) -> Int? {
        switch self {
        case .everywhere(let id): id
        case .perNode(let map): node.flatMap { map[$0] }
        }
    }

    var description: String {
        switch self {
        case .everywhere(let id): String(id)
        case .perNode(let map): map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }
}

/// The name of the initiator group that holds the LUN when initiators are listed: 1 to 64
/// letters, digits, '.', '_' or '-' (it becomes a sysfs directory and a mgmt argument).
struct GroupName: Sendable, Hashable, CustomStringConvertible {
    let text: String

    static func parse(_ raw: String) -> Result<GroupName, ValueProblem> {
        StorageName.parse(raw).map { GroupName(text: $0.text) }
    }

    var description: String { text }
}

extension ParameterType where Value == RelativeTargetID? {
    static var relativeTargetID: ParameterType<RelativeTargetID?> {
        .optional(ParameterType<RelativeTargetID>(constraint: .format("N, or NODE=N pairs separated by spaces (N 1 to 65535)."),
                                                  parse: RelativeTargetID.parse, render: \.description))
    }
}

extension ParameterType where Value == GroupName {
    static var groupName: ParameterType<GroupName> {
        ParameterType(constraint: .format("1 to 64 letters, digits, '.', '_' or '-'."), parse: GroupName.parse, render: \.text)
    }
}

extension SessionParameterLimits {
    /// What iscsi-scstd (SCST 3.11) accepts where it accepts less than the RFC, as a real SCST
    /// showed it (issue 17): data segment and burst lengths up to 1048576 (the kernel's largest
    /// data segment), NopInTimeout and RspTimeout from 2; it reads numbers with `strtol(…, 0)`.
    /// A value beyond these passed validate-all and failed start with 1 (EINVAL); now it is an
    /// invalid parameter.
    static let iscsiScstd = SessionParameterLimits(
        daemon: "iscsi-scstd",
        ranges: [.maxRecvDataSegmentLength: 512...1_048_576, .maxXmitDataSegmentLength: 512...1_048_576,
                 .maxBurstLength: 512...1_048_576, .firstBurstLength: 512...1_048_576, .nopInTimeout: 2...3600, .rspTimeout: 2...65535],
        readsLeadingZeroAsOctal: true,
        note: "It keeps HeaderDigest and DataDigest as a set, shown None,CRC32C whatever the order written, and picks "
            + "CRC32C whenever both sides allow it: the order of a list means nothing here.")
}
