import Glibc

/// A fresh directory under /tmp for one test, removed with everything in it when released.
public final class TemporaryDirectory: @unchecked Sendable {
    // Immutable after init; `@unchecked` only because deinit removes the tree.
    public let path: String

    public init(_ label: String = "halo-test") {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: \(errno)")
        path = String(cString: created!)
    }

    /// `path/name`.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
        Self.removeTree(path)
    }

    static func removeTree(_ path: String) {
        guard let dir = opendir(path) else {
            unlink(path)
            return
        }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = "\(path)/\(name)"
            if entry.pointee.d_type == UInt8(DT_DIR) { removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }
}
