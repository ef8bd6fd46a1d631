import HaloDRBD
import HaloSystem

/// DRBD's two parts of the facts: the resources that are up (read from DRBD's netlink family
/// in this process, `DRBDNetlink`; `drbdsetup events2 --now --statistics all` when that read
/// fails or a stand-in program is given) and the configuration (`drbdadm dump all`), all parsed
/// by HaloDRBD.
struct DRBDReader {
    let drbdsetup: String
    let drbdadm: String
    /// `/sys/module/drbd` exists. When it does not, nothing is up, and drbdsetup is not run:
    /// it would load the module (`modprobe drbd`) to answer.
    let isModuleLoaded: Bool
    /// The resources as read over netlink, when they were: then drbdsetup is not run.
    var readInProcess: [DRBDResourceFacts]? = nil
    /// `drbdadm dump all` is run; when not, the configuration reads as not asked for.
    var readsConfiguration = true

    var events: Command { Command(drbdsetup, ["events2", "--now", "--statistics", "all"], outputLimit: 8 << 20) }
    var dump: Command { Command(drbdadm, ["dump", "all"], outputLimit: 8 << 20) }

    /// What to run, in the order `readings(from:)` expects the results.
    var commands: [Command] { (readsConfiguration ? [dump] : []) + (isModuleLoaded && readInProcess == nil ? [events] : []) }

    static let configurationNotAsked = "not asked for (--without-drbd-configuration)"

    /// Every resource's facts from DRBD's netlink family, on a thread of its own so that a
    /// kernel that blocks the read costs no more than `deadline`; nil when it failed or did not
    /// answer in time (then drbdsetup is asked).
    static func overNetlink(deadline: Deadline) -> [DRBDResourceFacts]? {
        BoundedCall.run(deadline: deadline) { ((try? DRBDNetlink.states(deadline: deadline)) ?? nil)?.map(DRBDResourceFacts.init) } ?? nil
    }

    /// The two readings from the commands' results.
    func readings(from results: [Result<ProcessResult, SpawnError>])
        -> (resources: Reading<[DRBDResourceFacts]>, configuration: Reading<[DRBDResourceConfiguration]>) {
        precondition(results.count == commands.count, "one result per DRBD command")
        var results = results[...]
        let configuration: Reading<[DRBDResourceConfiguration]>
        if readsConfiguration {
            configuration = Self.output(of: results.removeFirst(), doing: "dump the configuration").flatMap { text -> Reading<[DRBDResourceConfiguration]> in
                do {
                    return .read(try ConfigurationDump.resources(text))
                } catch {
                    return .failed("\(error)")
                }
            }
        } else {
            configuration = .failed(Self.configurationNotAsked)
        }
        guard isModuleLoaded else { return (.read([]), configuration) }
        if let readInProcess { return (.read(readInProcess), configuration) }
        let resources = Self.output(of: results.removeFirst(), doing: "read the resources").flatMap { text -> Reading<[DRBDResourceFacts]> in
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
