import Glibc
import HaloSystem
import HaloTesting
import Testing
@testable import SCSTAgent

/// The target's own settings through the installed agent and the SCST model: the relative
/// target id and the session parameters, as a real SCST keeps them.
extension SCSTAgentProcessTests {
    /// Without `relative_target_id` the target's `rel_tgt_id` is derived from the IQN and the
    /// node, like the serial: the same at every start on a node (SCST's own choice grows with
    /// every add_target), another one on the other node.
    @Test func theRelativeTargetID_isStableOnANode_andDiffersBetweenNodes() throws {
        let first = try SCSTTestBed(node: "node1")
        let parameters = first.parameters()
        #expect(try first.run("start", parameters).code == 0)
        let id = try #require(first.value("\(Self.targetPath)/rel_tgt_id"))
        for _ in 0..<2 {
            #expect(try first.run("stop", parameters).code == 0)
            first.write("targets/iscsi/mgmt", "add_target iqn.2026-11.lab.test:someone-else")
            first.write("targets/iscsi/iqn.2026-11.lab.test:someone-else/enabled", "1")
            first.write("targets/iscsi/mgmt", "del_target iqn.2026-11.lab.test:someone-else")
            #expect(try first.run("start", parameters).code == 0)
            #expect(first.value("\(Self.targetPath)/rel_tgt_id") == id, "the same id after a restart")
        }
        let second = try SCSTTestBed(node: "node2")
        #expect(try second.run("start", second.parameters()).code == 0)
        #expect(second.value("\(Self.targetPath)/rel_tgt_id") != id)
        #expect(second.value("\(Self.targetPath)/rel_tgt_id").flatMap { Int($0) }.map { (1...65535).contains($0) } == true)
    }

    /// A value iscsi-scstd would refuse is refused with the parameters — by validate-all at
    /// depth 0 too — before anything is written, instead of failing start with 1.
    @Test func aSessionParameterIscsiScstdRefuses_isRefusedBeforeAnyWrite() throws {
        let bed = try SCSTTestBed()
        for value in ["MaxBurstLength=2097152", "MaxRecvDataSegmentLength=16777215", "NopInTimeout=1", "RspTimeout=1"] {
            for action in ["validate-all", "start"] {
                let result = try bed.run(action, bed.parameters(extra: ["session_parameters": value]))
                #expect(result.code == 6, "\(action) \(value)")
                #expect(result.reason?.contains("iscsi-scstd") == true, "\(result.reason ?? "")")
            }
        }
        #expect(try bed.model.writeCount() == 0)
    }

    /// iscsi-scstd keeps a digest list as a set and shows it in its own order: a start of the
    /// running target finds nothing to change (no disable, no needless outage).
    @Test func digestsInAnyOrder_needNoChangeAtTheNextStart() throws {
        let bed = try SCSTTestBed()
        let parameters = bed.parameters(extra: ["session_parameters": "HeaderDigest=CRC32C,None DataDigest=CRC32C,None MaxBurstLength=1048576"])
        #expect(try bed.run("start", parameters).code == 0)
        #expect(bed.value("\(Self.targetPath)/HeaderDigest") == "None,CRC32C")
        let writes = try bed.model.writeCount()
        #expect(try bed.run("start", parameters).code == 0)
        let log = try bed.model.controlText("writes")
        #expect(try bed.model.writeCount() == writes, "the second start writes nothing: \(log)")
    }
}
