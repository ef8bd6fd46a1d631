/// The outcome of one check.
public struct CheckResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case passed = "PASS"
        case failed = "FAIL"
        case skipped = "SKIP"
    }

    public let name: String
    public let status: Status
    public let detail: String

    public init(_ name: String, _ status: Status, _ detail: String = "") {
        self.name = name
        self.status = status
        self.detail = detail
    }
}

/// Every check the runner made on one agent.
public struct ConformanceReport: Sendable {
    public let agent: String
    public private(set) var results: [CheckResult] = []

    init(agent: String) { self.agent = agent }

    mutating func record(_ name: String, _ passed: Bool, _ detail: String = "") {
        results.append(CheckResult(name, passed ? .passed : .failed, detail))
    }

    mutating func skip(_ name: String, _ why: String) {
        results.append(CheckResult(name, .skipped, why))
    }

    /// No check failed.
    public var passed: Bool { !results.contains { $0.status == .failed } }

    public var failures: [CheckResult] { results.filter { $0.status == .failed } }

    /// One line per check, then a summary line.
    public var rendered: String {
        var text = results.map { "\($0.status.rawValue)  \($0.name)\($0.detail.isEmpty ? "" : ": \($0.detail)")" }
            .joined(separator: "\n")
        let counts = [CheckResult.Status.passed, .failed, .skipped].map { status in
            "\(results.filter { $0.status == status }.count) \(status.rawValue.lowercased())"
        }
        text += "\n\(agent): \(counts.joined(separator: ", ")) — \(passed ? "conforms" : "DOES NOT CONFORM")\n"
        return text
    }
}
