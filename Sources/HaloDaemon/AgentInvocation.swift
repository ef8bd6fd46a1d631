import HaloCluster
import HaloSystem

/// How halod runs an OCF agent: the way Pacemaker's executor does — the action as argv[1], the
/// parameters as `OCF_RESKEY_*`, the operation's meta attributes as `OCF_RESKEY_CRM_meta_*`
/// (timeout and interval in milliseconds), `OCF_CHECK_LEVEL` for a monitor's depth, the clone
/// and promotable-clone attributes for resources that run on every node, and nothing of
/// halod's own environment. `HALO_MANAGER=halod` tells halo's agents who runs them.
enum AgentInvocation {
    /// Pacemaker 2.1.5's feature set, which some shell agents test for.
    static let featureSet = "3.16.2"

    static func command(_ resource: ResourceConfiguration, of lun: LUNConfiguration, action: StackAction, timeout: Duration,
                        interval: Duration = .zero, depth: Int = 0, nodeName: String, ocfRoot: String) -> Command {
        var environment = Command.minimalEnvironment
        environment["OCF_ROOT"] = ocfRoot
        environment["OCF_RA_VERSION_MAJOR"] = "1"
        environment["OCF_RA_VERSION_MINOR"] = "1"
        environment["OCF_RESOURCE_INSTANCE"] = resource.id
        environment["OCF_RESOURCE_TYPE"] = resource.agent.type
        environment["OCF_RESOURCE_PROVIDER"] = resource.agent.provider
        environment["HA_RSCTMP"] = "/run/resource-agents"
        environment["HA_LOGFACILITY"] = "daemon"
        environment["HALO_MANAGER"] = "halod"
        for (name, value) in resource.parameters { environment["OCF_RESKEY_\(name)"] = value }
        let name = action == .probe ? "monitor" : action.rawValue
        environment["OCF_RESKEY_CRM_meta_name"] = name
        environment["OCF_RESKEY_CRM_meta_timeout"] = String(timeout.milliseconds)
        environment["OCF_RESKEY_CRM_meta_interval"] = String(interval.milliseconds)
        environment["OCF_RESKEY_CRM_meta_on_node"] = nodeName
        environment["OCF_RESKEY_crm_feature_set"] = featureSet
        if action == .monitor || action == .probe { environment["OCF_CHECK_LEVEL"] = String(depth) }
        if resource.role != .serving {
            environment["OCF_RESKEY_CRM_meta_clone_max"] = String(lun.nodes.count)
            environment["OCF_RESKEY_CRM_meta_clone_node_max"] = "1"
            environment["OCF_RESKEY_CRM_meta_clone"] = String(lun.nodes.firstIndex(of: nodeName) ?? 0)
            environment["OCF_RESKEY_CRM_meta_globally_unique"] = "false"
            environment["OCF_RESKEY_CRM_meta_notify"] = "false"
        }
        if resource.role == .promotable {
            environment["OCF_RESKEY_CRM_meta_promotable"] = "true"
            for key in ["promoted_max", "promoted_node_max", "master_max", "master_node_max"] {
                environment["OCF_RESKEY_CRM_meta_\(key)"] = "1"
            }
        }
        return Command("\(ocfRoot)/resource.d/\(resource.agent.provider)/\(resource.agent.type)", [name],
                       environment: environment, outputLimit: 256 * 1024)
    }

    /// The agent's exit reason: the last `ocf-exit-reason:` line it printed (Pacemaker keeps the
    /// last), or its last line of standard error.
    static func exitReason(_ result: ProcessResult) -> String? {
        let lines = (result.errorText + "\n" + result.outputText).split(separator: "\n").map(String.init)
        if let reason = lines.last(where: { $0.hasPrefix("ocf-exit-reason:") }) {
            return String(reason.dropFirst("ocf-exit-reason:".count)).trimmingCharacters(in: " ")
        }
        return result.errorText.split(separator: "\n").last.map(String.init)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
