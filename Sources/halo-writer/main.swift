import Glibc
import HaloSystem

// halo-writer: the verifying writer of halo's end-to-end tests, run on the initiator.
//
//   halo-writer write DEVICE LOG --tag LUN1 [--blocks N] [--seconds S] [--interval MS]
//       Writes 4 KiB blocks with O_DIRECT|O_DSYNC in sequence over the first N blocks of DEVICE
//       (default 4096 = 16 MiB), queue depth 1; with --interval, paced to at most one write
//       started per MS milliseconds (a gap is then measured to within MS). Every acknowledged write is logged as
//       `A seq block monotonic_ns realtime_ns`; a failed write as `E seq block monotonic_ns
//       realtime_ns errno`, then retried after 100 ms (never counted as acknowledged). Stops on
//       SIGTERM/SIGINT or after S seconds.
//   halo-writer verify DEVICE LOG --tag LUN1
//       Reads back every block that has an acknowledged write and prints JSON: acknowledged
//       writes, lost (an acknowledged write is not on the disk: older data is), corrupt (bad
//       checksum or foreign data), wrongTag (an intact block written under another tag: another
//       LUN's data), unreadable (the read failed), write errors, and the longest gap between
//       acknowledged writes. Exit status 1 when any block is lost, corrupt, of another tag or
//       unreadable, or the log or device cannot be read.
//   TAG: 1 to 8 letters, digits, - or _ (stored in every block; verify compares it).

let arguments = CommandLine.arguments
func usage() -> Never {
    StandardStream.error.write("""
        usage: halo-writer write DEVICE LOG --tag TAG [--blocks N] [--seconds S] [--interval MS]
               halo-writer verify DEVICE LOG --tag TAG
               (TAG: 1 to 8 letters, digits, - or _)

        """)
    CurrentProcess.exit(2)
}
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
guard arguments.count >= 4 else { usage() }
let device = arguments[2]
let logPath = arguments[3]
// Required by both: a verify without the writer's tag could not tell this LUN's blocks from
// another's, and a writer's default would hide a forgotten --tag until then.
guard let tag = option("--tag").flatMap(WriterTag.init) else { usage() }

switch arguments[1] {
case "write":
    guard let blocks = UInt64(option("--blocks") ?? "4096"), blocks > 0,
          let interval = Int(option("--interval") ?? "0"), interval >= 0 else { usage() }
    let seconds = option("--seconds").map(Double.init)
    if case .some(nil) = seconds { usage() }
    Writer.run(device: device, log: logPath, tag: tag, blocks: blocks, seconds: seconds.flatMap { $0 },
               interval: .milliseconds(interval))
case "verify":
    Verifier.run(device: device, log: logPath, tag: tag)
default:
    usage()
}
