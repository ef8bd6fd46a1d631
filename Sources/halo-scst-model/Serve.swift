import CFuse
import Glibc
import HaloSCSTModel
import HaloSystem

/// `halo-scst-model serve`: mounts a model and serves it until unmounted or signalled.
enum Serve {
    struct Options {
        var mountPoint = ""
        var captures = ""
        var readyFile: String?
        var configuration = SCSTModel.Configuration()
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--mount": options.mountPoint = iterator.next() ?? ""
            case "--captures": options.captures = iterator.next() ?? ""
            case "--ready-file": options.readyFile = iterator.next()
            case "--daemon-absent": options.configuration.daemonConnected = false
            case "--no-pass-through-device": options.configuration.passThroughDevice = false
            case "--virtual-block-device":
                let parts = (iterator.next() ?? "").split(separator: "=")
                guard parts.count == 2, let size = UInt64(parts[1]) else { return nil }
                options.configuration.backing.virtualBlockDevices[String(parts[0])] = size
            case "--session-close-delay-ms":
                guard let milliseconds = iterator.next().flatMap({ Int($0) }) else { return nil }
                options.configuration.sessionCloseDelay = .milliseconds(milliseconds)
            default: return nil
            }
        }
        return options.mountPoint.isEmpty || options.captures.isEmpty ? nil : options
    }

    static func run(_ options: Options) -> Int32 {
        let texts: CapturedTexts
        do {
            texts = try CapturedTexts(directory: options.captures)
        } catch {
            StandardStream.error.write("halo-scst-model: cannot read the captures in \(options.captures): \(error)\n")
            return 1
        }
        let server = FuseServer(model: SCSTModel(configuration: options.configuration, texts: texts))
        var operations = fuseOperations()
        let arguments = ["halo-scst-model", "-o", "fsname=halo-scst-model,subtype=scst"]
        var pointers = arguments.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let context = Unmanaged.passRetained(server).toOpaque()
        let created = pointers.withUnsafeMutableBufferPointer { argv in
            var fuseArguments = fuse_args(argc: Int32(argv.count), argv: argv.baseAddress, allocated: 0)
            return halo_fuse_new(&fuseArguments, &operations, context)
        }
        guard let fuse = created else {
            StandardStream.error.write("halo-scst-model: fuse_new failed\n")
            return 1
        }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, options.mountPoint) == 0 else {
            StandardStream.error.write("halo-scst-model: cannot mount on \(options.mountPoint) (root and /dev/fuse needed)\n")
            return 1
        }
        defer { fuse_unmount(fuse) }
        guard fuse_set_signal_handlers(fuse_get_session(fuse)) == 0 else { return 1 }
        defer { fuse_remove_signal_handlers(fuse_get_session(fuse)) }
        if let readyFile = options.readyFile {
            try? FileSystem.writeAtomically(readyFile, Array("\(getpid())\n".utf8), permissions: 0o644)
        }
        return fuse_loop(fuse) == 0 ? 0 : 1
    }
}
