import Glibc
import HaloSystem

/// tcpdump writing a pcap file inside a namespace, for tests that assert on what went over
/// the wire. Started detached, stopped with SIGINT, read back with `frames()`.
public final class PacketCapture: @unchecked Sendable {
    // Immutable after init.
    public let file: String
    private let pid: Int32
    private var stopped = false

    /// Starts capturing `filter` on `interface` in namespace `namespace` of `namespaces`, and
    /// waits until tcpdump has written its file header.
    public init(_ namespaces: NetworkNamespaces, _ namespace: String, interface: String, filter: [String], file: String) throws {
        self.file = file
        pid = try ProcessRunner().launchDetached(Command(
            "ip", ["netns", "exec", namespaces.name(namespace), "tcpdump", "-i", interface, "-U", "-n", "-w", file] + filter))
        let until = Deadline.after(.seconds(10))
        while ((try? FileSystem.info(file).size) ?? 0) < 24 && !until.hasPassed() { Pause.for(.milliseconds(20)) }
        guard ((try? FileSystem.info(file).size) ?? 0) >= 24 else { throw NamespaceError.command("tcpdump did not start") }
    }

    /// Stops tcpdump and returns every captured frame.
    public func stop() throws -> [CapturedFrame] {
        kill(pid, SIGINT)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        stopped = true
        return try Self.read(file)
    }

    /// A capture the test did not stop (it failed first) is ended and reaped: no zombie is left.
    deinit {
        if !stopped { ProcessRunner().endDetached(pid) }
    }

    /// The frames of a pcap file (Ethernet link type), with their capture times in seconds.
    public static func read(_ path: String) throws -> [CapturedFrame] {
        let bytes = try FileSystem.readBytes(path, limit: 64 << 20)
        guard bytes.count >= 24 else { return [] }
        func u32(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        var frames: [CapturedFrame] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let seconds = Double(u32(offset)) + Double(u32(offset + 4)) / 1_000_000
            let length = Int(u32(offset + 8))
            guard offset + 16 + length <= bytes.count else { break }
            frames.append(CapturedFrame(time: seconds, bytes: Array(bytes[(offset + 16)..<(offset + 16 + length)])))
            offset += 16 + length
        }
        return frames
    }
}

/// One Ethernet frame from a capture.
public struct CapturedFrame: Sendable {
    public let time: Double
    public let bytes: [UInt8]

    public var destination: [UInt8] { Array(bytes[0..<6]) }
    public var source: [UInt8] { Array(bytes[6..<12]) }
    public var etherType: UInt16 { UInt16(bytes[12]) << 8 | UInt16(bytes[13]) }
    /// What follows the Ethernet header.
    public var payload: ArraySlice<UInt8> { bytes[14...] }
}
