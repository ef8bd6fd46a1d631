import HaloConformance
import HaloSystem

// halo-conformance: the conformance runner as a command, for the VM lab and for checking an
// installed agent by hand.
//
//   halo-conformance [-n INSTANCE] [-o NAME=VALUE]... [-e NAME=VALUE]... AGENT
let usage = """
    usage: halo-conformance [-n INSTANCE] [-o PARAMETER=VALUE]... [-e VARIABLE=VALUE]... AGENT
           halo-conformance --metadata-only AGENT
      AGENT is the agent's path, e.g. /usr/lib/ocf/resource.d/halo/portal.
      -o sets a resource parameter; -e sets another environment variable (e.g. HA_RSCTMP).
      --metadata-only checks meta-data alone (schemas, unprivileged run), starting nothing.
    Exits 0 when the agent conforms, 1 when a check failed, 2 on bad usage.

    """
var instance = "conformance"
var parameters: [String: String] = [:]
var environment: [String: String] = [:]
var path: String?
var metadataOnly = false
var arguments = CommandLine.arguments.dropFirst()[...]

func pair(_ text: String?) -> (String, String)? {
    guard let text, let equals = text.firstIndex(of: "=") else { return nil }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
}

while let argument = arguments.popFirst() {
    switch argument {
    case "-n": instance = arguments.popFirst() ?? instance
    case "-o", "-e":
        guard let (name, value) = pair(arguments.popFirst()) else {
            StandardStream.error.write(usage)
            CurrentProcess.exit(2)
        }
        if argument == "-o" { parameters[name] = value } else { environment[name] = value }
    case "--metadata-only": metadataOnly = true
    case "-h", "--help":
        StandardStream.output.write(usage)
        CurrentProcess.exit(0)
    default:
        path = argument
    }
}
guard let path else {
    StandardStream.error.write(usage)
    CurrentProcess.exit(2)
}
let agent = AgentUnderTest(path: path, instance: instance, parameters: parameters, environment: environment)
let report = metadataOnly ? ConformanceRunner().checkMetadata(agent) : ConformanceRunner().run(agent)
StandardStream.output.write(report.rendered)
CurrentProcess.exit(report.passed ? 0 : 1)
