import HaloPacemaker
import HaloTesting
import Testing

@Suite("The XML reader for Pacemaker's tools")
struct XMLElementTests {
    @Test func aRealCrmMonDocument_isRead() throws {
        let root = try XMLElement.parse(try Fixtures.text("pacemaker-2.1.5/crm_mon-one-node-drbd-clone.xml"))
        #expect(root.name == "pacemaker-result")
        #expect(root.descendants("node").first?["name"] == "node1")
        #expect(root.descendants("current_dc").first?["with_quorum"] == "true")
    }

    @Test func entitiesCommentsAndCDATA() throws {
        let root = try XMLElement.parse("""
            <?xml version="1.0"?><!-- a comment --><a x='1 &amp; 2' y="&lt;&#x41;&#66;&gt;"><!-- inside --><b/>text &quot;q&quot;<![CDATA[<raw>]]></a>
            """)
        #expect(root["x"] == "1 & 2")
        #expect(root["y"] == "<AB>")
        #expect(root.children.map(\.name) == ["b"])
        #expect(root.text == "text \"q\"<raw>")
    }

    @Test(arguments: ["<a>", "<a></b>", "<a x=1/>", "<a x=\"&bogus;\"/>", "<a/><b/>", "", "<a x=\"unterminated/>"])
    func malformedInput_isAnError(text: String) {
        #expect(throws: XMLParseError.self) { try XMLElement.parse(text) }
    }

    @Test func escaping_roundTrips() throws {
        let value = "a<b>&\"c'"
        #expect(try XMLElement.parse("<x v=\"\(XMLElement.escape(value))\"/>")["v"] == value)
    }
}
