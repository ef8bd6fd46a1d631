import HaloCryptsetup
import HaloSystem

// What the agent reads from the system, as values. The reading itself is in
// Observation+Sysfs.swift, Observation+Users.swift and Observation+Devices.swift.

/// A block device number, `major:minor`, as sysfs `dev` attributes and `st_rdev` give it.
struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    let major: UInt32
    let minor: UInt32

    /// From a sysfs `dev` attribute or a mountinfo field: `253:0`.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.major = major
        self.minor = minor
    }

    init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// The device a block device node stands for.
    init(_ info: FileInfo) {
        self.init(major: info.deviceMajor, minor: info.deviceMinor)
    }

    var description: String { "\(major):\(minor)" }
}

/// What a device-mapper device is, from its dm UUID.
///
/// cryptsetup names every mapping it creates `CRYPT-<TYPE>-<header uuid without dashes>-<name>`
/// (captured: `CRYPT-LUKS2-58aba7b1d27a491abfb0fad5efeb5946-cr0`); LVM uses `LVM-…`, multipath
/// `mpath-…`. The UUID is the one structured fact sysfs gives about what a mapping is.
enum MappingKind: Hashable, Sendable {
    /// A LUKS mapping of the header with this UUID.
    case luks(LuksVersion, LuksUUID)
    /// A dm-crypt mapping of another kind (plain, BitLocker, TrueCrypt, verity, integrity).
    case otherCrypt(type: String)
    /// Not cryptsetup's: the dm UUID as found (empty when the mapping has none).
    case foreign(dmUUID: String)

    init(dmUUID: String) {
        let parts = dmUUID.split(separator: "-", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "CRYPT" else {
            self = .foreign(dmUUID: dmUUID)
            return
        }
        let version: LuksVersion? = switch parts[1] {
        case "LUKS1": .luks1
        case "LUKS2": .luks2
        default: nil
        }
        if let version, parts.count == 4, let uuid = LuksUUID(compact: parts[2]) {
            self = .luks(version, uuid)
        } else {
            self = .otherCrypt(type: String(parts[1]))
        }
    }
}

/// A device-mapper device found under the configured name.
struct Mapping: Hashable, Sendable {
    /// The kernel's name, `dm-0`.
    let kernelName: String
    let deviceNumber: DeviceNumber?
    let kind: MappingKind
    /// The devices the mapping's table uses (sysfs `slaves/`): one for a dm-crypt mapping,
    /// none once its table has been replaced by an error target.
    let backing: [BackingDevice]
}

/// A device under a mapping.
struct BackingDevice: Hashable, Sendable {
    let kernelName: String
    let deviceNumber: DeviceNumber?
}

/// Whether a mapping of the configured name exists.
enum MappingState: Hashable, Sendable {
    case absent
    case present(Mapping)
}

/// What the configured device is on this node, to the degree needed to tell whether an open
/// mapping uses it.
enum ConfiguredIdentity: Hashable, Sendable {
    /// Configured by header UUID: compared with the UUID in the mapping's dm UUID, no device read.
    case uuid(LuksUUID)
    /// Configured by path: the device number of the block device the path names.
    case device(path: String, DeviceNumber)
    /// Configured by path, and the path names no block device here (`ENOENT`, `ENOTBLK`, …).
    case unavailable(path: String, Errno)
}

/// The depth-10 facts about an open mapping, all from sysfs except the header.
struct MappingHealth: Hashable, Sendable {
    var isSuspended: Bool
    /// Size in 512-byte sectors; 0 for a device-mapper device without a live table.
    var sectors: UInt64
    var isReadOnly: Bool
    /// `queue/discard_max_bytes`: above 0 when discards pass through the mapping.
    var discardMaxBytes: UInt64
    var backing: [BackingHealth]
    /// The backing device's first block, read when `header_check=monitor`.
    var header: HeaderReading?
}

/// The depth-10 facts about a device under the mapping.
struct BackingHealth: Hashable, Sendable {
    var kernelName: String
    var sectors: UInt64
    /// `device/state` of a SCSI disk (`running`, `offline`, `blocked`); `nil` for devices that
    /// have none (virtio, MD, DRBD, NVMe).
    var scsiState: String?
    var discardMaxBytes: UInt64
}

/// The first block of a device, as far as LUKS goes.
enum HeaderReading: Hashable, Sendable {
    case luks(LuksHeaderIdentity)
    /// No LUKS magic: the header is gone.
    case notLuks
    /// The read failed, or the device did not answer it in time (`BoundedReader`).
    case unreadable(path: String, ReadFailure)

    /// Whether the device did not answer: its I/O hangs, so reading through anything stacked
    /// on it would hang too.
    var isUnanswered: Bool {
        if case .unreadable(_, .noAnswer) = self { return true }
        return false
    }
}

/// What the depth-20 read through the mapping found.
enum DeepRead: Hashable, Sendable {
    case readable
    case failed(path: String, ReadFailure)
}

/// Everything a monitor decides on. Deeper fields are filled only at the depths that use them.
struct MonitorObservation: Hashable, Sendable {
    var mapping: MappingState
    /// Filled when a mapping of the configured name exists.
    var identity: ConfiguredIdentity?
    /// Depth ≥ 10.
    var health: MappingHealth?
    /// Depth 20.
    var deepRead: DeepRead?
}

/// Who keeps a mapping open, for stop.
struct Users: Hashable, Sendable {
    /// Devices stacked on the mapping (sysfs `holders/`): DRBD, LVM, another mapping.
    var holders: [Holder] = []
    /// Mount points of file systems on the mapping (this mount namespace).
    var mounts: [String] = []
    /// Swap areas on the mapping.
    var swaps: [String] = []
    /// Processes with the mapping's device node open.
    var processes: [ProcessUse] = []

    var isEmpty: Bool { holders.isEmpty && mounts.isEmpty && swaps.isEmpty && processes.isEmpty }
}

/// A device stacked on the mapping.
struct Holder: Hashable, Sendable, CustomStringConvertible {
    let kernelName: String
    /// For a device-mapper holder, its dm name.
    let mappingName: String?

    var description: String { mappingName.map { "\(kernelName) (\($0))" } ?? kernelName }
}

/// A process with the mapping open.
struct ProcessUse: Hashable, Sendable, CustomStringConvertible {
    let pid: Int32
    let command: String

    var description: String { "\(command)[\(pid)]" }
}

/// The block device the configured `device` resolves to on this node.
enum DeviceResolution: Hashable, Sendable {
    case found(path: String, DeviceNumber)
    /// Configured by path, and the path is missing or unusable (`ENOENT`, `EACCES`, `ENOTBLK`).
    case pathUnusable(path: String, Errno)
    /// Configured by path, and the device did not answer a read of its first block within
    /// `within`: its I/O hangs, and libcryptsetup's own reads (which nothing can bound) would hang
    /// the agent.
    case unanswered(path: String, within: Duration)
    /// No readable block device of this node carries the UUID; `unreadable` are the devices
    /// whose first block could not be read (a DRBD Secondary answers `EMEDIUMTYPE`) or that did
    /// not answer in time.
    case uuidNotFound(LuksUUID, unreadable: [UnreadableDevice])
    /// More than one top-level device carries the UUID.
    case uuidAmbiguous(LuksUUID, paths: [String])
}

/// A device the UUID scan could not read, or that did not answer in time.
struct UnreadableDevice: Hashable, Sendable, CustomStringConvertible {
    let path: String
    let failure: ReadFailure

    var description: String { "\(path) (\(failure.symbol))" }
}

/// One block device as the UUID scan saw it.
struct ScannedDevice: Hashable, Sendable {
    let kernelName: String
    let path: String
    let deviceNumber: DeviceNumber
    /// Whether another device is stacked on it (an MD member, DRBD's backing disk, an open
    /// mapping's device): such a device is never the one to open.
    let isHeld: Bool
    /// Its first block; `nil` when it was not read (held, or empty).
    let header: HeaderReading?
}

/// The key file as opened, before any byte of it is read.
enum KeyFileFacts: Hashable, Sendable {
    case opened(FileInfo)
    case unopenable(Errno)
}

/// Depth-20 checks of validate-all: the header and the key, through libcryptsetup.
enum HeaderAndKey: Hashable, Sendable {
    case verified(LuksVersion, uuid: String?)
    case failed(CryptsetupError)
}

/// What start and validate-all check on this node before anything is opened.
struct EnvironmentObservation: Hashable, Sendable {
    var device: DeviceResolution
    var keyFile: KeyFileFacts
    /// Whether the kernel has a device-mapper (`/sys/class/misc/device-mapper`, or its control node).
    var hasDeviceMapper: Bool
    /// `nil` until libcryptsetup was loaded; the error when it could not be.
    var libraryProblem: CryptsetupError?
    /// validate-all at depth 20 only.
    var headerAndKey: HeaderAndKey?
}
