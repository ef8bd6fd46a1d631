import HaloSystem

/// Where a long command reports what happens: each event as a permanent line, and on a
/// terminal one live status line under them, rewritten in place (a pipe or file gets only the
/// plain lines, plus a reminder every `quietInterval` that the wait goes on).
public final class Progress: @unchecked Sendable {
    // Used from one thread: the command's own.
    private let stream: StandardStream
    private let isTerminal: Bool
    private var liveText = ""
    private var lastPlainLine = ContinuousClock.now
    private let quietInterval: Duration
    /// Every line written, for reports and tests.
    public private(set) var lines: [String] = []
    /// Nothing is written (the caller prints a JSON document at the end).
    public let isSilent: Bool
    /// Where the lines go too (a background haloctl's only output: the journal).
    let log: SystemLog?

    public init(stream: StandardStream = .output, isTerminal: Bool? = nil, silent: Bool = false, quietInterval: Duration = .seconds(10),
                log: SystemLog? = nil) {
        self.stream = stream
        self.isTerminal = isTerminal ?? stream.isTerminal
        self.isSilent = silent
        self.quietInterval = quietInterval
        self.log = log
    }

    /// A permanent line.
    public func line(_ text: String) {
        lines.append(text)
        lastPlainLine = .now
        log?.send(text.trimmingLeadingSpaces, priority: .info, fields: [])
        guard !isSilent else { return }
        if isTerminal && !liveText.isEmpty {
            stream.write("\r\u{1B}[2K\(text)\n\(liveText)")
        } else {
            stream.write(text + "\n")
        }
    }

    /// The live status line (a terminal only; a pipe gets it as a plain line now and then).
    public func live(_ text: String) {
        guard !isSilent else { return }
        if isTerminal {
            liveText = text
            stream.write("\r\u{1B}[2K\(text)")
        } else if ContinuousClock.now - lastPlainLine >= quietInterval {
            line(text)
        }
    }

    /// Removes the live line (before the final report).
    public func endLive() {
        guard !isSilent, isTerminal, !liveText.isEmpty else { return }
        stream.write("\r\u{1B}[2K")
        liveText = ""
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}

/// Seconds as `3.4 s`.
func seconds(_ duration: Duration) -> String {
    let (whole, attoseconds) = duration.components
    let tenths = Int((Double(attoseconds) / 1e17).rounded(.down))
    return "\(whole).\(max(0, min(9, tenths))) s"
}

func seconds(_ value: Double) -> String { seconds(Duration.milliseconds(Int64((value * 1000).rounded()))) }
