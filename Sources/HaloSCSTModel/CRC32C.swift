/// CRC-32C (Castagnoli), the way SCST's vdisk handler feeds it: seed 0, no final inversion. A
/// new vdisk's generated identifiers are `(setup_id << 32) | crc32c(name + NUL)` in hex — the
/// captured `b8fdbd32-disk1` is exactly that for `disk1` with setup id 0.
enum CRC32C {
    static func checksum(_ bytes: some Sequence<UInt8>, seed: UInt32 = 0) -> UInt32 {
        var crc = seed
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return crc
    }

    /// SCST's device id number for a vdisk named `name`.
    static func deviceIDNumber(name: String, setupID: UInt32) -> UInt64 {
        UInt64(setupID) << 32 | UInt64(checksum(Array(name.utf8) + [0]))
    }
}
