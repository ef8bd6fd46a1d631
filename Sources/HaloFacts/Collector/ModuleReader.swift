import HaloSystem

/// The kernel modules' part of the facts: `/sys/module` for what the running kernel has, and
/// `/lib/modules/<release>/modules.builtin` and `modules.dep` (made by depmod, one module per
/// line) for what it could load.
struct ModuleReader {
    let kernel: KernelAttributes
    let release: String

    func read() -> Reading<[String: ModuleState]> {
        do {
            let present = Set(try kernel.list("/sys/module"))
            var states: [String: ModuleState] = [:]
            var installed: (builtIn: Set<String>, loadable: Set<String>)?
            for name in ModuleState.stackModules {
                if present.contains(name) {
                    // A module built into the kernel has a /sys/module entry (for its
                    // parameters) but no initstate.
                    states[name] = kernel.exists("/sys/module/\(name)/initstate") ? .loaded : .builtIn
                    continue
                }
                if installed == nil { installed = try installedModules() }
                states[name] = installed!.builtIn.contains(name) ? .builtIn : installed!.loadable.contains(name) ? .available : .missing
            }
            return .read(states)
        } catch {
            return .failed("cannot read the kernel's modules: \(error)")
        }
    }

    /// The module names `modules.builtin` and `modules.dep` list; none when this kernel has no
    /// module directory at all (nothing can be loaded then).
    func installedModules() throws(Errno) -> (builtIn: Set<String>, loadable: Set<String>) {
        let directory = "/lib/modules/\(release)"
        guard kernel.exists(directory) else { return ([], []) }
        return (try names(in: "\(directory)/modules.builtin"), try names(in: "\(directory)/modules.dep"))
    }

    /// The module names of a depmod list: each line's path up to `:`, its file name without
    /// `.ko` (and a compression suffix), `-` read as `_` as the kernel does.
    func names(in path: String) throws(Errno) -> Set<String> {
        let text: String
        do {
            text = String(decoding: try FileSystem.readBytes(kernel.resolve(path), limit: 32 << 20), as: UTF8.self)
        } catch {
            if error == .noSuchFile { return [] }
            throw error
        }
        var names = Set<String>()
        for line in text.split(separator: "\n") {
            let file = line.prefix { $0 != ":" }.split(separator: "/").last ?? ""
            guard let end = file.firstRange(of: ".ko") else { continue }
            names.insert(String(file[..<end.lowerBound]).replacing("-", with: "_"))
        }
        return names
    }
}
