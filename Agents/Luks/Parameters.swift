import HaloCryptsetup
import HaloOCF

/// The parameters of `ocf:halo:luks`, each declared once.
public struct LuksParameters: ParameterDeclarations {
    /// Builds the declarations (the core does, once per invocation).
    public init() {}

    let device = Parameter(
        "device", .encryptedDevice, required: true,
        short: "Device with the LUKS header (path or UUID=…)",
        long: "The block device that carries the LUKS header: a path (/dev/md0, /dev/drbd0, "
            + "/dev/disk/by-id/…) or UUID=<uuid> of the header. A UUID is found by reading the headers of "
            + "this node's block devices, so it works before udev has created /dev/disk/by-uuid (udev "
            + "creates it late for DRBD devices). For a clone, every node needs the same path, or headers "
            + "formatted with the same UUID.",
        uniqueGroup: "device")
    let name = Parameter(
        "name", .mappingName, required: true,
        short: "Mapping name (/dev/mapper/<name>)",
        long: "The name of the dm-crypt mapping the device is opened as; the decrypted device is "
            + "/dev/mapper/<name>.",
        uniqueGroup: "name")
    let key = Parameter(
        "key", .keySource, required: true,
        short: "Key file (absolute path)",
        long: "The file holding the passphrase (all of its bytes, a trailing newline included). It must "
            + "be a regular file owned by root with no access for group or others (mode 0400 or 0600); "
            + "start and validate-all refuse anything else. Read only when the mapping is opened; "
            + "monitor and stop never read it.",
        isPrivate: true)
    let allowDiscards = Parameter(
        "allow_discards", .boolean, default: false,
        short: "Pass discards (TRIM) through",
        long: "Let discard requests reach the device. Thin provisioning and SSDs benefit; an observer of "
            + "the raw device learns which blocks are unused.")
    let noReadWorkqueue = Parameter(
        "no_read_workqueue", .boolean, default: false,
        short: "Decrypt reads without the kcryptd workqueue",
        long: "dm-crypt's no_read_workqueue: decrypt in the context of the I/O completion. Lowers latency "
            + "on fast devices.")
    let noWriteWorkqueue = Parameter(
        "no_write_workqueue", .boolean, default: false,
        short: "Encrypt writes without the kcryptd workqueue",
        long: "dm-crypt's no_write_workqueue: encrypt writes synchronously in the submitter's context.")
    let readOnly = Parameter(
        "read_only", .boolean, default: false,
        short: "Open read-only",
        long: "Open the mapping read-only.")
    let headerCheck = Parameter(
        "header_check", .select(HeaderCheck.self), default: .monitor,
        short: "When the LUKS header is checked",
        long: "open: the header is read only to open the mapping (start) and by validate-all. monitor: "
            + "monitors at depth 10 and 20 also read the header's first block from the backing device "
            + "and report the resource degraded when it no longer carries the open mapping's UUID (a "
            + "header overwritten under an open mapping: back up the header or the volume key before "
            + "closing). The depth-0 monitor never reads it.",
        reloadable: true)
    let forceStop = Parameter(
        "force_stop", .boolean, default: false,
        short: "End processes that keep the mapping open",
        long: "When stop finds processes with the mapping open, send them SIGTERM, then SIGKILL, within "
            + "the stop timeout, then close. Devices stacked on the mapping (DRBD, LVM), mounts and swap "
            + "are never forced: stop fails naming them, because their own resources must stop first.",
        reloadable: true)
}

/// The parameters as the decisions read them: plain values, so that tests build them directly.
struct LuksSettings: Hashable, Sendable {
    var device: EncryptedDevice
    var name: MappingName
    var key: KeySource
    var options: ActivationOptions
    var headerCheck: HeaderCheck
    var forceStop: Bool

    init(device: EncryptedDevice, name: MappingName, key: KeySource, options: ActivationOptions = ActivationOptions(),
         headerCheck: HeaderCheck = .monitor, forceStop: Bool = false) {
        self.device = device
        self.name = name
        self.key = key
        self.options = options
        self.headerCheck = headerCheck
        self.forceStop = forceStop
    }

    init(_ values: ParameterValues<LuksParameters>) {
        self.init(
            device: values.device, name: values.name, key: values.key,
            options: ActivationOptions(allowDiscards: values.allowDiscards, noReadWorkqueue: values.noReadWorkqueue,
                                       noWriteWorkqueue: values.noWriteWorkqueue, readOnly: values.readOnly),
            headerCheck: values.headerCheck, forceStop: values.forceStop)
    }
}
