import HaloSystem

/// Collects this node's facts (`NodeFacts`): DRBD, the target software, links and addresses,
/// md arrays, the clock, kernel modules and corosync, each part on its own.
///
/// ```swift
/// let facts = FactsCollector(sources: .init(corosync: CorosyncReader.read)).collect(deadline: .after(.seconds(5)))
/// ```
/// `collect` never throws and never waits past its deadline: every part is bounded by it, a
/// part that fails is `.failed(why)` and the others are still read. DRBD's resources are read
/// from its netlink family first; the program it runs (`drbdadm dump`, and `drbdsetup events2`
/// only when the netlink read failed) run side by side while the in-kernel parts (sysfs,
/// configfs, netlink, adjtimex) and corosync's configuration map are read, so one that hangs
/// costs the others nothing. Nothing is changed on the node; nothing needs a shell.
///
/// Synchronous, for one thread (haloctl's): corosync's map is read on a thread of its own only
/// to bound its wait (`BoundedCall`); a corosync that never answers leaves that thread behind
/// until the process ends, which for haloctl is moments later.
///
/// corosync's part is read by a closure the caller gives (haloctl's `CorosyncReader`, which
/// links corosync's libraries): this module links none, so the static `halo-facts` of
/// halo-agent can collect everything else; without one, corosync reads as not asked for.
public struct FactsCollector: Sendable {
    /// Where the facts come from: the live system by default; fixture trees, stand-in programs
    /// and fake readers in tests.
    public struct Sources: Sendable {
        /// The directory that stands for `/` for sysfs, procfs, configfs and `/lib/modules`.
        public var root: String
        /// drbd-utils' programs, by name (looked up in the minimal `PATH`) or path.
        public var drbdsetup: String
        public var drbdadm: String
        /// DRBD's resources are read over netlink (drbdsetup only when that fails); false when
        /// a `drbdsetup` was given (a stand-in in tests): then it is run.
        public var readsDRBDOverNetlink: Bool
        /// The node's name; `nil`: `uname -n`.
        public var nodeName: String?
        /// The kernel release naming `/lib/modules/<release>`; `nil`: `uname -r`.
        public var kernelRelease: String?
        /// Reads links and addresses (rtnetlink in this network namespace).
        var network: @Sendable (Deadline) -> NetworkReading
        /// Reads the kernel clock (adjtimex).
        var clock: @Sendable () -> Reading<ClockFacts>
        /// Reads corosync's configuration map (libcmap); run on a thread of its own.
        public var corosync: @Sendable () -> Reading<CorosyncFacts>

        /// - Parameter corosync: reads corosync's part; when not given it reads as not asked
        ///   for (`CorosyncFacts.notAsked`).
        public init(root: String = "/", drbdsetup: String? = nil, drbdadm: String = "drbdadm",
                    nodeName: String? = nil, kernelRelease: String? = nil,
                    corosync: @escaping @Sendable () -> Reading<CorosyncFacts> = { CorosyncFacts.notAsked }) {
            self.root = root
            self.drbdsetup = drbdsetup ?? "drbdsetup"
            readsDRBDOverNetlink = drbdsetup == nil
            self.drbdadm = drbdadm
            self.nodeName = nodeName
            self.kernelRelease = kernelRelease
            network = NetworkReader.read
            clock = ClockReader.read
            self.corosync = corosync
        }
    }

    public let sources: Sources
    private let runner = ProcessRunner(killGracePeriod: .milliseconds(200), drainAfterExit: .milliseconds(100))

    /// - Parameter sources: the live system, without corosync's part, when not given.
    public init(sources: Sources = Sources()) {
        self.sources = sources
    }

    /// This node's facts now. Never throws; returns by `deadline` (plus the grace the runner
    /// gives a child that must be killed, 0.5 s at most).
    ///
    /// - Parameter drbdConfiguration: whether DRBD's configuration is read (`drbdadm dump all`,
    ///   the only program a node with DRBD loaded runs for its facts: check-health needs it,
    ///   status, move and drain do not); when not, it reads as failed, "not asked for".
    public func collect(deadline: Deadline, drbdConfiguration: Bool = true) -> NodeFacts {
        let kernel = KernelAttributes(root: sources.root)
        var drbd = DRBDReader(drbdsetup: sources.drbdsetup, drbdadm: sources.drbdadm, isModuleLoaded: kernel.exists("/sys/module/drbd"))
        drbd.readsConfiguration = drbdConfiguration
        if drbd.isModuleLoaded && sources.readsDRBDOverNetlink { drbd.readInProcess = DRBDReader.overNetlink(deadline: deadline) }
        let collectedAt = KernelClock.wallClockMilliseconds()
        // Started first and waited for last: a corosync that does not answer costs only its part.
        let corosync = BoundedCall.start(sources.corosync)
        let (local, results) = runner.runTogether(drbd.commands, deadline: deadline) {
            (targets: TargetReader(root: sources.root, deadline: deadline).read(),
             network: sources.network(deadline),
             mdArrays: MDReader(kernel: kernel).read(),
             clock: sources.clock(),
             modules: ModuleReader(kernel: kernel, release: sources.kernelRelease ?? CurrentProcess.kernelRelease).read())
        }
        let (resources, configuration) = drbd.readings(from: results)
        return NodeFacts(
            node: sources.nodeName ?? CurrentProcess.nodeName, collectedAtMilliseconds: collectedAt,
            drbd: resources, drbdConfiguration: configuration, targets: local.targets,
            links: local.network.links, addresses: local.network.addresses, mdArrays: local.mdArrays,
            clock: local.clock, modules: local.modules, corosync: corosync.wait(until: deadline) ?? CorosyncFacts.noAnswer,
            drbdHelper: DRBDHelperFacts.read(kernel))
    }
}
