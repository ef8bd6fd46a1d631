import HaloCluster
import HaloDRBD
import HaloSystem

/// Reads this node's facts every `interval`: each LUN's DRBD disk state. With the DRBD module
/// loaded, from DRBD's generic-netlink family (HaloDRBD's `DRBDNetlink`) on a thread of its own
/// whose end the loop polls for — no process, and a kernel that blocks the read never stalls
/// the loop (nor the fence-peer handler's question, which the loop answers). Otherwise, or
/// when that read fails, from one `drbdsetup events2 --now all` run as a `ChildProcess`. A
/// read that has not returned after `readLimit` counts as failed, and the netlink read is not
/// tried again (its thread stays blocked; drbdsetup's child is killed at its deadline instead).
/// A LUN without DRBD is `notReplicated`; a resource that is not up, or a read that failed, is
/// `unknown` (never assumed UpToDate).
final class FactsReader {
    private let luns: [(name: LUNName, drbd: String?)]
    private let interval: Duration
    private var child: ChildProcess?
    private var thread: BoundedCall.Pending<[DRBDResourceState]?>?
    private var threadStarted: ContinuousClock.Instant = .now
    private var netlinkBlocked = false
    private var nextRead: ContinuousClock.Instant
    private let runner = ProcessRunner()
    private let moduleLoaded: @Sendable () -> Bool
    static let readLimit = Duration.seconds(10)

    /// - Parameter moduleLoaded: whether DRBD's module is loaded (`/sys/module/drbd`): then its
    ///   netlink family answers; without it drbdsetup is asked (halod's namespace tests run a
    ///   stand-in drbdsetup on a kernel without DRBD).
    init(configuration: ClusterConfiguration, now: ContinuousClock.Instant = .now,
         moduleLoaded: @escaping @Sendable () -> Bool = { KernelAttributes().exists("/sys/module/drbd") }) {
        luns = configuration.luns.map { ($0.name, $0.drbdResource) }
        interval = configuration.local.factsInterval
        nextRead = now
        self.moduleLoaded = moduleLoaded
    }

    /// Whether any LUN is replicated (otherwise the facts never change).
    var readsDRBD: Bool { luns.contains { $0.drbd != nil } }

    /// The facts when no LUN is replicated.
    var staticFacts: [LUNName: DiskFact] { Dictionary(uniqueKeysWithValues: luns.map { ($0.name, DiskFact.notReplicated) }) }

    func pollRequests() -> [PollRequest] {
        if let thread { return [PollRequest(thread.descriptor)] }
        return child?.pollRequests() ?? []
    }

    func nextWake(now: ContinuousClock.Instant = .now) -> Deadline? {
        guard readsDRBD else { return nil }
        if thread != nil { return Deadline(threadStarted + Self.readLimit) }
        if child != nil { return child!.nextWake(now: now) }
        return Deadline(nextRead)
    }

    /// Starts a read when it is due; returns the facts when a read finished.
    func service(ready: [(descriptor: Int32, events: PollEvents)], now: ContinuousClock.Instant = .now) -> [LUNName: DiskFact]? {
        guard readsDRBD else { return nil }
        if let pending = thread {
            guard let states = pending.wait(until: Deadline(now)) else {
                guard now - threadStarted >= Self.readLimit else { return nil }
                thread = nil
                netlinkBlocked = true
                return facts(from: nil)
            }
            thread = nil
            if let states { return facts(from: states) }
            return startChild(now: now)  // the netlink read failed: drbdsetup answers this round
        }
        if child == nil {
            guard now >= nextRead else { return nil }
            nextRead = now + interval
            if !netlinkBlocked && moduleLoaded() {
                thread = BoundedCall.start { (try? DRBDNetlink.states(deadline: .after(Self.readLimit))) ?? nil }
                threadStarted = now
                return nil
            }
            return startChild(now: now)
        }
        let mine = Set(child!.pollRequests().map(\.descriptor))
        for (fd, _) in ready where mine.contains(fd) { try? child!.handle(readyDescriptor: fd) }
        guard child!.nextWake(now: now) == nil else { return nil }
        var finished = child.take()!
        let result = finished.finish()
        guard result.succeeded else { return facts(from: nil) }
        return facts(from: try? Events2.states(from: result.outputText))
    }

    /// Starts `drbdsetup events2 --now all`; the facts at once when it cannot be started.
    private func startChild(now: ContinuousClock.Instant) -> [LUNName: DiskFact]? {
        do {
            child = try runner.start(Command("drbdsetup", ["events2", "--now", "all"]), deadline: Deadline.after(Self.readLimit, now: now))
        } catch {
            return facts(from: nil)
        }
        return nil
    }

    /// Each LUN's fact from the resources read (nil: the read failed).
    func facts(from states: [DRBDResourceState]?) -> [LUNName: DiskFact] {
        var facts: [LUNName: DiskFact] = [:]
        for (name, drbd) in luns {
            guard let drbd else {
                facts[name] = .notReplicated
                continue
            }
            guard let states, let state = states.first(where: { $0.name == drbd }), let device = state.devices.first else {
                facts[name] = .unknown
                continue
            }
            facts[name] = Self.fact(device.disk)
        }
        return facts
    }

    static func fact(_ disk: DiskState) -> DiskFact {
        switch disk {
        case .upToDate: .upToDate
        case .outdated: .outdated
        case .inconsistent: .inconsistent
        case .diskless: .diskless
        case .failed: .failed
        default: .unknown
        }
    }
}
