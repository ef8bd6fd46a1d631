/// Renders an agent's OCF 1.1 meta-data XML.
///
/// One document for every caller (Pacemaker, pcs, crmsh, ocf-tester); see
/// docs/ocf-metadata.md for how it stays valid under the OCF 1.1 RNG, resource-agents'
/// ra-api-1.dtd and metadata.rng at once:
/// - the DOCTYPE names ra-api-1.dtd (what `xmllint --valid` in ocf-tester loads) and its
///   internal subset declares the OCF 1.1 vocabulary the DTD predates — the `reload-agent`
///   action name and the `reloadable` and `unique-group` attributes — and nothing else;
/// - `select` parameters are rendered as `string` with their values in the long description,
///   and deprecation and privacy as sentences, because the DTD cannot declare the `<option>`
///   and `<deprecated>` elements and no schema has a `private` attribute.
public enum MetadataDocument {
    /// The action names ra-api-1.dtd allows, plus OCF 1.1's `reload-agent`.
    static let declaredActionNames = [
        "start", "stop", "recover", "monitor", "restart", "migrate_to", "migrate_from", "promote", "demote",
        "notify", "status", "reload", "reload-agent", "meta-data", "usage", "methods", "validate-all",
    ]

    /// The complete XML document.
    public static func render(
        description: AgentDescription, parameters: [ParameterSpec], actions: [ActionDeclaration], version: String
    ) -> String {
        precondition(!parameters.isEmpty, "the OCF schemas require at least one parameter")
        var xml = """
            <?xml version="1.0"?>
            <!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd" [
            <!-- OCF 1.1 vocabulary that ra-api-1.dtd predates; see halo's docs/ocf-metadata.md -->
            <!ATTLIST action name (\(declaredActionNames.joined(separator: "|"))) #REQUIRED>
            <!ATTLIST parameter reloadable (0|1) #IMPLIED unique-group CDATA #IMPLIED>
            ]>
            <resource-agent name="\(escape(description.name))" version="\(escape(version))">
              <version>1.1</version>
              <longdesc lang="en">\(escape(description.longDescription))</longdesc>
              <shortdesc lang="en">\(escape(description.shortDescription))</shortdesc>
              <parameters>

            """
        let groupSizes = Dictionary(grouping: parameters.compactMap(\.uniqueGroup), by: { $0 }).mapValues(\.count)
        for spec in parameters {
            xml += renderParameter(spec, uniqueAlone: spec.uniqueGroup.map { groupSizes[$0] == 1 } ?? false)
        }
        xml += "  </parameters>\n  <actions>\n"
        for action in actions {
            var attributes = "name=\"\(action.action.rawValue)\" timeout=\"\(DurationText.render(action.timeout))\""
            if let interval = action.interval { attributes += " interval=\"\(DurationText.render(interval))\"" }
            if let depth = action.depth { attributes += " depth=\"\(depth.rawValue)\"" }
            if let role = action.role { attributes += " role=\"\(role.rawValue)\"" }
            xml += "    <action \(attributes)/>\n"
        }
        xml += "  </actions>\n</resource-agent>\n"
        return xml
    }

    static func renderParameter(_ spec: ParameterSpec, uniqueAlone: Bool) -> String {
        var attributes = "name=\"\(spec.name)\" required=\"\(spec.isRequired ? 1 : 0)\""
        if let group = spec.uniqueGroup {
            attributes += " unique-group=\"\(escape(group))\""
            // A group of one is what the older `unique` attribute means; tools that predate
            // unique-group (crmsh) then still check it.
            if uniqueAlone { attributes += " unique=\"1\"" }
        }
        if spec.isReloadable { attributes += " reloadable=\"1\"" }
        var short = spec.shortDescription
        var long = spec.longDescription
        if let sentence = spec.constraint.sentence { long += " " + sentence }
        if let deprecation = spec.deprecation {
            short = "Deprecated: " + short
            long = "Deprecated" + (deprecation.replacedBy.map { ": use \($0) instead" } ?? "") + ". "
                + deprecation.note + " " + long
        }
        if spec.isPrivate {
            long += " Private: halo never logs this value or shows it in an exit reason."
        }
        var content = "type=\"\(spec.contentType.rawValue)\""
        if let value = spec.defaultText { content += " default=\"\(escape(value))\"" }
        return """
                <parameter \(attributes)>
                  <longdesc lang="en">\(escape(long))</longdesc>
                  <shortdesc lang="en">\(escape(short))</shortdesc>
                  <content \(content)/>
                </parameter>

            """
    }

    /// Escapes text for XML character data and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
