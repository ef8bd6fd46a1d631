import HaloNet
import HaloOCF

/// A portal an iSCSI target is reachable at: an address, and a TCP port where the stack lets a
/// target choose one (LIO binds each portal itself; SCST's iscsi-scstd listens on one port for
/// every target and only filters by address).
///
/// Written `ADDRESS`, `ADDRESS:PORT` for IPv4, `[ADDRESS]:PORT` for IPv6:
/// `198.18.1.21`, `198.18.1.21:3260`, `fd00:24::10`, `[fd00:24::10]:3260`.
public struct PortalAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let address: IPAddress
    /// The port, when one was given.
    public let port: Int?

    /// The iSCSI port (RFC 7143).
    public static let defaultPort = 3260

    public init(address: IPAddress, port: Int?) {
        self.address = address
        self.port = port
    }

    public static func parse(_ text: String) -> Result<PortalAddress, ValueProblem> {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return .failure(ValueProblem("has '[' without ']' in \(text)")) }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return .failure(ValueProblem("has characters after ']' in \(text)")) }
                portText = rest.dropFirst()
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard let address = IPAddress(String(host)) else {
            return .failure(ValueProblem("has \(ParameterProblem.quoted(text)), which is not an IP address (IPv6 with a port: [address]:port)"))
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), portText.allSatisfy(\.isNumber), (1...65535).contains(value) else {
                return .failure(ValueProblem("has the port \(ParameterProblem.quoted(String(portText))) in \(text), not 1…65535"))
            }
            port = value
        }
        return .success(PortalAddress(address: address, port: port))
    }

    /// The address as the stacks write it: dotted quad, or IPv6 without brackets.
    public var addressText: String { address.description }

    public var description: String {
        guard let port else { return addressText }
        return address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.address, lhs.port ?? 0) < (rhs.address, rhs.port ?? 0)
    }
}

extension ParameterType where Value == [PortalAddress]? {
    /// Portals separated by spaces; none twice; with a port only where `acceptsPorts`.
    public static func portalAddresses(acceptsPorts: Bool) -> ParameterType<[PortalAddress]?> {
        .optional(ParameterType<[PortalAddress]>(
            constraint: .format(acceptsPorts ? "addresses separated by spaces: 198.18.1.21, 198.18.1.21:3260, fd00::10, [fd00::10]:3260."
                                    : "addresses separated by spaces: 198.18.1.21, fd00::10."),
            parse: { raw in
                var portals: [PortalAddress] = []
                for word in raw.split(separator: " ") {
                    switch PortalAddress.parse(String(word)) {
                    case .success(let portal):
                        if !acceptsPorts, portal.port != nil {
                            return .failure(ValueProblem("gives the port of \(portal): only addresses here (iscsi-scstd listens on its own port)"))
                        }
                        if portals.contains(portal) { return .failure(ValueProblem("names \(portal) twice")) }
                        portals.append(portal)
                    case .failure(let problem):
                        return .failure(problem)
                    }
                }
                return portals.isEmpty ? .failure(ValueProblem("names no portal")) : .success(portals)
            }, render: { $0.map(\.description).joined(separator: " ") }))
    }
}
