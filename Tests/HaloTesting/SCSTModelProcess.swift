import Glibc
import HaloSystem

/// A running `halo-scst-model`: the SCST sysfs model mounted over FUSE in a temporary
/// directory, with the commands that run a program against it and the model's control files.
/// Unmounted (and the server stopped) when released.
///
/// ```swift
/// let model = try SCSTModelProcess()
/// let agent = AgentProcess(path: scst, instance: "lun1", environment: [...])   // runs under model.prefix
/// try model.control("daemon", "kill")
/// ```
public final class SCSTModelProcess: @unchecked Sendable {
    // Immutable after init.
    public let directory = TemporaryDirectory("halo-scst-model")
    /// Where the model is mounted; its sysfs tree is `mount/sys/kernel/scst_tgt`.
    public let mount: String
    let pid: Int32

    /// Whether models can run here: root (FUSE mounts and mount namespaces) and /dev/fuse.
    public static var isAvailable: Bool {
        CurrentProcess.isRoot && (try? FileSystem.info("/dev/fuse"))?.type == .characterDevice
    }

    /// The captures the model's texts come from.
    public static let captures = "\(BuildProducts.repositoryRoot)/Tests/Fixtures/scst-3.11"

    /// Starts a model and waits until it is mounted.
    ///
    /// - Parameter options: `serve` options (`--daemon-absent`, `--virtual-block-device P=N`, …).
    public init(options: [String] = []) throws {
        _ = chmod(directory.path, 0o755)
        mount = directory.file("mnt")
        try FileSystem.makeDirectories(mount, permissions: 0o755)
        let ready = directory.file("ready")
        let model = BuildProducts.executable("halo-scst-model")
        pid = try spawnBackground(model, [model, "serve", "--mount", mount, "--captures", Self.captures, "--ready-file", ready] + options)
        let deadline = Deadline.after(.seconds(10))
        while (try? FileSystem.info(ready)) == nil || (try? FileSystem.info("\(mount)/control/daemon")) == nil {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw NamespaceError.command("halo-scst-model exited (status \(status))") }
            guard !deadline.hasPassed() else { throw NamespaceError.command("halo-scst-model did not mount within 10 s") }
            Pause.for(.milliseconds(10))
        }
    }

    /// The model's sysfs tree, to be bound onto /sys/kernel/scst_tgt.
    public var sysfs: String { "\(mount)/sys/kernel/scst_tgt" }

    /// The command prefix that runs a program with the model as its /sys/kernel/scst_tgt, in a
    /// mount namespace of its own.
    public var prefix: [String] { [BuildProducts.executable("halo-scst-model"), "exec", "--sysfs", sysfs, "--"] }

    /// Writes `command` to the control file `file`; throws the model's errno when refused.
    public func control(_ file: String, _ command: String) throws {
        let fd = open("\(mount)/control/\(file)", O_WRONLY)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        defer { close(fd) }
        let bytes = Array(command.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw Errno(rawValue: errno) }
    }

    /// The text of a control file (`log`, `writes`, `sessions`, `daemon`, `eagain`).
    public func controlText(_ file: String) throws -> String {
        String(decoding: try FileSystem.readBytes("\(mount)/control/\(file)", limit: 16 << 20), as: UTF8.self)
    }

    /// How many writes the sysfs tree has received.
    public func writeCount() throws -> Int {
        try controlText("writes").split(separator: "\n").count
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Deadline.after(.seconds(5))
        while waitpid(pid, &status, WNOHANG) != pid && !deadline.hasPassed() { Pause.for(.milliseconds(10)) }
        if !deadline.hasPassed() { return }
        kill(pid, SIGKILL)
        reapChild(pid)
        _ = umount2(mount, Int32(MNT_DETACH))
    }
}
