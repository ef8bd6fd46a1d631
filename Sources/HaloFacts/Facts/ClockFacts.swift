import HaloJSON
import HaloSystem

/// The kernel clock's synchronisation, as `adjtimex(2)` reports it (what chronyd, ntpd or
/// systemd-timesyncd make of it; not timedatectl's view of them).
public struct ClockFacts: Sendable, Hashable {
    public var discipline: ClockDiscipline

    public init(_ discipline: ClockDiscipline) {
        self.discipline = discipline
    }

    /// `STA_UNSYNC` clear and the maximum error below 16 s.
    public var isSynchronized: Bool { discipline.isSynchronized }
}

extension ClockFacts {
    var json: JSONValue {
        .object([
            ("synchronized", .bool(isSynchronized)),
            ("state", .string(discipline.state.rawValue)),
            ("status", .int(Int(discipline.status.rawValue))),
            ("maxerror_us", .int(discipline.maximumErrorMicroseconds)),
            ("esterror_us", .int(discipline.estimatedErrorMicroseconds)),
            ("offset_ns", .int(discipline.offsetNanoseconds)),
        ])
    }

    init(json: JSONValue, path: String) throws(FactsDecodingError) {
        let object = try JSONObject(json, path: path)
        guard let status = Int32(exactly: try object.int("status")) else {
            throw FactsDecodingError(path: "\(path).status", problem: "out of range")
        }
        self.init(ClockDiscipline(
            state: try object.named("state", ClockDiscipline.State.self), status: ClockDiscipline.Status(rawValue: status),
            maximumErrorMicroseconds: try object.int("maxerror_us"), estimatedErrorMicroseconds: try object.int("esterror_us"),
            offsetNanoseconds: try object.int("offset_ns")))
    }
}
