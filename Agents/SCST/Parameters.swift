import HaloISCSI
import HaloOCF

/// The parameters of `ocf:halo:scst`, each declared once; those it shares with `ocf:halo:lio`
/// come from `TargetParameters`.
public struct SCSTParameters: ParameterDeclarations {
    public init() {}

    let iqn = TargetParameters.iqn()
    let lun = TargetParameters.lun()
    let deviceName = TargetParameters.deviceName()
    let backing = TargetParameters.backing()
    let handler = Parameter(
        "handler", .select(SCSTHandler.self), default: .blockio,
        short: "SCST handler for the backing store",
        long: "vdisk_blockio for a block device (DRBD, device-mapper, md): direct block I/O, the device opened "
            + "exclusively. vdisk_fileio for an image file.")
    let blockSize = TargetParameters.blockSize()
    let writeCache = Parameter(
        "write_cache", .select(WriteCachePolicy.self), default: .writeThrough,
        short: "Write cache policy",
        long: "write_through (write_through=1, nv_cache=0): a write is acknowledged once the backing device has it, "
            + "so a failover loses nothing acknowledged; the safe choice for replicated storage, and what DRBD "
            + "dual-primary requires. write_back: initiators are told of a volatile cache and must flush what must "
            + "last. non_volatile (nv_cache=1): cache flushes are ignored; only for battery- or flash-backed caches on "
            + "every node.")
    let serial = TargetParameters.serial()
    let t10DeviceID = Parameter(
        "t10_dev_id", .t10DeviceID,
        short: "SCST T10 device id",
        long: "SCST's t10_dev_id (ESXi tells LUNs apart by its first 8 characters; it also names the DLM lockspace "
            + "in cluster mode). Unset: the serial.")
    let naaID = Parameter(
        "naa_id", .naaIdentifier,
        short: "NAA designator (VPD 0x83)",
        long: "The NAA designator initiators' multipath takes as the LUN's WWID. Unset: the value LIO derives from the "
            + "serial (6001405 followed by the serial's hex digits), so the LUN keeps its WWID on either stack.")
    let eui64ID = Parameter(
        "eui64_id", .eui64Identifier,
        short: "EUI-64 designator (VPD 0x83)",
        long: "An EUI-64 designator to present besides the NAA one. Unset: none.")
    let vendor = TargetParameters.vendor()
    let product = TargetParameters.product()
    let revision = TargetParameters.revision()
    let allowedPortals = TargetParameters.allowedPortals(
        acceptsPorts: false, unsetMeaning: "Unset: every address iscsi-scstd listens on (it binds the wildcard address).",
        reloadable: true)
    let initiators = TargetParameters.initiators(reloadable: true)
    let initiatorGroup = Parameter(
        "initiator_group", .groupName, default: GroupName(text: "halo"),
        short: "Name of the initiator group (ACL)",
        long: "The SCST initiator group that holds the listed initiators and the LUN. The LUN is never put in the "
            + "target's default LUN set while initiators are listed: an initiator outside the group has no LUN in the "
            + "target, so iscsi-scstd refuses its login and does not show it the target at discovery.")
    let chapFile = TargetParameters.chapFile(reloadable: true)
    let relativeTargetID = Parameter(
        "relative_target_id", .relativeTargetID,
        short: "Relative target port id, per node",
        long: "SCST's rel_tgt_id of this target: NODE=N pairs (Pacemaker node names) giving each node's port its own id, "
            + "as ALUA and persistent reservations need, or one N for every node. SCST refuses to enable a target "
            + "whose id another target of the node uses. Unset: derived from the IQN and the node's name (like the serial), "
            + "so the same at every start and another one on each node; set it where ALUA or an initiator needs given ids.")
    let sessionParameters = TargetParameters.sessionParameters(limits: .iscsiScstd, reloadable: true)
}

/// The parameters as the decisions read them: plain values, so that tests build them directly —
/// the target's definition (shared with ocf:halo:lio, read as members of its own) and SCST's
/// handler, write cache, initiator group and relative target id.
public struct SCSTSettings: TargetSettings, Hashable {
    public var definition: TargetDefinition
    var handler: SCSTHandler
    var writeCache: WriteCachePolicy
    var group: GroupName
    var relativeTargetID: RelativeTargetID?

    init(target: ISCSIName, lun: Int = 0, device: StorageName, backing: BackingPath, handler: SCSTHandler = .blockio,
         blockSize: Int = 512, writeCache: WriteCachePolicy = .writeThrough, identity: SCSIIdentity? = nil,
         portals: [PortalAddress] = [], initiators: [ISCSIName]? = nil, group: GroupName = GroupName(text: "halo"),
         chapFile: String? = nil, relativeTargetID: RelativeTargetID? = nil, sessionParameters: [SessionParameter] = []) {
        definition = TargetDefinition(target: target, lun: lun, device: device, backing: backing, blockSize: blockSize,
                                      identity: identity, portals: portals, initiators: initiators, chapFile: chapFile,
                                      sessionParameters: sessionParameters)
        self.handler = handler
        self.writeCache = writeCache
        self.group = group
        self.relativeTargetID = relativeTargetID
    }

    init(_ values: ParameterValues<SCSTParameters>) {
        let overrides = SCSIIdentity.Overrides(
            serial: values.serial, t10DeviceID: values.t10DeviceID, naa: values.naaID, eui64: values.eui64ID,
            vendor: values.vendor, product: values.product, revision: values.revision)
        self.init(target: values.iqn, lun: values.lun, device: values.deviceName, backing: values.backing,
                  handler: values.handler, blockSize: values.blockSize, writeCache: values.writeCache,
                  identity: SCSIIdentity.resolve(target: values.iqn, lun: values.lun, overrides: overrides),
                  portals: values.allowedPortals ?? [], initiators: values.initiators, group: values.initiatorGroup,
                  chapFile: values.chapFile, relativeTargetID: values.relativeTargetID,
                  sessionParameters: values.sessionParameters ?? [])
    }

    /// The settings of what a resource owns, for a stop whose other parameters do not
    /// validate: the target, the device and the LUN-0 placeholder (named after the identity,
    /// so the LUN and the serial). Stop reads nothing else; the backing store is not known.
    static func owned(target: ISCSIName, lun: Int, device: StorageName, serial: UnitSerial?, group: GroupName) -> SCSTSettings {
        SCSTSettings(target: target, lun: lun, device: device, backing: BackingPath(path: "(not validated)"),
                     identity: TargetDefinition.identity(target: target, lun: lun, serial: serial), group: group)
    }

    /// The SCST name of the placeholder exported at LUN 0 when the LUN is another number
    /// (initiators look for LUN 0 first, and SCST shows a LUN set without one as empty): named
    /// after the identity, so it is this resource's and the same on every node.
    var placeholderName: StorageName? {
        self.lun == 0 ? nil : StorageName(text: "halo-lun0-\(self.identity.serial.text)")
    }
}
