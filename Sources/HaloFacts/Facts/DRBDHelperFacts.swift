import HaloDRBD
import HaloJSON
import HaloSystem

/// DRBD's usermode helper: the program DRBD's kernel runs for every handler (the drbd module's
/// `usermode_helper` parameter; docs/drbd.md, "halo-drbd-helper").
public struct DRBDHelperFacts: Sendable, Hashable {
    /// DRBD's own default.
    public static let drbdadm = "/sbin/drbdadm"
    /// halo's, which answers halo's fence-peer handler without drbdadm and sh before it.
    public static let halos = "/usr/lib/halo/halo-drbd-helper"

    /// The parameter's value.
    public var path: String
    /// Whether `path` is a regular file with an execute bit (through links): what the kernel
    /// needs to run it at all.
    public var runnable: Bool
    /// The drbd module's version (`/sys/module/drbd/version`: `8.4.11`), nil when it has none:
    /// halo's helper answers DRBD 8.4's fence-peer calls only.
    public var moduleVersion: String?

    public init(path: String, runnable: Bool, moduleVersion: String? = "8.4.11") {
        self.path = path
        self.runnable = runnable
        self.moduleVersion = moduleVersion
    }

    /// Whether halo's helper would answer this module's fence-peer calls itself.
    public var answersFencePeer: Bool { moduleVersion.flatMap(DRBDVersion.init)?.isEightFour == true }

    /// The helper of the running drbd module (a test's `kernel` root applies to the helper's
    /// path too); nil when the module is not loaded.
    static func read(_ kernel: KernelAttributes) -> Reading<DRBDHelperFacts?> {
        guard kernel.exists("/sys/module/drbd") else { return .read(nil) }
        do {
            // The kernel prints the value and one newline; a newline the value itself ends with
            // (`echo` writes one, and the parameter keeps it) stays: no program has that name.
            var path = try kernel.read("/sys/module/drbd/parameters/usermode_helper")
            if path.last == "\n" { path.removeLast() }
            // The kernel runs an absolute path only.
            let info = path.hasPrefix("/") ? try? FileSystem.info(kernel.resolve(path)) : nil
            return .read(DRBDHelperFacts(path: path, runnable: info.map { $0.type == .regular && $0.permissions & 0o111 != 0 } ?? false,
                                         moduleVersion: try? kernel.readValue("/sys/module/drbd/version")))
        } catch {
            return .failed("cannot read DRBD's usermode helper (/sys/module/drbd/parameters/usermode_helper): \(error)")
        }
    }
}

extension DRBDHelperFacts {
    var json: JSONValue {
        .object([("path", .string(path)), ("runnable", .bool(runnable)), ("module_version", .optional(moduleVersion))])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        self.init(path: try object.string("path"), runnable: try object.bool("runnable"), moduleVersion: try object.optionalString("module_version"))
    }
}
