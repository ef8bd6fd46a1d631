import HaloPacemaker
import Testing

@testable import HaloCtl

/// Which devices fence each node, and whether they would work, when the local fencer knows only
/// the devices registered on this node. Found in the VM lab: the usual two-node setup bans each
/// node's fence device from that node, so on node1 `stonith_admin --list=node1` is empty while
/// node2 runs fence-node1 — haloctl check-health called that "no fence device can fence node1".
@Suite("haloctl's fencing findings under Pacemaker")
struct PacemakerFencingTests {
    /// The lab's layout: fence-node1 lists node1, fence-node2 maps node2 (and node3) to ports;
    /// fence-any asks its agent for the list (no host list or map).
    static let cib = """
        <cib><configuration><crm_config/><nodes/><resources>
          <primitive id="fence-node1" class="stonith" type="fence_halolab"><instance_attributes id="a1">
            <nvpair id="a1l" name="pcmk_host_list" value="node1"/></instance_attributes></primitive>
          <primitive id="fence-node2" class="stonith" type="fence_ipmilan"><instance_attributes id="a2">
            <nvpair id="a2m" name="pcmk_host_map" value="node2:2;node3=3"/></instance_attributes></primitive>
          <primitive id="fence-any" class="stonith" type="fence_virsh"/>
        </resources><constraints/></configuration></cib>
        """

    /// crm_mon's view: fence-node1 runs on node2, fence-node2 on node1, fence-any nowhere.
    static func status(fenceNode1Failed: Bool = false, fenceNode1Running: Bool = true) throws -> PacemakerStatus {
        let running = fenceNode1Running ? """
            <resource id="fence-node1" resource_agent="stonith:fence_halolab" role="Started" active="true" failed="\(fenceNode1Failed)" managed="true" nodes_running_on="1"><node name="node2" id="2" cached="true"/></resource>
            """ : ""
        let failures = fenceNode1Failed ? """
            <failures><failure op_key="fence-node1_monitor_60000" node="node2" exitstatus="error" exitreason="" exitcode="1" call="9" status="complete" last-rc-change="2026-12-05 17:00:00 +00:00" queued="0" exec="0" interval="60000" task="monitor"/></failures>
            """ : ""
        return try PacemakerStatus(crmMon: try XMLElement.parse("""
            <pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
              <summary><current_dc present="true" name="node1" with_quorum="true"/></summary>
              <nodes><node name="node1" id="1" online="true" type="member"/><node name="node2" id="2" online="true" type="member"/></nodes>
              <resources>\(running)
                <resource id="fence-node2" resource_agent="stonith:fence_ipmilan" role="Started" active="true" failed="false" managed="true" nodes_running_on="1"><node name="node1" id="1" cached="true"/></resource>
              </resources>\(failures)
              <status code="0" message="OK"/>
            </pacemaker-result>
            """))
    }

    static func findings(registered: [String: [String]], status: PacemakerStatus) throws -> [Finding] {
        PacemakerManager.fencingFindings(nodes: ["node1", "node2"], registered: registered,
                                         layout: PacemakerLayout(cib: try XMLElement.parse(cib)), status: status) { device in
            Finding(.ok, check: "fencing.answers", subject: device, "queried \(device)")
        }
    }

    @Test("a device's host list and host map name the nodes it fences; a dynamic list names none")
    func hostListAndMap() throws {
        let layout = PacemakerLayout(cib: try XMLElement.parse(Self.cib))
        #expect(layout.fencingDevices(for: "node1") == ["fence-node1"])
        #expect(layout.fencingDevices(for: "node2") == ["fence-node2"])
        #expect(layout.fencingDevices(for: "node3") == ["fence-node2"])
        #expect(layout.fencingDevices(for: "node") == [])
    }

    @Test("on node1 the fencer lists nothing for node1, but the CIB's device running on node2 fences it")
    func deviceRegisteredOnTheOtherNode() throws {
        // What stonith_admin --list answers on node1: fence-node2 (registered here) for node2 only.
        let findings = try Self.findings(registered: ["node1": [], "node2": ["fence-node2"]], status: try Self.status())
        #expect(!findings.contains { $0.severity == .critical }, "\(findings.map(\.message))")
        #expect(findings.contains { $0.check == "fencing.devices" && $0.subject == "node1" && $0.message == "node1 is fenced by fence-node1" })
        // Registered here: asked directly. Registered on node2: Pacemaker's record of it.
        #expect(findings.contains { $0.subject == "fence-node2" && $0.message == "queried fence-node2" })
        #expect(findings.contains { $0.subject == "fence-node1" && $0.message == "fence device fence-node1 runs on node2, where Pacemaker monitors it" })
    }

    @Test("a device registered elsewhere that failed, or runs nowhere, is critical")
    func deviceElsewhereFailedOrStopped() throws {
        for status in [try Self.status(fenceNode1Failed: true), try Self.status(fenceNode1Running: false)] {
            let findings = try Self.findings(registered: ["node1": [], "node2": ["fence-node2"]], status: status)
            let answers = try #require(findings.first { $0.check == "fencing.answers" && $0.subject == "fence-node1" })
            #expect(answers.severity == .critical)
        }
    }

    @Test("a node no device fences is critical; a fencer that cannot be asked is a warning")
    func noDeviceAndNoAnswer() throws {
        let layout = PacemakerLayout(cib: try XMLElement.parse("<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>"))
        let findings = PacemakerManager.fencingFindings(nodes: ["node1", "node2"], registered: ["node1": []], layout: layout,
                                                        status: try Self.status()) { Finding(.ok, check: "fencing.answers", subject: $0, "queried") }
        #expect(findings.contains { $0.subject == "node1" && $0.severity == .critical && $0.message.hasPrefix("no fence device can fence node1") })
        #expect(findings.contains { $0.subject == "node2" && $0.severity == .warning && $0.message.hasPrefix("could not ask") })
    }
}
