import HaloJSON
import HaloSystem

/// The client side of halod's control socket, for haloctl and the tests: one request, one
/// answer, within a deadline.
public enum ControlClient {
    /// Why a request got no answer.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Nothing listens at the path (`ENOENT`, `ECONNREFUSED`): halod does not run there.
        case notRunning(path: String, Errno)
        case noAnswer(within: Duration)
        case unreadableAnswer(String)
        case io(Errno)

        public var description: String {
            switch self {
            case .notRunning(let path, let errno): "halod is not running (no control socket at \(path): \(errno))"
            case .noAnswer(let within): "halod did not answer within \(within)"
            case .unreadableAnswer(let text): "halod's answer is not the protocol's: \(text)"
            case .io(let errno): "control socket: \(errno)"
            }
        }
    }

    /// Sends `request` to the halod listening at `path` and returns its answer's JSON object
    /// (`ok`, and `status`, `message` or `error`).
    public static func send(_ request: ControlRequest, to path: String, timeout: Duration = .seconds(20)) throws(Failure) -> JSONValue {
        let deadline = Deadline.after(timeout)
        let connection: StreamConnection
        do {
            connection = try StreamConnection.connect(to: path)
        } catch {
            throw .notRunning(path: path, error)
        }
        var line = Array((request.line + "\n").utf8)[...]
        while !line.isEmpty {
            do {
                let written = try connection.write(line)
                line = line.dropFirst(written)
            } catch {
                throw .io(error)
            }
        }
        var answer: [UInt8] = []
        while answer.last != 0x0A {
            guard !deadline.hasPassed() else { throw .noAnswer(within: timeout) }
            do {
                guard !(try Poller.wait([PollRequest(connection.descriptor)], until: deadline)).isEmpty else { continue }
                let bytes = try connection.read()
                if bytes.isEmpty { break }
                answer += bytes
            } catch {
                throw .io(error)
            }
        }
        do {
            return try JSONValue.parse(answer)
        } catch {
            throw .unreadableAnswer(String(decoding: answer.prefix(200), as: UTF8.self))
        }
    }
}
