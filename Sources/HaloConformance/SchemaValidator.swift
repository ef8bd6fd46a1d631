import HaloSystem

/// Validates meta-data XML with `xmllint` against the three schemas an OCF agent must satisfy.
///
/// - ra-api-1.dtd (resource-agents): what ocf-tester checks, with `xmllint --valid` in the
///   DTD's directory, exactly as ocf-tester runs it;
/// - metadata.rng (resource-agents' own build check), after removing the two OCF 1.1
///   parameter attributes it predates (`reloadable`, `unique-group`) — the one documented
///   deviation (docs/ocf-metadata.md); anything else it rejects is a failure;
/// - the OCF 1.1 RNG (OCF-spec `ra/1.1/ra-api.rng`), unmodified.
public struct SchemaValidator: Sendable {
    /// Where resource-agents installs `ra-api-1.dtd` and `metadata.rng`.
    public var resourceAgentsDirectory: String
    /// The OCF 1.1 RNG, when one was found.
    public var ocf11Schema: String?
    public var runner = ProcessRunner()

    public init(resourceAgentsDirectory: String = "/usr/share/resource-agents", ocf11Schema: String? = Self.locateOCF11Schema()) {
        self.resourceAgentsDirectory = resourceAgentsDirectory
        self.ocf11Schema = ocf11Schema
    }

    /// The OCF 1.1 RNG: `$HALO_OCF11_RNG`, else the copy beside the project's reference
    /// material, else the OCF-spec checkout of a developer machine. `nil` when none exists.
    public static func locateOCF11Schema(environment: [String: String] = CurrentProcess.environment()) -> String? {
        var candidates: [String] = []
        if let explicit = environment["HALO_OCF11_RNG"], !explicit.isEmpty { candidates.append(explicit) }
        candidates += ["/work/shared/reference/schemas/ocf-1.1-ra-api.rng", "/usr/share/halo/schemas/ocf-1.1-ra-api.rng"]
        return candidates.first { (try? FileSystem.info($0).type) == .regular }
    }

    /// One schema's verdict.
    public struct Verdict: Sendable, Hashable {
        public let schema: String
        /// `nil` when the schema is not available on this machine.
        public let isValid: Bool?
        public let messages: String
    }

    /// Validates `xml` against every available schema.
    public func validate(_ xml: String) -> [Verdict] {
        let dtd = "\(resourceAgentsDirectory)/ra-api-1.dtd"
        let rng = "\(resourceAgentsDirectory)/metadata.rng"
        var verdicts: [Verdict] = []
        if (try? FileSystem.info(dtd)) != nil {
            // As ocf-tester does: from the DTD's directory, so the DOCTYPE's relative SYSTEM id resolves.
            verdicts.append(lint(["--noout", "--valid", "-"], xml, schema: "ra-api-1.dtd", directory: resourceAgentsDirectory))
        } else {
            verdicts.append(Verdict(schema: "ra-api-1.dtd", isValid: nil, messages: "\(dtd) missing (install resource-agents)"))
        }
        if (try? FileSystem.info(rng)) != nil {
            verdicts.append(lint(["--noout", "--relaxng", rng, "-"], Self.withoutOCF11ParameterAttributes(xml),
                                 schema: "metadata.rng"))
        } else {
            verdicts.append(Verdict(schema: "metadata.rng", isValid: nil, messages: "\(rng) missing (install resource-agents)"))
        }
        if let ocf11Schema {
            verdicts.append(lint(["--noout", "--relaxng", ocf11Schema, "-"], xml, schema: "OCF 1.1 RNG"))
        } else {
            verdicts.append(Verdict(schema: "OCF 1.1 RNG", isValid: nil,
                                    messages: "not found: set HALO_OCF11_RNG to OCF-spec's ra/1.1/ra-api.rng"))
        }
        return verdicts
    }

    /// `xml` without the `reloadable` and `unique-group` attributes, which resource-agents'
    /// metadata.rng predates.
    public static func withoutOCF11ParameterAttributes(_ xml: String) -> String {
        xml.replacing(#/\s(reloadable|unique-group)\s*=\s*("[^"]*"|'[^']*')/#, with: "")
    }

    func lint(_ arguments: [String], _ xml: String, schema: String, directory: String? = nil) -> Verdict {
        // xmllint resolves the DOCTYPE's relative SYSTEM id against the working directory.
        let command = Command("xmllint", arguments, standardInput: Array(xml.utf8), workingDirectory: directory)
        do {
            let result = try runner.run(command, deadline: .after(.seconds(30)))
            // Keep xmllint's verdicts and errors; drop its echo of source lines and the warning
            // about the DTD it cannot load when validating with an RNG.
            let messages = (result.errorText + result.outputText).split(separator: "\n")
                .filter { $0.contains("error") || $0.contains("fails to validate") || $0.contains("Validation failed") }
                .prefix(8).joined(separator: "\n")
            return Verdict(schema: schema, isValid: result.succeeded, messages: messages)
        } catch {
            return Verdict(schema: schema, isValid: nil, messages: "cannot run xmllint: \(error) (install libxml2-utils)")
        }
    }
}
