import Glibc
import HaloNet
import HaloOCF
import HaloSystem
import Logging

/// The announcements after the first: a detached process (`halo-agent portal-announce …`)
/// that sends the remaining rounds at the configured interval, so start returns as soon as
/// the first round is out.
///
/// It holds the lock `announce-<instance>.lock` in the portal's state directory while it runs
/// and writes its pid beside it; before every round it checks over rtnetlink that each address
/// is still halo's and still up, and stops announcing any that is not — so a portal that moved
/// away is never announced from here again, even if stop could not reach the announcer.
enum Announcer {
    static let command = "portal-announce"

    static func lockName(_ instance: String) -> String { "announce-\(PlainName.of(instance)).lock" }
    static func pidName(_ instance: String) -> String { "announce-\(PlainName.of(instance)).pid" }

    /// The arguments of the announcer process.
    static func arguments(instance: String, state: StateDirectory, rounds: Int, interval: Duration,
                          targets: [AnnounceTarget], neighbours: [IPAddress]) -> [String] {
        var arguments = [command, instance, state.path, String(rounds), DurationText.render(interval)]
        arguments += neighbours.map { "neighbour=\($0)" }
        arguments += targets.map { "\($0.interfaceIndex),\($0.address),\($0.prefixLength)" }
        return arguments
    }

    /// Starts the announcer for the remaining rounds; a failure to start it is logged, not
    /// fatal (the first round is already out).
    static func launch(_ arguments: [String], logger: Logger) {
        // The binary under its own name: the multi-call dispatch reads argv[0]'s base name.
        guard let binary = try? CurrentProcess.executablePath() else {
            logger.warning("cannot find the agent's own binary to start the announcer")
            return
        }
        let command = Command(binary, arguments)
        do {
            let pid = try ProcessRunner().launchDetached(command)
            logger.debug("announcer started", metadata: ["halo.pid": "\(pid)"])
        } catch {
            logger.warning("cannot start the announcer for the remaining announcements", metadata: ["halo.error": "\(error)"])
        }
    }

    /// Ends a running announcer of `instance`, if any, and waits (boundedly) until it is gone.
    static func end(instance: String, state: StateDirectory, deadline: Deadline) {
        guard let bytes = try? state.read(pidName(instance)),
              let pid = Int32(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? "") else { return }
        // Only a process that still holds the lock is an announcer; and only one whose command
        // line says so is ours (a recycled pid is never signalled).
        let wait = Deadline.after(.seconds(1)).earlier(deadline)
        guard let cmdline = try? KernelAttributes().read("/proc/\(pid)/cmdline"), cmdline.contains(command) else { return }
        kill(pid, SIGTERM)
        if let lock = try? state.lock(lockName(instance), deadline: wait) { _ = consume lock }
    }

    /// `halo-agent portal-announce INSTANCE STATE_DIR ROUNDS INTERVAL [neighbour=ADDR]… IFINDEX,ADDR,PREFIX…`
    static func main(_ arguments: [String]) -> Never {
        guard arguments.count >= 5, let rounds = Int(arguments[3]), let interval = DurationText.parse(arguments[4]) else {
            StandardStream.error.write("usage: halo-agent \(command) INSTANCE STATE_DIR ROUNDS INTERVAL [neighbour=ADDR]... IFINDEX,ADDR,PREFIX...\n")
            CurrentProcess.exit(2)
        }
        let instance = arguments[1]
        let state = StateDirectory(path: arguments[2])
        var neighbours: [IPAddress] = []
        var wanted: [(index: Int32, address: IPAddress, prefix: Int)] = []
        for argument in arguments.dropFirst(5) {
            if argument.hasPrefix("neighbour="), let address = IPAddress(String(argument.dropFirst("neighbour=".count))) {
                neighbours.append(address)
                continue
            }
            let fields = argument.split(separator: ",")
            guard fields.count == 3, let index = Int32(fields[0]), let address = IPAddress(String(fields[1])),
                  let prefix = Int(fields[2]) else { continue }
            wanted.append((index, address, prefix))
        }
        guard let lock = try? state.lock(lockName(instance), deadline: .after(.seconds(2))) else { CurrentProcess.exit(1) }
        try? state.write(pidName(instance), Array("\(CurrentProcess.id)\n".utf8))
        for _ in 0..<rounds {
            Pause.for(interval)
            guard var netlink = try? NetlinkSocket(),
                  let links = try? netlink.links(deadline: .after(.seconds(2))),
                  let addresses = try? netlink.addresses(deadline: .after(.seconds(2))) else { break }
            let targets = wanted.compactMap { want -> AnnounceTarget? in
                guard let link = links.first(where: { $0.index == want.index }), link.isUsable, let mac = link.macAddress,
                      addresses.contains(where: { $0.interfaceIndex == want.index && $0.address == want.address
                          && $0.proto == PortalMarkers.addressProtocol }) else { return nil }
                return AnnounceTarget(interfaceIndex: want.index, interface: link.name, mac: mac, address: want.address,
                                      prefixLength: want.prefix)
            }
            if targets.isEmpty { break }
            _ = Announcements.sendRound(targets, neighbours: neighbours)
        }
        try? state.remove(pidName(instance))
        _ = consume lock
        CurrentProcess.exit(0)
    }
}
