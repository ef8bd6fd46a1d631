import HaloSystem

/// How the model finds what an `add_device … filename=PATH` names: the real file system of the
/// machine it runs on (a loop device, an image file), plus block devices declared to exist only
/// in the model, for replaying a capture taken on another machine (`/dev/vdb` of the lab guest).
public struct BackingStores: Sendable {
    /// Block devices that exist only in the model: path → size in bytes.
    public var virtualBlockDevices: [String: UInt64]

    public init(virtualBlockDevices: [String: UInt64] = [:]) {
        self.virtualBlockDevices = virtualBlockDevices
    }

    /// What opening `path` for `handler` finds.
    struct Opened: Sendable, Hashable {
        let size: UInt64
        /// The device number of a block device (held exclusively by a blockio device).
        let blockDevice: UInt64?
        /// The backing store discards (SCST turns on thin provisioning by itself then).
        let discards: Bool
    }

    /// Opens `path` as SCST's vdisk would for `handler`.
    ///
    /// - Returns: `ENOENT` when nothing is there, `ENOTBLK` when blockio is given something that
    ///   is not a block device (not captured: the kernel's answer for that case).
    func open(_ path: String, for handler: VdiskHandler) -> Result<Opened, Errno> {
        if let size = virtualBlockDevices[path] {
            return .success(Opened(size: size, blockDevice: UInt64(truncatingIfNeeded: path.hashValue) | 1 << 63, discards: true))
        }
        let info: FileInfo
        do {
            info = try FileSystem.info(path)
        } catch {
            return .failure(error)
        }
        switch info.type {
        case .blockDevice:
            let base = "/sys/dev/block/\(info.deviceMajor):\(info.deviceMinor)"
            let sectors = (try? FileSystem.readBytes("\(base)/size")).flatMap { UInt64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: "\n")) } ?? 0
            let discard = Self.number("\(base)/queue/discard_max_bytes") ?? Self.number("\(base)/../queue/discard_max_bytes") ?? 0
            return .success(Opened(size: sectors * 512, blockDevice: info.deviceNumber, discards: discard > 0))
        case .regular where handler == .fileio:
            return .success(Opened(size: UInt64(max(info.size, 0)), blockDevice: nil, discards: true))
        case .regular:
            return .failure(.notBlockDevice)
        default:
            return .failure(.invalidArgument)
        }
    }

    static func number(_ path: String) -> UInt64? {
        (try? FileSystem.readBytes(path)).flatMap { UInt64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: "\n")) }
    }
}
