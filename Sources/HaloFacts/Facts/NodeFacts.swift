import HaloDRBD
import HaloJSON

/// Everything one node knows about itself, now: what haloctl collects on every node (`haloctl
/// facts --output json` or halo-facts, locally or over ssh) and compares across the cluster.
///
/// ```swift
/// let facts = FactsCollector().collect(deadline: .after(.seconds(5)))
/// if case .read(let resources) = facts.drbd { … }
/// let text = facts.json.rendered(style: .compact)                 // to the collecting node
/// let same = try NodeFacts(json: try JSONValue.parse(text))      // there
/// ```
/// Each part is read on its own: one that could not be read is `.failed(why)` and the others
/// are still there. The JSON form is versioned (`"schema": "halo.facts/1"`); a reader refuses
/// another schema rather than guess.
public struct NodeFacts: Sendable, Hashable {
    /// The JSON schema this version writes and reads.
    public static let schema = "halo.facts/1"

    /// The node's name (`uname -n`, as Pacemaker names nodes by default).
    public var node: String
    /// When the facts were collected: wall-clock milliseconds since 1970-01-01 UTC (whole
    /// milliseconds: JSON numbers here are integers).
    public var collectedAtMilliseconds: Int
    /// Every DRBD resource that is up (`drbdsetup events2 --now --statistics all`); empty when
    /// the DRBD module is not loaded (then nothing is up, and drbdsetup is not run: it would
    /// load the module).
    public var drbd: Reading<[DRBDResourceFacts]>
    /// Every DRBD resource configured (`drbdadm dump all`), up or not: fencing and handlers.
    public var drbdConfiguration: Reading<[DRBDResourceConfiguration]>
    /// DRBD's usermode helper; nil when the drbd module is not loaded. Facts from a haloctl
    /// before 2026-12-07 lack it: read as failed, "not reported".
    public var drbdHelper: Reading<DRBDHelperFacts?>
    /// The target software loaded and its targets, LUNs, portals and sessions.
    public var targets: Reading<TargetFacts>
    public var links: Reading<[LinkFacts]>
    public var addresses: Reading<[AddressFacts]>
    /// md arrays (`/sys/block/md*/md`); empty when there are none (or md is not loaded).
    public var mdArrays: Reading<[MDArrayFacts]>
    public var clock: Reading<ClockFacts>
    /// The stack's kernel modules (`ModuleState.stackModules`) by name.
    public var modules: Reading<[String: ModuleState]>
    public var corosync: Reading<CorosyncFacts>

    public init(
        node: String, collectedAtMilliseconds: Int, drbd: Reading<[DRBDResourceFacts]>,
        drbdConfiguration: Reading<[DRBDResourceConfiguration]>, targets: Reading<TargetFacts>,
        links: Reading<[LinkFacts]>, addresses: Reading<[AddressFacts]>, mdArrays: Reading<[MDArrayFacts]>,
        clock: Reading<ClockFacts>, modules: Reading<[String: ModuleState]>, corosync: Reading<CorosyncFacts>,
        drbdHelper: Reading<DRBDHelperFacts?> = .read(nil)
    ) {
        self.node = node
        self.drbdHelper = drbdHelper
        self.collectedAtMilliseconds = collectedAtMilliseconds
        self.drbd = drbd
        self.drbdConfiguration = drbdConfiguration
        self.targets = targets
        self.links = links
        self.addresses = addresses
        self.mdArrays = mdArrays
        self.clock = clock
        self.modules = modules
        self.corosync = corosync
    }
}

extension NodeFacts {
    /// The facts as JSON, `{"schema": "halo.facts/1", "node": …, "drbd": {"status": "read",
    /// "value": […]}, …}`; docs/haloctl-facts.md describes every member.
    public var json: JSONValue {
        .object([
            ("schema", .string(Self.schema)),
            ("node", .string(node)),
            ("collected_at_ms", .int(collectedAtMilliseconds)),
            ("drbd", drbd.json { .array($0.map(\.json)) }),
            ("drbd_configuration", drbdConfiguration.json { .array($0.map(\.json)) }),
            ("drbd_helper", drbdHelper.json { $0?.json ?? .null }),
            ("targets", targets.json(\.json)),
            ("links", links.json { .array($0.map(\.json)) }),
            ("addresses", addresses.json { .array($0.map(\.json)) }),
            ("md_arrays", mdArrays.json { .array($0.map(\.json)) }),
            ("clock", clock.json(\.json)),
            ("modules", modules.json { .object($0.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) }) }),
            ("corosync", corosync.json(\.json)),
        ])
    }

    /// Reads facts another node wrote (`json`).
    ///
    /// - Throws: `FactsDecodingError` naming the member that is missing, of the wrong type or
    ///   of an unknown value, or the schema when it is not `halo.facts/1`.
    public init(json: JSONValue) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: "$")
        let schema = try object.string("schema")
        guard schema == Self.schema else {
            throw FactsDecodingError(path: "$.schema", problem: "\(schema) is not \(Self.schema) (a haloctl of another version wrote it)")
        }
        func list<T>(_ key: String, _ decode: (JSONValue, String) throws(FactsDecodingError) -> T) throws(FactsDecodingError) -> Reading<[T]> {
            try Reading(json: try object.value(key), path: "$.\(key)") { (value, path) throws(FactsDecodingError) in
                try JSONObject.elements(of: value, path: path, decode)
            }
        }
        node = try object.string("node")
        collectedAtMilliseconds = try object.int("collected_at_ms")
        drbd = try list("drbd", DRBDResourceFacts.init(json:path:))
        drbdConfiguration = try list("drbd_configuration", DRBDResourceConfiguration.init(json:path:))
        if let helper = object.optionalValue("drbd_helper") {
            // `"value": null`: the drbd module is not loaded.
            let reading = try JSONObject(helper, path: "$.drbd_helper")
            drbdHelper = try reading.string("status") == "read" && reading.optionalValue("value") == nil
                ? .read(nil)
                : try Reading(json: helper, path: "$.drbd_helper", DRBDHelperFacts.init(json:path:)).map { Optional($0) }
        } else {
            drbdHelper = .failed("not reported (that node's haloctl predates it)")
        }
        targets = try Reading(json: try object.value("targets"), path: "$.targets", TargetFacts.init(json:path:))
        links = try list("links", LinkFacts.init(json:path:))
        addresses = try list("addresses", AddressFacts.init(json:path:))
        mdArrays = try list("md_arrays", MDArrayFacts.init(json:path:))
        clock = try Reading(json: try object.value("clock"), path: "$.clock", ClockFacts.init(json:path:))
        modules = try Reading(json: try object.value("modules"), path: "$.modules") { (value, path) throws(FactsDecodingError) in
            var modules: [String: ModuleState] = [:]
            for (name, state) in try JSONObject(value, path: path).members {
                guard let text = state.stringValue, let parsed = ModuleState(rawValue: text) else {
                    throw FactsDecodingError(path: "\(path).\(name)", problem: "not a module state")
                }
                modules[name] = parsed
            }
            return modules
        }
        corosync = try Reading(json: try object.value("corosync"), path: "$.corosync", CorosyncFacts.init(json:path:))
    }
}
