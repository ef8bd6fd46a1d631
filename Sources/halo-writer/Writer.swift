import CHalo
import Glibc
import HaloSystem

/// Set by SIGTERM/SIGINT; read by the write loop between writes.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

enum Writer {
    static func run(device: String, log: String, tag: WriterTag, blocks: UInt64, seconds: Double?, interval: Duration) -> Never {
        let fd = open(device, O_RDWR | halo_open_direct_flag() | O_DSYNC | O_CLOEXEC)
        guard fd >= 0 else {
            StandardStream.error.write("halo-writer: cannot open \(device): \(Errno(rawValue: errno))\n")
            CurrentProcess.exit(1)
        }
        let logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else {
            StandardStream.error.write("halo-writer: cannot open \(log): \(Errno(rawValue: errno))\n")
            CurrentProcess.exit(1)
        }
        signal(SIGTERM) { _ in stopRequested = 1 }
        signal(SIGINT) { _ in stopRequested = 1 }
        let buffer = AlignedBuffer()
        let until = seconds.map { Clocks.monotonic + UInt64($0 * 1e9) }
        var sequence: UInt64 = 1
        while stopRequested == 0 {
            if let until, Clocks.monotonic >= until { break }
            let index = (sequence - 1) % blocks
            let started = Clocks.monotonic
            WriterBlock.fill(buffer.pointer, tag: tag, sequence: sequence, index: index, time: Clocks.monotonic)
            let written = pwrite(fd, buffer.pointer.baseAddress, WriterBlock.size, off_t(index) * off_t(WriterBlock.size))
            let error = errno
            let line = written == WriterBlock.size
                ? "A \(sequence) \(index) \(Clocks.monotonic) \(Clocks.realtime)\n"
                : "E \(sequence) \(index) \(Clocks.monotonic) \(Clocks.realtime) \(written < 0 ? error : -1)\n"
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes { Glibc.write(logFD, $0.baseAddress, $0.count) }
            if written == WriterBlock.size {
                sequence += 1
                // Paced: the next write starts no earlier than `interval` after this one started.
                if interval > .zero { Pause.for(interval - .nanoseconds(Int64(Clocks.monotonic - started))) }
            } else {
                Pause.for(.milliseconds(100))
            }
        }
        close(fd)
        close(logFD)
        CurrentProcess.exit(0)
    }
}
