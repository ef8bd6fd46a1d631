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
        for message in reading.messages {
            text += "message \(message.command) \(message.version) " + message.payload.map(hex).joined() + "\n"
        }
        return text
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
