import HaloFacts
import HaloSystem

// Test-only: this node's facts as JSON on standard output, as `haloctl facts --output json`
// will print them; run inside network namespaces by Tests/HaloFactsTests. Never installed.
// `--root DIR` reads sysfs and configfs under DIR; `--deadline-ms N` bounds the collection.
var sources = FactsCollector.Sources()
var deadline = Duration.seconds(5)
var arguments = CommandLine.arguments.dropFirst()
while let option = arguments.popFirst() {
    switch option {
    case "--root": sources.root = arguments.popFirst() ?? "/"
    case "--deadline-ms": deadline = .milliseconds(Int(arguments.popFirst() ?? "") ?? 5000)
    default:
        StandardStream.error.write("halo-facts-probe: unknown option \(option)\n")
        CurrentProcess.exit(2)
    }
}
let facts = FactsCollector(sources: sources).collect(deadline: .after(deadline))
StandardStream.output.write(facts.json.rendered(style: .compact) + "\n")
