import HaloDRBD
import HaloOCF
import HaloSystem

/// What this node's kernel says about the DRBD resource: whether the module is loaded and, if
/// so, one `drbdsetup events2 --now <resource>` (the only process on the monitor path).
struct DRBDObservation: Sendable, Hashable {
    /// The loaded module's version; `nil` when DRBD is not loaded.
    let version: DRBDVersion?
    /// The resource's state; `nil` when it is not configured (down).
    let state: DRBDResourceState?

    /// Reads the module version from sysfs, without a process.
    static func moduleVersion(_ attributes: KernelAttributes) -> DRBDVersion? {
        (try? attributes.readValue("/sys/module/drbd/version")).flatMap(DRBDVersion.init)
    }

    /// Observes the resource. A missing module means "not running" without running anything.
    static func read(_ resource: String, attributes: KernelAttributes, tools: DRBDTools, deadline: Deadline)
        throws(AgentFailure) -> DRBDObservation {
        guard let version = moduleVersion(attributes) else { return DRBDObservation(version: nil, state: nil) }
        let output = try tools.events2(resource, deadline: deadline)
        do {
            return DRBDObservation(version: version, state: try Events2.state(of: resource, from: output))
        } catch {
            throw .generic(Reason("\(error)"))
        }
    }
}

/// drbdsetup and drbdadm, run with argv arrays and deadlines.
struct DRBDTools: Sendable {
    let configuration: String
    let runner: ProcessRunner

    func events2(_ resource: String, deadline: Deadline) throws(AgentFailure) -> String {
        let result = try run(Command("drbdsetup", ["events2", "--now", resource]), deadline: deadline)
        guard result.succeeded else {
            throw .generic(Reason("drbdsetup events2 --now \(resource) failed: \(result.termination): \(firstLine(result.errorText))"))
        }
        return result.outputText
    }

    /// `drbdadm -c CONF VERB RESOURCE`; returns the result, failures included (callers decide).
    func drbdadm(_ verb: String, _ resource: String, extra: [String] = [], deadline: Deadline) throws(AgentFailure) -> ProcessResult {
        try run(Command("drbdadm", ["-c", configuration] + extra + [verb, resource]), deadline: deadline)
    }

    func run(_ command: Command, deadline: Deadline) throws(AgentFailure) -> ProcessResult {
        do {
            let result = try runner.run(command, deadline: deadline)
            if result.timedOut {
                throw AgentFailure.generic(Reason("\(command) did not finish before the action's deadline"))
            }
            return result
        } catch let error as SpawnError {
            throw AgentFailure.from(error, package: "drbd-utils")
        } catch let error as AgentFailure {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }
}

func firstLine(_ text: String) -> String {
    String(text.split(separator: "\n").first(where: { !$0.hasPrefix("Command '") }) ?? Substring(text.prefix(120)))
}
