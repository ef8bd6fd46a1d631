/// A corosync node id (`nodelist.node.N.nodeid`): the identity halod decides by.
public struct NodeID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// One halod process in the process group: its node and its process id.
///
/// A node's halod that restarts is a new member (a new pid) of the same node.
public struct MemberID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var node: NodeID
    public var process: UInt32

    public init(node: NodeID, process: UInt32) {
        self.node = node
        self.process = process
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.node, lhs.process) < (rhs.node, rhs.process) }
    public var description: String { "\(node)/\(process)" }
}

/// A LUN stack's name, as the configuration declares it (`[[lun]] name = …`).
public struct LUNName: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ value: String) { self.rawValue = value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// Identifies one control request across the cluster: the member that multicast it and a
/// number unique within that member. Only that member answers the client.
public struct RequestID: Sendable, Hashable, CustomStringConvertible {
    public var member: MemberID
    public var number: UInt64

    public init(member: MemberID, number: UInt64) {
        self.member = member
        self.number = number
    }

    public var description: String { "\(member)#\(number)" }
}

/// A 64-bit FNV-1a hash: deterministic on every node and every run, for identities that must
/// agree across the cluster (configuration digests, lineages). Not a cryptographic hash.
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
    }

    public mutating func combine(_ text: String) {
        combine(text.utf8)
        combine([0])  // a separator, so "ab"+"c" differs from "a"+"bc"
    }

    public mutating func combine(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { combine($0) }
    }

    /// The value as 16 hexadecimal digits.
    public var hex: String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
