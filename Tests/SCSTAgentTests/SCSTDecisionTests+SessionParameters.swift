import HaloISCSI
import HaloOCF
import HaloSystem
import Testing
@testable import SCSTAgent

/// A start row: the configured session parameters and what the running target shows → the
/// writes start plans for them.
typealias SessionParameterRow = DecisionRow<(configured: String, shown: [String: String]), [SCSTStep]>

/// A refused write: the step and the errno → a phrase that says where the reason is.
typealias FailureLogRow = DecisionRow<(step: SCSTStep, errno: Errno), String>

/// Session parameters as iscsi-scstd takes and shows them (issue 17: items 1, 2 and 4).
@Suite("ocf:halo:scst decisions: session parameters as iscsi-scstd keeps them")
struct SCSTSessionParameterDecisionTests {
    static func settings(_ parameters: String) -> SCSTSettings {
        var settings = SCSTSettings.lab()
        settings.sessionParameters = try! ParameterType<[SessionParameter]>.sessionParameters.value(from: parameters).get()
        return settings
    }

    static let disable = SCSTStep.disableTarget
    static let enable = SCSTStep.enableTarget

    static let startRows: [SessionParameterRow] = [
        SessionParameterRow("a digest list shown in SCST's order is the configured one",
                            ("HeaderDigest=CRC32C,None DataDigest=CRC32C,None", ["HeaderDigest": "None,CRC32C", "DataDigest": "None,CRC32C"]), []),
        SessionParameterRow("the same list in SCST's order", ("HeaderDigest=None,CRC32C", ["HeaderDigest": "None,CRC32C"]), []),
        SessionParameterRow("one digest", ("DataDigest=CRC32C", ["DataDigest": "CRC32C"]), []),
        SessionParameterRow("a digest that differs is written as SCST shows it", ("HeaderDigest=CRC32C,None", ["HeaderDigest": "None"]),
                            [disable, .setTargetAttribute(attribute: "HeaderDigest", value: "None,CRC32C"), enable]),
        SessionParameterRow("only CRC32C where both are shown", ("DataDigest=CRC32C", ["DataDigest": "None,CRC32C"]),
                            [disable, .setTargetAttribute(attribute: "DataDigest", value: "CRC32C"), enable]),
        SessionParameterRow("a number as configured", ("QueuedCommands=64", ["QueuedCommands": "64"]), []),
        SessionParameterRow("a number that differs", ("QueuedCommands=64", ["QueuedCommands": "32"]),
                            [disable, .setTargetAttribute(attribute: "QueuedCommands", value: "64"), enable]),
    ]

    @Test(arguments: startRows)
    func startOnARunningTarget_comparesAsIscsiScstdShows(_ row: SessionParameterRow) {
        let settings = Self.settings(row.input.configured)
        var observation = SCSTObservation.running(settings)
        observation.target?.parameters = row.input.shown
        #expect(SCSTDecision.start(settings, observation, chap: .none, node: nil) == row.expected, sourceLocation: row.location)
    }

    static let failureRows: [FailureLogRow] = [
        FailureLogRow("a session parameter iscsi-scstd refuses", (.setTargetAttribute(attribute: "MaxBurstLength", value: "2097152"), .invalidArgument),
                      "iscsi-scstd's reason is in its log (journalctl -t iscsi-scstd)"),
        FailureLogRow("an allowed_portal", (.addAllowedPortal("198.18.1.21"), .invalidArgument), "journalctl -t iscsi-scstd"),
        FailureLogRow("a CHAP account", (.addChapUser(outgoing: false), .invalidArgument), "journalctl -t iscsi-scstd"),
        FailureLogRow("a second OutgoingUser", (.addChapUser(outgoing: true), .exists), "journalctl -t iscsi-scstd"),
        FailureLogRow("deleting a CHAP account", (.deleteChapUser(outgoing: false, user: "in"), .noSuchFile), "journalctl -t iscsi-scstd"),
        FailureLogRow("the target", (.addTarget, .invalidArgument), "journalctl -t iscsi-scstd"),
        FailureLogRow("enabling the target", (.enableTarget, .invalidArgument), "journalctl -t iscsi-scstd"),
        FailureLogRow("the driver", (.enableDriver, .invalidArgument), "journalctl -t iscsi-scstd"),
        FailureLogRow("rel_tgt_id is SCST's own", (.setTargetAttribute(attribute: "rel_tgt_id", value: "7"), .invalidArgument),
                      "SCST's reason is in the kernel log (journalctl -k)"),
        FailureLogRow("a LUN is SCST's own", (.addLUN(group: nil, device: "disk1", lun: 0), .invalidArgument), "journalctl -k"),
        FailureLogRow("a group is SCST's own", (.createGroup("halo"), .exists), "journalctl -k"),
        FailureLogRow("a device is SCST's own", (.setDeviceAttribute(device: "disk1", attribute: "usn", value: "x"), .invalidArgument),
                      "journalctl -k"),
    ]

    @Test(arguments: failureRows)
    func aRefusedWrite_namesTheLogThatHasTheReason(_ row: FailureLogRow) {
        let summary = SCSTDecision.failure(row.input.step, row.input.errno, SCSTDecisionTests.lab).reason.summary
        #expect(summary.contains(row.expected), "\(summary)", sourceLocation: row.location)
    }

    /// iscsi-scstd's ranges are narrower than the RFC's: a value it refuses is refused with the
    /// parameters (6 from every action, validate-all at depth 0 included), before anything is
    /// written.
    @Test(arguments: [
        ("MaxRecvDataSegmentLength=1048577", "iscsi-scstd takes MaxRecvDataSegmentLength 512…1048576"),
        ("MaxXmitDataSegmentLength=16777215", "iscsi-scstd takes MaxXmitDataSegmentLength 512…1048576"),
        ("MaxBurstLength=2097152", "iscsi-scstd takes MaxBurstLength 512…1048576"),
        ("FirstBurstLength=1048577 MaxBurstLength=1048576", "iscsi-scstd takes FirstBurstLength 512…1048576"),
        ("NopInTimeout=0", "iscsi-scstd takes NopInTimeout 2…3600"), ("NopInTimeout=1", "iscsi-scstd takes NopInTimeout 2…3600"),
        ("RspTimeout=1", "iscsi-scstd takes RspTimeout 2…65535"), ("MaxBurstLength=0262144", "iscsi-scstd reads MaxBurstLength's leading 0 as octal"),
    ])
    func aValueIscsiScstdRefuses_isAnInvalidParameter(_ parameters: String, _ phrase: String) {
        let raw = ["iqn": "iqn.2026-11.lab.test:lun1", "device_name": "lun1", "backing": "/dev/vdb", "session_parameters": parameters]
        guard case .failure(let problems) = ParameterValues<SCSTParameters>.validate(raw) else {
            Issue.record("\(parameters) was accepted")
            return
        }
        #expect("\(problems)".contains(phrase), "\(problems)")
    }

    @Test(arguments: ["MaxRecvDataSegmentLength=1048576 MaxBurstLength=1048576 FirstBurstLength=1048576",
                      "NopInTimeout=2 RspTimeout=2 NopInInterval=0", "HeaderDigest=CRC32C,None DataDigest=None,CRC32C"])
    func aValueIscsiScstdTakes_isAccepted(_ parameters: String) {
        let raw = ["iqn": "iqn.2026-11.lab.test:lun1", "device_name": "lun1", "backing": "/dev/vdb", "session_parameters": parameters]
        #expect((try? ParameterValues<SCSTParameters>.validate(raw).get()) != nil)
    }
}
