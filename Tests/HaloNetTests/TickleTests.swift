import HaloNet
import HaloSystem
import HaloTesting
import Testing

@Suite("Tickle ACKs and the established TCP connections")
struct TickleTests {
    /// The one's-complement sum over the pseudo-header and the segment, checksum included.
    func verifies(_ segment: [UInt8], _ source: IPAddress, _ destination: IPAddress) -> Bool {
        var pseudo = source.bytes + destination.bytes
        if source.isIPv4 { pseudo += [0, 6, 0, UInt8(segment.count)] } else { pseudo += [0, 0, 0, UInt8(segment.count), 0, 0, 0, 6] }
        var sum: UInt32 = 0
        let bytes = pseudo + segment
        for index in stride(from: 0, to: bytes.count, by: 2) { sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return sum == 0xffff
    }

    @Test("a tickle is a bare ACK from the portal's port, with wrong numbers and a valid checksum (IPv4 and IPv6)")
    func segment() {
        for (source, destination) in [(IPAddress("198.18.41.101")!, IPAddress("198.18.41.3")!), (IPAddress("fd00:19:26::50")!, IPAddress("fd00:19:26::3")!)] {
            let segment = TickleACK.segment(from: source, port: 3260, to: destination, port: 51234)
            #expect(segment.count == 20)
            #expect(Array(segment[0..<4]) == [0x0c, 0xbc, 0xc8, 0x22], "ports 3260 → 51234")
            #expect(Array(segment[4..<12]) == [0, 0, 0, 0, 0, 0, 0, 0], "sequence and acknowledgement 0")
            #expect(segment[13] == 0x10, "ACK only")
            #expect(verifies(segment, source, destination))
        }
    }

    @Test("the established connections on a port, from the kernel's socket diagnostics", .enabled(if: CurrentProcess.isRoot))
    func establishedConnections() throws {
        let port = UInt16.random(in: 40000...60000)
        let probe = "\(BuildProducts.repositoryRoot)/Tests/System/tcp-probe"
        let directory = TemporaryDirectory("tickle")
        let out = directory.file("client.txt")
        let listener = try ProcessRunner().launchDetached(Command(probe, ["listen", String(port)]))
        defer { ProcessRunner().endDetached(listener) }
        Pause.for(.milliseconds(500))
        let client = try ProcessRunner().launchDetached(Command(probe, ["client", "127.0.0.1", String(port), out]))
        defer { ProcessRunner().endDetached(client) }
        var diagnostics = try SocketDiagnostics()
        var found: [TCPConnection] = []
        for _ in 0..<50 where found.isEmpty {
            Pause.for(.milliseconds(100))
            found = try diagnostics.establishedTCP(localPort: port, deadline: .after(.seconds(2)))
        }
        #expect(found.count == 1)
        #expect(found.first?.local == IPAddress("127.0.0.1"))
        #expect(found.first?.remote == IPAddress("127.0.0.1"))
        #expect(found.first?.localPort == port)
        #expect(found.first.map { $0.remotePort != port } == true, "the client's side is not reported as a connection on the port")
    }
}
