import HaloOCF

/// The parameters `ocf:halo:scst` and `ocf:halo:lio` share, declared once here so that the two
/// agents name, type, default and describe them alike: a target definition moves from one stack
/// to the other unchanged wherever the stacks mean the same thing.
///
/// Each function builds a `Parameter` (which announces itself to the declarations struct being
/// built), so an agent declares `let iqn = TargetParameters.iqn()`.
public enum TargetParameters {
    public static func iqn() -> Parameter<ISCSIName> {
        Parameter("iqn", .iscsiName, required: true,
                  short: "iSCSI name of the target",
                  long: "The target's iSCSI name (iqn.YYYY-MM.reversed.domain:name, eui.… or naa.…, RFC 3720). One target per "
                      + "LUN: the agent creates this target, owns it, and removes it on stop.",
                  uniqueGroup: "iqn")
    }

    public static func lun() -> Parameter<Int> {
        Parameter("lun", .integer(0...16383), default: 0,
                  short: "LUN number",
                  long: "The LUN the storage is exported as. Initiators look for LUN 0 first; with any other number the "
                      + "agent also exports a small placeholder at LUN 0 where the stack needs one. 16383 is SCST's limit.")
    }

    public static func deviceName() -> Parameter<StorageName> {
        Parameter("device_name", .storageName, required: true,
                  short: "Name of the storage object",
                  long: "The name of the device the target stack creates for the backing store (SCST device, LIO storage "
                      + "object). The agent owns the object of this name: stop removes it.",
                  uniqueGroup: "device_name")
    }

    public static func backing() -> Parameter<BackingPath> {
        Parameter("backing", .backingPath, required: true,
                  short: "Backing block device or file",
                  long: "What the LUN stores its data on: a block device (/dev/drbd1, /dev/mapper/NAME, /dev/md/NAME) or, "
                      + "with a file backing store, an image file.",
                  uniqueGroup: "backing")
    }

    public static func blockSize() -> Parameter<Int> {
        Parameter("block_size", .blockSize, default: 512,
                  short: "Logical block size",
                  long: "The block size initiators see. It must be the same on every node, or data written through one "
                      + "node is read wrongly through the other.")
    }

    public static func serial() -> Parameter<UnitSerial?> {
        Parameter("serial", .unitSerial,
                  short: "Unit serial number (VPD 0x80)",
                  long: "The LUN's unit serial number. Unset: the first 16 hex digits of SHA-256 of the IQN and the LUN, "
                      + "the same on every node and on either stack. Every other identifier is derived from it.")
    }

    public static func vendor() -> Parameter<InquiryText> {
        Parameter("vendor", .inquiryText(maximum: 8), default: InquiryText(text: "HALO"),
                  short: "Vendor (INQUIRY)", long: "The vendor identification initiators see, up to 8 characters.")
    }

    public static func product() -> Parameter<InquiryText> {
        Parameter("product", .inquiryText(maximum: 16), default: InquiryText(text: "halo-lun"),
                  short: "Product (INQUIRY)",
                  long: "The product identification initiators see, up to 16 characters. VMware's XCOPY offload needs "
                      + "it to be the same on the LUNs it copies between.")
    }

    public static func revision() -> Parameter<InquiryText> {
        Parameter("revision", .inquiryText(maximum: 4), default: InquiryText(text: "0001"),
                  short: "Product revision (INQUIRY)",
                  long: "The product revision level initiators see, up to 4 characters (the stacks' own defaults differ, "
                      + "so it is set explicitly).")
    }

    /// - Parameter acceptsPorts: whether the stack lets a target choose its port (LIO binds each
    ///   portal; SCST's iscsi-scstd listens on one port for all targets).
    ///   `reloadable`: whether the agent applies a change with `reload-agent` (for this and the
    ///   other parameters that take it: the agent's reload says what a change does to sessions).
    public static func allowedPortals(acceptsPorts: Bool, unsetMeaning: String, reloadable: Bool = false) -> Parameter<[PortalAddress]?> {
        Parameter("allowed_portals", .portalAddresses(acceptsPorts: acceptsPorts),
                  short: "Portal addresses of the target",
                  long: "The addresses (the portal agent's) at which initiators may reach and discover this target, "
                      + "separated by spaces\(acceptsPorts ? ", each with an optional :PORT (default 3260)" : " (addresses only: iscsi-scstd's own port applies)"). "
                      + unsetMeaning, reloadable: reloadable)
    }

    public static func initiators(reloadable: Bool = false) -> Parameter<[ISCSIName]?> {
        Parameter("initiators", .optional(.iscsiNames),
                  short: "Initiators allowed to see the LUN (ACL)",
                  long: "The iSCSI names of the initiators that may see the LUN, separated by spaces. Set: only they see it; "
                      + "any other initiator's login is refused. Unset: every initiator that can log in sees it.",
                  reloadable: reloadable)
    }

    public static func chapFile(reloadable: Bool = false) -> Parameter<String?> {
        Parameter("chap_file", .optional(.absolutePath),
                  short: "CHAP credentials file (path)",
                  long: "A file owned by root and readable by root only (mode 0400 or 0600) with lines "
                      + "'incoming USER SECRET' (initiators must log in with these) and 'outgoing USER SECRET' (mutual "
                      + "CHAP: the target's answer). Secrets: 12 to 255 printable characters without spaces. The secrets "
                      + "never appear in parameters, logs or process arguments. Unset: no CHAP.",
                  reloadable: reloadable, isPrivate: true)
    }

    /// - Parameter limits: what the stack's daemon accepts where it accepts less than the RFC
    ///   (values beyond them are invalid parameters); the description names them.
    public static func sessionParameters(limits: SessionParameterLimits = .none, reloadable: Bool = false) -> Parameter<[SessionParameter]?> {
        Parameter("session_parameters", .optional(.sessionParameters(limits: limits)),
                  short: "iSCSI session parameters",
                  long: "What the target offers at login, as Name=Value pairs separated by spaces: InitialR2T, "
                      + "ImmediateData (Yes/No); MaxRecvDataSegmentLength, MaxXmitDataSegmentLength, MaxBurstLength, "
                      + "FirstBurstLength (512-16777215); MaxOutstandingR2T; HeaderDigest, DataDigest (None, CRC32C, "
                      + "CRC32C,None, None,CRC32C); QueuedCommands (1-2048). SCST also takes MaxSessions, NopInInterval, "
                      + "NopInTimeout, RspTimeout; LIO also DefaultTime2Wait (0-3600: seconds an initiator waits after a lost "
                      + "connection before its first reconnect; the larger of both sides' offers wins)." + limits.sentence
                      + " Unset parameters keep the stack's defaults.", reloadable: reloadable)
    }
}

extension ParameterType where Value == Int {
    /// A logical block size both stacks support.
    public static var blockSize: ParameterType<Int> {
        let sizes = [512, 1024, 2048, 4096]
        return ParameterType(contentType: .integer, constraint: .options(sizes.map(String.init)), parse: { raw in
            guard let size = Int(raw), sizes.contains(size) else { return .failure(ValueProblem("is not 512, 1024, 2048 or 4096")) }
            return .success(size)
        }, render: { String($0) })
    }
}

extension ParameterType where Value == String {
    /// An absolute path without control characters.
    public static var absolutePath: ParameterType<String> {
        ParameterType(constraint: .format("an absolute path."), parse: { raw in
            guard raw.hasPrefix("/") else { return .failure(ValueProblem("is not an absolute path")) }
            guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                return .failure(ValueProblem("contains a control character"))
            }
            return .success(raw)
        }, render: { $0 })
    }
}
