import HaloDRBD
import HaloSystem

/// `halo-drbd-helper`: DRBD's usermode helper (the drbd module's `usermode_helper` parameter,
/// `/sbin/drbdadm` by default) for nodes whose resources use halo's fence-peer handlers.
///
/// DRBD's kernel runs its helper for every handler (`fence-peer r0`, `after-resync-target
/// minor-0`, …) and waits for it: a promote waits for the fence-peer answer, a Primary that lost its peer
/// holds its I/O. The default helper, drbdadm, reads the configuration and runs the handler's
/// command line with `sh -c`; for halo's handler that is three programs before it (drbdadm,
/// drbd-utils' drbdadm-84, sh). This helper reads the configuration's files itself and, when
/// the resource's handler for that call is halo's own command line, runs it in this process —
/// the same handler with the same arguments and `DRBD_RESOURCE`, the one variable it reads.
/// Every other call, and any doubt (DRBD 9, whose handlers read variables only drbdadm sets; a
/// configuration it does not read as drbdadm would; a handler line with shell syntax), goes to
/// drbdadm unchanged: `execv(2)`, the same process, arguments and environment the kernel gave.
///
/// ```
/// printf %s /usr/lib/halo/halo-drbd-helper > /sys/module/drbd/parameters/usermode_helper   # no newline: the kernel keeps it
/// echo 'options drbd usermode_helper=/usr/lib/halo/halo-drbd-helper' > /etc/modprobe.d/halo-drbd.conf
/// ```
public enum HelperCommand {
    public static let name = "halo-drbd-helper"
    /// The kernel's own default helper, what every call halo does not handle goes to.
    static let drbdadm = "/sbin/drbdadm"

    /// DRBD's handler calls halo answers itself, by the handler command of halo's they name:
    /// fence-peer, the one DRBD waits on (a promote, a Primary's frozen I/O). DRBD 8.4 names the
    /// resource in it; its device-level calls (`after-resync-target minor-1`) name a minor,
    /// which only drbdadm maps to a resource: they go to drbdadm, off the failover's path.
    static let handlers = ["fence-peer": FencePeerCommand.fenceCommand]

    /// Where a call goes.
    enum Route: Equatable {
        /// halo's handler, in this process, with these arguments (its command name first).
        case handler([String])
        /// drbdadm, and why (for the journal).
        case drbdadm(String)
    }

    /// The entry point; `arguments` as the kernel passes them, the helper's name first
    /// (`halo-drbd-helper fence-peer r0`).
    public static func main(_ arguments: [String]) -> Never {
        CurrentProcess.openStandardDescriptors()
        let environment = CurrentProcess.environment()
        let route = route(arguments, moduleVersion: DRBDObservation.moduleVersion(KernelAttributes()), isHalo: isHaloAgent,
                          configuration: { () throws(ConfigurationDumpProblem) in try DRBDConfigurationFiles.resources() })
        switch route {
        case .handler(let handler):
            var environment = environment
            environment["DRBD_RESOURCE"] = arguments[2]
            FencePeerCommand.run(handler, environment: environment)
        case .drbdadm(let why):
            let log = SystemLog(identifier: name, facility: .daemon)
            if arguments.count == 3 && handlers[arguments[1]] != nil {
                // halo's handler expected, drbdadm chosen: worth a line; the other handlers are not.
                log.send("\(arguments[1]) \(arguments[2]): drbdadm runs the handler (\(why))", priority: .info, fields: [])
            }
            // The kernel's environment has no such variable; tests name a stand-in.
            let drbdadm = environment["HALO_DRBD_HELPER_FALLBACK"] ?? drbdadm
            let failure = CurrentProcess.replace(with: drbdadm, arguments: [drbdadm] + arguments.dropFirst())
            log.send("cannot run \(drbdadm) for DRBD's \(arguments.dropFirst().joined(separator: " ")): \(failure)", priority: .error, fields: [])
            // For fence-peer, 1 is no answer: DRBD keeps the peer unfenced and refuses to promote.
            CurrentProcess.exit(1)
        }
    }

    /// Where the call `arguments` goes, given the drbd module's version, a test for a command
    /// being halo's own agent binary and the configuration's reading.
    static func route(_ arguments: [String], moduleVersion: DRBDVersion?, isHalo: (String) -> Bool,
                      configuration: () throws(ConfigurationDumpProblem) -> [DRBDResourceConfiguration]) -> Route {
        guard arguments.count == 3, let command = handlers[arguments[1]] else {
            return .drbdadm("not a handler halo answers")
        }
        guard let moduleVersion, moduleVersion.isEightFour else {
            return .drbdadm("drbd module \(moduleVersion.map(\.description) ?? "of unknown version"): only DRBD 8.4's handlers are answered here")
        }
        let resource = arguments[2]
        guard case .success = DRBDParameters.resourceName.value(from: resource) else {
            return .drbdadm("not a resource name halo accepts")
        }
        let resources: [DRBDResourceConfiguration]
        do {
            resources = try configuration()
        } catch {
            return .drbdadm(error.problem)
        }
        guard let found = resources.first(where: { $0.name == resource }) else {
            return .drbdadm("\(resource) is not in the configuration's files")
        }
        guard let words = found.handlerWords(arguments[1]) else {
            return .drbdadm("no \(arguments[1]) handler configured")
        }
        // sh would split the line into these words only when no word has shell syntax.
        let plain = words.allSatisfy { $0.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || "/._:,+-=".utf8.contains(byte)
        } }
        guard plain, words.count >= 2, words[1] == command, isHalo(words[0]) else {
            return .drbdadm("the handler is not halo's \(command)")
        }
        return .handler(Array(words.dropFirst()))
    }

    /// Whether `path` is this executable (through any symbolic link).
    static func isHaloAgent(_ path: String) -> Bool {
        guard path.hasPrefix("/"), let own = try? CurrentProcess.executablePath(),
              let resolved = try? FileSystem.resolvedPath(path) else { return false }
        return resolved == own
    }
}
