import HaloOCF

/// An iSCSI session parameter a target offers at login (RFC 7143 §13), or one of SCST's own
/// per-target limits, with the value it is set to.
///
/// Written `Name=Value`, several separated by spaces:
/// `MaxRecvDataSegmentLength=262144 HeaderDigest=CRC32C,None QueuedCommands=64`.
public struct SessionParameter: Sendable, Hashable, CustomStringConvertible {
    public let key: Key
    /// The value as both stacks write it (`Yes`, `262144`, `CRC32C,None`).
    public let value: String

    /// The parameters halo sets. The RFC's negotiated keys exist on both stacks, except
    /// `DefaultTime2Wait`, which only LIO lets one set (iscsi-scstd negotiates 0 by itself); the
    /// last four are SCST's (LIO refuses them, except `QueuedCommands`, LIO's command window).
    public enum Key: String, CaseIterable, Sendable, Hashable {
        case initialR2T = "InitialR2T"
        case immediateData = "ImmediateData"
        case maxRecvDataSegmentLength = "MaxRecvDataSegmentLength"
        case maxXmitDataSegmentLength = "MaxXmitDataSegmentLength"
        case maxBurstLength = "MaxBurstLength"
        case firstBurstLength = "FirstBurstLength"
        case maxOutstandingR2T = "MaxOutstandingR2T"
        /// Seconds an initiator waits before it reconnects after a lost connection (RFC 7143
        /// §13.15; the larger of both offers wins). LIO offers 2, iscsi-scstd settles on 0.
        case defaultTime2Wait = "DefaultTime2Wait"
        case headerDigest = "HeaderDigest"
        case dataDigest = "DataDigest"
        case queuedCommands = "QueuedCommands"
        case maxSessions = "MaxSessions"
        case nopInInterval = "NopInInterval"
        case nopInTimeout = "NopInTimeout"
        case rspTimeout = "RspTimeout"

        /// What a value of this key must be.
        var rule: ValueRule {
            switch self {
            case .initialR2T, .immediateData: .yesNo
            case .maxRecvDataSegmentLength, .maxXmitDataSegmentLength, .maxBurstLength, .firstBurstLength:
                .number(512...16_777_215)
            case .maxOutstandingR2T: .number(1...65535)
            case .defaultTime2Wait: .number(0...3600)
            case .headerDigest, .dataDigest: .digest
            case .queuedCommands: .number(1...2048)
            case .maxSessions: .number(0...65535)
            case .nopInInterval, .nopInTimeout: .number(0...3600)
            case .rspTimeout: .number(1...65535)
            }
        }
    }

    enum ValueRule {
        case yesNo
        case number(ClosedRange<Int>)
        case digest
    }

    public static func parse(_ text: String) -> Result<SessionParameter, ValueProblem> {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let key = Key(rawValue: String(parts[0])) else {
            let keys = Key.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(ValueProblem("has \(ParameterProblem.quoted(text)), not Name=Value with a Name of \(keys)"))
        }
        let value = String(parts[1])
        switch key.rule {
        case .yesNo:
            guard value == "Yes" || value == "No" else { return .failure(ValueProblem("sets \(key.rawValue) to \(ParameterProblem.quoted(value)), not Yes or No")) }
        case .number(let range):
            guard let number = Int(value), value.allSatisfy(\.isNumber), range.contains(number) else {
                return .failure(ValueProblem("sets \(key.rawValue) to \(ParameterProblem.quoted(value)), not \(range.lowerBound)…\(range.upperBound)"))
            }
        case .digest:
            guard ["None", "CRC32C", "CRC32C,None", "None,CRC32C"].contains(value) else {
                return .failure(ValueProblem("sets \(key.rawValue) to \(ParameterProblem.quoted(value)), not None, CRC32C, CRC32C,None or None,CRC32C"))
            }
        }
        return .success(SessionParameter(key: key, value: value))
    }

    public var description: String { "\(key.rawValue)=\(value)" }
}

/// What one stack's target daemon accepts beyond the RFC's rules, where it accepts less: each
/// stack's agent declares its own (`ocf:halo:scst` for iscsi-scstd), so that a value the daemon
/// would refuse is an invalid parameter (6, before anything is written) rather than a start that
/// fails with 1.
public struct SessionParameterLimits: Sendable {
    /// Who sets the limits, for the problems and the description ("iscsi-scstd").
    public let daemon: String
    /// The narrower range of each numeric parameter that has one.
    public let ranges: [SessionParameter.Key: ClosedRange<Int>]
    /// The daemon reads a number with a leading 0 as octal (C's `strtol(…, 0)`), so `0262144`
    /// would not be what it looks like.
    public let readsLeadingZeroAsOctal: Bool
    /// More the description should say of the daemon's way with these parameters (a sentence).
    public let note: String

    /// Limits for `daemon`; the description lists `ranges` in the order of `SessionParameter.Key`.
    public init(daemon: String, ranges: [SessionParameter.Key: ClosedRange<Int>], readsLeadingZeroAsOctal: Bool, note: String = "") {
        self.daemon = daemon
        self.ranges = ranges
        self.readsLeadingZeroAsOctal = readsLeadingZeroAsOctal
        self.note = note
    }

    /// No limits beyond the RFC's.
    public static let none = SessionParameterLimits(daemon: "", ranges: [:], readsLeadingZeroAsOctal: false)

    /// Why `parameter` is beyond the limits; `nil` when it is within them.
    func problem(_ parameter: SessionParameter) -> ValueProblem? {
        guard case .number = parameter.key.rule else { return nil }
        // Worded short, the daemon first: Pacemaker keeps 128 characters of a reason, and the
        // parameter's whole value comes before this.
        if readsLeadingZeroAsOctal, parameter.value.count > 1, parameter.value.hasPrefix("0") {
            return ValueProblem("\(daemon) reads \(parameter.key.rawValue)'s leading 0 as octal")
        }
        guard let range = ranges[parameter.key], let number = Int(parameter.value), !range.contains(number) else { return nil }
        return ValueProblem("\(daemon) takes \(parameter.key.rawValue) \(range.lowerBound)…\(range.upperBound)")
    }

    /// The limits as a sentence for a parameter's description; empty without limits.
    var sentence: String {
        guard !daemon.isEmpty else { return "" }
        let ranges = SessionParameter.Key.allCases.compactMap { key in
            self.ranges[key].map { "\(key.rawValue) \($0.lowerBound)-\($0.upperBound)" }
        }
        var sentence = " \(daemon) accepts less: \(ranges.joined(separator: ", "))"
        if readsLeadingZeroAsOctal { sentence += ", and no number with a leading 0 (it would read it as octal)" }
        return sentence + "." + (note.isEmpty ? "" : " \(note)")
    }
}

extension ParameterType where Value == [SessionParameter] {
    /// `Name=Value` pairs separated by spaces; a name given twice is refused, and so is a
    /// FirstBurstLength above MaxBurstLength (RFC 7143 §13.14), and a value beyond `limits`.
    public static func sessionParameters(limits: SessionParameterLimits) -> ParameterType<[SessionParameter]> {
        ParameterType(constraint: .format("Name=Value pairs separated by spaces, e.g. MaxRecvDataSegmentLength=262144 HeaderDigest=CRC32C,None."),
                      parse: { raw in
            var parameters: [SessionParameter] = []
            for word in raw.split(separator: " ") {
                switch SessionParameter.parse(String(word)) {
                case .success(let parameter):
                    if parameters.contains(where: { $0.key == parameter.key }) {
                        return .failure(ValueProblem("sets \(parameter.key.rawValue) twice"))
                    }
                    if let problem = limits.problem(parameter) { return .failure(problem) }
                    parameters.append(parameter)
                case .failure(let problem):
                    return .failure(problem)
                }
            }
            let number: (SessionParameter.Key) -> Int? = { key in parameters.first { $0.key == key }.flatMap { Int($0.value) } }
            if let first = number(.firstBurstLength), let most = number(.maxBurstLength), first > most {
                return .failure(ValueProblem("sets FirstBurstLength \(first) above MaxBurstLength \(most)"))
            }
            return .success(parameters)
        }, render: { $0.map(\.description).joined(separator: " ") })
    }

    /// `sessionParameters(limits:)` with the RFC's rules only.
    public static var sessionParameters: ParameterType<[SessionParameter]> { sessionParameters(limits: .none) }
}
