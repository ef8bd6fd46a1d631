import HaloOCF
import HaloSystem

// halo-test-agent: a multi-call binary like halo-agent, with one agent, `testagent` (tests
// invoke it through a symlink of that name, as the install layout does). Two faults act before
// the core runs, because they break what the core guarantees (valid meta-data, validation).
let environment = CurrentProcess.environment()
let invokedAs = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
let arguments = Array(CommandLine.arguments.dropFirst(invokedAs == "testagent" ? 1 : 2))
switch (invokedAs == "testagent" || CommandLine.arguments.dropFirst().first == "testagent"
        ? environment["OCF_RESKEY_fault"] : nil, arguments.first) {
case ("invalid-metadata"?, "meta-data"?):
    StandardStream.output.write(AgentRunner.metadata(TestAgent.self)
        .replacingFirst("<actions>", with: "<actions>\n    <action name=\"start\"/>"))
    CurrentProcess.exit(0)
case ("accept-anything"?, "validate-all"?), ("accept-anything"?, "start"?):
    CurrentProcess.exit(0)
default:
    MultiCall.main(agents: [AgentEntry(TestAgent.self)], arguments: CommandLine.arguments,
                   environment: environment, programName: "halo-test-agent")
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return String(self[..<index]) + replacement + String(self[self.index(index, offsetBy: target.count)...])
            }
            index = self.index(after: index)
        }
        return self
    }
}
