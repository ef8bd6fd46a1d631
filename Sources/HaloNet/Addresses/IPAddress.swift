/// An IPv4 address.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The four bytes in network order.
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 4, "an IPv4 address has 4 bytes")
        self.bytes = bytes
    }

    /// Parses dotted-quad notation strictly: four decimal numbers 0–255, no leading zeros
    /// (`010` is octal to some tools and decimal to others, so it is refused).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        self.bytes = bytes
    }

    public var description: String { bytes.map(String.init).joined(separator: ".") }

    var value: UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    init(value: UInt32) {
        bytes = [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func hostMask(_ prefixLength: Int) -> UInt32 {
        prefixLength >= 32 ? 0 : ~UInt32(0) >> UInt32(max(prefixLength, 0))
    }

    /// The broadcast address of the subnet of `prefixLength` bits this address is in.
    public func broadcast(prefixLength: Int) -> IPv4Address {
        IPv4Address(value: value | Self.hostMask(prefixLength))
    }

    /// The network address of the subnet of `prefixLength` bits this address is in.
    public func network(prefixLength: Int) -> IPv4Address {
        IPv4Address(value: value & ~Self.hostMask(prefixLength))
    }

    public static let any = IPv4Address([0, 0, 0, 0])
}

/// An IPv6 address.
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The sixteen bytes in network order.
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        self.bytes = bytes
    }

    /// Parses RFC 4291 text: eight groups of up to four hex digits, one `::`, and an optional
    /// dotted-quad tail. No zone index (`%eth0`) — portal addresses are global.
    public init?(_ text: String) {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return nil }
        let halves = Self.splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if piece.contains("."), index == pieces.count - 1, let v4 = IPv4Address(String(piece)) {
                    result.append(UInt16(v4.bytes[0]) << 8 | UInt16(v4.bytes[1]))
                    result.append(UInt16(v4.bytes[2]) << 8 | UInt16(v4.bytes[3]))
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        bytes = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// `text` split at each `::`.
    static func splitOnDoubleColon(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var previous: Character?
        for character in text {
            if character == ":" && previous == ":" {
                current.removeLast()
                parts.append(current)
                current = ""
                previous = nil
                continue
            }
            current.append(character)
            previous = character
        }
        parts.append(current)
        return parts
    }

    var groups: [UInt16] { stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) } }

    /// RFC 5952 canonical text: lower case, no leading zeros, the longest run of two or more
    /// zero groups (the first such run on a tie) written as `::`.
    public var description: String {
        let groups = self.groups
        var bestStart = -1, bestLength = 0, start = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if start < 0 { start = index }
            } else if start >= 0 {
                if index - start > bestLength { bestStart = start; bestLength = index - start }
                start = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// Link-local (fe80::/10).
    public var isLinkLocal: Bool { bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 }
    /// Multicast (ff00::/8).
    public var isMulticast: Bool { bytes[0] == 0xff }

    /// The solicited-node multicast address (ff02::1:ffXX:XXXX) neighbour solicitations for
    /// this address go to.
    public var solicitedNodeMulticast: IPv6Address {
        IPv6Address([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, bytes[13], bytes[14], bytes[15]])
    }

    public static let allNodes = IPv6Address([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    public static let unspecified = IPv6Address([UInt8](repeating: 0, count: 16))
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: String) {
        if let v4 = IPv4Address(text) { self = .v4(v4) } else if let v6 = IPv6Address(text) { self = .v6(v6) } else { return nil }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let address): address.bytes
        case .v6(let address): address.bytes
        }
    }

    /// The most prefix bits an address of this family has.
    public var maximumPrefixLength: Int { isIPv4 ? 32 : 128 }
    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// Whether `other` lies in the subnet of `prefixLength` bits around this address.
    public func sharesSubnet(with other: IPAddress, prefixLength: Int) -> Bool {
        guard isIPv4 == other.isIPv4 else { return false }
        let mine = bytes, theirs = other.bytes
        var bits = prefixLength
        for index in mine.indices where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if mine[index] & mask != theirs[index] & mask { return false }
            bits -= 8
        }
        return true
    }
}

/// A link-layer (Ethernet) address.
public struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 6, "an Ethernet address has 6 bytes")
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    public static let broadcast = MACAddress([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    public static let zero = MACAddress([0, 0, 0, 0, 0, 0])

    /// The Ethernet multicast address an IPv6 multicast address maps to (33:33:xx:xx:xx:xx).
    public static func multicast(_ address: IPv6Address) -> MACAddress {
        MACAddress([0x33, 0x33] + address.bytes[12...])
    }
}
