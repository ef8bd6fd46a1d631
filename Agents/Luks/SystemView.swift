import HaloSystem

/// The system as the agent reads it — sysfs, procfs and device nodes — under one root: `/` on a
/// real node, a fixture tree in tests (`SystemView(root:reader:deadline:)`).
///
/// Every read here is a sysfs or procfs attribute, a directory listing, a `stat` or a direct
/// read of one block; libcryptsetup is not loaded. A block is read in a child process
/// (`BoundedReader`) that is given up at `deadline`: a device whose I/O hangs makes the read
/// a `ReadFailure.noAnswer`, never a hung agent. A device that disappears while it is being
/// read is treated as absent (its attributes vanish with it).
struct SystemView: Sendable {
    let kernel: KernelAttributes
    let reader: BoundedReader
    /// When every block read must have answered: the action's deadline.
    let deadline: Deadline

    init(root: String = "/", reader: BoundedReader, deadline: Deadline) {
        kernel = KernelAttributes(root: root)
        self.reader = reader
        self.deadline = deadline
    }

    /// The longest the UUID scan waits for one device: a device whose I/O hangs is listed as
    /// unanswered and the scan goes on, so one stuck device (another LUN's suspended DRBD,
    /// say) does not use up the whole start. A healthy device answers a 4 KiB read in
    /// milliseconds; a disk spinning up, in seconds.
    static let scanReadLimit = Duration.seconds(10)

    /// The first block of `path` (under this view's root), read past the page cache by the
    /// bounded reader, by `deadline` at the latest.
    func readFirstBlock(_ path: String, by deadline: Deadline) throws(ReadFailure) -> (info: FileInfo, bytes: [UInt8]) {
        try reader.read(resolve(path), length: 4096, mode: .direct, deadline: deadline)
    }

    /// The real path of `path` under this view's root.
    func resolve(_ path: String) -> String { kernel.resolve(path) }

    // MARK: The mapping (monitor depth 0: these reads only)

    /// The device-mapper device named `name`, found by reading `dm/name` of every `dm-*` under
    /// `/sys/block` — no `/dev/mapper` link (udev's) is needed.
    ///
    /// - Throws: the `errno` of listing `/sys/block` (no sysfs).
    func mapping(named name: MappingName) throws(Errno) -> MappingState {
        for entry in try kernel.list("/sys/block") where entry.hasPrefix("dm-") {
            let base = "/sys/block/\(entry)"
            guard let dmName = try? kernel.readValue("\(base)/dm/name"), dmName == name.text else { continue }
            let dmUUID = (try? kernel.readValue("\(base)/dm/uuid")) ?? ""
            let slaves = (try? kernel.list("\(base)/slaves")) ?? []
            return .present(Mapping(
                kernelName: entry, deviceNumber: deviceNumber("\(base)/dev"), kind: MappingKind(dmUUID: dmUUID),
                backing: slaves.map { BackingDevice(kernelName: $0, deviceNumber: deviceNumber("\(base)/slaves/\($0)/dev")) }))
        }
        return .absent
    }

    /// What the configured device is here, for comparing with a mapping: a UUID needs no read;
    /// a path is `stat`ed (no header read, no open).
    func identity(of device: EncryptedDevice) -> ConfiguredIdentity {
        switch device {
        case .uuid(let uuid):
            return .uuid(uuid)
        case .path(let path):
            do {
                let info = try FileSystem.info(resolve(path))
                guard info.type == .blockDevice else { return .unavailable(path: path, .notBlockDevice) }
                return .device(path: path, DeviceNumber(info))
            } catch {
                return .unavailable(path: path, error)
            }
        }
    }

    // MARK: Depth 10 and 20

    /// The depth-10 facts of an open mapping; with `readingHeaderOf`, also the first block of
    /// that device (the backing device's node).
    ///
    /// - Throws: the `errno` of a sysfs attribute every device-mapper device has.
    func health(of mapping: Mapping, readingHeaderOf headerPath: String?) throws(Errno) -> MappingHealth {
        let base = "/sys/block/\(mapping.kernelName)"
        var backing: [BackingHealth] = []
        for device in mapping.backing {
            let slave = "\(base)/slaves/\(device.kernelName)"
            backing.append(BackingHealth(
                kernelName: device.kernelName,
                sectors: try number("\(slave)/size"),
                scsiState: blockAttribute(slave, "device/state"),
                discardMaxBytes: blockAttribute(slave, "queue/discard_max_bytes").flatMap { UInt64($0) } ?? 0))
        }
        return MappingHealth(
            isSuspended: try kernel.readValue("\(base)/dm/suspended") == "1",
            sectors: try number("\(base)/size"),
            isReadOnly: try kernel.readValue("\(base)/ro") == "1",
            discardMaxBytes: try number("\(base)/queue/discard_max_bytes"),
            backing: backing,
            header: headerPath.map(header))
    }

    /// The LUKS identity at the start of the block device at `path`, read past the page cache.
    func header(_ path: String) -> HeaderReading {
        do {
            return LuksHeaderIdentity.reading(try readFirstBlock(path, by: deadline).bytes)
        } catch {
            return .unreadable(path: path, error)
        }
    }

    /// Reads one block through the mapping's device node (`/dev/dm-N`, which devtmpfs creates
    /// without udev), past the page cache.
    ///
    /// - Precondition: the mapping is not suspended (a read would wait until it is resumed).
    func deepRead(_ mapping: Mapping) -> DeepRead {
        let path = "/dev/\(mapping.kernelName)"
        do {
            let (info, _) = try readFirstBlock(path, by: deadline)
            guard DeviceNumber(info) == mapping.deviceNumber else { return .failed(path: path, .refused(.noSuchDeviceOrAddress)) }
            return .readable
        } catch {
            return .failed(path: path, error)
        }
    }

    /// Whether the kernel has a device-mapper: its misc device is registered (dm_mod loaded or
    /// built in), or opening its control node loads it. The node alone proves nothing:
    /// libdevmapper creates `/dev/mapper/control` itself, also on kernels without dm_mod.
    var hasDeviceMapper: Bool {
        if kernel.exists("/sys/class/misc/device-mapper") { return true }
        return (try? FileSystem.openAndClose(resolve("/dev/mapper/control"))) != nil
    }

    // MARK: Helpers

    func deviceNumber(_ path: String) -> DeviceNumber? {
        (try? kernel.readValue(path)).flatMap { DeviceNumber($0) }
    }

    func number(_ path: String) throws(Errno) -> UInt64 {
        let text = try kernel.readValue(path)
        guard let value = UInt64(text) else { throw .invalidArgument }
        return value
    }

    /// An attribute of a block device, or of its disk when the device is a partition (a
    /// partition has no `queue/` or `device/` of its own); `nil` when neither has it.
    func blockAttribute(_ device: String, _ name: String) -> String? {
        (try? kernel.readValue("\(device)/\(name)")) ?? (try? kernel.readValue("\(device)/../\(name)"))
    }
}
