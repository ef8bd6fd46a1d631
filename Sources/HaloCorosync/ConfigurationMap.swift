import CCorosync
import Glibc

/// Read access to corosync's configuration map (cmap): the node list and the settings of
/// the running corosync, as corosync itself holds them (never parsed from corosync.conf).
///
/// The handle is finalised when the value is dropped.
public struct ConfigurationMap: ~Copyable {
    private let handle: cmap_handle_t

    /// Connects to corosync's cmap service.
    ///
    /// - Throws: `.notRunning` without corosync. The corresponding C function is `cmap_initialize`.
    public init() throws(CorosyncError) {
        var handle: cmap_handle_t = 0
        try check(cmap_initialize(&handle), "cmap_initialize")
        self.handle = handle
    }

    deinit { _ = cmap_finalize(handle) }

    /// The value of an unsigned 32-bit key, or nil when the key does not exist.
    ///
    /// The corresponding C function is `cmap_get_uint32`.
    public func uint32(_ key: String) throws(CorosyncError) -> UInt32? {
        var value: UInt32 = 0
        do {
            try check(cmap_get_uint32(handle, key, &value), "cmap_get_uint32 \(key)")
        } catch .notFound {
            return nil
        }
        return value
    }

    /// The value of an unsigned 8-bit key (corosync's booleans), or nil when it does not exist.
    ///
    /// The corresponding C function is `cmap_get_uint8`.
    public func uint8(_ key: String) throws(CorosyncError) -> UInt8? {
        var value: UInt8 = 0
        do {
            try check(cmap_get_uint8(handle, key, &value), "cmap_get_uint8 \(key)")
        } catch .notFound {
            return nil
        }
        return value
    }

    /// The value of a string key, or nil when it does not exist.
    ///
    /// The corresponding C function is `cmap_get_string`.
    public func string(_ key: String) throws(CorosyncError) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        do {
            try check(cmap_get_string(handle, key, &value), "cmap_get_string \(key)")
        } catch .notFound {
            return nil
        }
        defer { free(value) }
        return value.map { String(cString: $0) }
    }

    /// The cluster's nodes as corosync.conf's `nodelist` declares them, in its order.
    ///
    /// - Parameter withAddresses: false reads the addresses of a node without a name only:
    ///   every key is a round trip to corosync (10 per node with them, 2 without; in the UML
    ///   lab about 4 ms each), and who is a member needs only the names.
    public func nodes(withAddresses: Bool = true) throws(CorosyncError) -> [CorosyncNode] {
        var nodes: [CorosyncNode] = []
        var index = 0
        while let id = try uint32("nodelist.node.\(index).nodeid") {
            let name = try string("nodelist.node.\(index).name")
            var addresses: [String] = []
            for ring in 0..<8 where withAddresses || name == nil {
                if let address = try string("nodelist.node.\(index).ring\(ring)_addr") { addresses.append(address) }
            }
            nodes.append(CorosyncNode(id: id, name: name, addresses: addresses))
            index += 1
        }
        return nodes
    }

    /// Those of `nodes` (the node list) that are members of corosync's membership now: those whose
    /// `runtime.members.<nodeid>.status` is `joined` (a node that left says `left`; one that
    /// never joined has no key).
    public func joinedNodes(among nodes: [CorosyncNode]) throws(CorosyncError) -> [CorosyncNode] {
        var joined: [CorosyncNode] = []
        for node in nodes where try string("runtime.members.\(node.id).status") == "joined" {
            joined.append(node)
        }
        return joined
    }

    /// The settings halod's decisions depend on.
    public func settings() throws(CorosyncError) -> CorosyncSettings {
        CorosyncSettings(
            clusterName: try string("totem.cluster_name"),
            tokenMilliseconds: try uint32("runtime.config.totem.token"),
            consensusMilliseconds: try uint32("runtime.config.totem.consensus"),
            isTwoNode: (try uint8("quorum.two_node") ?? 0) != 0,
            waitsForAll: try uint8("quorum.wait_for_all").map { $0 != 0 })
    }
}

/// One node of corosync's node list.
public struct CorosyncNode: Sendable, Hashable {
    public var id: UInt32
    /// `name` from the node list, when it has one.
    public var name: String?
    /// ring0_addr, ring1_addr, … as written.
    public var addresses: [String]

    public init(id: UInt32, name: String?, addresses: [String]) {
        self.id = id
        self.name = name
        self.addresses = addresses
    }
}

/// corosync settings as the running corosync holds them.
public struct CorosyncSettings: Sendable, Hashable {
    public var clusterName: String?
    /// The effective token timeout (token + token_coefficient × (nodes − 2)).
    public var tokenMilliseconds: UInt32?
    public var consensusMilliseconds: UInt32?
    /// `quorum.two_node`: each of two nodes is quorate alone; fencing decides a split.
    public var isTwoNode: Bool
    /// `quorum.wait_for_all` when set explicitly (two_node turns it on by default).
    public var waitsForAll: Bool?

    public init(clusterName: String?, tokenMilliseconds: UInt32?, consensusMilliseconds: UInt32?, isTwoNode: Bool, waitsForAll: Bool?) {
        self.clusterName = clusterName
        self.tokenMilliseconds = tokenMilliseconds
        self.consensusMilliseconds = consensusMilliseconds
        self.isTwoNode = isTwoNode
        self.waitsForAll = waitsForAll
    }
}
