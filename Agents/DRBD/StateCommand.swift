import HaloDRBD
import HaloNet
import HaloSystem

/// `halo-agent drbd-state [--capture] [RESOURCE|all]`: DRBD's state as ocf:halo:drbd reads it
/// (over netlink, no process), printed as the lines of `drbdsetup events2 --now --statistics`
/// that halo reads — to compare with drbdsetup's own, field by field. `--capture` prints the
/// kernel's messages themselves (hex), the fixture format of Tests/Fixtures/drbd-8.4/halo-*.
///
/// Exit status: 0 read (an unknown resource prints nothing), 1 the read failed (said on
/// stderr), 2 usage.
public enum StateCommand {
    public static let name = "drbd-state"

    public static func main(_ arguments: [String]) -> Never {
        var capture = false
        var resource: String?
        for argument in arguments.dropFirst() {
            switch argument {
            case "--capture": capture = true
            case _ where argument.hasPrefix("-") || resource != nil:
                StandardStream.error.write("usage: halo-agent \(name) [--capture] [RESOURCE|all]\n")
                CurrentProcess.exit(2)
            default: resource = argument
            }
        }
        if let resource, resource != "all", case .failure(let problem) = DRBDParameters.resourceName.value(from: resource) {
            StandardStream.error.write("\(name): \(problem)\n")
            CurrentProcess.exit(2)
        }
        let reading: DRBDNetlink.Reading?
        do {
            reading = try DRBDNetlink.read(deadline: .after(.seconds(10)))
        } catch {
            StandardStream.error.write("\(name): \(error)\n")
            CurrentProcess.exit(1)
        }
        guard let reading else {
            StandardStream.error.write("\(name): the drbd netlink family is not registered: the drbd module is not loaded\n")
            CurrentProcess.exit(1)
        }
        if capture {
            StandardStream.output.write(captureText(reading))
        } else {
            let wanted = resource == nil || resource == "all" ? nil : resource
            let lines = reading.lines.filter { wanted == nil || $0.object == "-" || $0["name"] == wanted }
            StandardStream.output.write(lines.map { $0.text + "\n" }.joined())
        }
        CurrentProcess.exit(0)
    }

    /// The capture format: the family line, then one line per message — its command, its
    /// genetlink version, and its payload after the genetlink header, in hex.
    static func captureText(_ reading: DRBDNetlink.Reading) -> String {
        var text = "family \(reading.family.name) version \(reading.family.version)\n"
        for message in reading.messages { text += captureLine(message) }
        return text
    }

    /// One message of a capture: its command, its genetlink version, its payload in hex.
    static func captureLine(_ message: GenericNetlinkMessage) -> String {
        "message \(message.command) \(message.version) " + message.payload.map(hex).joined() + "\n"
    }

    /// A reply of `drbd-role` or `drbd-reconnect`: printed when capturing; a refusal said on
    /// stderr in drbdsetup's words and ending the command with its exit status; no reply (the
    /// family is not registered) ends it with 1.
    static func handle(_ reply: DRBDReply?, capture: Bool, command: String) {
        guard let reply else {
            StandardStream.error.write("\(command): the drbd netlink family is not registered: the drbd module is not loaded\n")
            CurrentProcess.exit(1)
        }
        if capture { StandardStream.output.write(captureLine(reply.message)) }
        if let refusal = reply.refusal {
            StandardStream.error.write(([refusal.message] + refusal.kernelText).joined(separator: "\n") + "\n")
            CurrentProcess.exit(refusal.exitStatus)
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}

/// `halo-agent drbd-role [--capture] primary|secondary RESOURCE`: the role change ocf:halo:drbd
/// asks of the kernel (`DRBDRoleChange`, one request per volume), without drbdadm: a refusal
/// is said on stderr in drbdsetup-84's words and ends with its exit status (17, 11, …).
/// `--capture` prints each reply as received, the fixture format of
/// Tests/Fixtures/drbd-8.4/halo-drbd-role-*. For the lab's captures and for an admin comparing
/// with `drbdadm`; the agent does the same itself.
///
/// Exit status: 0 done, drbdsetup's status for a refusal, 1 the request failed, 2 usage.
public enum RoleCommand {
    public static let name = "drbd-role"

    public static func main(_ arguments: [String]) -> Never {
        var capture = false
        var words: [String] = []
        for argument in arguments.dropFirst() {
            if argument == "--capture" { capture = true } else { words.append(argument) }
        }
        guard words.count == 2, let role = ["primary": DRBDRoleChange.Role.primary, "secondary": .secondary][words[0]],
              !words[1].hasPrefix("-") else {
            StandardStream.error.write("usage: halo-agent \(name) [--capture] primary|secondary RESOURCE\n")
            CurrentProcess.exit(2)
        }
        let resource = words[1]
        if case .failure(let problem) = DRBDParameters.resourceName.value(from: resource) {
            StandardStream.error.write("\(name): \(problem)\n")
            CurrentProcess.exit(2)
        }
        let deadline = Deadline.after(.seconds(60))
        let state: DRBDResourceState
        do {
            guard let found = try DRBDNetlink.states(deadline: deadline)?.first(where: { $0.name == resource }) else {
                StandardStream.error.write("\(name): \(resource) is not configured (or the drbd module is not loaded)\n")
                CurrentProcess.exit(1)
            }
            state = found
        } catch {
            StandardStream.error.write("\(name): \(error)\n")
            CurrentProcess.exit(1)
        }
        guard let requests = DRBDRoleChange.requests(role, for: state) else {
            StandardStream.error.write("\(name): \(resource) has a volume without a minor: use drbdadm \(role.verb) \(resource)\n")
            CurrentProcess.exit(1)
        }
        if capture { StandardStream.output.write("family drbd role \(role.verb) resource \(resource)\n") }
        for request in requests {
            let reply: DRBDReply?
            do {
                reply = try request.send(deadline: deadline)
            } catch {
                StandardStream.error.write("\(name): \(error)\n")
                CurrentProcess.exit(1)
            }
            StateCommand.handle(reply, capture: capture, command: name)
        }
        CurrentProcess.exit(0)
    }
}

/// `halo-agent drbd-reconnect [--capture] RESOURCE`: what ocf:halo:drbd does under halod to a
/// connection whose peer halod fenced, without drbdadm — the connection's settings read from
/// the kernel, the connection dropped (`disconnect --force`), then configured again with those
/// settings (`DRBDConnection`): DRBD is StandAlone for a moment, then listens for (or connects
/// to) its peer as before. Like `drbdadm disconnect --force r0; drbdadm connect r0`, for the
/// lab and for an admin checking that the netlink path works on a node. `--capture` prints the
/// three replies as received (the fixture format of Tests/Fixtures/drbd-8.4/halo-drbd-reconnect-*),
/// the shared secret's bytes in the first one replaced by `*`.
///
/// Exit status: 0 done, drbdsetup's status for a refusal, 1 the request failed, 2 usage.
public enum ReconnectCommand {
    public static let name = "drbd-reconnect"

    public static func main(_ arguments: [String]) -> Never {
        var capture = false
        var words: [String] = []
        for argument in arguments.dropFirst() {
            if argument == "--capture" { capture = true } else { words.append(argument) }
        }
        guard words.count == 1, !words[0].hasPrefix("-") else {
            StandardStream.error.write("usage: halo-agent \(name) [--capture] RESOURCE\n")
            CurrentProcess.exit(2)
        }
        let resource = words[0]
        if case .failure(let problem) = DRBDParameters.resourceName.value(from: resource) {
            StandardStream.error.write("\(name): \(problem)\n")
            CurrentProcess.exit(2)
        }
        func fail(_ message: String) -> Never {
            StandardStream.error.write("\(name): \(message)\n")
            CurrentProcess.exit(1)
        }
        let deadline = Deadline.after(.seconds(60))
        let settings: DRBDConnectionSettings
        do {
            guard let state = try DRBDNetlink.states(deadline: deadline)?.first(where: { $0.name == resource }) else {
                fail("\(resource) is not configured (or the drbd module is not loaded)")
            }
            guard let minor = state.devices.first?.minor else { fail("\(resource) has no minor: use drbdadm") }
            guard let read = try DRBDConnection.read(resource: resource, minor: UInt32(minor), deadline: deadline) else {
                fail("\(resource) has no connection configured (StandAlone)")
            }
            settings = read
            if capture {
                StandardStream.output.write("family drbd reconnect resource \(resource)\n")
                StandardStream.output.write(StateCommand.captureLine(settings.redactedReply))
            }
            for connect in [false, true] {
                let answer = connect ? try DRBDConnection.connect(settings, deadline: deadline)
                                     : try DRBDConnection.disconnect(settings, deadline: deadline)
                StateCommand.handle(answer, capture: capture, command: name)
            }
        } catch {
            fail("\(error)")
        }
        CurrentProcess.exit(0)
    }
}
