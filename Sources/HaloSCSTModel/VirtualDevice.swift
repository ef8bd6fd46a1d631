/// The vdisk handlers the model knows, with the parameters each one's `add_device` accepts
/// (the list each handler's `mgmt` file prints).
public enum VdiskHandler: String, CaseIterable, Sendable {
    case blockio = "vdisk_blockio"
    case fileio = "vdisk_fileio"
    case nullio = "vdisk_nullio"

    var addDeviceParameters: Set<String> {
        switch self {
        case .blockio:
            ["active", "bind_alua_state", "blocksize", "cluster_mode", "dif_filename", "dif_mode", "dif_static_app_tag",
             "dif_type", "filename", "numa_node_id", "nv_cache", "read_only", "removable", "rotational",
             "thin_provisioned", "tst", "t10_dev_id", "write_through"]
        case .fileio:
            ["active", "async", "bind_alua_state", "blocksize", "cluster_mode", "dif_filename", "dif_mode",
             "dif_static_app_tag", "dif_type", "filename", "numa_node_id", "nv_cache", "o_direct", "read_only",
             "removable", "rotational", "thin_provisioned", "tst", "t10_dev_id", "write_through"]
        case .nullio:
            ["blocksize", "cluster_mode", "dif_mode", "dif_static_app_tag", "dif_type", "dummy", "numa_node_id",
             "read_only", "removable", "rotational", "size", "size_mb", "tst", "t10_dev_id"]
        }
    }

    /// The T10 vendor id a new device of this handler gets (captured: SCST_BIO for blockio,
    /// SCST_FIO for nullio; fileio is SCST's "FIO" too).
    var defaultVendor: String { self == .blockio ? "SCST_BIO" : "SCST_FIO" }
}

/// A value SCST shows with a `[key]` line once it was set explicitly.
struct SettableText: Sendable, Hashable {
    var value: String
    var isSet = false

    init(_ value: String) { self.value = value }

    mutating func set(_ value: String) {
        self.value = value
        isSet = true
    }
}

/// One vdisk device (`devices/<name>`): what it stores on, its flags, and its identity.
struct VirtualDevice: Sendable, Hashable {
    let name: String
    let handler: VdiskHandler
    /// The backing path (blockio, fileio); `nil` for nullio.
    let filename: String?
    /// The backing block device's number, held exclusively by a blockio device.
    let blockDevice: UInt64?
    var size: UInt64
    var blockSize: Int = 512
    var writeThrough = false
    var nvCache = false
    var readOnly = false
    var dummy = false
    var thinProvisioned = false
    var active = true
    var clusterMode = false
    /// SCST's internal device id (log lines only).
    let virtualID: Int

    var t10DeviceID: SettableText
    var usn: SettableText
    var vendorSpecificID: SettableText
    var t10VendorID: SettableText
    var productID: SettableText
    var productRevision: SettableText
    var scsiDeviceName = SettableText("")
    var inquiryVendorSpecific = ""
    var naaID: [UInt8] = []
    var eui64ID: [UInt8] = []
    /// Other writable attributes, by name, as last written (shown without interpretation).
    var plainAttributes: [String: String] = [:]
    /// The index the next `exportN` link gets: one more for every export ever made.
    var nextExport = 0

    init(name: String, handler: VdiskHandler, filename: String?, blockDevice: UInt64?, size: UInt64, setupID: UInt32, virtualID: Int) {
        self.name = name
        self.handler = handler
        self.filename = filename
        self.blockDevice = blockDevice
        self.size = size
        self.virtualID = virtualID
        let number = String(CRC32C.deviceIDNumber(name: name, setupID: setupID), radix: 16)
        t10DeviceID = SettableText(String("\(number)-\(name)".prefix(25)))
        usn = SettableText(number)
        vendorSpecificID = SettableText(String("\(number)-\(name)".prefix(25)))
        t10VendorID = SettableText(handler.defaultVendor)
        productID = SettableText(String(name.prefix(16)))
        productRevision = SettableText("3110")
    }
}
