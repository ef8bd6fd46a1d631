@testable import HaloOCF
import Testing

@Suite("Parameters: declared once, validated with every problem named")
struct ParameterTests {
    typealias Values = ParameterValues<SampleAgent.Parameters>

    func problems(_ raw: [String: String]) -> [ParameterProblem] {
        if case .failure(let problems) = Values.validate(raw) { return problems.problems }
        return []
    }

    @Test func declarations_areFoundInOrder() {
        #expect(SampleAgent.Parameters.specs.map(\.name) == [
            "target", "lun", "portal", "cache", "read_only", "secret_file", "write_cache", "settle"])
        // Announced at initialisation and found by reflection: the same list.
        #expect(SampleAgent.Parameters.reflectedParameters.map(\.spec) == SampleAgent.Parameters.specs)
    }

    @Test(arguments: [
        ("lun", "16383", true), ("lun", "16384", false), ("lun", "-1", false), ("lun", " 1", false), ("lun", "0x1", false),
        ("read_only", "on", true), ("read_only", "OFF", true), ("read_only", "ja", false), ("read_only", "2", false),
        ("cache", "write-back", true), ("cache", "Write-Back", false),
        ("settle", "250ms", true), ("settle", "60", true), ("settle", "61s", false), ("settle", "1min", true),
        ("settle", "2 s", true), ("settle", "s", false), ("settle", "1d", false),
        ("target", "iqn.2026-11.lab.test:lun1", true), ("target", "a\nb", false), ("target", "tab\there", false),
    ])
    func values_parseOrAreRejected(name: String, value: String, valid: Bool) {
        var raw = ["target": "t"]
        raw[name] = value
        let found = problems(raw)
        #expect(found.isEmpty == valid, "\(name)=\(value): \(found)")
    }

    @Test func anEmptyValue_countsAsUnset() {
        #expect(problems(["target": "t", "lun": ""]).isEmpty)
        #expect(problems(["target": ""]).map(\.kind) == [.missing])
    }

    @Test func unknownNames_areReportedApart_exceptResourceAgentsTracing() {
        #expect(problems(["target": "t", "targte": "x"]).isEmpty, "an unknown name does not fail validation")
        #expect(Values.unknownParameters(["target": "t", "targte": "x", "zz": "1", "empty": ""]).map(\.parameter) == ["targte", "zz"])
        #expect(Values.unknownParameters(["target": "t", "trace_ra": "1", "trace_file": "/tmp/x"]).isEmpty)
    }

    @Test func aPrivateValue_isNeverShownInAProblem() {
        let found = problems(["target": "t", "secret_file": "hunter2\n"])
        #expect(found.count == 1)
        #expect(found[0].description == "parameter secret_file contains a control character (newline, tab or similar) (value not shown: private)")
    }

    @Test func aShownValue_isEscapedAndCut() {
        let found = problems(["target": "t", "lun": String(repeating: "9", count: 80) + "\n"])
        #expect(found[0].description.contains("…"))
        let newline = problems(["target": "a\nb"])
        #expect(newline[0].description == "parameter target='a\\nb' contains a control character (newline, tab or similar)")
    }

    @Test func explicitlySet_tellsDefaultsApart() throws {
        let values = try Values.validate(["target": "t", "lun": "3"]).get()
        #expect(values.explicitlySet == ["target", "lun"])
        #expect(values.lun == 3)
        #expect(values.portal == "0.0.0.0")
        #expect(values.secretFile == nil)
    }

    @Test func specs_carryEveryDeclaredProperty() throws {
        let specs = Dictionary(uniqueKeysWithValues: SampleAgent.Parameters.specs.map { ($0.name, $0) })
        #expect(specs["target"]?.isRequired == true)
        #expect(specs["target"]?.defaultText == nil)
        #expect(specs["lun"]?.defaultText == "0")
        #expect(specs["lun"]?.constraint == .range(0...16383))
        #expect(specs["cache"]?.isReloadable == true)
        #expect(specs["cache"]?.constraint == .options(["write-through", "write-back"]))
        #expect(specs["secret_file"]?.isPrivate == true)
        #expect(specs["write_cache"]?.deprecation?.replacedBy == "cache")
        #expect(specs["settle"]?.defaultText == "500ms")
        #expect(specs["lun"]?.uniqueGroup == "address")
    }

    @Test(arguments: ["Bad", "9lives", "crm_meta", "with-dash", ""])
    func aBadName_isRejected(name: String) {
        #expect(!Parameter<String>.isValidName(name))
    }

    @Test func aBadName_trapsAtDeclaration() async {
        await #expect(processExitsWith: .failure) {
            _ = Parameter("with-dash", .string, default: "x", short: "s", long: "l")
        }
    }

    @Test func aParameterWithBothADefaultAndRequired_traps() async {
        await #expect(processExitsWith: .failure) {
            _ = Parameter("x", .string, default: "x", required: true, short: "s", long: "l")
        }
        await #expect(processExitsWith: .failure) {
            _ = Parameter("x", .string, short: "s", long: "l")  // neither
        }
    }
}
