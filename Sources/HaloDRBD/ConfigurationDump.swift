/// What halo reads from `drbdadm dump <resource>`: the configuration as drbdadm parsed it
/// (includes resolved, comments gone, one statement per line).
public enum ConfigurationDump {
    /// Whether the dump allows two Primaries: an `allow-two-primaries` statement (in a `net`
    /// section, the only place drbdadm accepts it) that is not `allow-two-primaries no;`.
    /// DRBD 8.4's drbdadm writes the option as a flag (`allow-two-primaries;`) or with a value
    /// (`allow-two-primaries yes;`), DRBD 9's always with a value.
    public static func allowsTwoPrimaries(_ dump: String) -> Bool {
        let tokens = tokens(dump)
        for (index, token) in tokens.enumerated() where token == "allow-two-primaries" {
            let value = index + 1 < tokens.count ? tokens[index + 1] : ";"
            if value != "no" { return true }
        }
        return false
    }

    /// Words and the separators `{`, `}` and `;`, without `#` comments.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var word = ""
            for character in code {
                if character == " " || character == "\t" || character == "{" || character == "}" || character == ";" {
                    if !word.isEmpty { tokens.append(word); word = "" }
                    if character != " " && character != "\t" { tokens.append(String(character)) }
                } else {
                    word.append(character)
                }
            }
            if !word.isEmpty { tokens.append(word) }
        }
        return tokens
    }
}
