import HaloDRBD
import HaloSystem

/// DRBD's two parts of the facts: the resources that are up (`drbdsetup events2 --now
/// --statistics all`, drbd-utils' machine format) and the configuration (`drbdadm dump all`),
/// both parsed by HaloDRBD.
struct DRBDReader {
    let drbdsetup: String
    let drbdadm: String
    /// `/sys/module/drbd` exists. When it does not, nothing is up, and drbdsetup is not run:
    /// it would load the module (`modprobe drbd`) to answer.
    let isModuleLoaded: Bool

    var events: Command { Command(drbdsetup, ["events2", "--now", "--statistics", "all"], outputLimit: 8 << 20) }
    var dump: Command { Command(drbdadm, ["dump", "all"], outputLimit: 8 << 20) }

    /// What to run, in the order `readings(from:)` expects the results.
    var commands: [Command] { isModuleLoaded ? [dump, events] : [dump] }

    /// The two readings from the commands' results.
    func readings(from results: [Result<ProcessResult, SpawnError>])
        -> (resources: Reading<[DRBDResourceFacts]>, configuration: Reading<[DRBDResourceConfiguration]>) {
        precondition(results.count == commands.count, "one result per DRBD command")
        let configuration = Self.output(of: results[0], doing: "dump the configuration").flatMap { text -> Reading<[DRBDResourceConfiguration]> in
            do {
                return .read(try ConfigurationDump.resources(text))
            } catch {
                return .failed("\(error)")
            }
        }
        guard isModuleLoaded else { return (.read([]), configuration) }
        let resources = Self.output(of: results[1], doing: "read the resources").flatMap { text -> Reading<[DRBDResourceFacts]> in
            do {
                return .read(try Events2.states(from: text).map(DRBDResourceFacts.init))
            } catch {
                return .failed("\(error)")
            }
        }
        return (resources, configuration)
    }

    /// A command's standard output when it exited 0, or why not, in words.
    static func output(of result: Result<ProcessResult, SpawnError>, doing purpose: String) -> Reading<String> {
        switch result {
        case .failure(let error):
            return .failed("cannot \(purpose): \(error)")
        case .success(let run):
            let command = "\(run.command.executable) \(run.command.arguments.first ?? "")"
            if run.timedOut { return .failed("cannot \(purpose): \(command) did not finish in time (\(run.duration.milliseconds) ms)") }
            guard run.succeeded else {
                let said = run.errorText.split(separator: "\n").first { !$0.hasPrefix("sh: ") }.map { ": \($0)" } ?? ""
                return .failed("cannot \(purpose): \(command) ended with \(run.termination)\(said)")
            }
            if run.isOutputTruncated { return .failed("cannot \(purpose): \(command) printed more than \(run.command.outputLimit) bytes") }
            return .read(run.outputText)
        }
    }
}

extension Reading {
    /// The reading of `transform`'s result, or this failure.
    func flatMap<Other>(_ transform: (Value) -> Reading<Other>) -> Reading<Other> {
        switch self {
        case .read(let value): transform(value)
        case .failed(let reason): .failed(reason)
        }
    }
}
