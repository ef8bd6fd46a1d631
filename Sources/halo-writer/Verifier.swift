import CHalo
import Glibc
import HaloSystem

enum Verifier {
    struct Entry {
        let acknowledged: Bool
        let sequence: UInt64
        let index: UInt64
        let monotonic: UInt64
        let realtime: UInt64
    }

    static func run(device: String, log: String, tag: WriterTag) -> Never {
        guard let bytes = try? FileSystem.readBytes(log, limit: 1 << 30) else {
            StandardStream.error.write("halo-writer: cannot read \(log)\n")
            CurrentProcess.exit(1)
        }
        var entries: [Entry] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let sequence = UInt64(fields[1]), let index = UInt64(fields[2]),
                  let monotonic = UInt64(fields[3]), let realtime = UInt64(fields[4]) else { continue }
            entries.append(Entry(acknowledged: fields[0] == "A", sequence: sequence, index: index,
                                 monotonic: monotonic, realtime: realtime))
        }
        let acknowledged = entries.filter(\.acknowledged)
        // The newest acknowledged write of each block is what the disk must hold (or newer).
        var expected: [UInt64: UInt64] = [:]
        for entry in acknowledged { expected[entry.index] = entry.sequence }
        let fd = open(device, O_RDONLY | halo_open_direct_flag() | O_CLOEXEC)
        guard fd >= 0 else {
            StandardStream.error.write("halo-writer: cannot open \(device): \(Errno(rawValue: errno))\n")
            CurrentProcess.exit(1)
        }
        let buffer = AlignedBuffer()
        var verdict = Verdict(tag: tag)
        for (index, sequence) in expected.sorted(by: { $0.key < $1.key }) {
            let count = pread(fd, buffer.pointer.baseAddress, WriterBlock.size, off_t(index) * off_t(WriterBlock.size))
            let content = count == WriterBlock.size ? WriterBlock.read(UnsafeRawBufferPointer(buffer.pointer)) : nil
            verdict.add(block: index, acknowledged: sequence, content: content)
        }
        close(fd)
        // The longest gap between two acknowledged writes (the I/O stall).
        var longest: (gap: UInt64, start: UInt64, startReal: UInt64) = (0, 0, 0)
        for (earlier, later) in zip(acknowledged, acknowledged.dropFirst()) where later.monotonic - earlier.monotonic > longest.gap {
            longest = (later.monotonic - earlier.monotonic, earlier.monotonic, earlier.realtime)
        }
        let errors = entries.filter { !$0.acknowledged }
        let firstError = errors.first.map { String(Double($0.realtime) / 1e9) } ?? "null"
        let lastError = errors.last.map { String(Double($0.realtime) / 1e9) } ?? "null"
        let seconds = { (value: UInt64) in String(Double(value) / 1e9) }
        let list = { (examples: [String]) in "[\(examples.map { "\"\($0)\"" }.joined(separator: ", "))]" }
        StandardStream.output.write("""
            {"acknowledged": \(acknowledged.count), "blocksChecked": \(expected.count), "lost": \(verdict.lost), \
            "corrupt": \(verdict.corrupt), "wrongTag": \(verdict.wrongTag), "unreadable": \(verdict.unreadable), \
            "writeErrors": \(errors.count), \
            "firstErrorRealtime": \(firstError), "lastErrorRealtime": \(lastError), \
            "longestGapSeconds": \(seconds(longest.gap)), "longestGapStartRealtime": \(seconds(longest.startReal)), \
            "firstAckRealtime": \(acknowledged.first.map { seconds($0.realtime) } ?? "null"), \
            "lastAckRealtime": \(acknowledged.last.map { seconds($0.realtime) } ?? "null"), \
            "lostExamples": \(list(verdict.lostExamples)), "wrongTagExamples": \(list(verdict.wrongTagExamples))}

            """)
        CurrentProcess.exit(verdict.isIntact ? 0 : 1)
    }

    /// What reading back the acknowledged writes found. Every block counts once, in the first
    /// of these that applies: unreadable (the read failed or came back short), corrupt (not a
    /// valid block: a bad checksum or foreign bytes), wrong tag (a valid block written under
    /// another tag: another LUN's data), lost (an older write or none is on the disk).
    struct Verdict {
        let tag: WriterTag
        private(set) var lost = 0, corrupt = 0, wrongTag = 0, unreadable = 0
        private(set) var lostExamples: [String] = [], wrongTagExamples: [String] = []

        init(tag: WriterTag) { self.tag = tag }

        /// Every acknowledged write read back as written (or overwritten by a newer one).
        var isIntact: Bool { lost == 0 && corrupt == 0 && wrongTag == 0 && unreadable == 0 }

        /// Adds block `index`, whose newest acknowledged write was `sequence`, as read back:
        /// `content` is `nil` when the block could not be read.
        mutating func add(block index: UInt64, acknowledged sequence: UInt64, content: WriterBlock.Content?) {
            switch content {
            case nil:
                unreadable += 1
            case .corrupt:
                corrupt += 1
            case .valid(_, _, let found) where found != tag.bytes:
                wrongTag += 1
                if wrongTagExamples.count < 5 {
                    wrongTagExamples.append("block \(index): tag \(WriterTag.render(found)), expected \(WriterTag.render(tag.bytes))")
                }
            case .valid(let found, let foundIndex, _) where foundIndex == index && found >= sequence:
                break
            case .valid(let found, _, _):
                lost += 1
                if lostExamples.count < 5 { lostExamples.append("block \(index): seq \(found), acknowledged \(sequence)") }
            case .notWritten:
                lost += 1
                if lostExamples.count < 5 { lostExamples.append("block \(index): never written, acknowledged \(sequence)") }
            }
        }
    }
}
