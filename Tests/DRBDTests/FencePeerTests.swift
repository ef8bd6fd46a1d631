@testable import DRBDAgent
import HaloDRBD
import HaloPacemaker
import HaloSystem
import HaloTesting
import Testing

@Suite("Peer fencing decisions over a real CIB")
struct FencePeerTests {
    static func cib() throws -> XMLElement {
        try XMLElement.parse(try Fixtures.text("pacemaker-2.1.5/cib-one-node-drbd-clone.xml"))
    }

    @Test func theCloneOfAResource_isFoundInTheCIB() throws {
        let cib = try Self.cib()
        #expect(FencePeer.cloneID(for: "r0", in: cib) == "drbd-r0-clone")
        #expect(FencePeer.cloneID(for: "r1", in: cib) == nil)
        #expect(FencePeer.promotedRoleName(cib) == "Promoted")
    }

    @Test func theNodeNameTheAgentNoted_isUsed_onlyWhenTheCIBConfiguresThatNode() throws {
        let cib = try Self.cib()
        #expect(FencePeer.localNode(noted: Array("node1".utf8), in: cib) == "node1")
        #expect(FencePeer.localNode(noted: Array("node2".utf8), in: cib) == nil)   // not a node of this cluster
        #expect(FencePeer.localNode(noted: Array("node1\n".utf8), in: cib) == nil)
        #expect(FencePeer.localNode(noted: [], in: cib) == nil)
        #expect(FencePeer.localNode(noted: nil, in: cib) == nil)
        #expect(FencePeer.localNode(noted: [0xff, 0xfe], in: cib) == nil)
    }

    @Test func quorum_isReadFromTheCIBsRoot() throws {
        #expect(FencePeer.hasQuorum(try Self.cib()))
        #expect(!FencePeer.hasQuorum(try XMLElement.parse("<cib have-quorum=\"0\"/>")))
        #expect(!FencePeer.hasQuorum(try XMLElement.parse("<cib/>")))
        #expect(FencePeer.hasQuorum(try XMLElement.parse("<cib have-quorum=\"true\"/>")))
    }

    @Test func theConstraint_isWellFormed_andAllowsOnlyUpToDateNodes() throws {
        let xml = FencePeer.constraint(resource: "r0", clone: "drbd-r0-clone", upToDate: ["node1", "node\"3"], role: "Promoted")
        let element = try XMLElement.parse(xml)
        #expect(element.name == "rsc_location")
        #expect(element["rsc"] == "drbd-r0-clone")
        #expect(element["id"] == "halo-fence-r0")
        let rule = try #require(element.child("rule"))
        #expect(rule["role"] == "Promoted")
        #expect(rule["score"] == "-INFINITY")
        #expect(rule.children("expression").map { $0["value"] } == ["node1", "node\"3"])
        #expect(rule.children("expression").allSatisfy { $0["operation"] == "ne" && $0["attribute"] == "#uname" })
    }

    @Test(arguments: [
        ("<node_state uname=\"node2\" in_ccm=\"true\" crmd=\"online\" expected=\"member\"/>", FencePeer.PeerStatus.member),
        ("<node_state uname=\"node2\" in_ccm=\"1700000000\" crmd=\"1700000000\" expected=\"member\"/>", .member),
        ("<node_state uname=\"node2\" in_ccm=\"false\" crmd=\"offline\" expected=\"member\"/>", .lost),
        ("<node_state uname=\"node2\" in_ccm=\"false\" crmd=\"offline\" expected=\"down\"/>", .cleanlyDown),
        ("<node_state uname=\"node3\" in_ccm=\"true\"/>", .unknown),
    ])
    func peerStatus_comesFromNodeState(xml: String, status: FencePeer.PeerStatus) throws {
        let cib = try XMLElement.parse("<cib><status>\(xml)</status></cib>")
        #expect(FencePeer.status(of: "node2", in: cib) == status)
    }

    @Test func drbdIsToldWhatBecameOfThePeer() {
        #expect(FencePeer.answer(peers: [.member]) == .peerOutdated)
        #expect(FencePeer.answer(peers: [.cleanlyDown]) == .peerFenced)
        #expect(FencePeer.answer(peers: [.lost]) == .peerUnreachable)
        #expect(FencePeer.answer(peers: []) == .peerUnreachable)
    }

    /// Only a lost peer's fencing can still change the answer; for anything else (no
    /// node_state for the peer at all, above all) waiting would keep DRBD's I/O frozen for nothing.
    @Test(arguments: [
        ([], false), ([.member], false), ([.cleanlyDown], false), ([.unknown], false),
        ([.lost], true), ([.cleanlyDown, .lost], true), ([.member, .lost], true),
    ] as [([FencePeer.PeerStatus], Bool)])
    func theHandlerWaits_onlyForALostPeersFencing(peers: [FencePeer.PeerStatus], waits: Bool) {
        #expect(FencePeer.awaitsFencing(peers) == waits)
    }

    /// The handler against a stand-in for cibadmin that serves the captured one-node CIB (no
    /// node_state for any peer) and logs its calls: one read, the constraint, and the answer at
    /// once — before, it read the CIB every second until its timeout, with DRBD's I/O frozen.
    @Test func withNoNodeStateForThePeer_theHandlerAnswersAtOnce() throws {
        let directory = TemporaryDirectory("halo-fence")
        try FileSystem.writeAtomically(directory.file("cib.xml"), Array(try Fixtures.text("pacemaker-2.1.5/cib-one-node-drbd-clone.xml").utf8))
        let script = "#!/bin/sh\necho \"$1\" >> \(directory.file("calls"))\n"
            + "if [ \"$1\" = --query ]; then cat \(directory.file("cib.xml")); else cat >/dev/null; fi\n"
        try FileSystem.writeAtomically(directory.file("cibadmin"), Array(script.utf8), permissions: 0o755)
        var tools = PacemakerTools()
        tools.directory = directory.path
        let upToDate = try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-prisec-uptodate-node1.txt"))
        var said: [String] = []
        let answer = try FencePeerCommand.fence("r0", environment: [:], localState: upToDate, notedNodeName: Array("node1".utf8),
                                                pacemaker: tools, deadline: .after(.seconds(10)), say: { text, _ in said.append(text) })
        #expect(answer == .peerUnreachable, "the same answer as after the whole wait: the constraint is in place")
        let calls = String(decoding: try FileSystem.readBytes(directory.file("calls")), as: UTF8.self).split(separator: "\n")
        #expect(calls == ["--query", "--modify"], "one CIB read, one change, no wait")
        #expect(said.contains { $0.hasPrefix("the CIB has no node_state for a peer of r0: nothing to wait for") })
    }

    @Test func drbd9sUpToDateNodes_areDecoded() {
        #expect(FencePeer.upToDateNodes(["UP_TO_DATE_NODES": "0x5", "DRBD_NODE_ID_0": "node1", "DRBD_NODE_ID_2": "node3",
                                         "DRBD_NODE_ID_1": "node2"]) == ["node1", "node3"])
        #expect(FencePeer.upToDateNodes([:]).isEmpty)
    }
}

/// The handler's change to the CIB, against a real one-node Pacemaker in a network namespace.
@Suite("Peer fencing against real Pacemaker", .enabled(if: PacemakerNode.isAvailable), .serialized)
struct FencePeerPacemakerTests {
    @Test func theConstraintIsPlaced_andRemoved_andScoresAreWrittenAndRemoved() throws {
        let node = try PacemakerNode()
        try node.configureDRBDClone(resource: "r0")
        let tools = PacemakerTools(commandPrefix: node.prefix)
        let upToDate = try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-prisec-uptodate-node1.txt"))
        let outdated = try Events2.state(of: "r0", from: try Fixtures.text("drbd-8.4/drbdsetup-events2-now-outdated-wfconnection-node2.txt"))
        var said: [String] = []
        let say: (String, SyslogPriority) -> Void = { text, _ in said.append(text) }

        // Without UpToDate data this node never claims promotion for itself.
        #expect(try FencePeerCommand.fence("r0", environment: [:], localState: outdated, pacemaker: tools,
                                           deadline: .after(.seconds(30)), say: say) == .failed)
        #expect(try node.constraints().isEmpty)

        let answer = try FencePeerCommand.fence("r0", environment: [:], localState: upToDate, pacemaker: tools,
                                                deadline: .after(.seconds(30)), say: say)
        #expect(answer == .peerUnreachable)  // one node: no peer in the CIB to report on
        let constraint = try #require(try node.constraints().first)
        #expect(constraint["id"] == "halo-fence-r0")
        #expect(constraint["rsc"] == "drbd-r0-clone")
        #expect(constraint.descendants("expression").map { $0["value"] } == ["node1"])

        // Placing it twice keeps one constraint; the second time with the node name the agent
        // noted, which must name the same node (that the note replaces crm_node --name is
        // FencePeerTests' localNode test).
        _ = try FencePeerCommand.fence("r0", environment: [:], localState: upToDate, notedNodeName: Array("node1".utf8),
                                       pacemaker: tools, deadline: .after(.seconds(30)), say: say)
        #expect(try node.constraints().count == 1)
        #expect(try node.constraints().first?.descendants("expression").map { $0["value"] } == ["node1"])

        #expect(try FencePeerCommand.unfence("r0", localState: outdated, pacemaker: tools, deadline: .after(.seconds(30)), say: say) == .peerOutdated)
        #expect(try node.constraints().count == 1)
        _ = try FencePeerCommand.unfence("r0", localState: upToDate, pacemaker: tools, deadline: .after(.seconds(30)), say: say)
        #expect(try node.constraints().isEmpty)
        #expect(said.contains { $0.hasPrefix("placed halo-fence-r0: drbd-r0-clone may be promoted only on node1") })

        // The same node (a cluster takes ~20 s to form): promotion scores.
        try tools.setPromotionScore(1000, resource: "drbd-r0", deadline: .after(.seconds(20)))
        #expect(try node.run(["crm_attribute", "--promotion=drbd-r0", "--query", "--quiet"]).outputText == "1000\n")
        try tools.removePromotionScore(resource: "drbd-r0", deadline: .after(.seconds(20)))
        try tools.removePromotionScore(resource: "drbd-r0", deadline: .after(.seconds(20)))
        #expect(try tools.localNodeName(deadline: .after(.seconds(20))) == "node1")
    }
}
