@testable import HaloNet
import HaloOCF
@testable import PortalAgent
import Testing

/// Observations built from the facts rtnetlink reports (the real shapes are exercised by the
/// namespace tests); each row says what the agent must decide.
@Suite("Portal decisions: monitor, start and stop plans")
struct PortalDecisionTests {
    static let mac = MACAddress([0x52, 0x54, 0, 0, 0, 0x11])

    static func link(_ index: Int32, _ name: String, up: Bool = true, carrier: Bool = true, mtu: Int = 1500,
                     vlan: Int? = nil, parent: Int32? = nil, alias: String? = nil) -> Link {
        Link(index: index, name: name, isUp: up, hasCarrier: carrier, operationalState: up && carrier ? .up : .down,
             mtu: mtu, parentIndex: parent, kind: vlan == nil ? nil : "vlan", vlanID: vlan, alias: alias, macAddress: mac,
             masterIndex: nil)
    }

    static func address(_ text: String, _ prefix: Int, on index: Int32, ours: Bool = true) -> InterfaceAddress {
        InterfaceAddress(interfaceIndex: index, address: IPAddress(text)!, prefixLength: prefix,
                         proto: ours ? PortalMarkers.addressProtocol : 0, label: nil, isTentative: false,
                         hasFailedDAD: false, scope: 0)
    }

    static let entries = try! PortalEntries.parse("10.1.24.10/24@int1.24 10.1.25.10/24@int2.25").get().entries
    static let parents = [link(2, "int1", mtu: 9000), link(3, "int2", mtu: 9000)]
    static let vlans = [link(10, "int1.24", mtu: 9000, vlan: 24, parent: 2, alias: "halo-portal"),
                        link(11, "int2.25", mtu: 9000, vlan: 25, parent: 3, alias: "halo-portal")]

    func monitor(_ links: [Link], _ addresses: [InterfaceAddress], level: CheckLevel = .basic, mtu: Int? = nil)
        -> Result<AgentOutcome, AgentFailure> {
        PortalDecision.monitor(Self.entries, PortalObservation(links: links, addresses: addresses), level: level, mtu: mtu)
    }

    @Test func allServed_isRunning() {
        #expect(monitor(Self.parents + Self.vlans, [Self.address("10.1.24.10", 24, on: 10), Self.address("10.1.25.10", 24, on: 11)])
                == .success(.success))
    }

    @Test func nothingOfOurs_isNotRunning_evenWithoutTheInterfacesOrWithAForeignCopy() {
        #expect(monitor(Self.parents, []) == .success(.notRunning))
        #expect(monitor([], []) == .success(.notRunning))
        #expect(monitor(Self.parents + Self.vlans, [Self.address("10.1.24.10", 24, on: 10, ours: false)]) == .success(.notRunning))
    }

    @Test func partlyServed_isAFailureNamingTheMissingEntry() throws {
        let result = monitor(Self.parents + Self.vlans, [Self.address("10.1.24.10", 24, on: 10)])
        guard case .failure(.generic(let reason)) = result else { Issue.record("\(result)"); return }
        #expect(reason.summary == "portal partly down: 10.1.25.10/24@int2.25 missing")
    }

    @Test func ourAddressOnALinkWithoutCarrier_isAFailure() {
        let vlans = [Self.vlans[0], Self.link(11, "int2.25", carrier: false, vlan: 25, parent: 3, alias: "halo-portal")]
        let result = monitor(Self.parents + vlans, [Self.address("10.1.24.10", 24, on: 10), Self.address("10.1.25.10", 24, on: 11)])
        guard case .failure(.generic(let reason)) = result else { Issue.record("\(result)"); return }
        #expect(reason.summary.contains("int2.25 (10.1.25.10) has no link"))
    }

    @Test func level10_checksParentsAndMTU_level0DoesNot() {
        let parents = [Self.link(2, "int1", carrier: false, mtu: 9000), Self.parents[1]]
        let vlans = [Self.vlans[0], Self.link(11, "int2.25", mtu: 1500, vlan: 25, parent: 3, alias: "halo-portal")]
        let addresses = [Self.address("10.1.24.10", 24, on: 10), Self.address("10.1.25.10", 24, on: 11)]
        #expect(monitor(parents + vlans, addresses, level: .basic, mtu: 9000) == .success(.success))
        guard case .failure(.generic(let reason)) = monitor(parents + vlans, addresses, level: .thorough, mtu: 9000) else {
            Issue.record("level 10 passed")
            return
        }
        #expect(reason.summary.contains("parent int1 of int1.24 has no link"))
        #expect(reason.summary.contains("int2.25 MTU is 1500, not 9000"))
    }

    @Test func level20_reportsSomeoneElseAnswering() {
        var observation = PortalObservation(links: Self.parents + Self.vlans,
                                            addresses: [Self.address("10.1.24.10", 24, on: 10), Self.address("10.1.25.10", 24, on: 11)])
        observation.conflicts = [IPAddress("10.1.25.10")!: MACAddress([2, 0, 0, 0, 0, 9])]
        guard case .failure(.generic(let reason)) = PortalDecision.monitor(Self.entries, observation, level: .deep, mtu: nil) else {
            Issue.record("conflict not reported")
            return
        }
        #expect(reason.summary.contains("10.1.25.10 is also answered by 02:00:00:00:00:09"))
    }

    @Test func start_createsMissingVLANs_marksThem_andAddsAddresses() throws {
        let steps = try PortalDecision.start(Self.entries, PortalObservation(links: Self.parents, addresses: []), mtu: 9000).get()
        #expect(steps == [
            .createVLAN(name: "int1.24", id: 24, parent: "int1", mtu: 9000), .raise(interface: "int1.24", markAsOurs: true),
            .createVLAN(name: "int2.25", id: 25, parent: "int2", mtu: 9000), .raise(interface: "int2.25", markAsOurs: true),
            .keepSecondaries(interface: "int1.24"), .keepSecondaries(interface: "int2.25"),
            .add(Self.entries[0]), .add(Self.entries[1]),
        ])
    }

    @Test func start_reusesExistingVLANs_andTouchesNothingServed() throws {
        let steps = try PortalDecision.start(Self.entries, PortalObservation(
            links: Self.parents + Self.vlans, addresses: [Self.address("10.1.24.10", 24, on: 10)]), mtu: 9000).get()
        #expect(steps == [.keepSecondaries(interface: "int2.25"), .add(Self.entries[1])], "only the interface it adds to")
    }

    @Test func start_replacesOurAddressWithAnOldPrefix() throws {
        let stale = Self.address("10.1.24.10", 23, on: 10)
        let steps = try PortalDecision.start(Self.entries, PortalObservation(
            links: Self.parents + Self.vlans, addresses: [stale, Self.address("10.1.25.10", 24, on: 11)]), mtu: nil).get()
        #expect(steps == [.keepSecondaries(interface: "int1.24"), .removeStale(stale, interface: "int1.24"), .add(Self.entries[0])])
    }

    @Test(arguments: [
        ("a foreign identical address", 2, "already on int1.24, configured outside halo"),
        ("a missing parent", 5, "parent NIC int2 of int2.25 does not exist on this node"),
        ("an interface of another kind", 5, "int1.24 exists here but is VLAN 99 on int1, not VLAN 24 on int1"),
        ("a foreign interface that is down", 5, "int1.24 is administratively down and was not created by halo"),
    ])
    func start_refusesWhatThisNodeCannotHost(situation: String, code: Int32, phrase: String) {
        var links = Self.parents + Self.vlans
        var addresses: [InterfaceAddress] = []
        switch situation {
        case "a foreign identical address": addresses = [Self.address("10.1.24.10", 24, on: 10, ours: false)]
        case "a missing parent": links = [Self.parents[0], Self.vlans[0]]
        case "an interface of another kind": links[2] = Self.link(10, "int1.24", vlan: 99, parent: 2)
        default: links[2] = Self.link(10, "int1.24", up: false, vlan: 24, parent: 2)
        }
        let result = PortalDecision.start(Self.entries, PortalObservation(links: links, addresses: addresses), mtu: nil)
        guard case .failure(let failure) = result else { Issue.record("\(situation) was accepted"); return }
        #expect(ExitDecision.decide(.failure(failure)).0.rawValue == code)
        #expect(failure.reason.summary.contains(phrase), "\(failure.reason.summary)")
    }

    @Test func stop_removesOurAddresses_andOurVLANsOnceEmpty() {
        let observation = PortalObservation(links: Self.parents + Self.vlans, addresses: [
            Self.address("10.1.24.10", 24, on: 10), Self.address("10.1.25.10", 24, on: 11),
            Self.address("10.1.25.11", 24, on: 11),  // another portal's address on int2.25
            Self.address("fe80::1", 64, on: 10, ours: false),
        ])
        let plan = PortalDecision.stop(Self.entries, observation)
        #expect(plan.addresses.map(\.address) == [IPAddress("10.1.24.10")!, IPAddress("10.1.25.10")!])
        #expect(plan.interfaces.map(\.name) == ["int1.24"])
        #expect(plan.foreign.isEmpty)
    }

    @Test func stop_leavesForeignAddressesAndInterfaces() {
        let foreignVLAN = Self.link(10, "int1.24", vlan: 24, parent: 2)  // no halo alias
        let observation = PortalObservation(links: Self.parents + [foreignVLAN, Self.vlans[1]], addresses: [
            Self.address("10.1.24.10", 24, on: 10, ours: false),
        ])
        let plan = PortalDecision.stop(Self.entries, observation)
        #expect(plan.addresses.isEmpty)
        #expect(plan.interfaces.map(\.name) == ["int2.25"])
        #expect(plan.foreign.map(\.address) == [IPAddress("10.1.24.10")!])
    }

    @Test func stop_withEverythingGone_doesNothing() {
        #expect(PortalDecision.stop(Self.entries, PortalObservation(links: [], addresses: [])) == PortalDecision.StopPlan())
    }
}
