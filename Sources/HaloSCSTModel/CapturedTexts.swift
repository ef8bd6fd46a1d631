import HaloSystem

/// Texts the model shows exactly as a real SCST 3.11 printed them — the usage text of each
/// `mgmt` file, `trace_level` help, `version`, device type names, statistics tables — read from
/// the captures under Tests/Fixtures/scst-3.11 (`NN-*.attrs.txt`: `=== <path> (<mode>)` then
/// the file's content, byte for byte). They are the interface's own output, kept as fixtures
/// rather than retyped into code.
public struct CapturedTexts: Sendable {
    /// Content by absolute sysfs path, as captured.
    let contents: [String: [UInt8]]

    /// The captures that hold every text the model needs.
    public static let files = ["01-after-modprobe.attrs.txt", "05-configured.attrs.txt", "17-acl-with-session.attrs.txt"]

    /// Reads the captures from `directory`.
    ///
    /// - Throws: the `errno` of reading a capture file.
    public init(directory: String) throws(Errno) {
        var contents: [String: [UInt8]] = [:]
        for file in Self.files {
            for (path, entry) in Self.parse(try FileSystem.readBytes("\(directory)/\(file)", limit: 16 << 20)) {
                contents[path] = entry.content
            }
        }
        self.contents = contents
    }

    /// The content captured for `path` (absolute, under /sys/kernel/scst_tgt).
    /// - Precondition: the captures hold that path; the model only asks for paths they have.
    func text(_ path: String) -> [UInt8] {
        guard let content = contents["/sys/kernel/scst_tgt/\(path)"] else {
            preconditionFailure("the SCST captures have no content for \(path)")
        }
        return content
    }

    /// Splits an attribute capture into its entries: path → (mode, content).
    public static func parse(_ bytes: [UInt8]) -> [(path: String, entry: (mode: String, content: [UInt8]))] {
        let marker = Array("=== /sys/kernel/scst_tgt".utf8)
        var starts: [Int] = []
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0] && Array(bytes[index..<index + marker.count]) == marker { starts.append(index); index += marker.count } else { index += 1 }
        }
        var result: [(String, (String, [UInt8]))] = []
        for (number, start) in starts.enumerated() {
            let end = number + 1 < starts.count ? starts[number + 1] : bytes.count
            guard let newline = bytes[start..<end].firstIndex(of: 10) else { continue }
            let header = String(decoding: bytes[(start + 4)..<newline], as: UTF8.self)
            guard let open = header.lastIndex(of: "("), header.hasSuffix(")") else { continue }
            let path = String(header[..<open].dropLast())
            let mode = String(header[header.index(after: open)..<header.index(before: header.endIndex)])
            result.append((path, (mode, Array(bytes[(newline + 1)..<end]))))
        }
        return result
    }
}
