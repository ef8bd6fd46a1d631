import HaloConformance
@testable import HaloOCF
import HaloSystem
import HaloTesting
import Testing

@Suite("Meta-data: one document, valid under OCF 1.1, ra-api-1.dtd and metadata.rng")
struct MetadataTests {
    let xml = AgentRunner.metadata(SampleAgent.self)

    @Test func matchesTheGoldenFile() throws {
        let golden = "\(BuildProducts.repositoryRoot)/Tests/HaloOCFTests/Golden/sample-metadata.xml"
        if CurrentProcess.environment()["HALO_UPDATE_GOLDEN"] == "1" {
            try FileSystem.writeAtomically(golden, Array(xml.utf8), permissions: 0o644)
        }
        let expected = String(decoding: try FileSystem.readBytes(golden), as: UTF8.self)
        #expect(xml == expected, "regenerate with HALO_UPDATE_GOLDEN=1 swift test --filter MetadataTests")
    }

    @Test func isValidUnderEveryAvailableSchema() {
        let verdicts = SchemaValidator().validate(xml)
        for verdict in verdicts {
            if let valid = verdict.isValid {
                #expect(valid, "\(verdict.schema): \(verdict.messages)")
            } else {
                print("SKIPPED: \(verdict.schema): \(verdict.messages)")
            }
        }
        // The two schemas resource-agents installs are always checked.
        #expect(verdicts.filter { $0.isValid != nil }.count >= 2)
    }

    @Test func theValidatorCatchesABrokenDocument() {
        // Proof that validation can fail: an action without a timeout breaks every schema.
        let broken = xml.replacingOccurrencesForTest("<actions>\n", "<actions>\n    <action name=\"start\"/>\n")
        for verdict in SchemaValidator().validate(broken) where verdict.isValid != nil {
            #expect(verdict.isValid == false, "\(verdict.schema) accepted an action without timeout")
        }
    }

    @Test func metadataRNG_deviatesOnlyInTheDocumentedAttributes() {
        let stripped = SchemaValidator.withoutOCF11ParameterAttributes(xml)
        #expect(!stripped.contains("reloadable="))
        #expect(!stripped.contains("unique-group="))
        #expect(stripped.contains("unique=\"1\""))  // a unique group of one keeps the old attribute
        #expect(xml.contains("reloadable=\"1\""))
    }

    @Test func textIsEscaped_andDerivedSentencesAreAdded() {
        #expect(xml.contains("The name of the &lt;target&gt; &amp; its &quot;LUN&quot;."))
        #expect(xml.contains("Allowed range: 0 to 16383."))
        #expect(xml.contains("Allowed values: write-through, write-back."))
        #expect(xml.contains("Deprecated: use cache instead."))
        #expect(xml.contains("Private: halo never logs this value"))
        #expect(xml.contains("<content type=\"string\" default=\"500ms\"/>"))
        #expect(xml.contains("<action name=\"monitor\" timeout=\"30s\" interval=\"60s\" depth=\"10\"/>"))
    }
}

extension String {
    func replacingOccurrencesForTest(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
