import HaloISCSI
import HaloOCF

/// LIO's backstore for the LUN's storage.
enum LIOBackstore: String, CaseIterable, Sendable {
    /// A block device (target_core_iblock): `core/iblock_0/<name>`.
    case block
    /// A file (target_core_file): `core/fileio_0/<name>`.
    case fileio

    /// The HBA directory halo's storage objects live in. Shared with targetcli (which uses the
    /// same names) and never removed: other objects may be in it.
    var hba: String {
        switch self {
        case .block: "iblock_0"
        case .fileio: "fileio_0"
        }
    }
}

/// The write-cache policies LIO can carry out: `non_volatile` (ignore flushes) has no LIO
/// equivalent.
enum LIOWriteCache: String, CaseIterable, Sendable {
    case writeThrough = "write_through"
    case writeBack = "write_back"
}

/// The parameters of `ocf:halo:lio`: `ocf:halo:scst`'s target definition, where LIO means the
/// same thing by it.
public struct LIOParameters: ParameterDeclarations {
    public init() {}

    let iqn = TargetParameters.iqn()
    let lun = TargetParameters.lun()
    let deviceName = TargetParameters.deviceName()
    let backing = TargetParameters.backing()
    let backstore = Parameter(
        "backstore", .select(LIOBackstore.self), default: .block,
        short: "LIO backstore for the backing store",
        long: "block (target_core_iblock) for a block device, fileio (target_core_file) for an image file.")
    let blockSize = TargetParameters.blockSize()
    let writeCache = Parameter(
        "write_cache", .select(LIOWriteCache.self), default: .writeThrough,
        short: "Write cache policy",
        long: "write_through: with fileio, writes are synchronous (O_DSYNC) and initiators see no volatile cache. "
            + "write_back: fileio buffers writes and reports a volatile cache (initiators must flush). A block backstore "
            + "reports the backing device's own cache and passes flushes and FUA through either way.")
    let serial = TargetParameters.serial()
    let vendor = TargetParameters.vendor()
    let product = TargetParameters.product()
    let revision = TargetParameters.revision()
    let allowedPortals = TargetParameters.allowedPortals(
        acceptsPorts: true,
        unsetMeaning: "LIO binds each portal to its address with IP_FREEBIND, so an address need not be on the node yet: "
            + "the portal resource may come up before or after the target. Unset: 0.0.0.0:3260, every IPv4 address.",
        reloadable: true)
    let initiators = TargetParameters.initiators(reloadable: true)
    let chapFile = TargetParameters.chapFile(reloadable: true)
    let sessionParameters = TargetParameters.sessionParameters(reloadable: true)
}

/// The parameters as the decisions read them: the target's definition (shared with
/// ocf:halo:scst, read as members of its own) and LIO's backstore and write cache.
public struct LIOSettings: TargetSettings, Hashable {
    public var definition: TargetDefinition
    var backstore: LIOBackstore
    var writeCache: LIOWriteCache

    init(target: ISCSIName, lun: Int = 0, device: StorageName, backing: BackingPath, backstore: LIOBackstore = .block,
         blockSize: Int = 512, writeCache: LIOWriteCache = .writeThrough, identity: SCSIIdentity? = nil,
         portals: [PortalAddress] = [], initiators: [ISCSIName]? = nil, chapFile: String? = nil,
         sessionParameters: [SessionParameter] = []) {
        definition = TargetDefinition(target: target, lun: lun, device: device, backing: backing, blockSize: blockSize,
                                      identity: identity, portals: portals, initiators: initiators, chapFile: chapFile,
                                      sessionParameters: sessionParameters)
        self.backstore = backstore
        self.writeCache = writeCache
    }

    init(_ values: ParameterValues<LIOParameters>) {
        self.init(target: values.iqn, lun: values.lun, device: values.deviceName, backing: values.backing,
                  backstore: values.backstore, blockSize: values.blockSize, writeCache: values.writeCache,
                  identity: SCSIIdentity.resolve(target: values.iqn, lun: values.lun, overrides: SCSIIdentity.Overrides(
                      serial: values.serial, vendor: values.vendor, product: values.product, revision: values.revision)),
                  portals: values.allowedPortals ?? [], initiators: values.initiators, chapFile: values.chapFile,
                  sessionParameters: values.sessionParameters ?? [])
    }

    /// The network portals: each configured address with its port (3260 by default), or every
    /// IPv4 address when none is configured.
    var networkPortals: [String] {
        let portals = self.portals.isEmpty ? [try! PortalAddress.parse("0.0.0.0").get()] : self.portals
        return portals.map { portal in
            let port = portal.port ?? PortalAddress.defaultPort
            return portal.address.isIPv4 ? "\(portal.addressText):\(port)" : "[\(portal.addressText)]:\(port)"
        }
    }
}
