import Glibc
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// CHAP through the installed agent and the SCST model: where the secrets go, a credentials file
/// broken on the node, a rotated secret.
extension SCSTAgentProcessTests {
    @Test func chapSecrets_reachSCST_andNothingElse() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(extra: ["chap_file": try bed.chapFile()])
        let start = try bed.run("start", parameters, extra: ["HA_debug": "1"])
        #expect(start.code == 0, "\(start.stderr)")
        #expect(bed.read("\(Self.targetPath)/IncomingUser") == "tgt-in \(SCSTTestBed.incomingSecret)\n[key]\n\n")
        #expect(bed.read("\(Self.targetPath)/OutgoingUser") == "tgt-out \(SCSTTestBed.outgoingSecret)\n[key]\n\n")
        for action in ["monitor", "stop", "start"] {
            let result = try bed.run(action, parameters, extra: ["HA_debug": "1", "OCF_CHECK_LEVEL": "10"])
            for secret in [SCSTTestBed.incomingSecret, SCSTTestBed.outgoingSecret] {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(action) printed a secret")
            }
        }
        for secret in [SCSTTestBed.incomingSecret, SCSTTestBed.outgoingSecret] {
            #expect(!start.stderr.contains(secret))
            let writes = try bed.model.controlText("writes")
            #expect(!writes.contains(secret), "the model's own log redacts it too")
        }
        // Login needs the secret.
        #expect(throws: Errno.notPermitted) {
            try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in wrong-secret-123")
        }
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        // A file others can read is refused before anything is written.
        let loose = try SCSTTestBed()
        let path = try loose.chapFile()
        _ = chmod(path, 0o644)
        let refused = try loose.run("start", loose.parameters(extra: ["chap_file": path]))
        #expect(refused.code == 2)
        #expect(refused.reason == "the CHAP credentials file (chap_file) must be owned by root with mode 0400 or 0600 (it holds secrets)")
        #expect(try loose.model.writeCount() == 0)
    }

    /// A configuration-management run that removes chap_file or changes its mode must not fail
    /// the monitor of a running target: on every node that would ban a healthy LUN from the
    /// cluster. The depth-10 monitor logs why it did not compare the CHAP accounts and answers
    /// 0; start and validate-all refuse the file.
    @Test func aBrokenChapFile_neverFailsTheMonitor_butStartAndValidateAllRefuseIt() throws {
        let bed = try SCSTTestBed()
        let path = try bed.chapFile()
        let parameters = bed.parameters(extra: ["chap_file": path])
        #expect(try bed.run("start", parameters).code == 0)
        _ = chmod(path, 0o644)
        let loose = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"])
        #expect(loose.code == 0, "\(loose.reason ?? "")")
        #expect(loose.stderr.contains("CHAP accounts not checked"), "\(loose.stderr)")
        #expect(try bed.run("validate-all", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 2)
        #expect(try bed.run("start", parameters).code == 2)
        #expect(unlink(path) == 0)
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "20"]).code == 0)
        #expect(try bed.run("validate-all", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 5)
        #expect(bed.read("\(Self.targetPath)/IncomingUser") == "tgt-in \(SCSTTestBed.incomingSecret)\n[key]\n\n", "untouched")
    }

    /// After a secret rotation in chap_file the old secret keeps logging in until the target is
    /// told: the depth-10 monitor fails (without naming either secret), and start — Pacemaker's
    /// recovery — writes the new one.
    @Test func aRotatedSecret_failsTheDeepMonitor_andStartAppliesIt() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(extra: ["chap_file": try bed.chapFile()])
        #expect(try bed.run("start", parameters).code == 0)
        let rotated = "halo-CHAP-in-rotated-99"
        _ = try bed.chapFile(incomingSecret: rotated)
        let monitor = try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10", "HA_debug": "1"])
        #expect(monitor.code == 1)
        #expect(monitor.reason == "CHAP user tgt-in has an old secret, not chap_file's: point chap_file at a file with the new one, a reload applies it",
                "\(monitor.reason ?? "")")
        for secret in [rotated, SCSTTestBed.incomingSecret, SCSTTestBed.outgoingSecret] {
            #expect(!monitor.stdout.contains(secret) && !monitor.stderr.contains(secret))
        }
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        try bed.model.control("sessions", "logout \(Self.target) iqn.2026-11.lab.test:client")
        #expect(try bed.run("start", parameters).code == 0)
        #expect(try bed.run("monitor", parameters, extra: ["OCF_CHECK_LEVEL": "10"]).code == 0)
        #expect(throws: Errno.notPermitted) {
            try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in \(SCSTTestBed.incomingSecret)")
        }
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:client 198.18.1.22 198.18.1.21 tgt-in \(rotated)")
    }
}
