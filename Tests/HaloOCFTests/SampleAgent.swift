import HaloOCF
import HaloSystem

/// A small agent declared inside the tests: every parameter feature, and actions that report
/// what the core handed them, so the runner's contract can be asserted in-process.
enum SampleAgent: ResourceAgent {
    enum Cache: String, CaseIterable { case writeThrough = "write-through", writeBack = "write-back" }

    struct Parameters: ParameterDeclarations {
        let target = Parameter("target", .string, required: true,
                               short: "Target name", long: "The name of the <target> & its \"LUN\".", uniqueGroup: "target")
        let lun = Parameter("lun", .integer(0...16383), default: 0, short: "LUN", long: "The LUN number.",
                            uniqueGroup: "address")
        let portal = Parameter("portal", .string, default: "0.0.0.0", short: "Portal", long: "Address.",
                               uniqueGroup: "address")
        let cache = Parameter("cache", .select(Cache.self), default: .writeThrough, short: "Cache policy",
                              long: "Write-cache policy.", reloadable: true)
        let readOnly = Parameter("read_only", .boolean, default: false, short: "Read-only", long: "Export read-only.")
        let secretFile = Parameter("secret_file", .optional(.string), short: "Secret file",
                                   long: "Where the CHAP secret is.", isPrivate: true)
        let oldCache = Parameter("write_cache", .optional(.string), short: "Old cache switch", long: "The old name.",
                                 deprecated: Deprecation(replacedBy: "cache", note: "Since 0.1."))
        let settle = Parameter("settle", .duration(.zero ... .seconds(60)), default: .milliseconds(500),
                               short: "Settle time", long: "How long to wait.")
    }

    static let name = "sample"
    static let description = AgentDescription(
        name: name, shortDescription: "Sample agent", longDescription: "An agent for the core's own tests.",
        timeouts: [.start: .seconds(30)],
        monitors: [MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20)),
                   MonitorRecommendation(interval: .seconds(60), timeout: .seconds(30), depth: .thorough)],
        monitorLevels: [.basic, .thorough])

    /// What an action saw, reported through the exit reason of a "failure" so tests can read it.
    static func report(_ context: ActionContext<Parameters>, _ text: String) -> AgentFailure {
        .generic(Reason(text))
    }

    static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        if context.parameters.target == "fail" {
            throw .notInstalled(Reason("backing device missing", details: ["halo.device": "/dev/x"]))
        }
        if context.parameters.target == "report-deadline" {
            throw report(context, "remaining=\(context.deadline.remaining().components.seconds)")
        }
        if context.parameters.target == "report-values" {
            let p = context.parameters
            throw report(context, "lun=\(p.lun) cache=\(p.cache.rawValue) ro=\(p.readOnly) settle=\(p.settle) secret=\(p.secretFile ?? "-")")
        }
        context.logger.info("started", metadata: ["halo.target": "\(context.parameters.target)"])
        context.logger.debug("debug detail")
        return .success
    }

    static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome { .success }

    /// With `target=report-partial`, reports which parameters validated; otherwise the default.
    static func stopWithInvalidParameters(_ problems: ParameterProblems,
                                          context: InvalidParameterContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let p = context.parameters
        guard p.value(\.target) == "report-partial" else {
            throw .cannotStop(without: nil, problems)
        }
        throw .generic(Reason("target=\(p.value(\.target) ?? "nil") lun=\(p.value(\.lun).map(String.init) ?? "nil") "
            + "cache=\(p.value(\.cache)?.rawValue ?? "nil") settle=\(p.value(\.settle).map { "\($0)" } ?? "nil")"))
    }

    static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        throw report(context, "level=\(level) probe=\(context.isProbe)")
    }
}
