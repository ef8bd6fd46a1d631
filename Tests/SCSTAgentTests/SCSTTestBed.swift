import Glibc
import HaloConformance
import HaloSystem
import HaloTesting
@testable import SCSTAgent

/// One node for process tests: an SCST model mounted over FUSE, the installed layout of the
/// agent (a symlink `scst` to the multi-call binary), a backing file, and the environment
/// Pacemaker would give the agent. Everything goes when the value does.
final class SCSTTestBed: @unchecked Sendable {
    // Immutable after init.
    let directory = TemporaryDirectory("halo-scst-bed")
    let model: SCSTModelProcess
    let agentPath: String
    let backing: String
    let node: String

    /// A CHAP secret distinctive enough to search every output for.
    static let incomingSecret = "halo-CHAP-in-5ecret-42"
    static let outgoingSecret = "halo-CHAP-out-5ecret-77"

    init(node: String = "node1", modelOptions: [String] = []) throws {
        _ = chmod(directory.path, 0o755)
        model = try SCSTModelProcess(options: modelOptions)
        agentPath = directory.file("scst")
        guard symlink(BuildProducts.executable("halo-agent"), agentPath) == 0 else { throw Errno.exists }
        backing = directory.file("lun.img")
        let fd = open(backing, O_CREAT | O_WRONLY, 0o600)
        guard fd >= 0, ftruncate(fd, 16 << 20) == 0 else { throw Errno.ioError }
        close(fd)
        self.node = node
    }

    /// Whether process tests can run here (the model needs root and /dev/fuse: a FUSE mount in
    /// a mount namespace).
    static var isAvailable: Bool { SCSTModelProcess.isAvailable }

    /// A complete, valid parameter set for LUN `lun` of `iqn.2026-11.lab.test:<name>`.
    func parameters(_ name: String = "lun1", lun: Int = 0, extra: [String: String] = [:]) -> [String: String] {
        ["iqn": "iqn.2026-11.lab.test:\(name)", "device_name": name, "backing": backing, "handler": "vdisk_fileio",
         "lun": String(lun), "allowed_portals": "198.18.1.21 198.19.100.50",
         "initiators": "iqn.2026-11.lab.test:client"].merging(extra) { $1 }
    }

    /// The agent as Pacemaker runs it on this node, inside the model's namespace.
    var agent: AgentProcess {
        AgentProcess(path: agentPath, instance: "lun1",
                     environment: ["HA_RSCTMP": directory.file("rsctmp"), "OCF_RESKEY_CRM_meta_on_node": node,
                                   "OCF_RESKEY_CRM_meta_timeout": "20000"],
                     commandPrefix: model.prefix)
    }

    @discardableResult
    func run(_ action: String, _ parameters: [String: String], extra: [String: String] = [:]) throws
        -> (code: Int32?, stdout: String, stderr: String, reason: String?) {
        try agent.run(action, parameters, extra: extra)
    }

    /// The agent under the conformance runner and ocf-tester.
    func underTest(_ parameters: [String: String], invalid: [InvalidParameters] = []) -> AgentUnderTest {
        AgentUnderTest(path: agentPath, instance: "lun1", parameters: parameters,
                       environment: ["HA_RSCTMP": directory.file("rsctmp"), "OCF_RESKEY_CRM_meta_on_node": node],
                       invalidParameterSets: invalid, commandPrefix: model.prefix)
    }

    /// A root-only CHAP credentials file (written again with another incoming secret: a rotation).
    func chapFile(outgoing: Bool = true, incomingSecret: String = SCSTTestBed.incomingSecret) throws -> String {
        let path = directory.file("chap")
        var text = "# test credentials\nincoming tgt-in \(incomingSecret)\n"
        if outgoing { text += "outgoing tgt-out \(Self.outgoingSecret)\n" }
        try FileSystem.writeAtomically(path, Array(text.utf8), permissions: 0o600)
        return path
    }

    // MARK: Reading the model

    func read(_ path: String) -> String? {
        (try? FileSystem.readBytes("\(model.sysfs)/\(path)")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// An attribute's value: its first line.
    func value(_ path: String) -> String? {
        read(path).map { String($0.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }
    }

    func list(_ path: String) -> [String]? { try? FileSystem.directoryEntries("\(model.sysfs)/\(path)") }

    /// Writes one management command straight to the model (as an administrator would).
    @discardableResult
    func write(_ path: String, _ text: String) -> Errno? {
        let fd = open("\(model.sysfs)/\(path)", O_WRONLY)
        guard fd >= 0 else { return Errno(rawValue: errno) }
        defer { close(fd) }
        let bytes = Array((text + "\n").utf8)
        return Glibc.write(fd, bytes, bytes.count) == bytes.count ? nil : Errno(rawValue: errno)
    }

    /// The identity attributes of a device, by name.
    func identity(_ device: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: ["usn", "t10_dev_id", "vend_specific_id", "naa_id", "eui64_id", "t10_vend_id", "prod_id", "prod_rev_lvl"]
            .map { ($0, value("devices/\(device)/\($0)") ?? "?") })
    }
}

/// Whether loop devices can be attached here (root, util-linux, a loop driver).
let canAttachLoopDevices: Bool = CurrentProcess.isRoot && (try? FileSystem.info("/dev/loop-control"))?.type == .characterDevice

/// A loop device over a file, detached when the value ends.
final class LoopDevice: @unchecked Sendable {
    // Immutable after init.
    let path: String

    init(_ file: String) throws {
        let result = try ProcessRunner().run(Command("losetup", ["--find", "--show", file]), deadline: .after(.seconds(20)))
        guard result.succeeded else { throw Errno.noSuchDevice }
        path = String(result.outputText.split(separator: "\n").first ?? "")
    }

    deinit {
        _ = try? ProcessRunner().run(Command("losetup", ["-d", path]), deadline: .after(.seconds(20)))
    }
}
