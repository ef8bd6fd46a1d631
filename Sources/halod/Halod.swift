import ArgumentParser
import HaloDaemon

/// halod: runs a halo SAN without Pacemaker (docs/halod.md).
@main
struct Halod: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "halod",
        abstract: "The halo cluster daemon: corosync membership, fencing and LUN placement without Pacemaker.",
        discussion: """
            halod joins corosync's process group "halod" on every storage node. The members agree, \
            through corosync's totally ordered messages, on one view of the cluster: who is a member, \
            whether the cluster is quorate, which node must be fenced, and which node serves each LUN. \
            A node that leaves without a clean leave is fenced by the lowest member before any LUN it may \
            hold is placed elsewhere. Send SIGHUP to reload the configuration, SIGTERM to leave cleanly.
            """,
        version: Daemon.version)

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config = "/etc/halo/halod.toml"

    @Option(help: "Listen on this control socket instead of the configuration's.")
    var controlSocket: String?

    @Flag(help: "Also log to standard error, with wall-clock times.")
    var logStderr = false

    @Flag(help: "Log debug messages too.")
    var debug = false

    @Flag(help: "Check the configuration file and exit (0: valid; 78: the error is printed).")
    var check = false

    func run() throws {
        if check {
            do {
                let digest = try Daemon.check(configurationPath: config)
                print("\(config): valid (digest \(digest))")
                return
            } catch {
                StandardError.print("halod: \(error)")
                throw ExitCode(error.status)
            }
        }
        var options = DaemonOptions()
        options.configurationPath = config
        options.controlSocket = controlSocket
        options.logToStandardError = logStderr
        options.debug = debug
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options)
        } catch {
            StandardError.print("halod: \(error)")
            throw ExitCode(error.status)
        }
        let status = daemon.run()
        if status != 0 { throw ExitCode(status) }
    }
}
