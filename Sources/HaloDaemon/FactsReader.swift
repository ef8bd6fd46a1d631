import HaloCluster
import HaloDRBD
import HaloSystem

/// Reads this node's facts every `interval`: each LUN's DRBD disk state, from one
/// `drbdsetup events2 --now all` (drbd-utils' machine format, parsed by HaloDRBD) run as a
/// `ChildProcess` so that a hung DRBD never stalls the loop. A LUN without DRBD is
/// `notReplicated`; a resource that is not up, or a read that failed, is `unknown` (never
/// assumed UpToDate).
final class FactsReader {
    private let luns: [(name: LUNName, drbd: String?)]
    private let interval: Duration
    private var child: ChildProcess?
    private var nextRead: ContinuousClock.Instant
    private let runner = ProcessRunner()

    init(configuration: ClusterConfiguration, now: ContinuousClock.Instant = .now) {
        luns = configuration.luns.map { ($0.name, $0.drbdResource) }
        interval = configuration.local.factsInterval
        nextRead = now
    }

    /// Whether any LUN is replicated (otherwise the facts never change).
    var readsDRBD: Bool { luns.contains { $0.drbd != nil } }

    /// The facts when no LUN is replicated.
    var staticFacts: [LUNName: DiskFact] { Dictionary(uniqueKeysWithValues: luns.map { ($0.name, DiskFact.notReplicated) }) }

    func pollRequests() -> [PollRequest] { child?.pollRequests() ?? [] }

    func nextWake(now: ContinuousClock.Instant = .now) -> Deadline? {
        guard readsDRBD else { return nil }
        if child != nil { return child!.nextWake(now: now) }
        return Deadline(nextRead)
    }

    /// Starts a read when it is due; returns the facts when a read finished.
    func service(ready: [(descriptor: Int32, events: PollEvents)], now: ContinuousClock.Instant = .now) -> [LUNName: DiskFact]? {
        guard readsDRBD else { return nil }
        if child == nil {
            guard now >= nextRead else { return nil }
            nextRead = now + interval
            do {
                child = try runner.start(Command("drbdsetup", ["events2", "--now", "all"]), deadline: Deadline.after(.seconds(10), now: now))
            } catch {
                return Dictionary(uniqueKeysWithValues: luns.map { ($0.name, $0.drbd == nil ? DiskFact.notReplicated : .unknown) })
            }
            return nil
        }
        let mine = Set(child!.pollRequests().map(\.descriptor))
        for (fd, _) in ready where mine.contains(fd) { try? child!.handle(readyDescriptor: fd) }
        guard child!.nextWake(now: now) == nil else { return nil }
        var finished = child.take()!
        let result = finished.finish()
        return facts(from: result.succeeded ? result.outputText : nil)
    }

    /// Each LUN's fact from the events2 text (nil: the read failed).
    func facts(from text: String?) -> [LUNName: DiskFact] {
        var facts: [LUNName: DiskFact] = [:]
        for (name, drbd) in luns {
            guard let drbd else {
                facts[name] = .notReplicated
                continue
            }
            guard let text, let state = try? Events2.state(of: drbd, from: text), let device = state.devices.first else {
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
