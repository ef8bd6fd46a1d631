import HaloSystem

/// The XML content type a parameter is declared with in meta-data.
public enum ContentType: String, Sendable {
    case string, integer, boolean
}

/// What a value must look like, in words an administrator reads in the meta-data and in the
/// exit reason when a value is rejected.
public enum ValueConstraint: Sendable, Hashable {
    case none
    case range(ClosedRange<Int>)
    case options([String])
    case format(String)

    /// The sentence added to a parameter's long description.
    var sentence: String? {
        switch self {
        case .none: nil
        case .range(let range): "Allowed range: \(range.lowerBound) to \(range.upperBound)."
        case .options(let options): "Allowed values: \(options.joined(separator: ", "))."
        case .format(let format): "Format: \(format)"
        }
    }
}

/// Why a value was rejected: a short phrase that completes "parameter X …".
public struct ValueProblem: Error, Sendable, Hashable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// How the values of one kind of parameter are read, written and described.
///
/// ```swift
/// let count = Parameter("announce_count", .integer(1...100), default: 3, short: "…", long: "…")
/// let mode = Parameter("cache", .select(CachePolicy.self), default: .writeThrough, …)
/// let peer = Parameter("neighbours", .list(of: .ipAddress), default: [], …)   // an agent's own type
/// ```
public struct ParameterType<Value: Sendable>: Sendable {
    public let contentType: ContentType
    public let constraint: ValueConstraint
    let parse: @Sendable (String) -> Result<Value, ValueProblem>
    let render: @Sendable (Value) -> String
    /// The value of an absent parameter, for optional types only (`.some(nil)`).
    let absentValue: Value?

    /// A type of the agent's own. `parse` gets the raw value (never empty) and either returns
    /// the typed value or says, in a phrase, what is wrong with it.
    public init(
        contentType: ContentType = .string, constraint: ValueConstraint,
        parse: @escaping @Sendable (String) -> Result<Value, ValueProblem>, render: @escaping @Sendable (Value) -> String
    ) {
        self.init(contentType: contentType, constraint: constraint, parse: parse, render: render, absentValue: nil)
    }

    init(contentType: ContentType, constraint: ValueConstraint,
         parse: @escaping @Sendable (String) -> Result<Value, ValueProblem>, render: @escaping @Sendable (Value) -> String,
         absentValue: Value?) {
        self.contentType = contentType
        self.constraint = constraint
        self.parse = parse
        self.render = render
        self.absentValue = absentValue
    }

    /// Parses `text` as a value of this type (for agents that must read a raw value outside
    /// validation, e.g. a stop with otherwise invalid parameters).
    public func value(from text: String) -> Result<Value, ValueProblem> { parse(text) }

    /// `base`, for a parameter that may be left unset: absent reads as `nil`.
    ///
    /// ```swift
    /// let alias = Parameter("alias", .optional(.string), short: "…", long: "…")   // String?
    /// ```
    public static func optional<Wrapped>(_ base: ParameterType<Wrapped>) -> ParameterType<Wrapped?>
    where Value == Wrapped? {
        let parse = base.parse
        let render = base.render
        return ParameterType<Wrapped?>(
            contentType: base.contentType, constraint: base.constraint,
            parse: { raw in parse(raw).map { Optional($0) } },
            render: { value in value.map(render) ?? "" },
            absentValue: .some(nil))
    }
}

extension ParameterType where Value == String {
    /// Any text without control characters (a newline in a parameter is never intended, and
    /// would be an injection wherever the value is written to a kernel interface).
    public static var string: ParameterType<String> {
        ParameterType(contentType: .string, constraint: .none, parse: { raw in
            raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                ? .failure(ValueProblem("contains a control character (newline, tab or similar)"))
                : .success(raw)
        }, render: { $0 })
    }
}

extension ParameterType where Value == Int {
    /// A decimal whole number within `range`.
    public static func integer(_ range: ClosedRange<Int>) -> ParameterType<Int> {
        ParameterType(contentType: .integer, constraint: .range(range), parse: { raw in
            guard let value = Int(raw) else { return .failure(ValueProblem("is not a whole number")) }
            guard range.contains(value) else {
                return .failure(ValueProblem("is outside \(range.lowerBound)…\(range.upperBound)"))
            }
            return .success(value)
        }, render: { String($0) })
    }
}

extension ParameterType where Value == Bool {
    /// `true`/`false`, also `yes`/`no`, `on`/`off` and `1`/`0`, in any case. Anything else is
    /// rejected rather than read as false.
    public static var boolean: ParameterType<Bool> {
        ParameterType(contentType: .boolean, constraint: .none, parse: { raw in
            switch raw.lowercased() {
            case "true", "yes", "on", "1": .success(true)
            case "false", "no", "off", "0": .success(false)
            default: .failure(ValueProblem("is not a boolean (use true or false)"))
            }
        }, render: { $0 ? "true" : "false" })
    }
}

extension ParameterType where Value: CaseIterable & RawRepresentable & Sendable, Value.RawValue == String {
    /// One of an enumeration's raw values, exactly.
    public static func select(_ type: Value.Type) -> ParameterType<Value> {
        let options = Value.allCases.map(\.rawValue)
        return ParameterType(contentType: .string, constraint: .options(options), parse: { raw in
            Value(rawValue: raw).map { .success($0) }
                ?? .failure(ValueProblem("is not one of \(options.joined(separator: ", "))"))
        }, render: { $0.rawValue })
    }
}

extension ParameterType where Value == Duration {
    /// A duration as Pacemaker writes them: `500ms`, `2s`, `1min`, `1h`; a bare number is
    /// seconds. Must lie within `range`.
    public static func duration(_ range: ClosedRange<Duration>) -> ParameterType<Duration> {
        ParameterType(
            contentType: .string, constraint: .format("a duration such as 500ms, 2s or 1min."),
            parse: { raw in
                guard let value = DurationText.parse(raw) else {
                    return .failure(ValueProblem("is not a duration (e.g. 500ms, 2s, 1min)"))
                }
                guard range.contains(value) else {
                    return .failure(ValueProblem(
                        "is outside \(DurationText.render(range.lowerBound))…\(DurationText.render(range.upperBound))"))
                }
                return .success(value)
            }, render: DurationText.render)
    }
}

/// Durations in Pacemaker's notation.
public enum DurationText {
    /// Parses `250ms`, `3s`, `2min`, `1h`, or a bare number of seconds.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("msec", 1), ("s", 1000), ("sec", 1000),
                                        ("min", 60_000), ("m", 60_000), ("h", 3_600_000), ("hr", 3_600_000)]
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingSpaces()
        let factor = unit.isEmpty ? 1000 : units.first(where: { $0.0 == unit })?.1
        guard let factor else { return nil }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : .milliseconds(milliseconds)
    }

    /// The shortest exact rendering: `500ms`, `2s`, `90s`.
    public static func render(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}
