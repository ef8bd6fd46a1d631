import HaloControl
import HaloCluster
import HaloSystem

/// The control socket: accepts clients, reads one request line at a time, and writes the
/// answers, without ever blocking the loop. Requests from a peer that is not root are
/// refused (the socket file is 0600 too). A request the cluster does not answer within
/// `replyTimeout` is answered with that failure, never left hanging.
final class ControlServer {
    let listener: UnixStreamListener
    private var clients: [UInt64: Client] = [:]
    private var nextClient: UInt64 = 1
    static let replyTimeout: Duration = .seconds(15)
    static let maximumRequest = 64 * 1024

    final class Client {
        let connection: StreamConnection
        var input: [UInt8] = []
        var output: [UInt8] = []
        /// The request waiting for the cluster's answer, and how long it may wait.
        var waitingSince: ContinuousClock.Instant?
        var waitLimit = ControlServer.replyTimeout
        var closeAfterWrite = false

        init(connection: StreamConnection) { self.connection = connection }
    }

    init(path: String) throws(Errno) {
        listener = try UnixStreamListener(path: path)
    }

    func pollRequests() -> [PollRequest] {
        [PollRequest(listener.descriptor)] + clients.values.map {
            PollRequest($0.connection.descriptor, $0.output.isEmpty ? .readable : [.readable, .writable])
        }
    }

    func nextWake() -> Deadline? {
        clients.values.compactMap { client in client.waitingSince.map { $0 + client.waitLimit } }.min().map(Deadline.init)
    }

    /// Accepts, reads and writes what is ready; returns the complete requests (client, line).
    func service(ready: [(descriptor: Int32, events: PollEvents)], now: ContinuousClock.Instant = .now) -> [(client: UInt64, request: Result<ControlRequest, ControlRequestError>)] {
        var requests: [(UInt64, Result<ControlRequest, ControlRequestError>)] = []
        let readySet = Dictionary(ready.map { ($0.descriptor, $0.events) }, uniquingKeysWith: { $0.union($1) })
        if readySet[listener.descriptor] != nil {
            while let connection = listener.accept() {
                let id = nextClient
                nextClient += 1
                let client = Client(connection: connection)
                clients[id] = client
                if connection.peerUID != 0 {
                    send(.failed("halod's control socket takes requests from root only"), to: id)
                    client.closeAfterWrite = true
                }
            }
        }
        for (id, client) in clients {
            guard let events = readySet[client.connection.descriptor] else { continue }
            if events.contains(.writable) || !client.output.isEmpty { flush(id) }
            guard events.contains(.readable) || events.contains(.hangup), clients[id] != nil, !client.closeAfterWrite else { continue }
            guard let bytes = try? client.connection.read(), !bytes.isEmpty else {
                clients[id] = nil  // end of stream or error: the client went away
                continue
            }
            client.input += bytes
            if client.input.count > Self.maximumRequest {
                send(.failed("the request is longer than \(Self.maximumRequest) bytes"), to: id)
                client.closeAfterWrite = true
                continue
            }
            while client.waitingSince == nil, let newline = client.input.firstIndex(of: 0x0A) {
                let line = Array(client.input[..<newline])
                client.input.removeSubrange(...newline)
                client.waitingSince = now
                do {
                    let request = try ControlRequest(line: line)
                    if case .fencePeer(_, let timeout) = request { client.waitLimit = .seconds(timeout) } else { client.waitLimit = Self.replyTimeout }
                    requests.append((id, .success(request)))
                } catch {
                    requests.append((id, .failure(error)))
                }
            }
        }
        for (id, client) in clients {
            if let since = client.waitingSince, now >= since + client.waitLimit {
                send(.failed("the cluster did not answer within \(client.waitLimit): is corosync running, this node in the group and the cluster quorate?"), to: id)
            }
        }
        return requests
    }

    /// Whether the client is connected and waits for an answer.
    func isWaiting(_ id: UInt64) -> Bool { clients[id]?.waitingSince != nil }

    /// Answers a client's request (a client that went away is ignored).
    func send(_ response: ControlResponse, to id: UInt64) {
        guard let client = clients[id] else { return }
        client.waitingSince = nil
        client.output += Array((response.line + "\n").utf8)
        flush(id)
    }

    private func flush(_ id: UInt64) {
        guard let client = clients[id] else { return }
        while !client.output.isEmpty {
            guard let written = try? client.connection.write(client.output[...]) else {
                clients[id] = nil
                return
            }
            if written == 0 { return }
            client.output.removeFirst(written)
        }
        if client.closeAfterWrite { clients[id] = nil }
    }
}
