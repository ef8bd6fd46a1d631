import HaloJSON
import HaloNet

/// An address on an interface, as rtnetlink reports it.
public struct AddressFacts: Sendable, Hashable {
    /// The address as text (`198.18.1.11`, `fd00::1`).
    public var address: String
    public var prefixLength: Int
    public var interface: String
    /// IPv6 duplicate address detection is still running: the address cannot be used yet.
    public var isTentative: Bool
    /// IPv6 duplicate address detection found another node with this address.
    public var hasFailedDAD: Bool

    public init(address: String, prefixLength: Int, interface: String, isTentative: Bool, hasFailedDAD: Bool) {
        self.address = address
        self.prefixLength = prefixLength
        self.interface = interface
        self.isTentative = isTentative
        self.hasFailedDAD = hasFailedDAD
    }

    /// The facts of `address`, its interface named from `links` (by index when it is not among them).
    public init(_ address: InterfaceAddress, links: [Link]) {
        self.init(address: address.address.description, prefixLength: address.prefixLength,
                  interface: links.first { $0.index == address.interfaceIndex }?.name ?? "interface \(address.interfaceIndex)",
                  isTentative: address.isTentative, hasFailedDAD: address.hasFailedDAD)
    }
}

extension AddressFacts {
    var json: JSONValue {
        .object([("address", .string(address)), ("prefix_length", .int(prefixLength)), ("interface", .string(interface)),
                 ("tentative", .bool(isTentative)), ("dad_failed", .bool(hasFailedDAD))])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        self.init(address: try object.string("address"), prefixLength: try object.int("prefix_length"),
                  interface: try object.string("interface"), isTentative: try object.bool("tentative"),
                  hasFailedDAD: try object.bool("dad_failed"))
    }
}
