import HaloISCSI
import HaloSystem
import Logging

/// What `ocf:halo:lio` changes: configfs objects (mkdir, rmdir, links) and attributes, each one
/// system call, in order, under the node's LIO lock.
struct LIOEffects: TargetEffects {
    let kernel: KernelAttributes
    let logger: Logging.Logger

    func apply(_ step: LIOStep, credentials: borrowing ChapCredentials?) throws(Errno) {
        let base = LIOView.base
        switch step {
        case .makeDirectory(let path): try kernel.makeDirectory("\(base)/\(path)")
        case .removeDirectory(let path): try kernel.removeDirectory("\(base)/\(path)")
        case .makeLink(let path, let target): try kernel.makeLink("\(base)/\(path)", to: "\(base)/\(target)")
        case .removeLink(let path): try kernel.removeLink("\(base)/\(path)")
        // LIO's auth/ attributes (Linux 6.1) keep a trailing newline as part of the user name or
        // secret, and then no CHAP login matches: they are written without one.
        case .write(let path, let value): try kernel.write("\(base)/\(path)", line: value, newline: !Self.isAuth(path))
        case .writeSecret(let path, let outgoing):
            switch credentials {
            case .some(let configured):
                try configured.withCredential(outgoing: outgoing) { (credential) throws(Errno) in
                    switch credential {
                    case .some(let present):
                        try kernel.write("\(base)/\(path)", prefix: "", secret: present.secret, newline: !Self.isAuth(path))
                    case .none: preconditionFailure("a CHAP password is written only for a configured credential")
                    }
                }
            case .none:
                preconditionFailure("a CHAP password is written only with credentials")
            }
        }
    }

    /// Whether `path` is a CHAP attribute (`…/auth/userid`, `password`, `userid_mutual`,
    /// `password_mutual`), whose store function keeps what it is given, newline included.
    static func isAuth(_ path: String) -> Bool {
        path.split(separator: "/").dropLast().last == "auth"
    }
}
