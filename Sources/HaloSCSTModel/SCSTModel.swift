import HaloSystem

/// A strict model of SCST 3.11's sysfs interface (`/sys/kernel/scst_tgt`) with the vdisk
/// handlers and iSCSI-SCST, built from captures of a real target (Tests/Fixtures/scst-3.11,
/// docs/scst.md "The model"): the tree and every attribute as SCST shows them, and each
/// management command accepted or refused with the errno SCST gives, `last_sysfs_mgmt_res`
/// included.
///
/// A value: every call is given the time, nothing happens in the background. What SCST does
/// asynchronously — the result of a command that returned `EAGAIN`, a session going away after
/// `force_close` — happens at the first call at or after its time (`tick(now:)`).
///
/// The model is served as a file system by `halo-scst-model` (FUSE), so agents talk to it with
/// the same system calls they use on a real node; tests also drive it directly.
public struct SCSTModel: Sendable {
    /// How a model starts.
    public struct Configuration: Sendable {
        /// Whether iscsi-scstd is connected at start (a real node: modules loaded, daemon started).
        public var daemonConnected: Bool
        /// Whether the lab guest's pass-through CD-ROM `1:0:0:0` is there, as in every capture.
        public var passThroughDevice: Bool
        public var backing: BackingStores
        /// How long a session takes to disappear after `force_close`.
        public var sessionCloseDelay: Duration

        public init(daemonConnected: Bool = true, passThroughDevice: Bool = true, backing: BackingStores = BackingStores(),
                    sessionCloseDelay: Duration = .milliseconds(20)) {
            self.daemonConnected = daemonConnected
            self.passThroughDevice = passThroughDevice
            self.backing = backing
            self.sessionCloseDelay = sessionCloseDelay
        }
    }

    let texts: CapturedTexts
    var backing: BackingStores
    var sessionCloseDelay: Duration

    // Core
    var setupID: UInt32 = 0
    var threads = 1
    var plainRootAttributes: [String: String] = [:]
    /// `last_sysfs_mgmt_res`: the result of the last queued command that finished (0 or -errno).
    var lastResult: Int32 = 0
    /// Queued commands that answered `EAGAIN` and finish later, with their results.
    var pending: [(due: ContinuousClock.Instant, result: Int32)] = []
    /// Queued commands still to answer `EAGAIN` (control), and how long they then take.
    var forcedWriteEAGAINs = 0
    var eagainDelay: Duration = .milliseconds(30)
    /// Reads of queued-work attributes still to fail with `EAGAIN` (control).
    var forcedReadEAGAINs = 0

    // Devices
    var devices: [String: VirtualDevice] = [:]
    let passThroughDevices: [String]
    var nextVirtualID = 1

    // Targets
    var isDaemonConnected: Bool
    var isISCSIEnabled = false
    var targets: [String: ISCSITarget] = [:]
    var copyManagerLUNs: [Int: LUNEntry] = [:]
    var nextCopyManagerLUN = 0
    var nextTID = 1
    var nextRelativeID = 1
    var nextSessionNumber = 1
    /// Sessions do not go away after `force_close` (control: an initiator that hangs on).
    var sessionsHangOn = false
    /// What the last discovery through the `discovery` control file showed.
    var lastDiscovery: [String] = []

    // What happened, for tests and people
    var log: [String] = []
    var writeLog: [String] = []

    public init(configuration: Configuration = Configuration(), texts: CapturedTexts) {
        self.texts = texts
        backing = configuration.backing
        sessionCloseDelay = configuration.sessionCloseDelay
        isDaemonConnected = configuration.daemonConnected
        passThroughDevices = configuration.passThroughDevice ? ["1:0:0:0"] : []
    }

    /// Completes what is due by `now`: queued commands that answered `EAGAIN`, sessions closing.
    public mutating func tick(now: ContinuousClock.Instant) {
        while let first = pending.first, first.due <= now {
            lastResult = first.result
            pending.removeFirst()
        }
        for (name, target) in targets {
            for (initiator, session) in target.sessions {
                if let closesAt = session.closesAt, closesAt <= now, !sessionsHangOn {
                    targets[name]?.sessions[initiator] = nil
                    record("iscsi-scst: session of \(initiator) on \(name) closed")
                }
            }
        }
    }

    /// Appends a line to the model's kernel log.
    mutating func record(_ line: String) {
        log.append(line)
    }

    /// The model's kernel log, one event per line.
    public var logText: String { log.map { $0 + "\n" }.joined() }

    /// Every write the tree received: `path<TAB>command<TAB>result`, secrets replaced by `<secret>`.
    public var writesText: String { writeLog.map { $0 + "\n" }.joined() }

    /// How many writes reached the tree.
    public var writeCount: Int { writeLog.count }
}
