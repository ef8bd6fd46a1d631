import HaloJSON

/// corosync on this node, as its configuration map (libcmap) holds the running settings.
public enum CorosyncFacts: Sendable, Hashable {
    /// No corosync answers here (its IPC socket is not there: `CS_ERR_LIBRARY`).
    case notRunning
    case running(Settings)

    /// What the running corosync was configured with, as it applied it.
    public struct Settings: Sendable, Hashable {
        public var clusterName: String?
        /// The effective token timeout (`runtime.config.totem.token`: token + token_coefficient
        /// × (nodes − 2)).
        public var tokenMilliseconds: Int?
        /// `runtime.config.totem.consensus`.
        public var consensusMilliseconds: Int?
        /// `quorum.two_node`.
        public var isTwoNode: Bool
        /// `quorum.wait_for_all` when set explicitly (two_node turns it on by default).
        public var waitsForAll: Bool?
        /// The node list's names (or ring0 addresses where a node has no name).
        public var nodes: [String]
        /// Those of `nodes` in corosync's membership now (`runtime.members.<id>.status` is
        /// `joined`); nil from an older haloctl that did not report it.
        public var members: [String]?

        public init(clusterName: String?, tokenMilliseconds: Int?, consensusMilliseconds: Int?, isTwoNode: Bool,
                    waitsForAll: Bool?, nodes: [String], members: [String]? = nil) {
            self.clusterName = clusterName
            self.tokenMilliseconds = tokenMilliseconds
            self.consensusMilliseconds = consensusMilliseconds
            self.isTwoNode = isTwoNode
            self.waitsForAll = waitsForAll
            self.nodes = nodes
            self.members = members
        }
    }
}

extension CorosyncFacts {
    /// What a reader that did not return in time reads as.
    public static let noAnswer = Reading<CorosyncFacts>.failed("corosync did not answer in time (its configuration map, libcmap)")

    /// What corosync's part reads as where it was not asked for: `halo-facts`, halo-agent's
    /// static reader of the facts status, move and drain need, links none of corosync's
    /// libraries (`haloctl facts` reads it).
    public static let notAsked = Reading<CorosyncFacts>.failed("not asked for (halo-facts; haloctl facts reads corosync)")
}

extension CorosyncFacts {
    var json: JSONValue {
        switch self {
        case .notRunning:
            return .object([("running", .bool(false))])
        case .running(let settings):
            return .object([
                ("running", .bool(true)),
                ("cluster_name", .optional(settings.clusterName)),
                ("token_ms", .optional(settings.tokenMilliseconds)),
                ("consensus_ms", .optional(settings.consensusMilliseconds)),
                ("two_node", .bool(settings.isTwoNode)),
                ("wait_for_all", .optional(settings.waitsForAll)),
                ("nodes", .array(settings.nodes.map(JSONValue.string))),
                ("members", settings.members.map { .array($0.map(JSONValue.string)) } ?? .null),
            ])
        }
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        guard try object.bool("running") else {
            self = .notRunning
            return
        }
        self = .running(Settings(
            clusterName: try object.optionalString("cluster_name"), tokenMilliseconds: try object.optionalInt("token_ms"),
            consensusMilliseconds: try object.optionalInt("consensus_ms"), isTwoNode: try object.bool("two_node"),
            waitsForAll: try object.optionalBool("wait_for_all"), nodes: try object.strings("nodes"),
            members: object.optionalValue("members") == nil ? nil : try object.strings("members")))
    }
}
