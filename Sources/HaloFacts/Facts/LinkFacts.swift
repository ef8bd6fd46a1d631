import HaloJSON
import HaloNet

/// A network interface as rtnetlink reports it.
public struct LinkFacts: Sendable, Hashable {
    /// What kind of interface it is (rtnetlink's `IFLA_INFO_KIND`).
    public enum Kind: Sendable, Hashable {
        /// No kind: a physical NIC (or the loopback device).
        case device
        /// An 802.1Q VLAN: its parent interface (by name; `nil` when it is not in this
        /// namespace) and its id.
        case vlan(parent: String?, id: Int)
        case bond
        case bridge
        /// Any other kind, by its name (`veth`, `macvlan`, `dummy`…).
        case other(String)

        /// rtnetlink's name for the kind; `device` has none.
        public var name: String? {
            switch self {
            case .device: nil
            case .vlan: "vlan"
            case .bond: "bond"
            case .bridge: "bridge"
            case .other(let name): name
            }
        }
    }

    public var index: Int
    public var name: String
    /// `IFF_UP`: administratively up.
    public var isUp: Bool
    /// `IFF_LOWER_UP`: the driver reports carrier.
    public var hasCarrier: Bool
    /// RFC 2863 operational state (`up`, `down`, `lowerlayerdown`, `unknown`…).
    public var operationalState: String
    public var mtu: Int
    public var kind: Kind
    /// The bridge or bond this interface is a port of.
    public var master: String?

    public init(index: Int, name: String, isUp: Bool, hasCarrier: Bool, operationalState: String, mtu: Int, kind: Kind, master: String?) {
        self.index = index
        self.name = name
        self.isUp = isUp
        self.hasCarrier = hasCarrier
        self.operationalState = operationalState
        self.mtu = mtu
        self.kind = kind
        self.master = master
    }

    /// The facts of `link`, with its parent and master named from `all`.
    public init(_ link: Link, among all: [Link]) {
        func name(_ index: Int32?) -> String? { index.flatMap { index in all.first { $0.index == index }?.name } }
        let kind: Kind = switch link.kind {
        case nil: .device
        case "vlan": .vlan(parent: name(link.parentIndex), id: link.vlanID ?? 0)
        case "bond": .bond
        case "bridge": .bridge
        case let other?: .other(other)
        }
        self.init(index: Int(link.index), name: link.name, isUp: link.isUp, hasCarrier: link.hasCarrier,
                  operationalState: Self.stateName(link.operationalState), mtu: link.mtu, kind: kind, master: name(link.masterIndex))
    }

    /// iproute2's names for RFC 2863's states.
    static func stateName(_ state: Link.OperationalState) -> String {
        switch state {
        case .unknown: "unknown"
        case .notPresent: "notpresent"
        case .down: "down"
        case .lowerLayerDown: "lowerlayerdown"
        case .testing: "testing"
        case .dormant: "dormant"
        case .up: "up"
        }
    }
}

extension LinkFacts {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("index", .int(index)), ("name", .string(name)), ("up", .bool(isUp)), ("carrier", .bool(hasCarrier)),
            ("operational_state", .string(operationalState)), ("mtu", .int(mtu)),
            ("kind", .optional(kind.name)), ("master", .optional(master)),
        ]
        if case .vlan(let parent, let id) = kind { members.append(("vlan", .object([("parent", .optional(parent)), ("id", .int(id))]))) }
        return .object(members)
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        let kind: Kind
        switch try object.optionalString("kind") {
        case nil: kind = .device
        case "vlan":
            let vlan = try object.object("vlan")
            kind = .vlan(parent: try vlan.optionalString("parent"), id: try vlan.int("id"))
        case "bond": kind = .bond
        case "bridge": kind = .bridge
        case let other?: kind = .other(other)
        }
        self.init(index: try object.int("index"), name: try object.string("name"), isUp: try object.bool("up"),
                  hasCarrier: try object.bool("carrier"), operationalState: try object.string("operational_state"),
                  mtu: try object.int("mtu"), kind: kind, master: try object.optionalString("master"))
    }
}
