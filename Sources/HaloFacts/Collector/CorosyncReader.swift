import HaloCorosync
import HaloSystem

/// corosync's part of the facts, from its configuration map (libcmap): the running settings,
/// never corosync.conf's text. libcmap waits for corosync without a timeout, so the map is read
/// on a thread of its own, bounded by the deadline (`BoundedCall`).
enum CorosyncReader {
    static func read(deadline: Deadline) -> Reading<CorosyncFacts> {
        let answer: Result<CorosyncFacts, CorosyncError>? = BoundedCall.run(deadline: deadline) { readMap() }
        switch answer {
        case nil: return .failed("corosync did not answer in time (its configuration map, libcmap)")
        case .success(let facts)?: return .read(facts)
        case .failure(let error)?: return .failed("corosync's configuration map: \(error)")
        }
    }

    /// Connects, reads and disconnects (all on the calling thread).
    static func readMap() -> Result<CorosyncFacts, CorosyncError> {
        do throws(CorosyncError) {
            let map = try ConfigurationMap()
            let settings = try map.settings()
            let nodes = try map.nodes()
            return .success(.running(CorosyncFacts.Settings(
                clusterName: settings.clusterName, tokenMilliseconds: settings.tokenMilliseconds.map(Int.init),
                consensusMilliseconds: settings.consensusMilliseconds.map(Int.init), isTwoNode: settings.isTwoNode,
                waitsForAll: settings.waitsForAll, nodes: nodes.map { $0.name ?? $0.addresses.first ?? "node \($0.id)" })))
        } catch .notRunning {
            return .success(.notRunning)
        } catch {
            return .failure(error)
        }
    }
}
