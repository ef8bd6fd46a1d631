import HaloNet
import HaloOCF

/// One portal address: where it lives (an interface, a VLAN on a parent, or the parent itself)
/// and the address with its prefix.
///
/// Written `ADDRESS/PREFIX@INTERFACE`, where INTERFACE is `PARENT` (untagged), `PARENT.VID`
/// (VLAN VID on PARENT, interface named PARENT.VID) or `PARENT.VID=NAME` (the same VLAN with a
/// name of its own, for parents whose names leave no room for `.VID` in 15 characters):
/// ```
/// 10.1.24.10/24@int1.24   fd00:24::10/64@int1.24   192.0.2.10/24@eth0   10.1.29.10/24@enp129s0f1np1.29=lun1v29
/// ```
public struct PortalEntry: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int
    /// The interface that carries the address.
    public let interface: String
    /// The parent of a VLAN interface; `nil` when the address sits on `interface` itself.
    public let parent: String?
    /// The 802.1Q id, for a VLAN.
    public let vlanID: Int?

    public var description: String { "\(address)/\(prefixLength)@\(interface)" }

    /// Parses one entry, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<PortalEntry, ValueProblem> {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(ValueProblem("has an entry \(ParameterProblem.quoted(text)) that is not ADDRESS/PREFIX@INTERFACE"))
        }
        let addressPart = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard addressPart.count == 2, let address = IPAddress(String(addressPart[0])) else {
            return .failure(ValueProblem("has \(ParameterProblem.quoted(String(parts[0]))), which is not an IP address with a /prefix"))
        }
        guard let prefix = Int(addressPart[1]), (1...address.maximumPrefixLength).contains(prefix),
              addressPart[1].allSatisfy(\.isNumber) else {
            return .failure(ValueProblem("has the prefix /\(addressPart[1]) for \(address), not 1…\(address.maximumPrefixLength)"))
        }
        if let problem = unusable(address, prefix: prefix) { return .failure(ValueProblem("has \(address): \(problem)")) }
        return parseInterface(String(parts[1])).map { interface in
            PortalEntry(address: address, prefixLength: prefix, interface: interface.name, parent: interface.parent,
                        vlanID: interface.vlanID)
        }
    }

    /// Why an address cannot be a portal address, or `nil`.
    static func unusable(_ address: IPAddress, prefix: Int) -> String? {
        switch address {
        case .v4(let v4):
            if v4.bytes[0] == 0 || v4.bytes[0] == 127 || v4.bytes[0] >= 224 {
                return "not a unicast address for a network (0/8, 127/8, multicast and class E are refused)"
            }
            if prefix < 31 && v4 == v4.broadcast(prefixLength: prefix) {
                return "it is the broadcast address of its /\(prefix)"
            }
            if prefix < 31 && v4 == v4.network(prefixLength: prefix) {
                return "it is the network address of its /\(prefix)"
            }
        case .v6(let v6):
            if v6.isMulticast || v6 == .unspecified || v6.isLinkLocal || v6.bytes == IPv6Address("::1")!.bytes {
                return "not a global unicast address (link-local, multicast, :: and ::1 are refused)"
            }
        }
        return nil
    }

    /// `PARENT`, `PARENT.VID` or `PARENT.VID=NAME`.
    static func parseInterface(_ text: String) -> Result<(name: String, parent: String?, vlanID: Int?), ValueProblem> {
        let named = text.split(separator: "=", omittingEmptySubsequences: false)
        guard named.count <= 2 else { return .failure(ValueProblem("has the interface \(ParameterProblem.quoted(text)) with two '='")) }
        let base = String(named[0])
        if let dot = base.lastIndex(of: "."), base[base.index(after: dot)...].allSatisfy(\.isNumber),
           base.index(after: dot) < base.endIndex {
            let parent = String(base[..<dot])
            guard let id = Int(base[base.index(after: dot)...]), (1...4094).contains(id) else {
                return .failure(ValueProblem("has the VLAN id \(base[base.index(after: dot)...]) in \(text), not 1…4094"))
            }
            let name = named.count == 2 ? String(named[1]) : base
            for candidate in [parent, name] where !isValidInterfaceName(candidate) {
                return .failure(ValueProblem("has the interface name \(ParameterProblem.quoted(candidate)), which Linux refuses "
                    + "(1–15 characters, no '/', ':' or spaces)" + (candidate == name && named.count == 1 ? "; name the VLAN with PARENT.VID=NAME" : "")))
            }
            return .success((name, parent, id))
        }
        guard named.count == 1 else {
            return .failure(ValueProblem("names \(ParameterProblem.quoted(text)), but only a VLAN (PARENT.VID=NAME) can be named"))
        }
        guard isValidInterfaceName(base) else {
            return .failure(ValueProblem("has the interface name \(ParameterProblem.quoted(base)), which Linux refuses (1–15 characters, no '/', ':' or spaces)"))
        }
        return .success((base, nil, nil))
    }

    /// Linux's rule for interface names (`dev_valid_name`): 1–15 bytes, not `.` or `..`, no
    /// `/`, `:` or white space.
    static func isValidInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x20 }
    }
}

/// The list of a portal's entries: separated by spaces or commas, each address once, and each
/// interface name meaning one thing.
public struct PortalEntries: Sendable, Hashable, CustomStringConvertible {
    public let entries: [PortalEntry]

    public var description: String { entries.map(\.description).joined(separator: " ") }

    static func parse(_ text: String) -> Result<PortalEntries, ValueProblem> {
        let items = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        guard !items.isEmpty else { return .failure(ValueProblem("lists no portal address")) }
        var entries: [PortalEntry] = []
        for item in items {
            switch PortalEntry.parse(item) {
            case .success(let entry): entries.append(entry)
            case .failure(let problem): return .failure(problem)
            }
        }
        // Pairwise over a handful of entries: no Set or Dictionary, whose runtime instantiation
        // would cost every agent run more than the whole check (callgrind).
        for (index, entry) in entries.enumerated() {
            for other in entries[..<index] {
                if other.address == entry.address { return .failure(ValueProblem("lists \(entry.address) twice")) }
                if other.interface == entry.interface && (other.parent != entry.parent || other.vlanID != entry.vlanID) {
                    return .failure(ValueProblem(
                        "uses the interface \(entry.interface) as two different things (\(other.description), \(entry.description))"))
                }
            }
        }
        return .success(PortalEntries(entries: entries))
    }

    /// The parameter type for `addresses`.
    static var parameterType: ParameterType<PortalEntries> {
        ParameterType(constraint: .format("ADDRESS/PREFIX@INTERFACE entries separated by spaces, where INTERFACE is PARENT, PARENT.VID or PARENT.VID=NAME, e.g. \"10.1.24.10/24@int1.24 10.1.25.10/24@int2.25\"."),
                      parse: parse, render: \.description)
    }
}

/// A list of neighbour addresses (routers) to send directed announcements to.
public struct NeighbourList: Sendable, Hashable, CustomStringConvertible {
    public let addresses: [IPAddress]

    public var description: String { addresses.map(\.description).joined(separator: " ") }

    static var parameterType: ParameterType<NeighbourList> {
        ParameterType(constraint: .format("IP addresses separated by spaces."), parse: { text in
            var addresses: [IPAddress] = []
            for item in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                guard let address = IPAddress(String(item)) else {
                    return .failure(ValueProblem("has \(ParameterProblem.quoted(String(item))), which is not an IP address"))
                }
                addresses.append(address)
            }
            return .success(NeighbourList(addresses: addresses))
        }, render: \.description)
    }
}
