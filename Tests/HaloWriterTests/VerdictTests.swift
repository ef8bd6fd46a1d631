@testable import halo_writer
import Testing

/// The verifier's judgement of one block, from what the block reads back as.
@Suite("halo-writer verify: one block's verdict")
struct VerdictTests {
    static let lun1 = WriterTag("LUN1")!

    /// A block as the writer writes it, read back through `WriterBlock.read`.
    static func written(tag: WriterTag, sequence: UInt64, index: UInt64) -> WriterBlock.Content {
        let buffer = AlignedBuffer()
        WriterBlock.fill(buffer.pointer, tag: tag, sequence: sequence, index: index, time: 1)
        return WriterBlock.read(UnsafeRawBufferPointer(buffer.pointer))
    }

    enum Counter: String, CaseIterable { case intact, lost, corrupt, wrongTag, unreadable }

    /// (what the disk holds at block 7, whose newest acknowledged write was sequence 10) → counter.
    static let rows: [(String, WriterBlock.Content?, Counter)] = [
        ("the acknowledged write", written(tag: lun1, sequence: 10, index: 7), .intact),
        ("a newer write of the same LUN", written(tag: lun1, sequence: 12, index: 7), .intact),
        ("an older write", written(tag: lun1, sequence: 9, index: 7), .lost),
        ("another block's write", written(tag: lun1, sequence: 10, index: 8), .lost),
        ("zeros: never written", .notWritten, .lost),
        ("a bad checksum or foreign bytes", .corrupt, .corrupt),
        ("LUN2's block with a newer sequence", written(tag: WriterTag("LUN2")!, sequence: 12, index: 7), .wrongTag),
        ("LUN2's block, same sequence and index", written(tag: WriterTag("LUN2")!, sequence: 10, index: 7), .wrongTag),
        ("a block of a tag that differs only in length", written(tag: WriterTag("LUN")!, sequence: 10, index: 7), .wrongTag),
        ("a read that failed", nil, .unreadable),
    ]

    @Test(arguments: rows)
    func block(_ row: (String, WriterBlock.Content?, Counter)) {
        var verdict = Verifier.Verdict(tag: Self.lun1)
        verdict.add(block: 7, acknowledged: 10, content: row.1)
        let counts: [Counter: Int] = [.lost: verdict.lost, .corrupt: verdict.corrupt, .wrongTag: verdict.wrongTag,
                                      .unreadable: verdict.unreadable]
        for counter in Counter.allCases where counter != .intact {
            #expect(counts[counter] == (counter == row.2 ? 1 : 0), "\(row.0): \(counter)")
        }
        #expect(verdict.isIntact == (row.2 == .intact), "\(row.0)")
    }

    @Test func aWrongTag_isNamedInTheExamples() {
        var verdict = Verifier.Verdict(tag: Self.lun1)
        verdict.add(block: 3, acknowledged: 1, content: Self.written(tag: WriterTag("LUN2")!, sequence: 1, index: 3))
        #expect(verdict.wrongTagExamples == ["block 3: tag LUN2, expected LUN1"])
    }

    @Test(arguments: ["", "LUN123456", "LUN 1", "LUN\"1", "LÜN1"])
    func anUnusableTag_isRefused(_ name: String) {
        #expect(WriterTag(name) == nil)
    }

    @Test func aTag_isStoredZeroPadded() {
        #expect(WriterTag("L-1_a")?.bytes == Array("L-1_a".utf8) + [0, 0, 0])
        #expect(WriterTag.render(Array("LUN1".utf8) + [0, 0, 0, 0]) == "LUN1")
        #expect(WriterTag.render([0x4c, 0x0a, 0xff, 0, 0, 0, 0, 0]) == "L??")
    }
}
