import HaloSystem

/// LIO's configfs tree (`/sys/kernel/config/target`) under one root, as `ocf:halo:lio` and
/// haloctl's facts read it: the layout, and reads where an object that does not exist is `nil`
/// rather than an error. Attributes, directory listings and links only.
///
/// ```
/// target/core/iblock_0/drbd0/{enable,udev_path,wwn/…}          storage objects, by HBA
/// target/iscsi/<iqn>/tpgt_1/{enable,attrib/…,np/<addr:port>}     targets and their TPGs
/// target/iscsi/<iqn>/tpgt_1/lun/lun_0/<link> → core/iblock_0/drbd0
/// target/iscsi/<iqn>/tpgt_1/acls/<initiator>/…                   node ACLs
/// ```
package struct LIOConfigfs: Sendable {
    package let kernel: KernelAttributes

    package static let base = "/sys/kernel/config/target"
    /// The entries of a TPG LUN directory that are LIO's own; the other one is the link.
    package static let lunAttributes: Set<String> = ["alua_tg_pt_gp", "alua_tg_pt_offline", "alua_tg_pt_status", "alua_tg_pt_write_md", "statistics"]

    package init(root: String = "/") {
        kernel = KernelAttributes(root: root)
    }

    /// `target_core_mod` is loaded and configfs mounted.
    package var isLoaded: Bool { kernel.exists(Self.base) }

    /// The TPG directories of a target (`tpgt_1`, …) with their tags, in tag order.
    package func portalGroups(ofTarget target: String) throws(Errno) -> [(tag: Int, path: String)] {
        let path = "\(Self.base)/iscsi/\(target)"
        return (try list(path) ?? []).compactMap { entry -> (Int, String)? in
            guard entry.hasPrefix("tpgt_"), let tag = Int(entry.dropFirst(5)) else { return nil }
            return (tag, "\(path)/\(entry)")
        }.sorted { $0.0 < $1.0 }
    }

    /// A TPG's LUNs by number: the name of each LUN's link and the storage object it points at,
    /// as `<hba>/<name>` (`iblock_0/drbd0`); `nil` for a LUN directory without its link.
    package func luns(ofPortalGroup tpg: String) throws(Errno) -> [Int: (linkName: String, storage: String)?] {
        var luns: [Int: (linkName: String, storage: String)?] = [:]
        for entry in try list("\(tpg)/lun") ?? [] {
            guard entry.hasPrefix("lun_"), let number = Int(entry.dropFirst(4)) else { continue }
            if let (name, target) = try link(in: "\(tpg)/lun/\(entry)") {
                luns[number] = (name, target.split(separator: "/").suffix(2).joined(separator: "/"))
            } else {
                luns[number] = .some(nil)
            }
        }
        return luns
    }

    /// The one link in a LUN directory: its name and target.
    package func link(in directory: String) throws(Errno) -> (name: String, target: String)? {
        for entry in try list(directory) ?? [] where !Self.lunAttributes.contains(entry) && entry != "write_protect" {
            do {
                return (entry, try kernel.linkTarget("\(directory)/\(entry)"))
            } catch {
                if error == .invalidArgument || error == .noSuchFile { continue }
                throw error
            }
        }
        return nil
    }

    /// The attribute's content without the one newline its show function adds, or `nil` when
    /// it does not exist.
    package func exactValue(_ path: String) throws(Errno) -> String? {
        do {
            var text = try kernel.read(path)
            if text.last == "\n" { text.removeLast() }
            return text
        } catch {
            if error == .noSuchFile || error == .notDirectory || error == .noSuchDevice { return nil }
            throw error
        }
    }

    /// The attribute's first line, or `nil` when it does not exist.
    package func value(_ path: String) throws(Errno) -> String? {
        try exactValue(path).map { String($0.prefix { $0 != "\n" }) }
    }

    /// A directory's entries, or `nil` when it does not exist.
    package func list(_ path: String) throws(Errno) -> [String]? { try kernel.listIfPresent(path) }
}
