import Glibc
import HaloCryptsetup
import HaloSystem
import HaloTesting
@testable import LuksAgent

/// A LUKS image formatted through the agent's own libcryptsetup wrapper (PBKDF2 with 1000
/// iterations: argon2's default costs seconds), with a hygienic key file beside it, optionally
/// attached to a loop device (detached again when the value ends).
final class LuksTestImage: @unchecked Sendable {
    // Immutable after init.
    let directory = TemporaryDirectory("halo-luks")
    let image: String
    let keyPath: String
    /// The passphrase: distinctive, so that a test can search every output for it.
    let key = "halo-KEY-material-7f3a9c41"
    let uuid: String
    let loopDevice: String?

    init(version: LuksVersion = .luks2, loop: Bool = false, uuid requested: String? = nil) throws {
        _ = chmod(directory.path, 0o755)
        image = directory.file("disk.img")
        keyPath = directory.file("key")
        let fd = open(image, O_CREAT | O_WRONLY, 0o600)
        guard fd >= 0, ftruncate(fd, 32 << 20) == 0 else { throw Errno.ioError }
        close(fd)
        try FileSystem.writeAtomically(keyPath, Array(key.utf8), permissions: 0o400)
        let library = try Cryptsetup.load()
        let device = try CryptDevice(path: image, using: library)
        try device.format(passphrase: try Secret(copying: Array(key.utf8)),
                          options: FormatOptions(version: version, keyDerivation: .pbkdf2(iterations: 1000), uuid: requested))
        uuid = device.uuid ?? ""
        loopDevice = loop ? try Self.attach(image) : nil
    }

    static func attach(_ image: String) throws -> String {
        let result = try ProcessRunner().run(Command("losetup", ["--find", "--show", image]), deadline: .after(.seconds(20)))
        guard result.succeeded else { throw Errno.noSuchDevice }
        return String(result.outputText.split(separator: "\n").first ?? "")
    }

    /// A key file with other content and mode, beside the good one.
    func keyFile(_ name: String, content: String, mode: mode_t) throws -> String {
        let path = directory.file(name)
        try FileSystem.writeAtomically(path, Array(content.utf8), permissions: mode)
        _ = chmod(path, mode)
        return path
    }

    deinit {
        if let loopDevice {
            _ = try? ProcessRunner().run(Command("losetup", ["-d", loopDevice]), deadline: .after(.seconds(20)))
        }
    }
}

/// Whether loop devices can be attached here (root, util-linux, a loop driver).
let canAttachLoopDevices: Bool = CurrentProcess.isRoot && (try? FileSystem.info("/dev/loop-control"))?.type == .characterDevice

/// The installed layout: a symlink named `luks` to the multi-call binary.
final class InstalledLuksAgent: @unchecked Sendable {
    let directory = TemporaryDirectory("halo-luks-agent")
    let path: String

    init() throws {
        _ = chmod(directory.path, 0o755)
        path = directory.file("luks")
        guard symlink(BuildProducts.executable("halo-agent"), path) == 0 else { throw Errno.exists }
    }

    func process(instance: String = "l1") -> AgentProcess {
        AgentProcess(path: path, instance: instance, environment: ["HA_RSCTMP": directory.file("rsctmp")])
    }
}

extension LuksSettings {
    /// Settings for the captured lab volume: cr0 on /dev/vdb (254:16), header UUID 58aba7b1-….
    static func lab(byPath: Bool = false, readOnly: Bool = false, discards: Bool = false,
                    headerCheck: HeaderCheck = .monitor, forceStop: Bool = false) -> LuksSettings {
        LuksSettings(device: byPath ? .path("/dev/vdb") : .uuid(LuksUUID("58aba7b1-d27a-491a-bfb0-fad5efeb5946")!),
                     name: MappingName(text: "cr0"), key: .file(path: "/etc/halo/keys/cr0.key"),
                     options: ActivationOptions(allowDiscards: discards, readOnly: readOnly),
                     headerCheck: headerCheck, forceStop: forceStop)
    }
}

/// The fixture tree `name` under Tests/LuksAgentTests/Fixtures, its blocks read by the built
/// halo-agent as the agent reads them.
func fixture(_ name: String, deadline: Deadline = .after(.seconds(30))) -> SystemView {
    SystemView(root: "\(BuildProducts.repositoryRoot)/Tests/LuksAgentTests/Fixtures/\(name)", reader: .builtHaloAgent,
               deadline: deadline)
}

/// This machine as the agent sees it, its blocks read by the built halo-agent.
func liveView(deadline: Deadline = .after(.seconds(30))) -> SystemView {
    SystemView(reader: .builtHaloAgent, deadline: deadline)
}

/// Starts `/bin/sh` with `arguments`, its standard input open on `path`; the test reaps it.
func spawnHolding(_ path: String, _ arguments: [String]) throws -> pid_t {
    try spawnBackground("/bin/sh", arguments, standardInputFile: path)
}
