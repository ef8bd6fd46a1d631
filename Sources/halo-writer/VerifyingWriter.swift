import Glibc
import HaloSystem

/// One 4 KiB block of the verifying writer: a header that says which write it is, a payload
/// derived from the sequence number, and a checksum over everything before it.
///
/// Layout: magic `HALOWRT1` (8) · tag (8, the LUN's name) · sequence (8) · block index (8) ·
/// CLOCK_MONOTONIC ns when written (8) · payload · FNV-1a 64 of bytes 0..<4088 (8). Integers
/// little-endian.
struct WriterBlock {
    static let size = 4096
    static let magic = Array("HALOWRT1".utf8)

    /// Fills `buffer` (4096 bytes) for write `sequence` at `index`.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, tag: WriterTag, sequence: UInt64, index: UInt64, time: UInt64) {
        precondition(buffer.count == size)
        buffer.copyBytes(from: magic)
        for (offset, byte) in tag.bytes.enumerated() { buffer[8 + offset] = byte }
        buffer.storeBytes(of: sequence.littleEndian, toByteOffset: 16, as: UInt64.self)
        buffer.storeBytes(of: index.littleEndian, toByteOffset: 24, as: UInt64.self)
        buffer.storeBytes(of: time.littleEndian, toByteOffset: 32, as: UInt64.self)
        var state = sequence &* 0x9E37_79B9_7F4A_7C15 | 1
        var offset = 40
        while offset < size - 8 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            buffer.storeBytes(of: state, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        buffer.storeBytes(of: checksum(UnsafeRawBufferPointer(buffer)).littleEndian, toByteOffset: size - 8, as: UInt64.self)
    }

    static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in 0..<(size - 8) {
            hash ^= UInt64(buffer[index])
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    /// What a block read back says: its tag, sequence and index, or why it is not a valid block.
    enum Content: Equatable {
        case valid(sequence: UInt64, index: UInt64, tag: [UInt8])
        case notWritten
        case corrupt
    }

    static func read(_ buffer: UnsafeRawBufferPointer) -> Content {
        guard Array(buffer[0..<8]) == magic else {
            return buffer.allSatisfy { $0 == 0 } ? .notWritten : .corrupt
        }
        let stored = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: size - 8, as: UInt64.self))
        guard stored == checksum(buffer) else { return .corrupt }
        return .valid(sequence: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                      index: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                      tag: Array(buffer[8..<16]))
    }
}

/// The name a writer stamps into every block (the LUN's, `LUN1`): 1 to 8 letters, digits, `-`
/// or `_`, stored zero-padded to 8 bytes. `verify` compares it, so a LUN that reads back
/// another LUN's blocks (a target on the wrong backing device) fails.
struct WriterTag: Equatable {
    /// The 8 bytes as stored in a block.
    let bytes: [UInt8]

    /// `nil` for an empty, longer than 8 bytes, or otherwise unprintable name.
    init?(_ name: String) {
        let utf8 = Array(name.utf8)
        guard (1...8).contains(utf8.count), utf8.allSatisfy(Self.isAllowed) else { return nil }
        bytes = utf8 + [UInt8](repeating: 0, count: 8 - utf8.count)
    }

    /// A stored tag for reports: the allowed bytes before the padding, anything else as `?`.
    static func render(_ stored: [UInt8]) -> String {
        String(decoding: stored.prefix { $0 != 0 }.map { isAllowed($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

/// A 4096-byte-aligned buffer for O_DIRECT.
final class AlignedBuffer {
    let pointer: UnsafeMutableRawBufferPointer

    init() {
        var raw: UnsafeMutableRawPointer?
        precondition(posix_memalign(&raw, WriterBlock.size, WriterBlock.size) == 0, "posix_memalign failed")
        pointer = UnsafeMutableRawBufferPointer(start: raw, count: WriterBlock.size)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { free(pointer.baseAddress) }
}

enum Clocks {
    static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
    static var monotonic: UInt64 { nanoseconds(CLOCK_MONOTONIC) }
    static var realtime: UInt64 { nanoseconds(CLOCK_REALTIME) }
}
