import HaloSystem

extension SystemView {
    /// The block device the configured `device` names on this node.
    ///
    /// A path is `stat`ed, and its first block read (bounded) to learn that the device answers
    /// before libcryptsetup reads it, unboundedly. A UUID is looked for in the first block of
    /// every block device in `/sys/class/block` (disks and partitions) that has a size and no
    /// holder, through its devtmpfs node `/dev/<kernel name>`; `LuksDecision.resolve` picks the
    /// answer.
    func resolve(_ device: EncryptedDevice) -> DeviceResolution {
        switch device {
        case .path(let path):
            switch identity(of: device) {
            case .device(_, let number):
                if case .unreadable(_, .noAnswer(let waited)) = header(path) { return .unanswered(path: path, within: waited) }
                return .found(path: path, number)
            case .unavailable(_, let errno): return .pathUnusable(path: path, errno)
            case .uuid: preconditionFailure("a path resolves to a device number or an errno")
            }
        case .uuid(let uuid):
            return LuksDecision.resolve(uuid, among: scanBlockDevices())
        }
    }

    /// Every block device with a size, and the LUKS identity of those no other device holds.
    func scanBlockDevices() -> [ScannedDevice] {
        var scanned: [ScannedDevice] = []
        for name in (try? kernel.list("/sys/class/block")) ?? [] {
            let base = "/sys/class/block/\(name)"
            guard let number = deviceNumber("\(base)/dev"), let sectors = try? self.number("\(base)/size"), sectors > 0
            else { continue }
            // Kernel names with a slash (cciss/c0d0) appear in sysfs with "!" instead.
            let path = "/dev/" + String(name.map { $0 == "!" ? "/" : $0 })
            let isHeld = !((try? kernel.list("\(base)/holders")) ?? []).isEmpty
            scanned.append(ScannedDevice(kernelName: name, path: path, deviceNumber: number, isHeld: isHeld,
                                         header: isHeld ? nil : header(path, expecting: number)))
        }
        return scanned
    }

    /// `header(path)`, but only when the node really is the device sysfs listed (a stale or
    /// foreign node under /dev is reported unreadable rather than trusted), and waiting at
    /// most `scanReadLimit` for it.
    func header(_ path: String, expecting number: DeviceNumber) -> HeaderReading {
        do {
            let (info, bytes) = try readFirstBlock(path, by: deadline.earlier(.after(Self.scanReadLimit)))
            guard DeviceNumber(info) == number else { return .unreadable(path: path, .refused(.noSuchDeviceOrAddress)) }
            return LuksHeaderIdentity.reading(bytes)
        } catch {
            return .unreadable(path: path, error)
        }
    }
}
