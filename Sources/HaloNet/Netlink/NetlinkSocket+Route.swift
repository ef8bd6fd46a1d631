import CHaloNet
import Glibc
import HaloSystem

// rtnetlink requests halo makes: links, VLANs, addresses, neighbours. Each is one
// request/response exchange; none runs a program.

extension NetlinkSocket {
    /// `IFF_LOWER_UP` (linux/if.h; glibc's net/if.h stops at `IFF_DYNAMIC`).
    static let lowerUpFlag: UInt32 = 1 << 16

    /// Every interface. The corresponding request is `RTM_GETLINK` with `NLM_F_DUMP`.
    public mutating func links(deadline: Deadline) throws(NetlinkError) -> [Link] {
        let replies = try dump({
            var request = NetlinkRequest(type: UInt16(RTM_GETLINK), flags: NLM_F_DUMP)
            request.append(struct: ifinfomsg())
            return request
        }, operation: "list interfaces", deadline: deadline)
        return replies.compactMap(Self.link)
    }

    static func link(_ reply: NetlinkReply) -> Link? {
        guard reply.type == UInt16(RTM_NEWLINK), let header = reply.header(ifinfomsg.self) else { return nil }
        let attributes = reply.attributes(after: ifinfomsg.self)
        let info = attributes.nested(Int32(IFLA_LINKINFO))
        let kind = info?.string(Int32(IFLA_INFO_KIND))
        let vlanID = kind == "vlan" ? info?.nested(Int32(IFLA_INFO_DATA))?.uint16(Int32(IFLA_VLAN_ID)) : nil
        let mac = attributes[Int32(IFLA_ADDRESS)].flatMap { $0.count == 6 ? MACAddress(Array($0)) : nil }
        let parent = attributes.uint32(Int32(IFLA_LINK)).map { Int32(bitPattern: $0) }
        let alias = attributes.string(Int32(IFLA_IFALIAS))
        return Link(
            index: header.ifi_index, name: attributes.string(Int32(IFLA_IFNAME)) ?? "",
            isUp: header.ifi_flags & UInt32(IFF_UP) != 0,
            hasCarrier: header.ifi_flags & Self.lowerUpFlag != 0,
            operationalState: Link.OperationalState(rawValue: attributes.uint8(Int32(IFLA_OPERSTATE)) ?? 0) ?? .unknown,
            mtu: Int(attributes.uint32(Int32(IFLA_MTU)) ?? 0),
            parentIndex: parent == header.ifi_index ? nil : parent, kind: kind, vlanID: vlanID.map(Int.init),
            alias: alias?.isEmpty == true ? nil : alias, macAddress: mac,
            masterIndex: attributes.uint32(Int32(IFLA_MASTER)).flatMap { $0 == 0 ? nil : Int32(bitPattern: $0) })
    }

    /// Creates the VLAN interface `name` with `id` on `parent`. It stays down until `setLink`.
    /// The corresponding request is `RTM_NEWLINK` with `NLM_F_CREATE | NLM_F_EXCL`.
    public mutating func createVLAN(name: String, id: Int, parent: Int32, mtu: Int?, deadline: Deadline) throws(NetlinkError) {
        var request = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        request.append(struct: ifinfomsg())
        request.attribute(Int32(IFLA_IFNAME), string: name)
        request.attribute(Int32(IFLA_LINK), uint32: UInt32(bitPattern: parent))
        if let mtu { request.attribute(Int32(IFLA_MTU), uint32: UInt32(mtu)) }
        request.beginNest(Int32(IFLA_LINKINFO))
        request.attribute(Int32(IFLA_INFO_KIND), string: "vlan")
        request.beginNest(Int32(IFLA_INFO_DATA))
        request.attribute(Int32(IFLA_VLAN_ID), uint16: UInt16(id))
        request.endNest()
        request.endNest()
        _ = try exchange(request, operation: "create VLAN \(name) (id \(id))", deadline: deadline)
    }

    /// Changes an existing interface: administrative state, MTU, alias (each only if given).
    /// The corresponding request is `RTM_NEWLINK` on the interface's index.
    public mutating func setLink(
        index: Int32, name: String, up: Bool? = nil, mtu: Int? = nil, alias: String? = nil, deadline: Deadline
    ) throws(NetlinkError) {
        var request = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: NLM_F_ACK)
        var header = ifinfomsg()
        header.ifi_index = index
        if let up {
            header.ifi_change = UInt32(IFF_UP)
            header.ifi_flags = up ? UInt32(IFF_UP) : 0
        }
        request.append(struct: header)
        if let mtu { request.attribute(Int32(IFLA_MTU), uint32: UInt32(mtu)) }
        if let alias { request.attribute(Int32(IFLA_IFALIAS), string: alias) }
        _ = try exchange(request, operation: "configure \(name)", deadline: deadline)
    }

    /// Deletes an interface. The corresponding request is `RTM_DELLINK`.
    public mutating func deleteLink(index: Int32, name: String, deadline: Deadline) throws(NetlinkError) {
        var request = NetlinkRequest(type: UInt16(RTM_DELLINK), flags: NLM_F_ACK)
        var header = ifinfomsg()
        header.ifi_index = index
        request.append(struct: header)
        _ = try exchange(request, operation: "delete \(name)", deadline: deadline)
    }

    /// Every address of every interface. The corresponding request is `RTM_GETADDR` with `NLM_F_DUMP`.
    public mutating func addresses(deadline: Deadline) throws(NetlinkError) -> [InterfaceAddress] {
        let replies = try dump({
            var request = NetlinkRequest(type: UInt16(RTM_GETADDR), flags: NLM_F_DUMP)
            request.append(struct: ifaddrmsg())
            return request
        }, operation: "list addresses", deadline: deadline)
        return replies.compactMap(Self.address)
    }

    static func address(_ reply: NetlinkReply) -> InterfaceAddress? {
        guard reply.type == UInt16(RTM_NEWADDR), let header = reply.header(ifaddrmsg.self) else { return nil }
        let attributes = reply.attributes(after: ifaddrmsg.self)
        let address: IPAddress
        switch Int32(header.ifa_family) {
        case AF_INET:
            guard let bytes = attributes[Int32(IFA_LOCAL)] ?? attributes[Int32(IFA_ADDRESS)], bytes.count == 4 else { return nil }
            address = .v4(IPv4Address(Array(bytes)))
        case AF_INET6:
            guard let bytes = attributes[Int32(IFA_ADDRESS)] ?? attributes[Int32(IFA_LOCAL)], bytes.count == 16 else { return nil }
            address = .v6(IPv6Address(Array(bytes)))
        default:
            return nil
        }
        let flags = attributes.uint32(Int32(IFA_FLAGS)) ?? UInt32(header.ifa_flags)
        return InterfaceAddress(
            interfaceIndex: Int32(bitPattern: header.ifa_index), address: address, prefixLength: Int(header.ifa_prefixlen),
            proto: attributes.uint8(Int32(IFA_PROTO)), label: attributes.string(Int32(IFA_LABEL)),
            isTentative: flags & UInt32(IFA_F_TENTATIVE) != 0, hasFailedDAD: flags & UInt32(IFA_F_DADFAILED) != 0,
            scope: header.ifa_scope)
    }

    /// Adds `address/prefixLength` to an interface, marked with `proto`; fails with `EEXIST` when
    /// the interface already has it. IPv4 gets the subnet's broadcast address (as `ip addr add
    /// … brd +`). The corresponding request is `RTM_NEWADDR` with `NLM_F_CREATE | NLM_F_EXCL`.
    public mutating func addAddress(
        _ address: IPAddress, prefixLength: Int, interface: Int32, interfaceName: String, proto: UInt8,
        skipDAD: Bool = false, deadline: Deadline
    ) throws(NetlinkError) {
        var request = NetlinkRequest(type: UInt16(RTM_NEWADDR), flags: NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        request.append(struct: Self.addressHeader(address, prefixLength: prefixLength, interface: interface))
        request.attribute(Int32(IFA_LOCAL), address.bytes)
        request.attribute(Int32(IFA_ADDRESS), address.bytes)
        if case .v4(let v4) = address, prefixLength < 31 {
            request.attribute(Int32(IFA_BROADCAST), v4.broadcast(prefixLength: prefixLength).bytes)
        }
        if case .v6 = address, skipDAD { request.attribute(Int32(IFA_FLAGS), uint32: UInt32(IFA_F_NODAD)) }
        request.attribute(Int32(IFA_PROTO), uint8: proto)
        _ = try exchange(request, operation: "add \(address)/\(prefixLength) to \(interfaceName)", deadline: deadline)
    }

    /// Removes `address/prefixLength` from an interface. The corresponding request is `RTM_DELADDR`.
    public mutating func deleteAddress(
        _ address: IPAddress, prefixLength: Int, interface: Int32, interfaceName: String, deadline: Deadline
    ) throws(NetlinkError) {
        var request = NetlinkRequest(type: UInt16(RTM_DELADDR), flags: NLM_F_ACK)
        request.append(struct: Self.addressHeader(address, prefixLength: prefixLength, interface: interface))
        request.attribute(Int32(IFA_LOCAL), address.bytes)
        _ = try exchange(request, operation: "remove \(address)/\(prefixLength) from \(interfaceName)", deadline: deadline)
    }

    static func addressHeader(_ address: IPAddress, prefixLength: Int, interface: Int32) -> ifaddrmsg {
        var header = ifaddrmsg()
        header.ifa_family = UInt8(address.isIPv4 ? AF_INET : AF_INET6)
        header.ifa_prefixlen = UInt8(prefixLength)
        header.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.ifa_index = UInt32(bitPattern: interface)
        return header
    }

    /// The neighbour table. The corresponding request is `RTM_GETNEIGH` with `NLM_F_DUMP`.
    public mutating func neighbours(deadline: Deadline) throws(NetlinkError) -> [Neighbour] {
        let replies = try dump({
            var request = NetlinkRequest(type: UInt16(RTM_GETNEIGH), flags: NLM_F_DUMP)
            request.append(struct: ndmsg())
            return request
        }, operation: "list neighbours", deadline: deadline)
        return replies.compactMap { reply -> Neighbour? in
            guard reply.type == UInt16(RTM_NEWNEIGH), let header = reply.header(ndmsg.self) else { return nil }
            let attributes = reply.attributes(after: ndmsg.self)
            guard let bytes = attributes[Int32(NDA_DST)] else { return nil }
            let address: IPAddress
            switch bytes.count {
            case 4: address = .v4(IPv4Address(Array(bytes)))
            case 16: address = .v6(IPv6Address(Array(bytes)))
            default: return nil
            }
            let mac = attributes[Int32(NDA_LLADDR)].flatMap { $0.count == 6 ? MACAddress(Array($0)) : nil }
            return Neighbour(interfaceIndex: header.ndm_ifindex, address: address, macAddress: mac, state: header.ndm_state)
        }
    }
}
