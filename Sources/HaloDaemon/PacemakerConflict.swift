import HaloCluster
import HaloPacemaker
import HaloSystem

/// Never two managers over the same stacks: before halod manages a LUN stack, it looks for a
/// Pacemaker resource on this node that drives the same thing, and refuses to start if one
/// exists, naming it.
///
/// "The same thing" is what the agent's meta-data marks `unique="1"` (the DRBD resource, the
/// target IQN, the portal addresses, the LUKS name…): a Pacemaker primitive of the same agent
/// with an equal value in one of them is a conflict. When an agent's meta-data cannot be
/// read, every parameter both declare must be equal for a conflict (a weaker check, said so
/// in the refusal).
struct PacemakerConflict: Sendable, Hashable, CustomStringConvertible {
    let resource: String
    let pacemakerResource: String
    let parameter: String
    let value: String
    let weak: Bool

    var description: String {
        "\(resource) is also Pacemaker's resource \(pacemakerResource) (\(parameter)=\(value)\(weak ? ", same parameters" : ""));"
            + " halod and Pacemaker must never manage the same stack: remove it from one of them"
    }

    /// The conflicts between `configuration` and the CIB's `resources` section.
    ///
    /// - Parameter uniqueParameters: per agent, the parameters its meta-data marks unique
    ///   (nil when the meta-data could not be read).
    static func find(in cib: XMLElement, configuration: ClusterConfiguration,
                     uniqueParameters: (AgentName) -> Set<String>?) -> [PacemakerConflict] {
        var conflicts: [PacemakerConflict] = []
        let primitives = cib.name == "primitive" ? [cib] : cib.descendants("primitive")
        for lun in configuration.luns {
            for resource in lun.resources {
                for primitive in primitives where primitive["class"] == resource.agent.standard
                    && primitive["provider"] == resource.agent.provider && primitive["type"] == resource.agent.type {
                    let theirs = Dictionary(
                        primitive.children("instance_attributes").flatMap { $0.children("nvpair") }.compactMap { pair in
                            pair["name"].map { ($0, pair["value"] ?? "") }
                        }, uniquingKeysWith: { first, _ in first })
                    if let unique = uniqueParameters(resource.agent) {
                        for (name, value) in resource.parameters where unique.contains(name) && theirs[name] == value {
                            conflicts.append(PacemakerConflict(resource: resource.id, pacemakerResource: primitive["id"] ?? "?",
                                                               parameter: name, value: value, weak: false))
                        }
                    } else {
                        let shared = resource.parameters.filter { theirs[$0.0] != nil }
                        if let first = shared.first, shared.allSatisfy({ theirs[$0.0] == $0.1 }) {
                            conflicts.append(PacemakerConflict(resource: resource.id, pacemakerResource: primitive["id"] ?? "?",
                                                               parameter: first.0, value: first.1, weak: true))
                        }
                    }
                }
            }
        }
        return conflicts
    }

    /// The unique parameters from an agent's meta-data XML.
    static func uniqueParameters(metadata: String) -> Set<String>? {
        guard let document = try? XMLElement.parse(metadata) else { return nil }
        return Set(document.descendants("parameter").filter { $0["unique"] == "1" || $0["unique-group"] != nil }.compactMap { $0["name"] })
    }

    /// The CIB's resources on this node: the live CIB when Pacemaker runs here, else the file
    /// it keeps; nil when neither exists (no Pacemaker on this node).
    static func readCIB(runner: ProcessRunner = ProcessRunner()) -> XMLElement? {
        if let result = try? runner.run(Command("cibadmin", ["--query", "--scope", "resources"]), deadline: .after(.seconds(10))),
           result.succeeded, let xml = try? XMLElement.parse(result.outputText) {
            return xml
        }
        if let bytes = try? FileSystem.readBytes("/var/lib/pacemaker/cib/cib.xml", limit: 64 << 20),
           let xml = try? XMLElement.parse(String(decoding: bytes, as: UTF8.self)) {
            return xml
        }
        return nil
    }

    /// Runs the agent's `meta-data` action (bounded) and reads its unique parameters.
    static func uniqueParameters(of agent: AgentName, runner: ProcessRunner = ProcessRunner()) -> Set<String>? {
        let path = "/usr/lib/ocf/resource.d/\(agent.provider)/\(agent.type)"
        guard let result = try? runner.run(Command(path, ["meta-data"], environment: Command.minimalEnvironment.merging(["OCF_ROOT": "/usr/lib/ocf"]) { a, _ in a }),
                                           deadline: .after(.seconds(10))),
              result.succeeded else { return nil }
        return uniqueParameters(metadata: result.outputText)
    }
}
