/// A DRBD role.
public enum DRBDRole: String, Sendable, Hashable {
    case primary = "Primary", secondary = "Secondary", unknown = "Unknown"
}

/// A DRBD disk state, local or of a peer.
public enum DiskState: String, Sendable, Hashable, CaseIterable {
    case diskless = "Diskless", attaching = "Attaching", detaching = "Detaching", failed = "Failed"
    case negotiating = "Negotiating", inconsistent = "Inconsistent", outdated = "Outdated"
    case unknown = "DUnknown", consistent = "Consistent", upToDate = "UpToDate"

    /// Disk states in the middle of a change (the score keeps its value through them).
    public var isTransitional: Bool { [.attaching, .detaching, .negotiating].contains(self) }
}

/// A DRBD connection state (DRBD 9 names; DRBD 8.4 reports the same names through events2).
public enum ConnectionState: String, Sendable, Hashable {
    case standAlone = "StandAlone", disconnecting = "Disconnecting", unconnected = "Unconnected"
    case timeout = "Timeout", brokenPipe = "BrokenPipe", networkFailure = "NetworkFailure"
    case protocolError = "ProtocolError", tearDown = "TearDown", connecting = "Connecting"
    case connected = "Connected"
}

/// A DRBD replication state.
public enum ReplicationState: String, Sendable, Hashable {
    case off = "Off", established = "Established", startingSyncSource = "StartingSyncS"
    case startingSyncTarget = "StartingSyncT", waitingForBitmapSource = "WFBitMapS"
    case waitingForBitmapTarget = "WFBitMapT", waitingForSyncUUID = "WFSyncUUID", syncSource = "SyncSource"
    case syncTarget = "SyncTarget", verifySource = "VerifyS", verifyTarget = "VerifyT"
    case pausedSyncSource = "PausedSyncS", pausedSyncTarget = "PausedSyncT", ahead = "Ahead", behind = "Behind"

    public var isResyncing: Bool {
        [.syncSource, .syncTarget, .pausedSyncSource, .pausedSyncTarget, .startingSyncSource, .startingSyncTarget,
         .waitingForBitmapSource, .waitingForBitmapTarget, .waitingForSyncUUID].contains(self)
    }
}

/// One DRBD resource on this node, as `drbdsetup events2 --now` reports it: its role, every
/// local volume's disk, every peer's connection and role, every peer volume's disk and
/// replication.
public struct DRBDResourceState: Sendable, Hashable {
    public struct Device: Sendable, Hashable {
        public var volume: Int
        public var minor: Int?
        public var disk: DiskState
        /// DRBD 9: the node is an intentional diskless client.
        public var isClient: Bool?
        /// DRBD 9: this volume has quorum (8.4 has no quorum: `nil`).
        public var hasQuorum: Bool?
        /// DRBD 9: the device is open.
        public var isOpen: Bool?
        /// The device's size in KiB (`size:`, with `--statistics`).
        public var sizeKiB: Int?
    }

    public struct Connection: Sendable, Hashable {
        public var peerNodeID: Int
        public var name: String?
        public var state: ConnectionState
        public var peerRole: DRBDRole
    }

    public struct PeerDevice: Sendable, Hashable {
        public var peerNodeID: Int
        public var volume: Int
        public var replication: ReplicationState
        public var peerDisk: DiskState
        /// `no`, or why resync is suspended (`user`, `peer`, `dependency`…).
        public var resyncSuspended: String?
        /// KiB this peer's copy of the volume lacks (`out-of-sync:`, with `--statistics`).
        public var outOfSyncKiB: Int?
    }

    public var name: String
    public var role: DRBDRole
    /// `no`, or what suspended I/O (`user`, `fencing`, `quorum`, `no-data`, comma-separated).
    public var suspended: String?
    /// DRBD 9: the kernel would allow promotion now.
    public var mayPromote: Bool?
    /// DRBD 9: the kernel's own promotion score.
    public var promotionScore: Int?
    public var devices: [Device] = []
    public var connections: [Connection] = []
    public var peerDevices: [PeerDevice] = []

    public init(name: String, role: DRBDRole) {
        self.name = name
        self.role = role
    }

    /// I/O is suspended (fencing in progress, no quorum, no data, or by the administrator).
    public var isSuspended: Bool { suspended.map { $0 != "no" } ?? false }

    /// Every local volume is UpToDate.
    public var allDisksUpToDate: Bool { !devices.isEmpty && devices.allSatisfy { $0.disk == .upToDate } }

    /// Every local volume is at least Consistent.
    public var allDisksConsistent: Bool {
        !devices.isEmpty && devices.allSatisfy { $0.disk == .upToDate || $0.disk == .consistent }
    }

    /// Some volume has no local data (detached, failed, or a diskless client).
    public var hasDisklessVolume: Bool { devices.contains { $0.disk == .diskless || $0.disk == .failed } }

    /// Whether a connected peer has every volume UpToDate.
    public var aConnectedPeerIsUpToDate: Bool {
        connections.contains { connection in
            connection.state == .connected
                && devices.allSatisfy { device in
                    peerDevices.contains { $0.peerNodeID == connection.peerNodeID && $0.volume == device.volume && $0.peerDisk == .upToDate }
                }
        }
    }

    /// Whether some peer's disk state is unknown (not connected).
    public var somePeerDiskUnknown: Bool {
        peerDevices.isEmpty || peerDevices.contains { $0.peerDisk == .unknown }
    }

    /// A peer is Primary.
    public var aPeerIsPrimary: Bool { connections.contains { $0.peerRole == .primary } }

    /// DRBD 9 quorum: `false` when some volume lost it; `nil` on DRBD 8.4 (no quorum in the kernel).
    public var hasQuorum: Bool? {
        let known = devices.compactMap(\.hasQuorum)
        return known.isEmpty ? nil : known.allSatisfy { $0 }
    }
}
