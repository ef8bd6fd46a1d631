import CHaloNet

/// Builds one netlink request: the header, a fixed payload struct, then attributes.
///
/// Lengths are filled in by `finish`; nested attributes are opened and closed explicitly.
struct NetlinkRequest {
    private(set) var bytes: [UInt8] = []
    private var nests: [Int] = []
    /// A dump request (`NLM_F_DUMP`): its answer ends with `NLMSG_DONE`, nothing else.
    let isDump: Bool

    /// Starts a request of `type` with `flags` (`NLM_F_REQUEST` is always added).
    init(type: UInt16, flags: Int32) {
        isDump = flags & NLM_F_DUMP == NLM_F_DUMP
        var header = nlmsghdr()
        header.nlmsg_type = type
        header.nlmsg_flags = UInt16(flags | NLM_F_REQUEST)
        append(struct: header)
    }

    /// Appends a C struct's bytes, padded to netlink alignment.
    mutating func append<T>(struct value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        pad()
    }

    /// Appends raw bytes (a family's fixed header), padded to netlink alignment.
    mutating func append(bytes value: [UInt8]) {
        bytes.append(contentsOf: value)
        pad()
    }

    /// Appends one attribute with a raw payload.
    mutating func attribute(_ type: Int32, _ payload: [UInt8]) {
        var header = rtattr()
        header.rta_len = UInt16(MemoryLayout<rtattr>.size + payload.count)
        header.rta_type = UInt16(type)
        withUnsafeBytes(of: header) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: payload)
        pad()
    }

    mutating func attribute(_ type: Int32, uint8 value: UInt8) { attribute(type, [value]) }
    mutating func attribute(_ type: Int32, uint16 value: UInt16) { attribute(type, withUnsafeBytes(of: value, Array.init)) }
    mutating func attribute(_ type: Int32, uint32 value: UInt32) { attribute(type, withUnsafeBytes(of: value, Array.init)) }
    /// A NUL-terminated string attribute.
    mutating func attribute(_ type: Int32, string value: String) { attribute(type, Array(value.utf8) + [0]) }

    /// Opens a nested attribute; close it with `endNest`.
    mutating func beginNest(_ type: Int32) {
        nests.append(bytes.count)
        attribute(type, [])
    }

    mutating func endNest() {
        let start = nests.removeLast()
        let length = UInt16(bytes.count - start)
        withUnsafeBytes(of: length) { bytes.replaceSubrange(start..<start + 2, with: $0) }
    }

    /// The finished message with its length and sequence number.
    func finish(sequence: UInt32) -> [UInt8] {
        precondition(nests.isEmpty, "a nested attribute was left open")
        var message = bytes
        let length = UInt32(message.count)
        withUnsafeBytes(of: length) { message.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: sequence) { message.replaceSubrange(8..<12, with: $0) }
        return message
    }

    private mutating func pad() {
        let aligned = Int(halo_nl_align(UInt32(bytes.count)))
        bytes.append(contentsOf: [UInt8](repeating: 0, count: aligned - bytes.count))
    }
}

/// One message received from the kernel: its type, flags and payload (after the header).
struct NetlinkReply {
    let type: UInt16
    let flags: UInt16
    let sequence: UInt32
    let payload: ArraySlice<UInt8>

    /// Reads a fixed-size C struct at the start of the payload.
    func header<T>(_ type: T.Type) -> T? {
        guard payload.count >= MemoryLayout<T>.size else { return nil }
        return payload.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// The attributes after a fixed header of type `T`.
    func attributes<T>(after type: T.Type) -> NetlinkAttributes {
        let offset = Int(halo_nl_align(UInt32(MemoryLayout<T>.size)))
        guard payload.count >= offset else { return NetlinkAttributes(payload[payload.endIndex...]) }
        return NetlinkAttributes(payload.dropFirst(offset))
    }
}

/// A parsed run of netlink attributes (`rtattr`, `nlattr`: the same layout), by type; the first
/// occurrence wins. Public for the families decoded outside this module (DRBD's, in HaloDRBD).
///
/// A short array searched linearly, not a dictionary: a message has a few dozen attributes,
/// and instantiating a `Dictionary<UInt16, ArraySlice<UInt8>>` costs the Swift runtime a
/// conformance lookup — about half a million instructions on the first message of every
/// agent run, measured with callgrind.
public struct NetlinkAttributes: Sendable {
    private var entries: [(type: UInt16, value: ArraySlice<UInt8>)] = []

    public init(_ bytes: ArraySlice<UInt8>) {
        var index = bytes.startIndex
        let headerSize = MemoryLayout<rtattr>.size
        while bytes.endIndex - index >= headerSize {
            let length = Int(UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
            let type = (UInt16(bytes[index + 2]) | UInt16(bytes[index + 3]) << 8) & 0x3fff  // without NLA_F_NESTED / byte-order bits
            guard length >= headerSize, index + length <= bytes.endIndex else { break }
            entries.append((type, bytes[(index + headerSize)..<(index + length)]))
            index += Int(halo_nl_align(UInt32(length)))
        }
    }

    /// Every attribute in the order received (types without the nest and byte-order bits).
    public var all: [(type: UInt16, value: ArraySlice<UInt8>)] { entries }

    public subscript(_ type: Int32) -> ArraySlice<UInt8>? {
        let wanted = UInt16(type)
        for entry in entries where entry.type == wanted { return entry.value }
        return nil
    }

    public func string(_ type: Int32) -> String? {
        self[type].map { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    public func uint8(_ type: Int32) -> UInt8? { self[type].flatMap { $0.first } }

    public func uint16(_ type: Int32) -> UInt16? {
        guard let value = self[type], value.count >= 2 else { return nil }
        return value.withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
    }

    public func uint32(_ type: Int32) -> UInt32? {
        guard let value = self[type], value.count >= 4 else { return nil }
        return value.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    public func uint64(_ type: Int32) -> UInt64? {
        guard let value = self[type], value.count >= 8 else { return nil }
        return value.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    public func nested(_ type: Int32) -> NetlinkAttributes? { self[type].map(NetlinkAttributes.init) }
}
