import Glibc
import HaloSystem

// halo-scst-model: the SCST sysfs model of the tests (never installed). See docs/scst.md.
//   halo-scst-model serve --mount DIR --captures DIR [--ready-file FILE] [--daemon-absent]
//                         [--no-pass-through-device] [--virtual-block-device PATH=BYTES]…
//                         [--session-close-delay-ms MS]
//   halo-scst-model exec --sysfs DIR/sys/kernel/scst_tgt -- PROGRAM ARGS…

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = "usage: halo-scst-model serve --mount DIR --captures DIR [options] | exec --sysfs DIR -- PROGRAM ARGS…\n"
switch arguments.first {
case "serve":
    guard let options = Serve.parse(Array(arguments.dropFirst())) else {
        StandardStream.error.write(usage)
        exit(2)
    }
    exit(Serve.run(options))
case "exec":
    guard arguments.count >= 4, arguments[1] == "--sysfs", arguments[3] == "--" else {
        StandardStream.error.write(usage)
        exit(2)
    }
    exit(NamespaceExec.run(sysfs: arguments[2], program: Array(arguments.dropFirst(4))))
default:
    StandardStream.error.write(usage)
    exit(2)
}
