import HaloCorosync
import HaloFacts
import HaloSystem

/// corosync's part of the facts, from its configuration map (libcmap): the running settings,
/// never corosync.conf's text. libcmap waits for corosync without a timeout, so the collector
/// runs this on a thread of its own and waits for it only until the deadline (`BoundedCall`).
/// Here, not in HaloFacts, so that the facts module links none of corosync's libraries.
public enum CorosyncReader {
    /// Connects, reads and disconnects, on the calling thread.
    @Sendable public static func read() -> Reading<CorosyncFacts> {
        do throws(CorosyncError) {
            let map = try ConfigurationMap()
            let settings = try map.settings()
            let nodes = try map.nodes()
            let members = Set(try map.joinedNodes(among: nodes).map(\.id))
            return .read(.running(CorosyncFacts.Settings(
                clusterName: settings.clusterName, tokenMilliseconds: settings.tokenMilliseconds.map(Int.init),
                consensusMilliseconds: settings.consensusMilliseconds.map(Int.init), isTwoNode: settings.isTwoNode,
                waitsForAll: settings.waitsForAll, nodes: nodes.map(\.label), members: nodes.filter { members.contains($0.id) }.map(\.label))))
        } catch .notRunning {
            return .read(.notRunning)
        } catch {
            return .failed("corosync's configuration map: \(error)")
        }
    }

    /// The membership of the running corosync: the names of the joined nodes (nil when corosync
    /// cannot be asked or did not answer by `deadline`). What haloctl asks first, to read the
    /// members' facts while the cluster manager is still answering.
    public static func members(deadline: Deadline) -> [String]? {
        BoundedCall.run(deadline: deadline) { () -> [String]? in
            do throws(CorosyncError) {
                let map = try ConfigurationMap()
                return try map.joinedNodes(among: try map.nodes(withAddresses: false)).map(\.label)
            } catch {
                return nil
            }
        } ?? nil
    }
}

extension FactsCollector {
    /// This node's live facts, corosync's part included (haloctl's: `haloctl facts`).
    public static let withCorosync = FactsCollector(sources: Sources(corosync: CorosyncReader.read))
}

extension CorosyncNode {
    /// How the facts name a node: its name, else its first ring address, else its id.
    var label: String { name ?? addresses.first ?? "node \(id)" }
}
