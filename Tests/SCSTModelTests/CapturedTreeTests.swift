import HaloSCSTModel
import HaloSystem
import HaloTesting
import Testing

/// The model's tree after a captured session is the tree the real target showed: the same
/// paths, the same kinds and permission bits, the same link targets, the same contents — except
/// for what counts I/O or names threads and build dates (listed in `isVolatile`).
@Suite("The SCST model's tree against captured trees")
struct CapturedTreeTests {
    /// Contents that depend on the I/O the lab's initiator did, thread ids, the build date and
    /// allocation counters: not something the model can or should reproduce.
    static func isVolatile(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        return name.hasSuffix("_cmd_count") || name.hasSuffix("_io_count_kb") || name == "thread_pid" || name == "thread_index"
            || name == "sid" || path.hasPrefix("sgv/") || path == "version" || name == "active_commands" || name == "commands"
    }

    /// The differences between the model's tree and a captured one, one line each.
    static func differences(_ model: [String: SCSTCaptureTree.Node], _ captured: SCSTCaptureTree) -> [String] {
        var lines: [String] = []
        for path in Set(model.keys).union(captured.nodes.keys).sorted() {
            switch (model[path], captured.nodes[path]) {
            case (nil, let node?): lines.append("missing from the model: \(path) (\(node))")
            case (let node?, nil): lines.append("only in the model: \(path) (\(node))")
            case (.file(let mode, let content)?, .file(let capturedMode, let capturedContent)?):
                if mode != capturedMode { lines.append("\(path): mode \(String(mode, radix: 8)), captured \(String(capturedMode, radix: 8))") }
                if let capturedContent, !isVolatile(path), content != capturedContent {
                    lines.append("\(path): \(String(decoding: content ?? [], as: UTF8.self).debugDescription), captured \(String(decoding: capturedContent, as: UTF8.self).debugDescription)")
                }
            case (let node?, let capturedNode?) where node != capturedNode:
                lines.append("\(path): \(node), captured \(capturedNode)")
            default: break
            }
        }
        return lines
    }

    @Test func theComparison_findsWhatDiffers() throws {
        var replay = ModelReplay()
        _ = try replay.replay("04-configure.txt")
        let differences = Self.differences(replay.tree(), try SCSTCaptureTree("17-acl-with-session"))
        #expect(differences.contains("missing from the model: targets/iscsi/iqn.2026-11.lab.test:tgt1/ini_groups/acl_ini (directory)"))
        #expect(differences.contains { $0.hasPrefix("targets/iscsi/iqn.2026-11.lab.test:tgt1/tid: \"1\\n\"") }, "\(differences)")
        #expect(differences.contains { $0.hasPrefix("setup_id: ") })
    }

    @Test func afterLoadingTheModules_theTreeIsTheCapturedOne() throws {
        var replay = ModelReplay(daemonConnected: false)
        let differences = Self.differences(replay.tree(), try SCSTCaptureTree("01-after-modprobe"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test func afterConfiguringATarget_theTreeIsTheCapturedOne() throws {
        var replay = ModelReplay(daemonConnected: false)
        _ = try replay.replay("02-add-target-without-daemon.txt")
        replay.model.connectDaemon()
        _ = try replay.replay("04-configure.txt")
        let differences = Self.differences(replay.tree(), try SCSTCaptureTree("05-configured"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test func withASessionLoggedIn_theTreeIsTheCapturedOne() throws {
        var replay = ModelReplay(daemonConnected: false)
        replay.model.connectDaemon()
        _ = try replay.replay("04-configure.txt")
        replay.write("setup_id", "0x1234")
        replay.login()
        let differences = Self.differences(replay.tree(), try SCSTCaptureTree("09-with-session"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test func withAnACLAndASession_theTreeIsTheCapturedOne() throws {
        var replay = ModelReplay(daemonConnected: false)
        _ = try replay.replayUpToTheACL()
        let differences = Self.differences(replay.tree(), try SCSTCaptureTree("17-acl-with-session"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }
}
