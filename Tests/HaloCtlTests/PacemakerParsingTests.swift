import HaloPacemaker
import HaloTesting
import Testing

@testable import HaloCtl

/// haloctl's reading of Pacemaker, on XML captured from a real two-node Pacemaker 2.1.5 cluster
/// (Tests/Fixtures/haloctl/capture.sh: the seed layout with Pacemaker's test agents).
@Suite("haloctl reads Pacemaker's XML")
struct PacemakerParsingTests {
    static func xml(_ name: String) throws -> XMLElement {
        try XMLElement.parse(try Fixtures.text("haloctl/pacemaker-2.1.5/\(name).xml"))
    }

    static func view(_ state: String) throws -> ClusterView {
        let cib = try xml("\(state)-cib")
        return PacemakerViewBuilder(layout: PacemakerLayout(cib: cib), status: try PacemakerStatus(crmMon: try xml("\(state)-crm_mon")),
                                    history: OperationHistory(cib: cib), localNode: "node1").view
    }

    @Test("a LUN is a promotable clone with what runs on its Promoted instance, named by its DRBD resource")
    func layout() throws {
        let layout = PacemakerLayout(cib: try Self.xml("healthy-cib"))
        #expect(layout.luns.map(\.name) == ["lun1", "lun2"])
        let lun1 = try #require(layout.lun(named: "lun1"))
        #expect(lun1.clone == "drbd-lun1-clone")
        #expect(lun1.replication.id == "drbd-lun1")
        #expect(lun1.below.map(\.id) == ["luks-lun1"])
        #expect(lun1.onPromoted.map(\.id) == ["target-lun1", "portal-lun1"])
        #expect(lun1.preferredNode == "node1")
        #expect(layout.lun(named: "lun2")?.preferredNode == "node2")
        #expect(layout.isFencingEnabled == false)
        #expect(layout.moveConstraints.isEmpty)
    }

    @Test("pcmk_status's document (generic lists) reads as crm_mon's: nodes, resources, failures, the fencing history")
    func pcmkStatusShape() throws {
        let generic = Dictionary(uniqueKeysWithValues: PacemakerStatus.crmMonListNames.map { ($0.value, $0.key) })
        for state in ["failed-monitor", "node2-lost"] {
            let crmMon = try Self.xml("\(state)-crm_mon")
            // The same document as pcmk_status writes it: `<list name="nodes" count="2">`.
            let listed = XMLElement(crmMon.name, attributes: crmMon.attributes, children: crmMon.children.map { child in
                guard let name = generic[child.name] else { return child }
                return XMLElement("list", attributes: [("name", name), ("count", "\(child.children.count)")] + child.attributes,
                                  children: child.children, text: child.text)
            }, text: crmMon.text)
            let expected = try PacemakerStatus(crmMon: crmMon)
            #expect(try PacemakerStatus(crmMon: listed).nodes.isEmpty, "unread as it is")
            let status = try PacemakerStatus(crmMon: PacemakerStatus.crmMonShape(listed))
            #expect(status == expected, "\(state)")
            #expect(!status.nodes.isEmpty && !status.instances.isEmpty)
        }
        #expect(try PacemakerStatus(crmMon: PacemakerStatus.crmMonShape(try Self.xml("failed-monitor-crm_mon"))).failures.count == 1)
        #expect(try PacemakerStatus(crmMon: PacemakerStatus.crmMonShape(try Self.xml("node2-lost-crm_mon"))).fenceHistory.count == 1)
    }

    @Test("a status document that reports a failure is an error naming what wrote it")
    func failedStatus() throws {
        // A result with a failed status in crm_mon's shape (hand-made; 102 is CRM_EX_DISCONNECT).
        let failed = try XMLElement.parse(#"<pacemaker-result api-version="2.30" request="crm_mon --output-as=xml"><status code="102" message="Not connected"/></pacemaker-result>"#)
        #expect(throws: HaloctlError.noCluster("pcmk_status: Not connected (code 102)")) { try PacemakerStatus(crmMon: failed, from: "pcmk_status") }
        #expect(throws: HaloctlError.noCluster("crm_mon: Not connected (code 102)")) { try PacemakerStatus(crmMon: failed) }
    }

    @Test("the libraries read only what the tools would: not through a command prefix, from another tool directory or with a CIB_* variable set")
    func libraryOrTools() {
        let plain = ToolRunner()
        #expect(PacemakerManager.usesLibrary(.library, tools: plain, environment: ["PATH": "/usr/sbin:/usr/bin", "HOME": "/root"]))
        #expect(!PacemakerManager.usesLibrary(.tools, tools: plain, environment: [:]))
        #expect(!PacemakerManager.usesLibrary(.library, tools: ToolRunner(prefix: ["nsenter", "-t", "1", "-n"]), environment: [:]))
        #expect(!PacemakerManager.usesLibrary(.library, tools: ToolRunner(directory: "/opt/pacemaker/sbin"), environment: [:]))
        #expect(!PacemakerManager.usesLibrary(.library, tools: plain, environment: ["CIB_shadow": "rehearsal"]))
        #expect(!PacemakerManager.usesLibrary(.library, tools: plain, environment: ["CIB_file": "/tmp/cib.xml"]))
    }

    @Test("a move quicker than the watcher's look takes its unserved window from the manager's records of that move")
    func recordedUnserved() {
        let moved = LUNView(name: "lun1", managerID: "drbd-lun1-clone", servingNode: "node2", isServedByManager: true,
                            lastMoved: 1_796_579_670, lastUnservedSeconds: 0.068)
        #expect(MoveOperation.recordedUnserved(moved, on: "node2", since: 1_796_579_669.5) == .milliseconds(68))
        #expect(MoveOperation.recordedUnserved(moved, on: "node2", since: 1_796_579_670.9) == .milliseconds(68), "the records keep whole seconds")
        #expect(MoveOperation.recordedUnserved(moved, on: "node2", since: 1_796_579_675) == nil, "an earlier move's window")
        #expect(MoveOperation.recordedUnserved(moved, on: "node1", since: 1_796_579_669) == nil, "not where it went")
        #expect(MoveOperation.recordedUnserved(LUNView(name: "lun1", managerID: "x", servingNode: "node2", lastMoved: 1_796_579_670),
                                               on: "node2", since: 1_796_579_669) == nil, "no departure recorded")
        #expect(MoveOperation.recordedUnserved(nil, on: "node2", since: 0) == nil)
    }

    @Test("colocations in resource sets and groups are followed too")
    func setsAndGroups() throws {
        let cib = try XMLElement.parse("""
            <cib><configuration><crm_config/><nodes/><resources>
              <clone id="ms"><meta_attributes id="m"><nvpair id="p" name="promotable" value="true"/></meta_attributes>
                <primitive id="d" class="ocf" provider="linbit" type="drbd"><instance_attributes id="i">
                  <nvpair id="r" name="drbd_resource" value="data"/></instance_attributes></primitive></clone>
              <group id="g"><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="ipa">
                  <nvpair id="ip1" name="ip" value="198.18.5.1"/><nvpair id="ip2" name="cidr_netmask" value="24"/>
                  <nvpair id="ip3" name="nic" value="eth1"/></instance_attributes></primitive>
                <primitive id="tgt" class="ocf" provider="heartbeat" type="iSCSITarget"><instance_attributes id="ta">
                  <nvpair id="t1" name="iqn" value="iqn.2026-12.test:data"/></instance_attributes></primitive></group>
              <primitive id="unrelated" class="ocf" provider="pacemaker" type="Dummy"/>
            </resources><constraints>
              <rsc_colocation id="c" score="INFINITY"><resource_set id="s1"><resource_ref id="g"/></resource_set>
                <resource_set id="s2" role="Promoted"><resource_ref id="ms"/></resource_set></rsc_colocation>
            </constraints></configuration></cib>
            """)
        let layout = PacemakerLayout(cib: cib)
        let lun = try #require(layout.lun(named: "data"))
        #expect(lun.onPromoted.map(\.id) == ["ip", "tgt"])
        let builder = PacemakerViewBuilder(layout: layout, status: try PacemakerStatus(crmMon: try Self.xml("healthy-crm_mon")),
                                           history: nil, localNode: "node1")
        let view = builder.lun(lun)
        #expect(view.portals == [PortalEndpoint(address: "198.18.5.1/24", interface: "eth1")])
        #expect(view.targetName == "iqn.2026-12.test:data")
        #expect(view.layers.map(\.kind) == [.drbd, .portal, .target])
    }

    @Test("healthy: each LUN served by its preferred node, monitored, nothing pending; fencing disabled is critical")
    func healthy() throws {
        let view = try Self.view("healthy")
        #expect(view.nodes.map(\.state) == [.online, .online])
        #expect(view.quorate == true)
        #expect(view.pendingActions.isEmpty)
        let lun1 = try #require(view.lun("lun1"))
        #expect(lun1.servingNode == "node1")
        #expect(lun1.isServedByManager)
        #expect(lun1.layers.first { $0.kind == .drbd }?.roles == ["node1": "Promoted", "node2": "Unpromoted"])
        #expect(MoveOperation.isMonitored(lun1, on: "node1"))
        #expect(view.lun("lun2")?.servingNode == "node2")
        #expect(view.findings.map(\.check) == ["pacemaker.stonith"])
        #expect(view.findings.first?.severity == .critical)
        // A LUN is found by a resource id too.
        #expect(view.lun("portal-lun2")?.name == "lun2")
    }

    @Test("standby shows as drained, and both LUNs on the other node")
    func standby() throws {
        let view = try Self.view("standby")
        #expect(view.node("node2")?.state == .drained)
        #expect(view.luns.map(\.servingNode) == ["node1", "node1"])
        #expect(view.luns.allSatisfy { $0.isServedByManager })
    }

    @Test("a failed action is named, with its node and exit reason, and the fix")
    func failedMonitor() throws {
        let view = try Self.view("failed-monitor")
        let lun1 = try #require(view.lun("lun1"))
        let finding = try #require(lun1.findings.first { $0.check == "lun.failed-action" })
        #expect(finding.message.contains("target-lun1"))
        #expect(finding.message.contains("node1"))
        #expect(finding.message.contains("Simulated failure"))
        #expect(finding.fix?.contains("crm_resource --cleanup --resource target-lun1") == true)
        #expect(lun1.excluded["node1"] != nil)
    }

    @Test("a move constraint left by crm_resource is a warning with its clean-up, and is no preference")
    func leftoverMove() throws {
        let layout = PacemakerLayout(cib: try Self.xml("leftover-move-cib"))
        #expect(layout.moveConstraints.map(\.id) == ["cli-prefer-drbd-lun2-clone"])
        #expect(layout.moveConstraints.first?.node == "node2")
        #expect(layout.moveConstraints.first?.isHaloctl == false)
        #expect(layout.lun(named: "lun2")?.preferredNode == "node2")  // from lun2-prefers-node2, not the pin
        let view = try Self.view("leftover-move")
        let finding = try #require(view.findings.first { $0.check == "pacemaker.move-constraint" })
        #expect(finding.fix == "crm_resource --clear --resource drbd-lun2-clone")
    }

    @Test("haloctl's own constraint shows as the LUN's pending move")
    func haloctlConstraint() throws {
        let view = try Self.view("moved-lun1-constrained")
        #expect(view.lun("lun1")?.pendingMove == "node2")
        #expect(view.findings.contains { $0.check == "pacemaker.move-constraint" && $0.message.contains("interrupted haloctl move") })
    }

    @Test("a lost node: offline, its LUN on the survivor, and the fencing record")
    func lostNode() throws {
        let view = try Self.view("node2-lost")
        #expect(view.node("node2")?.state == .offline)
        let fencing = try #require(view.node("node2")?.fencing.first)
        #expect(fencing.succeeded)
        #expect(fencing.action == "off")
        #expect(fencing.detail == "by a human for node1")
        #expect(fencing.time.map(CivilTime.format) == "2026-12-05 14:54:17Z")
        #expect(view.luns.map(\.servingNode) == ["node1", "node1"])
        let history = PacemakerStatus.fenceHistory(stonithAdmin: try Self.xml("node2-lost-fence-history"))
        #expect(history.map(\.target) == ["node2"])
    }

    @Test("the operation history says when a LUN arrived and how long no node served it")
    func arrival() throws {
        let cib = try Self.xml("moved-lun1-cib")
        let layout = PacemakerLayout(cib: cib)
        let history = OperationHistory(cib: cib)
        let lun1 = try #require(layout.lun(named: "lun1"))
        let arrival = try #require(history.lastArrival(of: lun1, on: "node2"))
        // demote on node1 began at 1796482437, promote on node2 began then and took 68 ms.
        #expect(arrival.arrived == 1_796_482_437.068)
        #expect(arrival.unserved.map { ($0 * 1000).rounded() } == 68)
        #expect(history.pending.isEmpty)
        // lun2 never moved: its arrival is known, its unserved window is not (no departure recorded).
        let lun2 = try #require(layout.lun(named: "lun2"))
        let lun2Arrival = try #require(history.lastArrival(of: lun2, on: "node2"))
        #expect(lun2Arrival.unserved == nil)
        let view = try Self.view("moved-lun1")
        #expect(view.lun("lun1")?.lastMoved == 1_796_482_437.068)
    }

    /// Pacemaker 2.1.5 records a reload (`reload-agent`) as the resource's start, with the
    /// reload's time (measured: SCSTReloadPacemakerTests). An hour after lun1 arrived on node2
    /// its target is reloaded there: still the arrival of an hour before, not a move. And where
    /// the replication's last operation on the node is no promote, the arrival is unknown.
    @Test("a reload of a served part (recorded as a start) is not an arrival")
    func reloadIsNoArrival() throws {
        let text = try Fixtures.text("haloctl/pacemaker-2.1.5/moved-lun1-cib.xml")
        let original = #"operation_key="target-lun1_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="34:6:0:a21b7cd7-9155-4030-8c02-06c7ecde3d82" transition-magic="0:0;34:6:0:a21b7cd7-9155-4030-8c02-06c7ecde3d82" exit-reason="" on_node="node2" call-id="56" rc-code="0" op-status="0" interval="0" last-rc-change="1796482437""#
        #expect(text.contains(original))
        let reloaded = text.replacing(original, with: original.replacing("1796482437", with: "1796486037"))
        let cib = try XMLElement.parse(reloaded)
        let lun1 = try #require(PacemakerLayout(cib: cib).lun(named: "lun1"))
        let arrival = try #require(OperationHistory(cib: cib).lastArrival(of: lun1, on: "node2"))
        #expect(arrival.arrived == 1_796_482_437.068)
        #expect(arrival.unserved.map { ($0 * 1000).rounded() } == 68)

        let promote = #"operation_key="drbd-lun1_promote_0" operation="promote""#
        #expect(text.contains(promote))
        let drbdReloaded = try XMLElement.parse(text.replacing(promote, with: #"operation_key="drbd-lun1_start_0" operation="start""#))
        #expect(OperationHistory(cib: drbdReloaded).lastArrival(of: lun1, on: "node2") == nil, "no promote on record: unknown, not guessed")
    }

    @Test("crm_simulate's transition for a move: the LUN's steps in order")
    func simulation() throws {
        let root = try Self.xml("move-lun1-simulate")
        let actions = (root.child("transition")?.children("rsc_action") ?? []).compactMap(SimulatedAction.init)
            .filter { $0.task != "cancel" && $0.task != "monitor" }
        #expect(actions.map(\.description) == [
            "stop target-lun1 on node1", "stop portal-lun1 on node1", "start portal-lun1 on node2",
            "demote drbd-lun1 on node1", "promote drbd-lun1 on node2", "start target-lun1 on node2",
        ])
        let revised = try PacemakerStatus(crmMon: XMLElement("pacemaker-result", children: root.child("revised_cluster_status")?.children ?? []))
        #expect(revised.nodes(running: "drbd-lun1", role: "Promoted") == ["node2"])
    }

    @Test("the move's constraint goes into a CIB and comes out of it leaving everything else")
    func constraintEdits() throws {
        let cib = try Self.xml("healthy-cib")
        let lun1 = try #require(PacemakerLayout(cib: cib).lun(named: "lun1"))
        let constraint = PacemakerManager.constraint(for: lun1, node: "node2")
        #expect(constraint.rendered == """
            <rsc_location id="haloctl-move-drbd-lun1-clone" rsc="drbd-lun1-clone"><rule id="haloctl-move-drbd-lun1-clone-rule" \
            role="Promoted" score="INFINITY"><expression id="haloctl-move-drbd-lun1-clone-expression" attribute="#uname" \
            operation="eq" value="node2"/></rule></rsc_location>
            """)
        let with = PacemakerManager.insertingConstraint(constraint, into: cib)
        let reparsed = try XMLElement.parse(with.rendered)
        let layout = PacemakerLayout(cib: reparsed)
        #expect(layout.moveConstraints.map(\.id) == ["haloctl-move-drbd-lun1-clone"])
        #expect(layout.luns == PacemakerLayout(cib: cib).luns)
        // Inserting again replaces, never duplicates.
        #expect(PacemakerLayout(cib: PacemakerManager.insertingConstraint(constraint, into: with)).moveConstraints.count == 1)
        let without = PacemakerManager.removingConstraint(id: "haloctl-move-drbd-lun1-clone", from: with)
        #expect(PacemakerLayout(cib: without).moveConstraints.isEmpty)
        #expect(without.child("configuration")?.child("constraints")?.children.count
                == cib.child("configuration")?.child("constraints")?.children.count)
    }

    @Test("an XML name or value with markup is escaped when rendered")
    func escaping() throws {
        let element = XMLElement("expression", attributes: [("value", "a\"<b>&'\n")])
        let back = try XMLElement.parse(element.rendered)
        #expect(back["value"] == "a\"<b>&'\n")
    }

    @Test("crm_mon that is not crm_mon's XML, or reports an error, is refused with exit 2")
    func refusesOtherDocuments() throws {
        #expect(throws: HaloctlError.self) { _ = try PacemakerStatus(crmMon: XMLElement("cib")) }
        let failed = try XMLElement.parse(#"<pacemaker-result><status code="102" message="Not connected"/></pacemaker-result>"#)
        do {
            _ = try PacemakerStatus(crmMon: failed)
            Issue.record("an error status was accepted")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.message.contains("Not connected"))
        }
    }

    @Test("UTC timestamps both ways")
    func civilTime() {
        #expect(PacemakerViewBuilder.parseUTC("1970-01-01 00:00:00Z") == 0)
        #expect(PacemakerViewBuilder.parseUTC("2000-02-29 12:34:56Z") == 951_827_696)
        #expect(CivilTime.format(951_827_696) == "2000-02-29 12:34:56Z")
        #expect(CivilTime.format(1_796_482_437.9) == "2026-12-05 14:53:57Z")
    }
}
