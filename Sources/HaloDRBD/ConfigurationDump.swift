/// What halo reads from `drbdadm dump <resource>` or `drbdadm dump all`: the configuration as
/// drbdadm parsed it (includes resolved, comments gone, one statement per line, values with
/// characters outside `[A-Za-z0-9%+-./:=@_]` in double quotes).
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

    /// Every resource of the dump with the settings halo checks; a setting the resource leaves
    /// out is taken from the dump's `common` section, as drbdadm applies it.
    ///
    /// - Throws: `ConfigurationDumpProblem` when the text is not drbdadm's syntax (unbalanced
    ///   braces, a statement without its `;`).
    public static func resources(_ dump: String) throws(ConfigurationDumpProblem) -> [DRBDResourceConfiguration] {
        resources(of: try ConfigurationStatement.parse(tokens(dump)))
    }

    /// The resources of a configuration's top-level statements, each with `common`'s settings
    /// where it has none of its own (a dump's, or the files' with their includes resolved).
    static func resources(of statements: [ConfigurationStatement]) -> [DRBDResourceConfiguration] {
        let common = statements.first { $0.words == ["common"] }
        return statements.compactMap { statement in
            guard statement.words.count == 2, statement.words[0] == "resource", let body = statement.body else { return nil }
            return DRBDResourceConfiguration(name: statement.words[1], body: body, common: common?.body ?? [])
        }
    }

    /// Words and the separators `{`, `}` and `;`, without `#` comments; a double-quoted value is
    /// one word without its quotes (`\"` and `\\` unescaped, as drbdadm's parser reads them).
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        var quoted = false
        var escaped = false
        var comment = false
        for character in text {
            if comment {
                if character == "\n" { comment = false }
                continue
            }
            if quoted {
                if escaped {
                    word.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    quoted = false
                    tokens.append(word)
                    word = ""
                } else {
                    word.append(character)
                }
                continue
            }
            switch character {
            case " ", "\t", "\n", "\r", "{", "}", ";", "#", "\"":
                if !word.isEmpty { tokens.append(word); word = "" }
                if character == "{" || character == "}" || character == ";" { tokens.append(String(character)) }
                if character == "#" { comment = true }
                if character == "\"" { quoted = true }
            default:
                word.append(character)
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }
}

/// Why a configuration dump could not be read.
public struct ConfigurationDumpProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let problem: String
    public var description: String { "drbdadm dump: \(problem)" }

    public init(problem: String) {
        self.problem = problem
    }
}

/// One statement of drbdadm's configuration syntax: its words, and its block when it opens
/// one (`resource r0 { … }`, `disk { … }`) rather than ending with `;`.
struct ConfigurationStatement: Sendable, Hashable {
    var words: [String]
    var body: [ConfigurationStatement]?

    static func parse(_ tokens: [String]) throws(ConfigurationDumpProblem) -> [ConfigurationStatement] {
        var index = 0
        return try block(tokens, &index, opening: nil)
    }

    /// The statements up to the `}` that closes `opening` (or to the end, at the top level).
    private static func block(_ tokens: [String], _ index: inout Int, opening: [String]?) throws(ConfigurationDumpProblem)
        -> [ConfigurationStatement] {
        var statements: [ConfigurationStatement] = []
        var words: [String] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case ";":
                if !words.isEmpty { statements.append(ConfigurationStatement(words: words)) }
                words = []
            case "{":
                statements.append(ConfigurationStatement(words: words, body: try block(tokens, &index, opening: words)))
                words = []
            case "}":
                guard opening != nil else { throw ConfigurationDumpProblem(problem: "a `}` without its `{`") }
                if !words.isEmpty { throw ConfigurationDumpProblem(problem: "`\(words.joined(separator: " "))` has no `;`") }
                return statements
            default:
                words.append(token)
            }
        }
        if let opening { throw ConfigurationDumpProblem(problem: "`\(opening.joined(separator: " ")) {` is not closed") }
        if !words.isEmpty { throw ConfigurationDumpProblem(problem: "`\(words.joined(separator: " "))` has no `;`") }
        return statements
    }

    /// The value of option `name` in the section `section` of `body` (`disk`, `net`, `handlers`).
    static func option(_ name: String, in section: String, of body: [ConfigurationStatement]) -> String? {
        for statement in body where statement.words == [section] {
            for option in statement.body ?? [] where option.words.first == name && option.body == nil {
                return option.words.dropFirst().joined(separator: " ")
            }
        }
        return nil
    }
}
