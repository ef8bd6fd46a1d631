/// A decision worth telling the admin about, as the state machine reports it; the daemon
/// writes it to the journal. The message is constant; the data is in dotted metadata keys.
public struct ClusterLogEntry: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable, Comparable {
        case debug, info, notice, warning, error

        public static func < (lhs: Self, rhs: Self) -> Bool {
            let order: [Level] = [.debug, .info, .notice, .warning, .error]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public var level: Level
    public var message: String
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, node: NodeID? = nil, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        var metadata = metadata
        if let node { metadata["halo.node"] = String(node.rawValue) }
        self.metadata = metadata
    }
}
