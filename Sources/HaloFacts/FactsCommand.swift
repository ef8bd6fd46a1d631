import HaloSystem

/// `halo-facts [--without-drbd-configuration]`: this node's live facts as compact JSON (schema
/// halo.facts/1), without corosync's part — what haloctl's status, move and drain run on the
/// other nodes. A command of the static halo-agent (installed as the symlink
/// /usr/lib/halo/halo-facts): it starts without the dynamic loader and corosync's libraries,
/// about 60 ms against haloctl's 250 ms per call in the UML lab, and that start is on the path
/// of every `haloctl status`. `haloctl facts` prints the same with corosync's part.
///
/// Exit status: 0 printed (a part that could not be read says so inside), 2 usage.
public enum FactsCommand {
    public static let name = "halo-facts"

    public static func main(_ arguments: [String]) -> Never {
        var drbdConfiguration = true
        for argument in arguments.dropFirst() {
            switch argument {
            case "--without-drbd-configuration": drbdConfiguration = false
            default:
                StandardStream.error.write("usage: \(name) [--without-drbd-configuration] (unknown: \(argument.debugDescription))\n")
                CurrentProcess.exit(2)
            }
        }
        let facts = FactsCollector().collect(deadline: .after(.seconds(6)), drbdConfiguration: drbdConfiguration)
        StandardStream.output.write(facts.json.rendered(style: .compact) + "\n")
        CurrentProcess.exit(0)
    }
}
