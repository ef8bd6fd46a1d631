import HaloControl
import HaloSystem

/// How haloctl finds the cluster manager and the other nodes.
public struct ConnectionOptions: Sendable {
    /// nil: halod if its control socket answers, else Pacemaker if its tools are installed.
    public var manager: ManagerKind?
    public var halodConfiguration = "/etc/halo/halod.toml"
    /// nil: the configuration's control socket.
    public var halodSocket: String?
    /// The default `--remote`: ssh as root, never asking for a password, and one connection per
    /// node kept for a minute (`ControlMaster`): the key exchange is most of an ssh call's time
    /// (0.8 s of `haloctl status` on the UML lab), and an operator's commands come in runs.
    public static let defaultRemote = "ssh -o BatchMode=yes -o ConnectTimeout=3 -o ControlMaster=auto "
        + "-o ControlPath=/run/halo/ssh/%C -o ControlPersist=60 -l root {node}"

    /// The argv prefix that runs a command on another node; `{node}` is replaced by its name.
    public var remote: [String] = ConnectionOptions.remotePrefix(ConnectionOptions.defaultRemote)
    /// haloctl's path on the other nodes.
    public var remoteHaloctl = "/usr/sbin/haloctl"
    /// The argv of halo-agent's `halo-facts` on the other nodes: what status, move and drain
    /// run there (`FactsScope.serving`).
    public var remoteFacts = ConnectionOptions.defaultRemoteFacts
    public static let defaultRemoteFacts = ["/usr/lib/halo/halo-facts"]
    /// Where Pacemaker's tools are.
    public var toolDirectory = "/usr/sbin"
    /// How a Pacemaker cluster is read: its libraries in-process, or its tools.
    public var pacemakerReading = PacemakerReading.library

    public init() {}

    /// Splits `--remote`'s text on spaces (no quoting: it is never given to a shell).
    public static func remotePrefix(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    /// The directory of an ssh `ControlPath` in `remote` (`-o ControlPath=DIR/NAME`), if any.
    public static func controlDirectory(_ remote: [String]) -> String? {
        for option in remote where option.hasPrefix("ControlPath=") {
            let path = String(option.dropFirst("ControlPath=".count))
            guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
            return String(path[..<slash])
        }
        return nil
    }

    /// Makes the directory of the remote command's ssh control sockets (root's only, 0700), so
    /// that ssh can keep its connections; without it every call makes a new one.
    public func prepareRemote() {
        guard let directory = Self.controlDirectory(remote) else { return }
        try? FileSystem.makeDirectories(directory, permissions: 0o700)
    }

    /// The manager to use.
    public func connect() throws(HaloctlError) -> any ClusterManager {
        switch manager {
        case .pacemaker:
            return PacemakerManager(tools: ToolRunner(directory: toolDirectory), reading: pacemakerReading)
        case .halod:
            return try halod()
        case nil:
            if let halod = try? halod(), halodAnswers(halod) { return halod }
            if (try? FileSystem.info("\(toolDirectory)/crm_mon")) != nil {
                return PacemakerManager(tools: ToolRunner(directory: toolDirectory), reading: pacemakerReading)
            }
            throw .noCluster("no cluster manager here: halod does not answer (\(halodSocket ?? "its control socket")) and Pacemaker's tools are not installed (\(toolDirectory)/crm_mon)")
        }
    }

    func halod() throws(HaloctlError) -> HalodManager {
        let configuration = try HalodManager.loadConfiguration(halodConfiguration)
        return HalodManager(socket: halodSocket ?? configuration.local.controlSocket, configuration: configuration)
    }

    func halodAnswers(_ manager: HalodManager) -> Bool {
        guard (try? FileSystem.info(manager.socket)) != nil else { return false }
        return (try? ControlClient.send(.status, to: manager.socket, timeout: .seconds(3))) != nil
    }
}
