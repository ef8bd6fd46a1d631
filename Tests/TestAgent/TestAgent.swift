import HaloOCF
import HaloSystem

/// A promotable, notifying, reloadable test agent whose "resource" is a state file. It uses
/// every part of the core, and its `fault` parameter breaks one rule of the OCF contract at a
/// time, so the conformance runner can be shown to catch each. Never installed.
enum TestAgent: PromotableAgent, NotifyingAgent, ReloadingAgent {
    enum Mode: String, CaseIterable {
        case simple, detailed
    }

    /// One contract violation to inject.
    enum Fault: String, CaseIterable {
        case none
        /// monitor reports 0 instead of 8 while promoted
        case monitorIgnoresPromotion = "monitor-ignores-promotion"
        /// start fails with exit 1 and no exit reason
        case silentFailure = "silent-failure"
        /// stop of a stopped resource fails
        case stopNotIdempotent = "stop-not-idempotent"
        /// start takes longer than its declared timeout
        case slowStart = "slow-start"
        /// start reports success without starting anything
        case startDoesNothing = "start-does-nothing"
        /// validate-all and start accept any parameters (handled before the core runs)
        case acceptAnything = "accept-anything"
        /// meta-data that breaks the schemas (handled before the core runs)
        case invalidMetadata = "invalid-metadata"
    }

    struct Parameters: ParameterDeclarations {
        let directory = Parameter(
            "directory", .string, required: true,
            short: "Directory of the state file",
            long: "The directory that holds the resource's state file, <instance>.state. It must exist on the node.")
        let label = Parameter(
            "label", .string, default: "test",
            short: "Label", long: "A label recorded in the state file.", reloadable: true)
        let oldLabel = Parameter(
            "old_label", .optional(.string),
            short: "Label (old name)", long: "The label, under its first name.",
            deprecated: Deprecation(replacedBy: "label", note: "Renamed in 0.1."))
        let count = Parameter(
            "count", .integer(1...100), default: 3,
            short: "Count", long: "A number within a range.", reloadable: true)
        let verbose = Parameter(
            "verbose", .boolean, default: false,
            short: "Verbose", long: "Log each step at info level.")
        let mode = Parameter(
            "mode", .select(Mode.self), default: .simple,
            short: "Mode", long: "One value of a fixed set.")
        let pause = Parameter(
            "pause", .duration(.zero ... .seconds(10)), default: .zero,
            short: "Pause in start", long: "How long start waits before it finishes.")
        let token = Parameter(
            "token", .optional(.string),
            short: "Secret token", long: "A secret: it must never appear in logs or exit reasons.", isPrivate: true)
        let identity = Parameter(
            "identity", .optional(.string),
            short: "Identity", long: "Unique among resources of this type.", uniqueGroup: "identity")
        let fault = Parameter(
            "fault", .select(Fault.self), default: Fault.none,
            short: "Injected fault", long: "Breaks one rule of the OCF contract, for testing the conformance runner.")
    }

    static let name = "testagent"
    static let description = AgentDescription(
        name: name,
        shortDescription: "Test agent of halo's core (never installed)",
        longDescription: "Manages a state file as its resource; promotable, with notify and reload-agent. "
            + "Used by halo's own tests of the OCF core and the conformance runner.",
        timeouts: [.start: .seconds(5), .stop: .seconds(10)],
        monitors: [
            MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20), role: .promoted),
            MonitorRecommendation(interval: .seconds(11), timeout: .seconds(20), role: .unpromoted),
        ],
        monitorLevels: [.basic, .thorough, .deep],
        validateLevels: [.basic, .thorough])

    enum State: String {
        case started, promoted
    }

    static func stateFile(_ context: ActionContext<Parameters>) -> String {
        "\(context.parameters.directory)/\(context.instance).state"
    }

    /// Observation: what the state file says, `nil` when it does not exist.
    static func observe(_ context: ActionContext<Parameters>) throws(AgentFailure) -> State? {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(stateFile(context), limit: 4096)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw AgentFailure.from(error, while: "read \(stateFile(context))")
        }
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let state = State(rawValue: text) else {
            throw .generic("state file \(stateFile(context)) holds \(ParameterProblem.quoted(text)), not a state")
        }
        return state
    }

    static func record(_ state: State?, _ context: ActionContext<Parameters>) throws(AgentFailure) {
        let lock: FileLock
        do {
            lock = try context.state.lock("\(context.instance).lock", deadline: context.deadline)
        } catch {
            throw .generic("\(error)")
        }
        // The lock is held until `lock` goes out of scope at the end of this function.
        do {
            if let state {
                let content = "\(state.rawValue)\nlabel=\(context.parameters.label)\n"
                try FileSystem.writeAtomically(stateFile(context), Array(content.utf8), permissions: 0o644)
            } else {
                try FileSystem.remove(stateFile(context))
            }
        } catch {
            throw AgentFailure.from(error, while: "write \(stateFile(context))")
        }
        _ = consume lock
    }

    static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        switch context.parameters.fault {
        case .silentFailure:
            StandardStream.error.write("something went wrong\n")
            CurrentProcess.exit(1)
        case .slowStart:
            Pause.for(.seconds(6))
        case .startDoesNothing:
            return .success
        default: break
        }
        try requireDirectory(context)
        Pause.for(context.parameters.pause)
        if try observe(context) != nil { return .success }
        try record(.started, context)
        if context.parameters.verbose { context.logger.info("started", metadata: ["halo.label": "\(context.parameters.label)"]) }
        return .success
    }

    static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        guard try observe(context) != nil else {
            if context.parameters.fault == .stopNotIdempotent { throw .generic("already stopped") }
            return .success
        }
        try record(nil, context)
        return .success
    }

    /// The state file is named by `directory` and the instance: with a valid `directory`, stop
    /// removes it whatever else is wrong; without, it cannot tell which file is the resource.
    static func stopWithInvalidParameters(_ problems: ParameterProblems,
                                          context: InvalidParameterContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        guard let directory = context.parameters.value(\.directory) else {
            throw .cannotStop(without: "directory", problems)
        }
        let file = "\(directory)/\(context.instance).state"
        do {
            try FileSystem.remove(file)
        } catch {
            if error != .notDirectory { throw AgentFailure.from(error, while: "remove \(file)") }
        }
        return .success
    }

    static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        guard let state = try observe(context) else { return .notRunning }
        if level >= .deep {
            let probe = "\(context.parameters.directory)/.\(context.instance).probe"
            do {
                try FileSystem.writeAtomically(probe, Array("probe\n".utf8))
                _ = try FileSystem.readBytes(probe)
                try FileSystem.remove(probe)
            } catch {
                throw AgentFailure.from(error, while: "write and read a probe file in \(context.parameters.directory)")
            }
        }
        switch state {
        case .started: return .success
        case .promoted: return context.parameters.fault == .monitorIgnoresPromotion ? .success : .runningPromoted
        }
    }

    static func promote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        guard try observe(context) != nil else { throw .generic("cannot promote: the resource is not started") }
        try record(.promoted, context)
        return .success
    }

    static func demote(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        guard try observe(context) != nil else { throw .generic("cannot demote: the resource is not started") }
        try record(.started, context)
        return .success
    }

    static func notify(_ context: ActionContext<Parameters>, _ notification: Notification) throws(AgentFailure) -> AgentOutcome {
        context.logger.debug("notified", metadata: ["halo.operation": "\(notification.phase.rawValue)-\(notification.operation)"])
        return .success
    }

    static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        if let state = try observe(context) { try record(state, context) }
        return .success
    }

    static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        try requireDirectory(context)
    }

    /// The directory must exist here: a missing one is this node's problem (5), not the
    /// configuration's (6).
    static func requireDirectory(_ context: ActionContext<Parameters>) throws(AgentFailure) {
        let directory = context.parameters.directory
        do {
            guard try FileSystem.info(directory).type == .directory else {
                throw AgentFailure.notInstalled("\(directory) is not a directory on this node")
            }
        } catch let error as Errno {
            throw AgentFailure.from(error, while: "directory \(directory)")
        } catch let error as AgentFailure {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }
}
