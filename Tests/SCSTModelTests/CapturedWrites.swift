import HaloSystem
import HaloTesting

/// One management write as the captures record it:
/// `<path> <- '<command>' => OK wrote N [t] last_sysfs_mgmt_res=R` or
/// `… => ERR errno=N NAME (…) [t] last_sysfs_mgmt_res=R`.
struct CapturedWrite: Sendable, CustomStringConvertible {
    let path: String
    let command: String
    /// `nil`: the write succeeded; else the errno it failed with.
    let errno: Int32?
    let lastResult: Int32

    var description: String { "\(path) <- '\(command)'" }

    /// Every write line of a capture file, in order.
    static func lines(_ file: String) throws -> [CapturedWrite] {
        let text = String(decoding: try FileSystem.readBytes("\(SCSTModelProcess.captures)/\(file)"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line -> CapturedWrite? in
            guard let arrow = line.firstRange(of: " <- '"), let result = line.firstRange(of: " => ") else { return nil }
            let path = line[..<arrow.lowerBound].trimmingCharacters(in: " ")
            var command = line[arrow.upperBound..<result.lowerBound]
            while command.last == " " { command.removeLast() }
            guard command.last == "'" else { return nil }
            command.removeLast()
            let outcome = line[result.upperBound...]
            guard let last = outcome.split(separator: "last_sysfs_mgmt_res=").last.flatMap({ Int32($0.prefix { $0 == "-" || $0.isNumber }) }) else { return nil }
            var errno: Int32?
            if outcome.hasPrefix("ERR errno=") {
                errno = Int32(outcome.dropFirst("ERR errno=".count).prefix { $0.isNumber })
            }
            return CapturedWrite(path: String(path), command: String(command), errno: errno, lastResult: last)
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var slice = self
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
