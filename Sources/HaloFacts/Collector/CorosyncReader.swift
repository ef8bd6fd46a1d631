import HaloCorosync
import HaloSystem

/// corosync's part of the facts, from its configuration map (libcmap): the running settings,
/// never corosync.conf's text. libcmap waits for corosync without a timeout, so the collector
/// runs this on a thread of its own and waits for it only until the deadline (`BoundedCall`).
enum CorosyncReader {
    /// Connects, reads and disconnects, on the calling thread.
    static func read() -> Reading<CorosyncFacts> {
        do throws(CorosyncError) {
            let map = try ConfigurationMap()
            let settings = try map.settings()
            let nodes = try map.nodes()
            return .read(.running(CorosyncFacts.Settings(
                clusterName: settings.clusterName, tokenMilliseconds: settings.tokenMilliseconds.map(Int.init),
                consensusMilliseconds: settings.consensusMilliseconds.map(Int.init), isTwoNode: settings.isTwoNode,
                waitsForAll: settings.waitsForAll, nodes: nodes.map { $0.name ?? $0.addresses.first ?? "node \($0.id)" })))
        } catch .notRunning {
            return .read(.notRunning)
        } catch {
            return .failed("corosync's configuration map: \(error)")
        }
    }

    /// What a call that did not return in time reads as.
    static let noAnswer = Reading<CorosyncFacts>.failed("corosync did not answer in time (its configuration map, libcmap)")
}
