import HaloDRBD
import HaloJSON

extension DRBDResourceConfiguration {
    /// Halo's fence-peer handler (docs/drbd.md): `/usr/lib/halo/halo-agent drbd-fence-peer`.
    public static let halosFencePeerCommand = "drbd-fence-peer"
    /// Halo's unfence handler, as `after-resync-target` (DRBD 8.4) or `unfence-peer` (DRBD 9).
    public static let halosUnfenceCommand = "drbd-unfence-peer"

    /// Whether the handler `name` runs halo's multi-call binary with `command`
    /// (`/usr/lib/halo/halo-agent drbd-fence-peer [--timeout …]`; any install prefix).
    public func runsHalo(_ name: String, command: String) -> Bool {
        guard let words = handlerWords(name), words.count >= 2 else { return false }
        return (words[0] == "halo-agent" || words[0].hasSuffix("/halo-agent")) && words[1] == command
    }

    var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("fencing", .optional(fencing)),
            ("handlers", .object(handlers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        var handlers: [String: String] = [:]
        for (name, value) in try object.object("handlers").members {
            guard let command = value.stringValue else { throw FactsDecodingError(path: "\(path).handlers.\(name)", problem: "not a string") }
            handlers[name] = command
        }
        self.init(name: try object.string("name"), fencing: try object.optionalString("fencing"), handlers: handlers)
    }
}
