/// One configfs operation of a start or stop plan; paths are relative to
/// `/sys/kernel/config/target`.
enum LIOStep: Sendable, Hashable, CustomStringConvertible {
    case makeDirectory(String)
    case removeDirectory(String)
    /// A link `path` → the object at `target` (also relative to the configfs root).
    case makeLink(String, target: String)
    case removeLink(String)
    case write(String, String)
    /// A CHAP password: the incoming or the outgoing secret of the credentials file.
    case writeSecret(String, outgoing: Bool)

    var description: String {
        switch self {
        case .makeDirectory(let path): "mkdir \(path)"
        case .removeDirectory(let path): "rmdir \(path)"
        case .makeLink(let path, let target): "link \(path) to \(target)"
        case .removeLink(let path): "unlink \(path)"
        case .write(let path, let value): "write \(value) to \(path)"
        case .writeSecret(let path, _): "write the secret to \(path)"
        }
    }
}
