/// The settings of one DRBD resource halo checks (from `drbdadm dump all`): its fencing policy
/// and its handlers.
public struct DRBDResourceConfiguration: Sendable, Hashable {
    public var name: String
    /// `fencing`: DRBD 8.4 keeps it in `disk { }`, DRBD 9 in `net { }` (of the resource or of
    /// each connection); the first found of those, then `common`'s. `nil` when not set: DRBD's
    /// default, `dont-care`.
    public var fencing: String?
    /// The `handlers { }` section, by handler (`fence-peer`, `after-resync-target`,
    /// `unfence-peer`): the command line as written, the resource's over `common`'s.
    public var handlers: [String: String]

    /// The words of handler `name`'s command line, split on blanks as sh splits a line without
    /// quotes or expansions; nil when the handler is not configured.
    public func handlerWords(_ name: String) -> [String]? {
        handlers[name].map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
    }

    public init(name: String, fencing: String?, handlers: [String: String]) {
        self.name = name
        self.fencing = fencing
        self.handlers = handlers
    }

    init(name: String, body: [ConfigurationStatement], common: [ConfigurationStatement]) {
        self.name = name
        let connections = body.filter { $0.words.first == "connection" }.compactMap(\.body)
        let places = [body, body, connections.flatMap { $0 }, common, common]
        let sections = ["disk", "net", "net", "disk", "net"]
        fencing = zip(places, sections).lazy.compactMap { ConfigurationStatement.option("fencing", in: $1, of: $0) }.first
        var handlers: [String: String] = [:]
        for place in [common, body] {
            for statement in place where statement.words == ["handlers"] {
                for handler in statement.body ?? [] where handler.body == nil && handler.words.count >= 2 {
                    handlers[handler.words[0]] = handler.words.dropFirst().joined(separator: " ")
                }
            }
        }
        self.handlers = handlers
    }
}
