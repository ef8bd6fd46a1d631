import HaloCryptsetup

/// The identity of a LUKS header — its format and UUID — read from a device's first bytes.
///
/// Both LUKS1 and LUKS2 start with the same binary fields (LUKS1 on-disk format
/// specification; LUKS2 on-disk format, "binary header"): the magic `LUKS` 0xBA 0xBE at offset 0,
/// the version as a big-endian 16-bit number at offset 6, and the UUID as NUL-terminated text
/// in a 40-byte field at offset 168. That is all halo needs to find a device by UUID or to see
/// that a header is gone; everything else (LUKS2's JSON area, its checksums, keyslots) is
/// libcryptsetup's job when the device is opened. Only the primary header is looked at: a
/// device whose primary header is damaged is not found by UUID (configure it by path).
struct LuksHeaderIdentity: Hashable, Sendable {
    let version: LuksVersion
    let uuid: LuksUUID

    static let magic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]  // "LUKS" 0xBA 0xBE
    static let uuidOffset = 168
    static let uuidLength = 40

    init(version: LuksVersion, uuid: LuksUUID) {
        self.version = version
        self.uuid = uuid
    }

    /// The identity in `bytes`, the start of a device; `nil` when they do not start a LUKS1 or
    /// LUKS2 header with a valid UUID.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.uuidOffset + Self.uuidLength, Array(bytes[0..<6]) == Self.magic else { return nil }
        let versionNumber = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        guard let version = LuksVersion(rawValue: Int(versionNumber)) else { return nil }
        let field = bytes[Self.uuidOffset..<(Self.uuidOffset + Self.uuidLength)].prefix { $0 != 0 }
        guard let uuid = LuksUUID(String(decoding: field, as: UTF8.self)) else { return nil }
        self.version = version
        self.uuid = uuid
    }

    /// How the start of a device reads: a header, or none.
    static func reading(_ bytes: [UInt8]) -> HeaderReading {
        LuksHeaderIdentity(bytes).map(HeaderReading.luks) ?? .notLuks
    }
}
