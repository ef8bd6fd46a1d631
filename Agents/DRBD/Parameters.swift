import HaloOCF

/// The promotion scores by data state, from worst to best (`ocf:linbit:drbd`'s
/// `adjust_master_score` levels, so an existing configuration reads the same).
public struct PromotionScores: Sendable, Hashable, CustomStringConvertible {
    /// All local disks only Consistent (0 removes the score).
    public let consistentOnly: Int
    /// Only a connected peer has UpToDate data.
    public let peerUpToDate: Int
    /// Local disks UpToDate, peer state unknown.
    public let localUpToDate: Int
    /// Local disks UpToDate, and this is the best place to be promoted.
    public let best: Int

    public var description: String { "\(consistentOnly) \(peerUpToDate) \(localUpToDate) \(best)" }

    static var parameterType: ParameterType<PromotionScores> {
        ParameterType(
            constraint: .format("four non-decreasing integers, e.g. \"0 10 1000 10000\"."),
            parse: { text in
                let numbers = text.split(separator: " ").map { Int($0) }
                guard numbers.count == 4, numbers.allSatisfy({ $0 != nil }) else {
                    return .failure(ValueProblem("is not four integers"))
                }
                let values = numbers.map { $0! }
                guard values == values.sorted(), values.allSatisfy({ (0...1_000_000).contains($0) }) else {
                    return .failure(ValueProblem("is not non-decreasing within 0…1000000"))
                }
                return .success(PromotionScores(consistentOnly: values[0], peerUpToDate: values[1],
                                                localUpToDate: values[2], best: values[3]))
            }, render: \.description)
    }
}

/// The parameters of `ocf:halo:drbd`.
public struct DRBDParameters: ParameterDeclarations {
    public init() {}

    /// DRBD's own rule for resource names (drbd-utils), which also keeps them safe in argv and XML.
    static let resourceName = ParameterType<String>(
        constraint: .format("a DRBD resource name: letters, digits and -%+./:=@_"),
        parse: { text in
            text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-%+./:=@_".unicodeScalars.contains($0)) }
                && text.first != "-"
                ? .success(text) : .failure(ValueProblem("is not a DRBD resource name (letters, digits and -%+./:=@_)"))
        }, render: { $0 })

    let resource = Parameter(
        "resource", resourceName, required: true,
        short: "DRBD resource", long: "The name of the DRBD resource, as in the DRBD configuration.",
        uniqueGroup: "resource")
    let configuration = Parameter(
        "drbdconf", .string, default: "/etc/drbd.conf",
        short: "DRBD configuration file", long: "The configuration drbdadm reads.")
    let scores = Parameter(
        "scores", PromotionScores.parameterType, default: PromotionScores(consistentOnly: 0, peerUpToDate: 10, localUpToDate: 1000, best: 10000),
        short: "Promotion scores by data state",
        long: "Four non-decreasing scores: all local disks only Consistent; only a peer has UpToDate data; local "
            + "disks UpToDate with the peer's state unknown; the best case. 0 means no score at all. A node "
            + "without quorum (DRBD 9) never has a score.", reloadable: true)
    let connectTimeout = Parameter(
        "connect_timeout", .duration(.zero ... .seconds(600)), default: .seconds(5),
        short: "Wait for the peer at start",
        long: "How long start waits for the connection to the peer (never more than half of the start timeout). "
            + "A peer that does not connect in time is not an error.", reloadable: true)
    let promoteBackoff = Parameter(
        "promote_backoff", .duration(.zero ... .seconds(120)), default: .seconds(15),
        short: "Minimum duration of a refused promote",
        long: "A promote that DRBD refuses returns only after this long (bounded by its timeout), so Pacemaker "
            + "cannot retry it in a tight loop.", reloadable: true)
    let dualPrimary = Parameter(
        "allow_dual_primary", .boolean, default: false,
        short: "Allow two Primaries",
        long: "Permit promoted-max=2 (both nodes Primary, e.g. for live migration of Xen/KVM guests). Requires "
            + "allow-two-primaries in the DRBD configuration and a cluster file system or a hypervisor that "
            + "never writes from both sides at once: without fencing, two Primaries that lose their connection "
            + "diverge (split brain). See docs/drbd.md.")
}
