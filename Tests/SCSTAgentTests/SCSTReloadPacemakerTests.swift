import Glibc
import HaloPacemaker
import HaloSystem
import HaloTesting
import Testing

/// What makes Pacemaker ≥ 2.1 reload instead of restart is the agent's meta-data: a change of a
/// `reloadable="1"` parameter, and `reload-agent` among the actions. Proven with real Pacemaker
/// 2.1 (a one-node cluster in a network namespace) running the installed ocf:halo:scst against
/// the SCST model, with a live session: `crm_resource --set-parameter`, then the operation
/// history, the model's writes and the session.
@Suite("ocf:halo:scst reload-agent under real Pacemaker",
       .enabled(if: SCSTTestBed.isAvailable && PacemakerNode.isAvailable, "needs root, /dev/fuse, corosync and Pacemaker"), .serialized)
struct SCSTReloadPacemakerTests {
    static let target = "iqn.2026-11.lab.test:lun1"
    static let client = "iqn.2026-11.lab.test:client"

    /// The node's record of `resource`'s last non-recurring operation: (operation, call id, its
    /// result code, whether it is still in progress). Pacemaker records an operation it has begun
    /// (`record-pending`, on by default since 2.1) with op-status -1 and rc-code 193: a record
    /// of the start is not yet its result.
    func last(_ node: PacemakerNode, _ resource: String) throws -> (operation: String?, call: String?, rc: String?, pending: Bool) {
        let status = try XMLElement.parse(try node.run(["cibadmin", "--query", "--scope", "status"]).outputText)
        let op = status.descendants("lrm_rsc_op").first { $0["id"] == "\(resource)_last_0" }
        return (op?["operation"], op?["call-id"], op?["rc-code"], op?["op-status"] == "-1")
    }

    /// The controller's and executor's log of the node.
    func log(_ node: PacemakerNode) -> String {
        (try? node.run(["cat", "/var/log/pacemaker/pacemaker.log"]).outputText) ?? ""
    }

    /// Polls `condition` every 250 ms for at most `limit`.
    func wait(_ limit: Duration, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Deadline.after(limit)
        while !deadline.hasPassed() {
            if try condition() { return true }
            Pause.for(.milliseconds(250))
        }
        return try condition()
    }

    @Test func aChangedInitiatorList_isReloaded_notRestarted_andTheSessionStays() throws {
        // The model first: the node's mount namespace, made next, is a copy that holds its mount.
        let bed = try SCSTTestBed()
        let node = try PacemakerNode()
        // ocf:halo:scst on the node only: a resource.d of its own bound over the node's copy
        // (the node's mounts are private), whose agent runs under the model's sysfs.
        let ocf = bed.directory.file("resource.d")
        try FileSystem.makeDirectories("\(ocf)/halo", permissions: 0o755)
        let command = (bed.model.prefix + [bed.agentPath]).map { "'\($0)'" }.joined(separator: " ")
        // pacemaker-controld asks for meta-data as hacluster, who cannot make a mount namespace:
        // the agent answers it without sysfs.
        let wrapper = "#!/bin/sh\n[ \"$1\" = meta-data ] && exec '\(bed.agentPath)' meta-data\nexec \(command) \"$@\"\n"
        try FileSystem.writeAtomically("\(ocf)/halo/scst", Array(wrapper.utf8), permissions: 0o755)
        try node.run(["mount", "--bind", ocf, "/usr/lib/ocf/resource.d"])

        let parameters = bed.parameters()
        let pairs = parameters.sorted { $0.key < $1.key }.map { #"<nvpair id="target-lun1-\#($0.key)" name="\#($0.key)" value="\#($0.value)"/>"# }
        try node.run(["cibadmin", "--create", "--scope", "resources", "--xml-pipe"], input: """
            <primitive id="target-lun1" class="ocf" provider="halo" type="scst">\
            <instance_attributes id="target-lun1-params">\(pairs.joined())</instance_attributes>\
            <operations><op id="target-lun1-monitor-10s" name="monitor" interval="10s" timeout="20s"/>\
            <op id="target-lun1-start-0" name="start" interval="0" timeout="60s"/></operations></primitive>
            """)
        // The start timeout the agent's meta-data recommends: Pacemaker's default (20 s) can pass
        // while this machine runs the whole test suite beside it.
        #expect(try wait(.seconds(90)) { let op = try last(node, "target-lun1"); return op.operation == "start" && !op.pending },
                "\(log(node).suffix(3000))")
        let started = try last(node, "target-lun1")
        try #require(started.rc == "0", "the start failed (rc \(started.rc ?? "none")): \(log(node).suffix(3000))")
        try bed.model.control("sessions", "login \(Self.target) \(Self.client) 198.18.1.22 198.18.1.21")
        let writes = try bed.model.writeCount()

        try node.run(["crm_resource", "-r", "target-lun1", "--set-parameter", "initiators", "--parameter-value",
                      "\(Self.client) iqn.2026-11.lab.test:esx2"])
        #expect(wait(.seconds(60)) { log(node).contains("Result of reload-agent operation for target-lun1 on node1: ok") },
                "Pacemaker reloaded: \(log(node).suffix(3000))")
        let history = log(node)
        #expect(history.contains("Initiating reload-agent operation target-lun1_reload-agent_0"))
        #expect(!history.contains("stop operation target-lun1_stop_0"), "no stop")
        #expect(history.components(separatedBy: "Initiating start operation target-lun1_start_0").count == 2, "one start: the first")
        // Pacemaker records a reload as the resource's start (so the digests it keeps are the new
        // parameters'): the same operation, the reload's call.
        let reloaded = try last(node, "target-lun1")
        #expect(reloaded.operation == "start" && reloaded.call != started.call, "\(started) → \(reloaded)")
        let newWrites = try bed.model.controlText("writes").split(separator: "\n").dropFirst(writes)
        #expect(newWrites.count == 1 && newWrites.first?.contains("initiators/mgmt\tadd iqn.2026-11.lab.test:esx2") == true, "\(newWrites)")
        #expect(bed.list("targets/iscsi/\(Self.target)/sessions") == [Self.client], "the session stays")
        try bed.model.control("sessions", "login \(Self.target) iqn.2026-11.lab.test:esx2 198.18.1.23 198.18.1.21")
    }
}
