/// What ocf:halo:scst and ocf:halo:lio both define: one LUN of one iSCSI target — its backing
/// store, SCSI identity, portals, ACL, CHAP file and session parameters. Each agent's settings
/// hold one and add what only its stack has (SCST's handler and group, LIO's backstore); they
/// read its members as their own (`@dynamicMemberLookup`).
public struct TargetDefinition: Hashable, Sendable {
    public var target: ISCSIName
    public var lun: Int
    public var device: StorageName
    public var backing: BackingPath
    public var blockSize: Int
    public var identity: SCSIIdentity
    public var portals: [PortalAddress]
    /// The initiators allowed to see the LUN; `nil`: every initiator.
    public var initiators: [ISCSIName]?
    public var chapFile: String?
    public var sessionParameters: [SessionParameter]

    /// - Parameter identity: nil: derived from the IQN and the LUN, with halo's vendor, product and revision.
    public init(target: ISCSIName, lun: Int = 0, device: StorageName, backing: BackingPath, blockSize: Int = 512,
                identity: SCSIIdentity? = nil, portals: [PortalAddress] = [], initiators: [ISCSIName]? = nil,
                chapFile: String? = nil, sessionParameters: [SessionParameter] = []) {
        self.target = target
        self.lun = lun
        self.device = device
        self.backing = backing
        self.blockSize = blockSize
        self.identity = identity ?? Self.identity(target: target, lun: lun)
        self.portals = portals
        self.initiators = initiators
        self.chapFile = chapFile
        self.sessionParameters = sessionParameters
    }

    /// The identity of a LUN that configures none of its own: derived from the IQN and the LUN
    /// (serial, NAA, EUI-64), vendor HALO, product halo-lun, revision 0001.
    public static func identity(target: ISCSIName, lun: Int, serial: UnitSerial? = nil) -> SCSIIdentity {
        SCSIIdentity.resolve(target: target, lun: lun, overrides: SCSIIdentity.Overrides(
            serial: serial, vendor: InquiryText(text: "HALO"), product: InquiryText(text: "halo-lun"), revision: InquiryText(text: "0001")))
    }
}
