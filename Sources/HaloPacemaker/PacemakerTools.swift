import HaloSystem

/// Why a Pacemaker tool failed.
public struct PacemakerToolError: Error, Sendable, Hashable, CustomStringConvertible {
    public let command: String
    public let problem: String
    public var description: String { "\(command): \(problem)" }
}

/// Pacemaker's command-line tools, the only interface to its CIB and attribute daemon an agent
/// has: each run with an argv array, a deadline, and its output parsed from XML or a single
/// number — never from text meant for people.
public struct PacemakerTools: Sendable {
    public var runner = ProcessRunner()
    /// Where the tools live; Debian puts them in /usr/sbin.
    public var directory = "/usr/sbin"
    /// A command the tools run under, e.g. `nsenter -t PID -n -m -u` to reach a node in a
    /// namespace (tests), or later ssh for another node.
    public var commandPrefix: [String] = []

    public init(commandPrefix: [String] = []) {
        self.commandPrefix = commandPrefix
    }

    func run(_ tool: String, _ arguments: [String], deadline: Deadline, input: [UInt8]? = nil) throws(PacemakerToolError) -> ProcessResult {
        let path = "\(directory)/\(tool)"
        let command = commandPrefix.isEmpty
            ? Command(path, arguments, standardInput: input)
            : Command(commandPrefix[0], Array(commandPrefix.dropFirst()) + [path] + arguments, standardInput: input)
        let result: ProcessResult
        do {
            result = try runner.run(command, deadline: deadline)
        } catch {
            throw PacemakerToolError(command: tool, problem: "\(error)")
        }
        if result.timedOut {
            throw PacemakerToolError(command: tool, problem: "no answer before the deadline (is Pacemaker running?)")
        }
        return result
    }

    /// Sets this node's promotion score for `resource` (a transient, reboot-lifetime attribute).
    /// `crm_attribute --promotion=RESOURCE --update SCORE`.
    public func setPromotionScore(_ score: Int, resource: String, deadline: Deadline) throws(PacemakerToolError) {
        let result = try run("crm_attribute", ["--promotion=\(resource)", "--update", String(score)], deadline: deadline)
        guard result.succeeded else {
            throw PacemakerToolError(command: "crm_attribute", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
    }

    /// Removes this node's promotion score for `resource`; an absent score is not an error.
    /// `crm_attribute --promotion=RESOURCE --delete`.
    public func removePromotionScore(resource: String, deadline: Deadline) throws(PacemakerToolError) {
        let result = try run("crm_attribute", ["--promotion=\(resource)", "--delete"], deadline: deadline)
        guard result.succeeded else {
            throw PacemakerToolError(command: "crm_attribute", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
    }

    /// This node's name in the cluster. `crm_node --name`.
    public func localNodeName(deadline: Deadline) throws(PacemakerToolError) -> String {
        let result = try run("crm_node", ["--name"], deadline: deadline)
        guard result.succeeded, let name = result.outputText.split(separator: "\n").first, !name.isEmpty else {
            throw PacemakerToolError(command: "crm_node --name", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
        return String(name)
    }

    /// The whole CIB. `cibadmin --query`.
    public func cib(deadline: Deadline) throws(PacemakerToolError) -> XMLElement {
        let result = try run("cibadmin", ["--query"], deadline: deadline)
        guard result.succeeded else {
            throw PacemakerToolError(command: "cibadmin --query", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
        do {
            return try XMLElement.parse(result.outputText)
        } catch {
            throw PacemakerToolError(command: "cibadmin --query", problem: "\(error)")
        }
    }

    /// Creates or replaces a constraint (by id). `cibadmin --modify --allow-create --scope constraints --xml-pipe`.
    public func putConstraint(_ xml: String, deadline: Deadline) throws(PacemakerToolError) {
        let result = try run("cibadmin", ["--modify", "--allow-create", "--scope", "constraints", "--xml-pipe"],
                             deadline: deadline, input: Array(xml.utf8))
        guard result.succeeded else {
            throw PacemakerToolError(command: "cibadmin --modify", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
    }

    /// Deletes the constraint with `id`; an absent one is not an error.
    /// `cibadmin --delete --scope constraints --xml-pipe`.
    public func deleteConstraint(id: String, element: String = "rsc_location", deadline: Deadline) throws(PacemakerToolError) {
        let xml = "<\(element) id=\"\(XMLElement.escape(id))\"/>"
        // cibadmin --delete of an absent object exits 0 (measured with Pacemaker 2.1.5).
        let result = try run("cibadmin", ["--delete", "--scope", "constraints", "--xml-pipe"], deadline: deadline, input: Array(xml.utf8))
        guard result.succeeded else {
            throw PacemakerToolError(command: "cibadmin --delete", problem: "exit \(result.termination): \(result.errorText.prefix(200))")
        }
    }
}
