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

    static func run(device: String, log: String, tag: [UInt8]) -> Never {
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
        var lost = 0, corrupt = 0, unreadable = 0
        var lostExamples: [String] = []
        for (index, sequence) in expected.sorted(by: { $0.key < $1.key }) {
            let count = pread(fd, buffer.pointer.baseAddress, WriterBlock.size, off_t(index) * off_t(WriterBlock.size))
            guard count == WriterBlock.size else {
                unreadable += 1
                continue
            }
            switch WriterBlock.read(UnsafeRawBufferPointer(buffer.pointer)) {
            case .valid(let found, let foundIndex) where foundIndex == index && found >= sequence:
                continue
            case .valid(let found, _):
                lost += 1
                if lostExamples.count < 5 { lostExamples.append("block \(index): seq \(found), acknowledged \(sequence)") }
            case .notWritten:
                lost += 1
                if lostExamples.count < 5 { lostExamples.append("block \(index): never written, acknowledged \(sequence)") }
            case .corrupt:
                corrupt += 1
            }
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
        StandardStream.output.write("""
            {"acknowledged": \(acknowledged.count), "blocksChecked": \(expected.count), "lost": \(lost), \
            "corrupt": \(corrupt), "unreadable": \(unreadable), "writeErrors": \(errors.count), \
            "firstErrorRealtime": \(firstError), "lastErrorRealtime": \(lastError), \
            "longestGapSeconds": \(seconds(longest.gap)), "longestGapStartRealtime": \(seconds(longest.startReal)), \
            "firstAckRealtime": \(acknowledged.first.map { seconds($0.realtime) } ?? "null"), \
            "lastAckRealtime": \(acknowledged.last.map { seconds($0.realtime) } ?? "null"), \
            "lostExamples": [\(lostExamples.map { "\"\($0)\"" }.joined(separator: ", "))]}

            """)
        CurrentProcess.exit(lost == 0 && corrupt == 0 && unreadable == 0 ? 0 : 1)
    }
}
