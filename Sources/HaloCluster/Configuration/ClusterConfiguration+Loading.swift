extension ClusterConfiguration {
    /// Reads and checks a configuration file's text.
    ///
    /// ```toml
    /// [cluster]
    /// name = "san1"
    ///
    /// [[node]]
    /// name = "node1"
    /// id = 1
    /// fence = [["ipmi-node1"]]
    ///
    /// [fence_device.ipmi-node1]
    /// agent = "fence_ipmilan"
    /// options = { ip = "10.0.0.11", username = "admin", password = "…" }
    ///
    /// [[lun]]
    /// name = "lun1"
    /// nodes = ["node1", "node2"]
    /// ```
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the path, for errors.
    /// - Throws: `ConfigurationError` naming the line and the key, and what to write instead.
    public static func load(_ text: String, file: String) throws(ConfigurationError) -> ClusterConfiguration {
        var root = TableReader(try TOMLParser.parse(text, file: file), path: "", file: file)
        var configuration = ClusterConfiguration(
            clusterName: nil, failsBack: false, noQuorumPolicy: .stop, startupFenceDelay: .seconds(30),
            fenceRetryLimit: .seconds(60), nodes: [], fenceDevices: [:], luns: [], local: LocalSettings())
        if let cluster = try root.table("cluster") { try configuration.readCluster(TableReader(cluster, path: "cluster", file: file)) }
        if let local = try root.table("local") { try configuration.readLocal(TableReader(local, path: "local", file: file)) }
        if let devices = try root.table("fence_device") {
            for (name, value) in devices.entries {
                guard case .table(let device) = value.kind else {
                    throw ConfigurationError(file: file, line: value.line, key: "fence_device.\(name)",
                                             message: "must be a table: [fence_device.\(name)] with agent = \"fence_…\"")
                }
                configuration.fenceDevices[name] = try readFenceDevice(name, TableReader(device, path: "fence_device.\(name)", file: file))
            }
        }
        for (index, node) in try root.tables("node", example: "[[node]] name = \"node1\" id = 1").enumerated() {
            configuration.nodes.append(try configuration.readNode(TableReader(node, path: "node[\(index + 1)]", file: file)))
        }
        for (index, lun) in try root.tables("lun", example: "[[lun]] name = \"lun1\" nodes = [\"node1\", \"node2\"]").enumerated() {
            configuration.luns.append(try configuration.readLUN(TableReader(lun, path: "lun[\(index + 1)]", file: file)))
        }
        try root.finish()
        guard !configuration.nodes.isEmpty else {
            throw ConfigurationError(file: file, line: 0, message: "no [[node]] is declared; declare every node of the cluster with its name, id and fencing")
        }
        configuration.nodes.sort { $0.id < $1.id }
        return configuration
    }

    private mutating func readCluster(_ table: TableReader) throws(ConfigurationError) {
        var table = table
        clusterName = try table.string("name")?.0
        failsBack = try table.boolean("failback") ?? false
        if let (policy, line) = try table.string("no_quorum_policy") {
            guard let value = NoQuorumPolicy(rawValue: policy) else {
                throw table.error("no_quorum_policy", line: line, "\"\(policy)\" is not a policy; write \"stop\" (the default) or \"freeze\"")
            }
            noQuorumPolicy = value
        }
        startupFenceDelay = try table.duration("startup_fence_delay") ?? startupFenceDelay
        fenceRetryLimit = try table.duration("fence_retry_limit") ?? fenceRetryLimit
        if let (threshold, line) = try table.integer("migration_threshold") {
            guard (1...100).contains(threshold) else {
                throw table.error("migration_threshold", line: line, "must be 1 to 100 (failures on a node before a LUN moves away)")
            }
            migrationThreshold = threshold
        }
        try table.finish()
    }

    private mutating func readLocal(_ table: TableReader) throws(ConfigurationError) {
        var table = table
        if let (path, line) = try table.string("control_socket") {
            guard path.hasPrefix("/"), !path.contains("\n") else {
                throw table.error("control_socket", line: line, "must be an absolute path, like \"/run/halo/halod.sock\"")
            }
            local.controlSocket = path
        }
        local.factsInterval = try table.duration("facts_interval") ?? local.factsInterval
        local.tickleACKs = try table.boolean("tickle_acks") ?? local.tickleACKs
        if let (address, line) = try table.string("metrics") {
            guard let parsed = Self.hostAndPort(address) else {
                throw table.error("metrics", line: line, "\"\(address)\" is not an address and port; write \"127.0.0.1:9664\" or \"[::1]:9664\"")
            }
            local.metrics = parsed
        }
        if let (path, line) = try table.string("ocf_root") {
            guard path.hasPrefix("/"), !path.contains("\n") else { throw table.error("ocf_root", line: line, "must be an absolute path, like \"/usr/lib/ocf\"") }
            local.ocfRoot = path
        }
        try table.finish()
    }

    private static func readFenceDevice(_ name: String, _ table: TableReader) throws(ConfigurationError) -> FenceDevice {
        var table = table
        let (agent, agentLine) = try table.requiredString("agent", example: "\"fence_ipmilan\"")
        guard !agent.isEmpty, !agent.contains("\n"), agent.hasPrefix("/") || !agent.contains("/") else {
            throw table.error("agent", line: agentLine, "must be a fence agent's name (\"fence_ipmilan\") or an absolute path")
        }
        var action = FenceAction.reboot
        if let (text, line) = try table.string("action") {
            guard let value = FenceAction(rawValue: text) else {
                throw table.error("action", line: line, "\"\(text)\" is not a fencing action; write \"reboot\" (the default) or \"off\"")
            }
            action = value
        }
        let timeout = try table.duration("timeout") ?? .seconds(60)
        let options = try table.stringTable("options") ?? []
        for (key, value) in options where key.contains("=") || key.contains("\n") || value.contains("\n") || key == "action" || key == "plug" || key == "port" {
            throw table.error("options.\(key)", line: table.table.line,
                              key == "action" || key == "plug" || key == "port"
                                ? "is set by halod itself; use action = … on the device and plugs = { … } on the node"
                                : "an option's name and value cannot contain = or a line break")
        }
        try table.finish()
        return FenceDevice(name: name, agent: agent, action: action, timeout: timeout, options: options)
    }

    private func readNode(_ table: TableReader) throws(ConfigurationError) -> NodeConfiguration {
        var table = table
        let (name, nameLine) = try table.requiredString("name", example: "\"node1\" (corosync's name for it)")
        guard Self.isName(name) else {
            throw table.error("name", line: nameLine, "\"\(name)\" is not a node name: use letters, digits, . _ and -")
        }
        guard let (number, idLine) = try table.integer("id") else { throw table.missing("id", "1 (corosync's nodeid)") }
        guard number > 0, number <= Int(UInt32.max) else {
            throw table.error("id", line: idLine, "must be corosync's nodeid for this node, a positive number")
        }
        if let other = nodes.first(where: { $0.name == name }) {
            throw table.error("name", line: nameLine, "\"\(name)\" is declared twice (the other has id \(other.id)); declare every node once")
        }
        if let other = nodes.first(where: { $0.id.rawValue == UInt32(number) }) {
            throw table.error("id", line: idLine, "id \(number) is also \(other.name)'s; use corosync's nodeid of each node")
        }
        let delay = try table.duration("fence_delay") ?? .zero
        var levels: [[String]] = []
        if let value = table.value("fence") {
            guard case .array(let outer) = value.kind else {
                throw table.error("fence", line: value.line, "must be a list of levels, each a list of device names: [[\"ipmi-\(name)\"], [\"pdu-a\", \"pdu-b\"]]")
            }
            for level in outer {
                guard case .array(let devices) = level.kind, !devices.isEmpty else {
                    throw table.error("fence", line: level.line, "each level is a non-empty list of device names, like [\"ipmi-\(name)\"]")
                }
                var names: [String] = []
                for device in devices {
                    guard case .string(let deviceName) = device.kind else {
                        throw table.error("fence", line: device.line, "device names are strings in quotes")
                    }
                    guard fenceDevices[deviceName] != nil else {
                        let known = fenceDevices.keys.sorted().joined(separator: ", ")
                        throw table.error("fence", line: device.line,
                                          "no [fence_device.\(deviceName)] is declared\(known.isEmpty ? "" : "; declared: \(known)")")
                    }
                    names.append(deviceName)
                }
                levels.append(names)
            }
        }
        guard !levels.isEmpty else {
            throw table.error("fence", line: table.table.line,
                              "is required: halod never starts a lost node's LUNs elsewhere before fencing it; write fence = [[\"ipmi-\(name)\"]] and a [fence_device.ipmi-\(name)]")
        }
        let plugs = Dictionary(try table.stringTable("plugs") ?? [], uniquingKeysWith: { first, _ in first })
        for device in plugs.keys.sorted() where !levels.joined().contains(device) {
            throw table.error("plugs.\(device)", line: table.table.line, "\(device) is not one of this node's fence devices")
        }
        try table.finish()
        return NodeConfiguration(name: name, id: NodeID(UInt32(number)), fenceDelay: delay, fenceLevels: levels, plugs: plugs)
    }

    private func readLUN(_ table: TableReader) throws(ConfigurationError) -> LUNConfiguration {
        var table = table
        let (name, nameLine) = try table.requiredString("name", example: "\"lun1\"")
        guard Self.isName(name) else {
            throw table.error("name", line: nameLine, "\"\(name)\" is not a LUN name: use letters, digits, . _ and -")
        }
        if luns.contains(where: { $0.name.rawValue == name }) {
            throw table.error("name", line: nameLine, "\"\(name)\" is declared twice; every LUN once")
        }
        guard let (nodes, nodesLine) = try table.stringArray("nodes") else {
            throw table.missing("nodes", "[\"node1\", \"node2\"] (in order of preference)")
        }
        guard !nodes.isEmpty else { throw table.error("nodes", line: nodesLine, "name at least one node that may serve \(name)") }
        for (index, (node, line)) in nodes.enumerated() {
            guard self.nodes.contains(where: { $0.name == node }) else {
                throw table.error("nodes", line: line, "\"\(node)\" is not a declared [[node]]; declared: \(self.nodes.map(\.name).joined(separator: ", "))")
            }
            guard !nodes.prefix(index).contains(where: { $0.0 == node }) else {
                throw table.error("nodes", line: line, "\"\(node)\" is listed twice; list each node once, in order of preference")
            }
        }
        var resources: [ResourceConfiguration] = []
        var afterLines: [Int?] = []
        for (index, resource) in try table.tables("resource", example: "[[lun.resource]] id = \"drbd-\(name)\" agent = \"ocf:halo:drbd\"").enumerated() {
            let read = try readResource(TableReader(resource, path: "\(table.path).resource[\(index + 1)]", file: table.file))
            if resources.contains(where: { $0.id == read.resource.id }) {
                throw ConfigurationError(file: table.file, line: resource.line, key: "\(table.path).resource[\(index + 1)].id",
                                         message: "\"\(read.resource.id)\" is used twice in this LUN; ids are unique across all LUNs")
            }
            resources.append(read.resource)
            afterLines.append(read.startAfterLine)
        }
        for (index, resource) in resources.enumerated() {
            guard let after = resource.startAfter else { continue }
            let key = "\(table.path).resource[\(index + 1)].start_after"
            func refuse(_ message: String) -> ConfigurationError {
                ConfigurationError(file: table.file, line: afterLines[index] ?? table.table.line, key: key, message: message)
            }
            guard let target = resources.firstIndex(where: { $0.id == after }) else {
                throw refuse("\"\(after)\" is not a resource of \(name); name one listed after \"\(resource.id)\" in this LUN")
            }
            guard resource.role == .serving, resources[target].role == .serving else {
                throw refuse("only a serving resource starts after another serving one (\"\(resource.id)\" is \(resource.role.rawValue), \"\(after)\" is \(resources[target].role.rawValue))")
            }
            guard target > index else {
                throw refuse("\"\(after)\" is listed before \"\(resource.id)\", so it starts first anyway; start_after names a resource listed after this one")
            }
        }
        try table.finish()
        return LUNConfiguration(name: LUNName(name), nodes: nodes.map(\.0), resources: resources)
    }

    private func readResource(_ table: TableReader) throws(ConfigurationError) -> (resource: ResourceConfiguration, startAfterLine: Int?) {
        var table = table
        let (id, idLine) = try table.requiredString("id", example: "\"portal-lun1\"")
        guard Self.isName(id) else { throw table.error("id", line: idLine, "\"\(id)\" is not a resource id: use letters, digits, . _ and -") }
        if let owner = luns.first(where: { $0.resources.contains { $0.id == id } }) {
            throw table.error("id", line: idLine, "\"\(id)\" is already a resource of \(owner.name); ids are unique across all LUNs")
        }
        let (agentText, agentLine) = try table.requiredString("agent", example: "\"ocf:halo:portal\"")
        guard let agent = AgentName(agentText) else {
            throw table.error("agent", line: agentLine, "\"\(agentText)\" is not an OCF agent; write ocf:PROVIDER:TYPE, like \"ocf:halo:portal\"")
        }
        let parameters = try table.stringTable("params") ?? []
        for (key, value) in parameters where !Self.isParameterName(key) || value.contains("\0") {
            throw table.error("params.\(key)", line: table.table.line, "an OCF parameter name uses letters, digits and _ only, and a value cannot contain a NUL byte")
        }
        var resource = ResourceConfiguration(id: id, agent: agent, parameters: parameters)
        if let (roleText, line) = try table.string("role") {
            guard let role = ResourceRole(rawValue: roleText) else {
                throw table.error("role", line: line, "\"\(roleText)\" is not a role; write \"serving\" (the default: on the LUN's node), \"everywhere\" (every node of the LUN) or \"promotable\" (every node, promoted where the LUN is served)")
            }
            resource.role = role
        }
        if let value = table.value("monitor") {
            guard case .array(let entries) = value.kind else {
                throw table.error("monitor", line: value.line, "must be a list of monitors, like [{ interval = \"10s\" }, { interval = \"60s\", depth = 10 }]")
            }
            var monitors: [MonitorSchedule] = []
            for entry in entries {
                guard case .table(let inner) = entry.kind else {
                    throw table.error("monitor", line: entry.line, "each monitor is { interval = \"10s\", depth = 0, timeout = \"20s\" }")
                }
                var reader = TableReader(inner, path: table.key("monitor"), file: table.file)
                guard let interval = try reader.duration("interval"), interval >= .seconds(1) else {
                    throw table.error("monitor", line: entry.line, "a monitor needs an interval of at least 1 s, like interval = \"10s\"")
                }
                let depth = try reader.integer("depth")?.0 ?? 0
                guard [0, 10, 20].contains(depth) else { throw table.error("monitor", line: entry.line, "depth is 0, 10 or 20 (OCF_CHECK_LEVEL)") }
                let timeout = try reader.duration("timeout") ?? .seconds(20)
                try reader.finish()
                monitors.append(MonitorSchedule(interval: interval, depth: depth, timeout: timeout))
            }
            resource.monitors = monitors
        }
        if let timeouts = try table.table("timeouts") {
            var reader = TableReader(timeouts, path: table.key("timeouts"), file: table.file)
            resource.timeouts.start = try reader.duration("start") ?? resource.timeouts.start
            resource.timeouts.stop = try reader.duration("stop") ?? resource.timeouts.stop
            resource.timeouts.promote = try reader.duration("promote") ?? resource.timeouts.promote
            resource.timeouts.demote = try reader.duration("demote") ?? resource.timeouts.demote
            resource.timeouts.probe = try reader.duration("probe") ?? resource.timeouts.probe
            try reader.finish()
        }
        var startAfterLine: Int?
        if let (after, line) = try table.string("start_after") {
            resource.startAfter = after
            startAfterLine = line
        }
        try table.finish()
        return (resource, startAfterLine)
    }

    /// `127.0.0.1:9664`, `[::1]:9664`.
    static func hostAndPort(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) else { return nil }
        return (host, port)
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    static func isParameterName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
