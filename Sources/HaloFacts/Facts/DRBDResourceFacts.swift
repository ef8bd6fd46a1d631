import HaloDRBD
import HaloJSON

/// One DRBD resource as this node sees it now (from `drbdsetup events2 --now --statistics all`):
/// its role and volumes, and per peer the connection, the peer's role and the peer's disks.
public struct DRBDResourceFacts: Sendable, Hashable {
    /// A local volume.
    public struct Volume: Sendable, Hashable {
        public var number: Int
        public var minor: Int?
        public var disk: DiskState
        public var sizeKiB: Int?

        public init(number: Int, minor: Int?, disk: DiskState, sizeKiB: Int?) {
            self.number = number
            self.minor = minor
            self.disk = disk
            self.sizeKiB = sizeKiB
        }
    }

    /// A volume as a peer holds it.
    public struct PeerVolume: Sendable, Hashable {
        public var number: Int
        public var replication: ReplicationState
        public var peerDisk: DiskState
        /// What suspends the resync (`user`, `peer`, `dependency`…); `nil` when nothing does.
        public var resyncSuspendedBy: String?
        /// KiB the peer's copy (or ours, as SyncTarget) still lacks.
        public var outOfSyncKiB: Int?

        public init(number: Int, replication: ReplicationState, peerDisk: DiskState, resyncSuspendedBy: String?, outOfSyncKiB: Int?) {
            self.number = number
            self.replication = replication
            self.peerDisk = peerDisk
            self.resyncSuspendedBy = resyncSuspendedBy
            self.outOfSyncKiB = outOfSyncKiB
        }
    }

    /// One peer.
    public struct Connection: Sendable, Hashable {
        public var peerNodeID: Int
        /// The connection's name (`conn-name`: the peer's host name from the configuration);
        /// DRBD drops it while StandAlone.
        public var peerName: String?
        public var state: ConnectionState
        public var peerRole: DRBDRole
        public var volumes: [PeerVolume]

        public init(peerNodeID: Int, peerName: String?, state: ConnectionState, peerRole: DRBDRole, volumes: [PeerVolume]) {
            self.peerNodeID = peerNodeID
            self.peerName = peerName
            self.state = state
            self.peerRole = peerRole
            self.volumes = volumes
        }
    }

    public var name: String
    public var role: DRBDRole
    /// What suspends I/O (`fencing`, `quorum`, `no-data`, `user`, comma-separated); `nil`
    /// when I/O flows.
    public var suspendedBy: String?
    public var volumes: [Volume]
    public var connections: [Connection]

    public init(name: String, role: DRBDRole, suspendedBy: String?, volumes: [Volume], connections: [Connection]) {
        self.name = name
        self.role = role
        self.suspendedBy = suspendedBy
        self.volumes = volumes
        self.connections = connections
    }

    /// The facts of a resource as HaloDRBD read it from events2.
    public init(_ state: DRBDResourceState) {
        func meaningful(_ text: String?) -> String? { text == "no" ? nil : text }
        name = state.name
        role = state.role
        suspendedBy = meaningful(state.suspended)
        volumes = state.devices.map { Volume(number: $0.volume, minor: $0.minor, disk: $0.disk, sizeKiB: $0.sizeKiB) }
        connections = state.connections.map { connection in
            Connection(
                peerNodeID: connection.peerNodeID, peerName: connection.name, state: connection.state, peerRole: connection.peerRole,
                volumes: state.peerDevices.filter { $0.peerNodeID == connection.peerNodeID }.map {
                    PeerVolume(number: $0.volume, replication: $0.replication, peerDisk: $0.peerDisk,
                               resyncSuspendedBy: meaningful($0.resyncSuspended), outOfSyncKiB: $0.outOfSyncKiB)
                })
        }
    }

    /// How far a resync of `volume` with `peer` has come, in percent (0–100), as drbdsetup
    /// status computes it: `100 × (1 − out-of-sync / size)`; `nil` when no resync runs or the
    /// numbers are not known (events2 without `--statistics`).
    public func resyncPercentDone(volume: Int, peerNodeID: Int) -> Double? {
        guard let peerVolume = connections.first(where: { $0.peerNodeID == peerNodeID })?.volumes.first(where: { $0.number == volume }),
              peerVolume.replication.isResyncing,
              let outOfSync = peerVolume.outOfSyncKiB,
              let size = volumes.first(where: { $0.number == volume })?.sizeKiB, size > 0 else { return nil }
        return max(0, min(100, 100 * (1 - Double(outOfSync) / Double(size))))
    }
}

extension DRBDResourceFacts {
    var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("role", .string(role.rawValue)),
            ("suspended_by", .optional(suspendedBy)),
            ("volumes", .array(volumes.map { volume in
                .object([("volume", .int(volume.number)), ("minor", .optional(volume.minor)),
                         ("disk", .string(volume.disk.rawValue)), ("size_kib", .optional(volume.sizeKiB))])
            })),
            ("connections", .array(connections.map { connection in
                .object([
                    ("peer_node_id", .int(connection.peerNodeID)),
                    ("peer_name", .optional(connection.peerName)),
                    ("connection", .string(connection.state.rawValue)),
                    ("peer_role", .string(connection.peerRole.rawValue)),
                    ("volumes", .array(connection.volumes.map { peer in
                        .object([
                            ("volume", .int(peer.number)),
                            ("replication", .string(peer.replication.rawValue)),
                            ("peer_disk", .string(peer.peerDisk.rawValue)),
                            ("resync_suspended_by", .optional(peer.resyncSuspendedBy)),
                            ("out_of_sync_kib", .optional(peer.outOfSyncKiB)),
                            // Derived, for scripts; not read back.
                            ("resync_percent_done", .optional(resyncPercentDone(volume: peer.number, peerNodeID: connection.peerNodeID)
                                .map { Int($0.rounded(.down)) })),
                        ])
                    })),
                ])
            })),
        ])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        name = try object.string("name")
        role = try object.named("role", DRBDRole.self)
        suspendedBy = try object.optionalString("suspended_by")
        volumes = try object.array("volumes") { (value, path) throws(FactsDecodingError) in
            let volume = try JSONObject(value, path: path)
            return Volume(number: try volume.int("volume"), minor: try volume.optionalInt("minor"),
                          disk: try volume.named("disk", DiskState.self), sizeKiB: try volume.optionalInt("size_kib"))
        }
        connections = try object.array("connections") { (value, path) throws(FactsDecodingError) in
            let connection = try JSONObject(value, path: path)
            return Connection(
                peerNodeID: try connection.int("peer_node_id"), peerName: try connection.optionalString("peer_name"),
                state: try connection.named("connection", ConnectionState.self), peerRole: try connection.named("peer_role", DRBDRole.self),
                volumes: try connection.array("volumes") { (value, path) throws(FactsDecodingError) in
                    let peer = try JSONObject(value, path: path)
                    return PeerVolume(
                        number: try peer.int("volume"), replication: try peer.named("replication", ReplicationState.self),
                        peerDisk: try peer.named("peer_disk", DiskState.self), resyncSuspendedBy: try peer.optionalString("resync_suspended_by"),
                        outOfSyncKiB: try peer.optionalInt("out_of_sync_kib"))
                })
        }
    }
}
