import Glibc

/// Reads the first bytes of a block device or a file in a child process that is abandoned at a
/// deadline: the one way for an agent to bound a read the kernel may never finish.
///
/// ```swift
/// let reader = BoundedReader.thisExecutable
/// let (info, bytes) = try reader.read("/dev/drbd0", length: 4096, mode: .direct, deadline: context.deadline)
/// ```
///
/// A read of a device whose I/O hangs (a DRBD device suspended by its fencing policy, a
/// device-mapper path under `queue_if_no_path`) puts the reader in uninterruptible sleep until
/// the device answers, and no signal ends it. No thread of the agent may be that reader: a
/// process cannot finish exiting while one of its threads is in D state, and Linux AIO is
/// waited for at exit too. So the read runs in a child, this very executable started through
/// `/proc/self/exe` as `halo-bounded-read` (`serveChild`, which `MultiCall` runs for that
/// name), whose standard output and error are pipes of this process, never Pacemaker's. At the
/// deadline the child gets `SIGKILL`; if it is stuck in the kernel it is left behind, and holds
/// nothing the executor waits for: the agent answers and exits in time. The child ends by
/// itself once the device answers (its pipe is closed by then: `SIGPIPE`).
///
/// The child starts with the minimal environment (`Command`), so nothing of the agent's
/// parameters reaches it; it reads, reports, exits.
public struct BoundedReader: Sendable {
    /// The argv[0] under which a multi-call executable serves reads (`serveChild`).
    public static let programName = "halo-bounded-read"

    /// How the child reads.
    public enum Mode: String, Sendable, Hashable {
        /// `O_DIRECT` on a block device, past the page cache: what the disk has now.
        case direct
        /// An ordinary read through the page cache (a file, as SCST's and LIO's fileio read it).
        case cached
    }

    /// The program that serves reads, without the read's own arguments.
    public var program: Command
    public var runner: ProcessRunner

    /// - Parameter program: a program that serves `serveChild`'s protocol; tests pass the built
    ///   `halo-agent`.
    public init(program: Command, runner: ProcessRunner = BoundedReader.childRunner) {
        self.program = program
        self.runner = runner
    }

    /// This executable, as `halo-bounded-read`. Only a `MultiCall` executable serves that name:
    /// the agents get this reader from `MultiCall`, never from a default.
    public static let thisExecutable = BoundedReader(program: Command("/proc/self/exe", argumentZero: programName))

    /// Short grace periods: a reader has nothing to clean up, and a stuck one ignores signals anyway.
    public static let childRunner = ProcessRunner(killGracePeriod: .milliseconds(100), drainAfterExit: .milliseconds(50))

    /// The first `length` bytes at `offset` of `path`, read in a child that must answer by
    /// `deadline`, with the facts of the file that was read.
    ///
    /// Returns by `deadline` whatever the device does (the runner's grace periods are kept
    /// inside it).
    ///
    /// - Precondition: with `.direct`, `offset` and `length` are multiples of 4096; `length` > 0.
    /// - Throws: `ReadFailure.refused` with the errno of `open(2)`/`pread(2)` (`ENOTBLK` when a
    ///   direct read's path is no block device), `.noAnswer` when the child did not answer in
    ///   time, `.readerFailed` when it could not run or answered nonsense.
    public func read(_ path: String, offset: Int64 = 0, length: Int, mode: Mode,
                     deadline: Deadline) throws(ReadFailure) -> (info: FileInfo, bytes: [UInt8]) {
        precondition(length > 0 && offset >= 0, "a read of \(length) bytes at \(offset)")
        precondition(mode == .cached || (length % 4096 == 0 && offset % 4096 == 0),
                     "direct reads are whole 4 KiB blocks: offset \(offset), length \(length)")
        let now = ContinuousClock.now
        let reserve = runner.killGracePeriod * 2 + runner.drainAfterExit
        let childDeadline = Deadline(deadline.instant - reserve)
        guard !childDeadline.hasPassed(now: now) else { throw .noAnswer(within: .zero) }
        var command = program
        command.arguments += [mode.rawValue, path, String(offset), String(length)]
        command.outputLimit = length + 256
        let result: ProcessResult
        do {
            result = try runner.run(command, deadline: childDeadline)
        } catch {
            throw .readerFailed("could not be started: \(error)")
        }
        if result.timedOut { throw .noAnswer(within: now.duration(to: childDeadline.instant)) }
        guard result.termination == .exited(0), !result.isOutputTruncated else {
            let said = String(decoding: result.standardError.prefix(200), as: UTF8.self)
            throw .readerFailed("ended with \(result.termination)\(said.isEmpty ? "" : ": \(said)")")
        }
        return try Self.parse(result.standardOutput).get()
    }

    /// The child's answer: `ok MODE UID GID SIZE RDEV COUNT` and a newline, then `COUNT`
    /// bytes; or `errno N` and a newline.
    static func parse(_ output: [UInt8]) -> Result<(info: FileInfo, bytes: [UInt8]), ReadFailure> {
        guard let newline = output.firstIndex(of: 10) else { return .failure(.readerFailed("answered no header")) }
        let words = String(decoding: output[..<newline], as: UTF8.self).split(separator: " ")
        let body = Array(output[(newline + 1)...])
        if words.count == 2, words[0] == "errno", let number = Int32(words[1]), number > 0 {
            return .failure(.refused(Errno(rawValue: number)))
        }
        guard words.count == 7, words[0] == "ok", let mode = UInt32(words[1]), let owner = UInt32(words[2]),
              let group = UInt32(words[3]), let size = Int64(words[4]), let device = UInt64(words[5]),
              let count = Int(words[6]), count == body.count else {
            return .failure(.readerFailed("answered something else than a read: \(words.joined(separator: " ").prefix(80))"))
        }
        var status = stat()
        status.st_mode = mode
        status.st_uid = owner
        status.st_gid = group
        status.st_size = Int(size)
        status.st_rdev = UInt(device)
        return .success((FileInfo(status), body))
    }
}
