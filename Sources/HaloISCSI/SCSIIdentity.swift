/// What a LUN tells initiators about itself, and what dm-multipath on the initiators matches
/// paths by: it must come out identical on every node that can export the LUN, and on either
/// target stack (SCST or LIO), or multipath sees a new disk after a failover.
///
/// Derived from the target's IQN and the LUN number alone when not configured, so two nodes that
/// share nothing but their configuration agree:
///
/// | field | SCST attribute | LIO attribute | SCSI |
/// |---|---|---|---|
/// | `serial` | `usn` | `wwn/vpd_unit_serial` | VPD 0x80 unit serial number |
/// | `vendor` + `serial` | `t10_vend_id` + `vend_specific_id` | `wwn/vendor_id` + serial | VPD 0x83 T10 vendor id designator |
/// | `naa` | `naa_id` | derived by LIO from the serial | VPD 0x83 NAA designator (multipath's WWID) |
/// | `t10DeviceID` | `t10_dev_id` | — | SCST's legacy id (ESXi, DLM lockspace) |
/// | `vendor`, `product`, `revision` | `t10_vend_id`, `prod_id`, `prod_rev_lvl` | `wwn/vendor_id`, `product_id`, `revision` | standard INQUIRY |
///
/// LIO computes its NAA designator from the unit serial (IEEE company id 0x001405 followed by the
/// serial's hex digits); halo gives SCST exactly that value, so a LUN keeps its WWID when a site
/// moves from one stack to the other.
public struct SCSIIdentity: Sendable, Hashable {
    public var serial: UnitSerial
    public var t10DeviceID: T10DeviceID
    public var naa: NAAIdentifier
    public var eui64: EUI64Identifier?
    public var vendor: InquiryText
    public var product: InquiryText
    public var revision: InquiryText

    public init(serial: UnitSerial, t10DeviceID: T10DeviceID, naa: NAAIdentifier, eui64: EUI64Identifier?,
                vendor: InquiryText, product: InquiryText, revision: InquiryText) {
        self.serial = serial
        self.t10DeviceID = t10DeviceID
        self.naa = naa
        self.eui64 = eui64
        self.vendor = vendor
        self.product = product
        self.revision = revision
    }

    /// The serial derived from the target and the LUN: the first 16 hex digits of
    /// SHA-256("halo-scsi-identity-v1" NUL iqn NUL lun). 64 bits: two LUNs of one site never
    /// share it, and its first 8 characters (all ESXi looks at in a T10 id) differ too.
    public static func derivedSerial(target: ISCSIName, lun: Int) -> UnitSerial {
        let message = Array("halo-scsi-identity-v1".utf8) + [0] + Array(target.text.utf8) + [0] + Array(String(lun).utf8)
        return UnitSerial(text: String(SHA256.hexDigest(message).prefix(16)))
    }

    /// The identity of `target`'s LUN `lun`, each field taken from `overrides` where set.
    public static func resolve(target: ISCSIName, lun: Int, overrides: Overrides) -> SCSIIdentity {
        let serial = overrides.serial ?? derivedSerial(target: target, lun: lun)
        return SCSIIdentity(
            serial: serial,
            t10DeviceID: overrides.t10DeviceID ?? T10DeviceID(text: serial.text),
            naa: overrides.naa ?? NAAIdentifier.linuxIO(serial: serial),
            eui64: overrides.eui64,
            vendor: overrides.vendor, product: overrides.product, revision: overrides.revision)
    }

    /// The configured parts of an identity; `nil` fields are derived.
    public struct Overrides: Sendable, Hashable {
        public var serial: UnitSerial?
        public var t10DeviceID: T10DeviceID?
        public var naa: NAAIdentifier?
        public var eui64: EUI64Identifier?
        public var vendor: InquiryText
        public var product: InquiryText
        public var revision: InquiryText

        public init(serial: UnitSerial? = nil, t10DeviceID: T10DeviceID? = nil, naa: NAAIdentifier? = nil,
                    eui64: EUI64Identifier? = nil, vendor: InquiryText, product: InquiryText, revision: InquiryText) {
            self.serial = serial
            self.t10DeviceID = t10DeviceID
            self.naa = naa
            self.eui64 = eui64
            self.vendor = vendor
            self.product = product
            self.revision = revision
        }
    }
}

extension SCSIIdentity {
    /// The first identity attribute whose observed value is not the wanted one, in words
    /// ("wwn/vendor_id is 'LIO-ORG', not 'HALO'"), or nil when all are as wanted. Each stack
    /// names its attributes, and says where its read of the device puts each (`observed`).
    public static func firstDifference<State>(
        _ attributes: [(attribute: String, value: String, observed: KeyPath<State, String>)], in state: State
    ) -> String? {
        attributes.first { state[keyPath: $0.observed] != $0.value }
            .map { "\($0.attribute) is '\(state[keyPath: $0.observed])', not '\($0.value)'" }
    }
}
