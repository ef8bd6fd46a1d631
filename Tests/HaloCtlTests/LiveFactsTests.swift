import HaloDRBD
import HaloFacts
import HaloJSON
import HaloSystem
import HaloTesting
import Synchronization
import Testing

@testable import HaloCtl

/// What haloctl concludes from the nodes' live facts: whether a node can take a LUN, whether a
/// LUN is served, the status and the health report — on facts built from captured DRBD state
/// (Tests/Fixtures/drbd-8.4) and hand-made links, addresses and targets.
@Suite("haloctl reads the nodes' live facts")
struct LiveFactsTests {
    static let iqn = "iqn.2026-11.lab.test:lun1"

    static func drbd(_ capture: String) throws -> [DRBDResourceFacts] {
        try Events2.states(from: try Fixtures.text("drbd-8.4/\(capture).txt")).map(DRBDResourceFacts.init)
    }

    static func link(_ index: Int, _ name: String, mtu: Int = 9000, up: Bool = true) -> LinkFacts {
        LinkFacts(index: index, name: name, isUp: up, hasCarrier: up, operationalState: up ? "up" : "down", mtu: mtu,
                  kind: name.contains(".") ? .vlan(parent: String(name.split(separator: ".")[0]), id: 24) : .device, master: nil)
    }

    /// A node: its DRBD capture, whether it serves (target enabled and the portal address on
    /// trunk.24), and its links.
    static func node(_ name: String, drbd capture: String, serving: Bool, links: [LinkFacts]? = nil,
                     modules: [String: ModuleState] = ["target_core_mod": .loaded, "iscsi_target_mod": .loaded]) throws -> NodeFacts {
        let target = TargetFacts.Target(software: .lio, iqn: iqn, portalGroup: 1, isEnabled: true,
                                        luns: [TargetFacts.LUN(number: 0, device: "iblock_0/lun1", backingPath: "/dev/drbd0")],
                                        portals: ["198.19.24.51:3260"],
                                        sessions: [TargetFacts.Session(initiator: "iqn.2026-11.lab.test:client", addresses: [])])
        return NodeFacts(
            node: name, collectedAtMilliseconds: 0, drbd: .read(try drbd(capture)), drbdConfiguration: .read([]),
            targets: .read(TargetFacts(loaded: [.lio], targets: serving ? [target] : [])),
            links: .read(links ?? [link(1, "lo", mtu: 65536), link(2, "trunk"), link(3, "trunk.24")]),
            addresses: .read(serving ? [AddressFacts(address: "198.19.24.51", prefixLength: 24, interface: "trunk.24", isTentative: false, hasFailedDAD: false)] : []),
            mdArrays: .read([]), clock: .failed("not read in this test"), modules: .read(modules), corosync: .read(.notRunning))
    }

    static let lun = LUNView(
        name: "lun1", managerID: "drbd-lun1-clone", drbdResource: "r0", servingNode: "node1", isServedByManager: true,
        layers: [LayerView(id: "drbd-lun1", kind: .drbd, agent: "ocf:halo:drbd", roles: ["node1": "Promoted", "node2": "Unpromoted"],
                           monitoredOn: ["node1", "node2"]),
                 LayerView(id: "target-lun1", kind: .target, agent: "ocf:halo:lio", roles: ["node1": "Started"], monitoredOn: ["node1"]),
                 LayerView(id: "portal-lun1", kind: .portal, agent: "ocf:halo:portal", roles: ["node1": "Started"], monitoredOn: ["node1"])],
        portals: [PortalEndpoint(address: "198.19.24.51/24", interface: "trunk.24")], targetName: iqn, preferredNode: "node1")

    static let view = ClusterView(manager: .pacemaker, localNode: "node1", quorate: true,
                                  nodes: [NodeView(name: "node1", state: .online), NodeView(name: "node2", state: .online)], luns: [lun])

    static func serving() throws -> NodeFacts { try node("node1", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node1", serving: true) }
    static func standby() throws -> NodeFacts { try node("node2", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node2", serving: false) }

    @Test("a connected, UpToDate standby with the interfaces and the target software can take the LUN")
    func canTake() throws {
        let (passed, refusals) = NodeFactsChecks.canTake(Self.lun, on: "node2", facts: try Self.standby(), servingFacts: try Self.serving())
        #expect(refusals.isEmpty, "\(refusals)")
        #expect(passed.contains("DRBD r0 on node2 is UpToDate"))
        #expect(passed.contains("DRBD r0 on node2 is connected to node1"))
        #expect(passed.contains { $0.contains("portal interface") })
        #expect(passed.contains { $0.contains("target software") })
    }

    @Test("refusals: outdated or disconnected data, a missing or smaller interface, no target software")
    func refusals() throws {
        let serving = try Self.serving()
        let outdated = try Self.node("node2", drbd: "drbdsetup-events2-now-outdated-wfconnection-node2", serving: false)
        let (_, dataRefusals) = NodeFactsChecks.canTake(Self.lun, on: "node2", facts: outdated, servingFacts: serving)
        #expect(dataRefusals.contains { $0.contains("not UpToDate") }, "\(dataRefusals)")
        #expect(dataRefusals.contains { $0.contains("not connected to node1") }, "\(dataRefusals)")

        let small = try Self.node("node2", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node2", serving: false,
                                  links: [Self.link(2, "trunk", mtu: 1500)])
        let (_, mtuRefusals) = NodeFactsChecks.canTake(Self.lun, on: "node2", facts: small, servingFacts: serving)
        #expect(mtuRefusals.contains { $0.contains("MTU 1500, below the serving node's 9000") }, "\(mtuRefusals)")

        let noParent = try Self.node("node2", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node2", serving: false,
                                     links: [Self.link(2, "eth0")])
        let (_, parentRefusals) = NodeFactsChecks.canTake(Self.lun, on: "node2", facts: noParent, servingFacts: serving)
        #expect(parentRefusals.contains { $0.contains("its parent trunk is missing") }, "\(parentRefusals)")

        let noLIO = try Self.node("node2", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node2", serving: false,
                                  modules: ["target_core_mod": .missing, "iscsi_target_mod": .missing])
        let (_, moduleRefusals) = NodeFactsChecks.canTake(Self.lun, on: "node2", facts: noLIO, servingFacts: serving)
        #expect(moduleRefusals.contains { $0.contains("lacks target_core_mod, iscsi_target_mod") })
    }

    @Test("served: Primary, the target enabled with its LUN, every portal address up — or what is missing")
    func verify() throws {
        let (verified, problems) = NodeFactsChecks.verify(Self.lun, on: "node1", facts: try Self.serving())
        #expect(problems.isEmpty, "\(problems)")
        #expect(verified == ["DRBD r0 is Primary on node1", "\(Self.iqn) is enabled on node1 with 1 LUN(s)", "every portal address (1) is up on node1"])
        let (_, missing) = NodeFactsChecks.verify(Self.lun, on: "node2", facts: try Self.standby())
        #expect(missing.count == 3, "\(missing)")
        #expect(missing.first == "DRBD r0 is not Primary on node2", "\(missing)")
        #expect(missing.contains("\(Self.iqn) does not exist on node2"), "\(missing)")
        #expect(missing.contains { $0.hasPrefix("portal addresses not up on node2") }, "\(missing)")
    }

    @Test("status: healthy with every fact read; unknown when the serving node's facts are missing; down without its address")
    func status() throws {
        let healthy = try StatusReport(view: Self.view, facts: ["node1": .read(try Self.serving()), "node2": .read(try Self.standby())])
        #expect(healthy.luns.first?.health == .healthy, "\(healthy.luns.first?.problems ?? [])")
        #expect(healthy.exitCode == 0)
        #expect(healthy.luns.first?.initiators == ["iqn.2026-11.lab.test:client"])
        #expect(healthy.text.contains("portals 1/1 up: 198.19.24.51/24@trunk.24"))
        #expect(healthy.json["schema"]?.stringValue == "halo.status/1")

        let unknown = try StatusReport(view: Self.view, facts: ["node1": .failed("ssh: connect to host node1 port 22: No route to host"),
                                                                "node2": .read(try Self.standby())])
        #expect(unknown.luns.first?.health == .unknown)
        #expect(unknown.exitCode == 2)
        #expect(unknown.problems.contains { $0.1.contains("No route to host") })

        var bare = try Self.serving()
        bare.addresses = .read([])
        let down = try StatusReport(view: Self.view, facts: ["node1": .read(bare), "node2": .read(try Self.standby())])
        #expect(down.luns.first?.health == .down)
        #expect(down.exitCode == 2)

        // A node down leaves the LUN without a second home: degraded.
        var oneNode = Self.view
        oneNode.nodes[1].state = .offline
        let alone = try StatusReport(view: oneNode, facts: ["node1": .read(try Self.serving()), "node2": .failed("node2 is offline")])
        #expect(alone.luns.first?.health == .degraded)
        #expect(alone.exitCode == 1)
    }

    @Test("check-health: an MTU that differs between nodes, a fence device that does not answer; exit code the worst")
    func health() throws {
        let node2 = try Self.node("node2", drbd: "drbdsetup-events2-now-statistics-prisec-uptodate-node2", serving: false,
                                  links: [Self.link(2, "trunk", mtu: 1500), Self.link(3, "trunk.24", mtu: 1500)])
        let facts: [String: Reading<NodeFacts>] = ["node1": .read(try Self.serving()), "node2": .read(node2)]
        let fencing = [Finding(.critical, check: "fencing.answers", subject: "ipmi-node2", "fence device ipmi-node2 does not answer its monitor", fix: "check it")]
        let report = HealthReport.build(view: Self.view, facts: facts, fencing: fencing)
        #expect(report.findings.contains { $0.finding.check == "portal.mtu" && $0.finding.severity == .warning && $0.finding.message.contains("9000 on node1, 1500 on node2") })
        #expect(report.worst == .critical)
        #expect(report.exitCode == 2)
        #expect(report.findings.first?.finding.severity == .critical)
        #expect(report.text.contains("fix: check it"))
        #expect(report.json["schema"]?.stringValue == "halo.health/1")
        // Without the fencing problem and with equal MTUs: no worse than the nodes' own findings.
        let clean = HealthReport.build(view: Self.view, facts: ["node1": .read(try Self.serving()), "node2": .read(try Self.standby())], fencing: [])
        #expect(clean.findings.contains { $0.finding.check == "portal.mtu" && $0.finding.severity == .ok })
        #expect(!clean.findings.contains { $0.finding.check == "portal.mtu" && $0.finding.severity == .warning })
    }

    @Test("the portal spec: IFACE, PARENT.VID and PARENT.VID=NAME")
    func portalSpec() {
        #expect(LUNFacts.interface("eth0") == ("eth0", nil))
        #expect(LUNFacts.interface("trunk.24") == ("trunk.24", "trunk"))
        #expect(LUNFacts.interface("bond0.100=storage") == ("storage", "bond0"))
        #expect(LUNFacts.interface(nil) == (nil, nil))
    }

    @Test("{node} in the remote command is replaced, other braces kept")
    func remotePlaceholder() {
        #expect("root@{node}".replacingNodePlaceholder(with: "san2") == "root@san2")
        #expect("{x}{node}}".replacingNodePlaceholder(with: "n") == "{x}n}")
        let gatherer = FactsGatherer(localNode: "node1", remote: ["ssh", "-l", "root", "{node}"], remoteHaloctl: "/usr/sbin/haloctl")
        let command = gatherer.command(for: "node2")
        #expect([command.executable] + command.arguments == ["ssh", "-l", "root", "node2", "/usr/sbin/haloctl", "facts", "--output", "json"])
    }

    @Test("the default remote keeps one ssh connection per node, in a directory only root can enter")
    func remoteKeepsItsConnection() throws {
        let remote = ConnectionOptions().remote
        #expect(remote.first == "ssh" && remote.last == "{node}")
        #expect(remote.contains("ControlMaster=auto") && remote.contains("ControlPersist=60"), "\(remote)")
        #expect(ConnectionOptions.controlDirectory(remote) == "/run/halo/ssh")
        #expect(ConnectionOptions.controlDirectory(["ssh", "-o", "ControlPath=sock", "{node}"]) == nil, "a relative path is left to ssh")
        #expect(ConnectionOptions.controlDirectory(["ssh", "{node}"]) == nil)

        let directory = TemporaryDirectory("halo-remote")
        var options = ConnectionOptions()
        options.remote = ["ssh", "-o", "ControlPath=\(directory.path)/run/ssh/%C", "{node}"]
        options.prepareRemote()
        let made = try FileSystem.info("\(directory.path)/run/ssh")
        #expect(made.type == .directory && made.permissions & 0o777 == 0o700)
    }

    @Test("status asks corosync's members while the manager answers; a node the view reports offline reads as such")
    func sideBySide() throws {
        let directory = TemporaryDirectory("haloctl-side-by-side")
        let path = directory.path
        try FileSystem.writeAtomically("\(path)/facts.json", Array(try Self.standby().json.rendered(style: .compact).utf8))
        // The "remote" notes which node it was asked for, then prints node2's facts.
        let gatherer = FactsGatherer(localNode: "node1", remote: ["/bin/sh", "-c", "touch \"$1/asked-$0\"; cat \"$1/facts.json\"", "{node}", path],
                                     remoteHaloctl: "haloctl")
        let asked: @Sendable (String) -> Bool = { (try? FileSystem.info("\(path)/asked-\($0)")) != nil }
        let managerView = ClusterView(manager: .pacemaker, localNode: "node1", quorate: true,
                                      nodes: [NodeView(name: "node1", state: .online), NodeView(name: "node2", state: .offline),
                                              NodeView(name: "node3", state: .online)], luns: [Self.lun])
        let (view, facts) = try gatherer.viewAndFacts(members: ["node1", "node2"], deadline: .after(.seconds(30))) {
            // This manager answers only once the members have been asked: one after the other,
            // the view would never come.
            let deadline = Deadline.after(.seconds(20))
            while !deadline.hasPassed() {
                if asked("node2") { return .success(managerView) }
                Pause.for(.milliseconds(20))
            }
            return .failure(HaloctlError("node2 was not asked while the manager answered"))
        }
        #expect(view == managerView)
        #expect(facts["node1"]?.value != nil, "this node's own facts, in-process")
        #expect(!asked("node1"))
        // Asked, but the manager says it is offline: its answer is dropped.
        #expect(facts["node2"]?.failure == "node2 is offline")
        // Not a member when asked, online in the view: asked after it.
        #expect(asked("node3"))
        #expect(facts["node3"]?.value?.node == "node2", "the remote's answer (node2's facts, whoever asked)")

        // Without corosync's members the view comes first, and only what it reports up is asked.
        let sequential = FactsGatherer(localNode: "node1", remote: ["/bin/sh", "-c", "touch \"$1/asked-$0\"; cat \"$1/facts.json\"", "{node}", path],
                                       remoteHaloctl: "haloctl")
        try FileSystem.remove("\(path)/asked-node2")
        let (_, later) = try sequential.viewAndFacts(members: nil, deadline: .after(.seconds(30))) { .success(managerView) }
        #expect(!asked("node2"))
        #expect(later["node2"]?.failure == "node2 is offline")
    }

    @Test("status's facts come from halo-facts without DRBD's configuration; a node without halo-facts is asked with haloctl, one whose haloctl predates the option without it")
    func withoutTheConfiguration() throws {
        let directory = TemporaryDirectory("haloctl-facts")
        let facts = try Self.standby().json.rendered(style: .compact)
        try FileSystem.writeAtomically(directory.file("facts.json"), Array(facts.utf8))
        // A remote that records each call's arguments. `noFactsProgram` answers halo-facts as a
        // remote shell does a missing program (exit 127); `older` also refuses the option as an
        // older haloctl does (swift-argument-parser's usage error, exit 64).
        func remote(_ name: String, noFactsProgram: Bool = false, older: Bool = false) throws -> String {
            let missing = noFactsProgram ? "case \"$2\" in */halo-facts) echo \"bash: line 1: $2: No such file or directory\" >&2; exit 127;; esac\n" : ""
            let refuse = older ? "case \"$*\" in *--without-drbd-configuration*) echo \"Error: Unknown option '--without-drbd-configuration'\" >&2; exit 64;; esac\n" : ""
            let script = "#!/bin/sh\necho \"$*\" >> '\(directory.file(name)).calls'\n\(missing)\(refuse)cat '\(directory.file("facts.json"))'\n"
            try FileSystem.writeAtomically(directory.file(name), Array(script.utf8), permissions: 0o755)
            return directory.file(name)
        }
        func calls(_ name: String) throws -> [String] {
            String(decoding: try FileSystem.readBytes(directory.file(name) + ".calls"), as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let program = "node2 /usr/lib/halo/halo-facts --without-drbd-configuration"
        let withoutOption = "node2 haloctl facts --output json --without-drbd-configuration"

        let current = FactsGatherer(localNode: "node1", remote: [try remote("current"), "{node}"], remoteHaloctl: "haloctl", scope: .serving)
        #expect(current.facts(of: "node2").value?.node == "node2")
        #expect(try calls("current") == [program])

        let noFactsProgram = FactsGatherer(localNode: "node1", remote: [try remote("no-program", noFactsProgram: true), "{node}"],
                                           remoteHaloctl: "haloctl", scope: .serving)
        #expect(noFactsProgram.facts(of: "node2").value?.node == "node2")
        #expect(try calls("no-program") == [program, withoutOption])

        let older = FactsGatherer(localNode: "node1", remote: [try remote("older", noFactsProgram: true, older: true), "{node}"],
                                  remoteHaloctl: "haloctl", scope: .serving)
        #expect(older.facts(of: "node2").value?.node == "node2")
        #expect(try calls("older") == [program, withoutOption, "node2 haloctl facts --output json"])
        // Remembered: the next (fresh) read asks it once, the way that answered.
        #expect(older.facts(of: "node2", fresh: true).value?.node == "node2")
        #expect(try calls("older").count == 4 && calls("older").last == "node2 haloctl facts --output json")

        // A failure of halo-facts itself is the node's answer, not a reason to ask again.
        let failing = FactsGatherer(localNode: "node1", remote: ["/bin/sh", "-c", "echo broken >&2; exit 1", "{node}"],
                                    remoteHaloctl: "haloctl", scope: .serving)
        #expect(failing.facts(of: "node2").failure == "node2: broken")

        // check-health's gatherer asks haloctl for everything.
        let health = FactsGatherer(localNode: "node1", remote: [try remote("health"), "{node}"], remoteHaloctl: "haloctl")
        _ = health.facts(of: "node2")
        #expect(try calls("health") == ["node2 haloctl facts --output json"])
    }

    @Test("halo-agent's halo-facts prints this node's facts without corosync's part; haloctl facts reads it; a wrong argument is a usage error")
    func factsProgram() throws {
        let agent = BuildProducts.executable("halo-agent")
        let printed = try ProcessRunner().run(Command(agent, ["halo-facts", "--without-drbd-configuration"], outputLimit: 16 << 20),
                                              deadline: .after(.seconds(30)))
        #expect(printed.succeeded, "\(printed.errorText)")
        let facts = try NodeFacts(json: try JSONValue.parse(printed.standardOutput))
        #expect(facts.node == CurrentProcess.nodeName)
        #expect(facts.corosync == CorosyncFacts.notAsked)
        #expect(facts.drbdConfiguration.failure?.contains("not asked for") == true)
        #expect(facts.links.value?.contains { $0.name == "lo" } == true, "the links are read")

        let full = try ProcessRunner().run(Command(BuildProducts.executable("haloctl"), ["facts", "--output", "json"], outputLimit: 16 << 20),
                                           deadline: .after(.seconds(30)))
        #expect(full.succeeded, "\(full.errorText)")
        #expect(try NodeFacts(json: try JSONValue.parse(full.standardOutput)).corosync == .read(.notRunning),
                "haloctl facts asks corosync: none runs in this network namespace (its IPC sockets are the namespace's)")
        #expect(CorosyncReader.read() == .read(.notRunning))

        let wrong = try ProcessRunner().run(Command(agent, ["halo-facts", "--output"]), deadline: .after(.seconds(30)))
        #expect(wrong.termination == .exited(2) && wrong.errorText.contains("usage: halo-facts"), "\(wrong.errorText)")
        #expect(wrong.standardOutput.isEmpty)
    }

    @Test("a node whose facts cannot be had is a failure with the reason, never empty facts")
    func unreachable() {
        let gatherer = FactsGatherer(localNode: "node1", remote: ["/bin/false", "{node}"], remoteHaloctl: "haloctl")
        let facts = gatherer.facts(of: ["node2"])
        #expect(facts["node2"]?.failure?.contains("node2") == true)
        // /bin/false prints nothing: its exit status is the failure, not empty output to parse.
        #expect(facts["node2"]?.failure?.contains("unreadable") == false, "\(facts["node2"]?.failure ?? "")")
        let garbage = FactsGatherer(localNode: "node1", remote: ["/bin/echo", "{node}"], remoteHaloctl: "not-json")
        #expect(garbage.facts(of: "node2").failure?.contains("unreadable") == true)
    }

    @Test("the initiators logged in to a LUN's target: the serving node's sessions; none where the target is not")
    func loggedIn() throws {
        #expect(NodeFactsChecks.loggedIn(Self.lun, facts: try Self.serving()) == .read(["iqn.2026-11.lab.test:client"]))
        #expect(NodeFactsChecks.loggedIn(Self.lun, facts: try Self.standby()) == .read([]))
        var unread = try Self.serving()
        unread.targets = .failed("configfs unreadable")
        #expect(NodeFactsChecks.loggedIn(Self.lun, facts: unread) == .failed("configfs unreadable"))
    }

    @Test("rehearse waits until every initiator logged in before a move is logged in again, or says who is missing")
    func awaitLogins() {
        let client = "iqn.2026-11.lab.test:client", other = "iqn.2026-11.lab.test:other"
        // The node answers: nobody, a failed read, one of the two, then both.
        let answers = Mutex<[Reading<Set<String>>]>([.read([]), .failed("ssh: timed out"), .read([client]), .read([client, other])])
        let progress = Progress(silent: true)
        let back = RehearseCommand.awaitLogins(of: [client, other], on: "node2", limit: .seconds(30), interval: .milliseconds(1),
                                               progress: progress) { _ in
            answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
        }
        #expect(answers.withLock { $0.count } == 1, "it stopped asking before both were back")
        #expect(back.after != nil && back.missing.isEmpty && back.failure == nil)
        #expect(progress.lines.last?.contains("logged in again on node2") == true, "\(progress.lines)")
        #expect(back.json["loggedInMilliseconds"]?.intValue != nil)

        let never = RehearseCommand.awaitLogins(of: [client, other], on: "node2", limit: .milliseconds(50), interval: .milliseconds(5),
                                                progress: Progress(silent: true)) { _ in .read([other]) }
        #expect(never.after == nil)
        #expect(never.missing == [client])
        #expect(never.json["loggedInMilliseconds"] == .null)

        let unreadable = RehearseCommand.awaitLogins(of: [client], on: "node2", limit: .milliseconds(50), interval: .milliseconds(5),
                                                     progress: Progress(silent: true)) { _ in .failed("ssh: timed out") }
        #expect(unreadable.after == nil && unreadable.failure == "ssh: timed out" && unreadable.missing == [client])
    }
}
