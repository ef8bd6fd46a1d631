import CFuse
import Glibc
import HaloSystem

/// `halo-scst-model exec --sysfs DIR -- PROGRAM ARGS…`: runs a program in a mount namespace of
/// its own in which DIR (a served model's `sys/kernel/scst_tgt`) is `/sys/kernel/scst_tgt`. The
/// program — an installed agent — runs unchanged and reaches the model through the path it
/// uses on a real node; nothing in the agent knows about the model.
///
/// `/sys/kernel` is covered by an empty tmpfs first (sysfs cannot hold a new mount point), so
/// the rest of `/sys/kernel` is not visible to the program; agents read nothing else there.
enum NamespaceExec {
    static func run(sysfs: String, program: [String]) -> Int32 {
        guard !program.isEmpty else { return 2 }
        guard halo_unshare_mounts() == 0 else { return fail("unshare(CLONE_NEWNS)") }
        guard mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else { return fail("make / private") }
        guard mount("tmpfs", "/sys/kernel", "tmpfs", 0, "mode=0755") == 0 else { return fail("mount a tmpfs on /sys/kernel") }
        guard mkdir("/sys/kernel/scst_tgt", 0o755) == 0 else { return fail("mkdir /sys/kernel/scst_tgt") }
        guard mount(sysfs, "/sys/kernel/scst_tgt", nil, UInt(MS_BIND), nil) == 0 else { return fail("bind \(sysfs)") }
        var argv = program.map { strdup($0) } + [nil]
        execv(program[0], &argv)
        return fail("execv \(program[0])")
    }

    static func fail(_ what: String) -> Int32 {
        StandardStream.error.write("halo-scst-model exec: \(what): \(Errno(rawValue: errno))\n")
        return 126
    }
}
