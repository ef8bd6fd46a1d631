import CPacemaker
import HaloSystem
import Synchronization

/// Pacemaker's own libraries, called in-process: the CIB (libcib's query, what `cibadmin
/// --query` runs) and the cluster's status (libpacemaker's `pcmk_status`, the XML `crm_mon
/// --output-as=xml` prints). Two forked tools fewer per `haloctl status`, and one load of
/// Pacemaker's libraries instead of two.
///
/// ```swift
/// switch PacemakerLibrary.read(cib: true, deadline: deadline) {
/// case .success(let reading): …                    // reading.cib, reading.status
/// case .failure(.unavailable), .failure(.busy): …  // read with the tools instead
/// }
/// ```
///
/// The libraries are loaded with dlopen the first time a read needs them (`CPacemaker`), on the
/// read's own thread, so the other nodes' facts, asked at the same time, do not wait for the
/// loading. Their IPC waits have no timeout of their own, so every read runs on a thread of its
/// own and is waited for only until the deadline (`BoundedCall`); they are not thread-safe, so
/// reads take turns, and a read that never returned keeps its turn: every later read says
/// `.busy` and the caller uses the tools instead.
enum PacemakerLibrary {
    /// What one read returned.
    struct Reading: Sendable {
        /// The whole CIB (nil when not asked for).
        let cib: String?
        /// crm_mon's XML.
        let status: String
    }

    enum Failure: Error, Sendable, Equatable {
        /// The libraries cannot be loaded here (dlerror's text).
        case unavailable(String)
        /// A read that passed its deadline has not returned yet.
        case busy
        /// No answer before the deadline.
        case timedOut
        /// Pacemaker said no (not running, no access …): what failed, in its words.
        case failed(String)
    }

    /// Held from a read's start until its thread returns.
    private static let turn = Mutex(false)

    /// Loaded once, by the first read that needs them: nil, or why they could not be.
    private static let loadProblem: String? = {
        var error = [CChar](repeating: 0, count: 512)
        return halo_pcmk_load(&error, error.count) == 0 ? nil : text(error)
    }()

    /// The status, and the CIB when `cib` is true, read by one thread before `deadline`.
    static func read(cib: Bool, deadline: Deadline) -> Result<Reading, Failure> {
        let mine = turn.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard mine else { return .failure(.busy) }
        let outcome = BoundedCall.run(deadline: deadline) { () -> Result<Reading, Failure> in
            defer { turn.withLock { $0 = false } }
            if let loadProblem { return .failure(.unavailable(loadProblem)) }
            var document: String?
            if cib {
                switch call(halo_pcmk_cib_query) {
                case .success(let text): document = text
                case .failure(let failure): return .failure(failure)
                }
            }
            return call(halo_pcmk_status).map { Reading(cib: document, status: $0) }
        }
        return outcome ?? .failure(.timedOut)
    }

    /// One of CPacemaker's reads: its XML, or what failed.
    private static func call(
        _ function: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    ) -> Result<String, Failure> {
        var xml: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 512)
        let code = function(&xml, &error, error.count)
        guard let xml else { return .failure(.failed(text(error).isEmpty ? "code \(code)" : text(error))) }
        defer { halo_pcmk_free(xml) }
        return .success(String(cString: xml))
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
