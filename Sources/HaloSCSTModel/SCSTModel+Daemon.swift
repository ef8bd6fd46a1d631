import HaloSystem

// iscsi-scstd coming and going, and initiators logging in: what the model's control files
// (outside the sysfs tree) make happen.

extension SCSTModel {
    /// iscsi-scstd connects: `open_state` becomes `open`, the driver's attributes appear, with
    /// the driver disabled (captured after every daemon start).
    public mutating func connectDaemon() {
        isDaemonConnected = true
        isISCSIEnabled = false
        record("model: iscsi-scstd connected")
    }

    /// iscsi-scstd exits (TERM or KILL alike): every iSCSI target vanishes with its LUNs,
    /// portals, groups, CHAP accounts and sessions; the driver is disabled; devices remain.
    public mutating func killDaemon() {
        for name in targets.keys.sorted() { record("model: target \(name) unregistered (iscsi-scstd exited)") }
        targets = [:]
        isDaemonConnected = false
        isISCSIEnabled = false
    }

    /// Why a login was refused (the model's own vocabulary, for tests: SCST itself answers the
    /// initiator with an iSCSI login status, not an errno).
    ///
    /// `ECONNREFUSED` no iscsi-scstd · `ENOENT` no such target · `ENODEV` target or driver
    /// disabled · `EACCES` not admitted: the portal is not allowed, or the initiator would see no
    /// LUN (`admits`) · `EPERM` CHAP failed · `EEXIST` already logged in.
    public mutating func login(target name: String, initiator: String, initiatorAddress: String, portalAddress: String,
                               chap: (user: String, secret: String)? = nil) -> Result<Void, Errno> {
        guard isDaemonConnected else { return .failure(.connectionRefused) }
        guard let target = targets[name] else { return .failure(.noSuchFile) }
        guard target.isEnabled && isISCSIEnabled else { return .failure(.noSuchDevice) }
        guard admits(target, initiator: initiator, portalAddress: portalAddress) else {
            record("iscsi-scstd: initiator \(initiator) not allowed to connect to target \(name)")
            return .failure(.permissionDenied)
        }
        // Captured (issue 17): a login with an incoming account's user and secret is admitted,
        // one with a wrong secret refused. Not modelled: mutual CHAP (OutgoingUser).
        if !target.incomingUsers.isEmpty {
            guard let chap, target.incomingUsers.contains(where: { $0.user == chap.user && $0.secret == chap.secret }) else {
                return .failure(.notPermitted)
            }
        }
        guard target.sessions[initiator] == nil else { return .failure(.exists) }
        let group = groupName(of: target, initiator: initiator)
        let sid = String(0x1_0100_0000_0000 + UInt64(nextSessionNumber) << 8, radix: 16)
        nextSessionNumber += 1
        targets[name]!.sessions[initiator] = Session(initiator: initiator, initiatorAddress: initiatorAddress,
                                                     portalAddress: portalAddress, sid: sid, group: group, closesAt: nil)
        record("model: \(initiator) logged in to \(name) through \(portalAddress), security group \(group ?? name)")
        return .success(())
    }

    /// What SendTargets discovery through `portalAddress` shows `initiator`: the enabled targets
    /// that admit it, by name (iscsi-scstd's `target_list_build`; captured, issue 17: a target
    /// whose ACL leaves the initiator without a LUN is not shown). Nothing while iscsi-scstd is
    /// gone or the driver is disabled.
    public func discover(initiator: String, portalAddress: String) -> [String] {
        guard isDaemonConnected && isISCSIEnabled else { return [] }
        return targets.values.filter { $0.isEnabled && admits($0, initiator: initiator, portalAddress: portalAddress) }
            .map(\.name).sorted()
    }

    /// iscsi-scstd's `target_portal_allowed`: the portal matches one of the target's
    /// `allowed_portal` patterns (or it has none), and the initiator has a LUN in the target —
    /// in the group its name matches, else in the default LUN set (the kernel's
    /// `scst_initiator_has_luns`). Captured (issue 17): with an ACL, an initiator outside the
    /// group cannot log in at all (iscsiadm exit 19).
    func admits(_ target: ISCSITarget, initiator: String, portalAddress: String) -> Bool {
        if !target.allowedPortals.isEmpty && !target.allowedPortals.contains(where: { Self.matches(portalAddress, pattern: $0) }) {
            return false
        }
        return !(target.lunSet(group: groupName(of: target, initiator: initiator)) ?? [:]).isEmpty
    }

    /// The group whose initiator patterns match `initiator`; `nil`: the target's default LUN set.
    func groupName(of target: ISCSITarget, initiator: String) -> String? {
        target.groups.keys.sorted().first { group in
            target.groups[group]!.initiators.contains { Self.matches(initiator, pattern: $0) }
        }
    }

    /// The initiator logs out (its session goes at once).
    public mutating func logout(target: String, initiator: String) -> Result<Void, Errno> {
        guard targets[target]?.sessions[initiator] != nil else { return .failure(.noSuchFile) }
        targets[target]!.sessions[initiator] = nil
        return .success(())
    }

    /// The LUNs `initiator`'s session on `target` sees, by number → device; `nil` without a session.
    public func visibleLUNs(target: String, initiator: String) -> [Int: String]? {
        sessionLUNs(.iscsi(target), initiator).map { $0.mapValues(\.device) }
    }

    /// iscsi-scstd's patterns for portals and initiator names: `*`, `?` and a leading `!`.
    static func matches(_ text: String, pattern: String) -> Bool {
        if pattern.hasPrefix("!") { return !matches(text, pattern: String(pattern.dropFirst())) }
        func match(_ t: Substring, _ p: Substring) -> Bool {
            guard let first = p.first else { return t.isEmpty }
            if first == "*" { return match(t, p.dropFirst()) || (!t.isEmpty && match(t.dropFirst(), p)) }
            guard let character = t.first, first == "?" || first == character else { return false }
            return match(t.dropFirst(), p.dropFirst())
        }
        return match(Substring(text), Substring(pattern))
    }

    // MARK: Control files

    /// The control files, beside the sysfs tree (never inside it):
    ///
    /// | file | write | read |
    /// |---|---|---|
    /// | `daemon` | `start`, `kill` | `connected` or `absent` |
    /// | `eagain` | `writes N [MS]`: the next N queued commands answer EAGAIN and finish MS later; `reads N` | the counts |
    /// | `sessions` | `login TARGET INITIATOR INITIATOR_IP PORTAL_IP [USER SECRET]`, `logout TARGET INITIATOR`, `hang 1`/`hang 0` | one line per session |
    /// | `discovery` | `INITIATOR PORTAL_IP`: a SendTargets discovery | the targets the last one showed, one per line |
    /// | `log` | — | the model's kernel log |
    /// | `writes` | — | every write the tree received |
    public static let controlFiles = ["daemon", "discovery", "eagain", "log", "sessions", "writes"]

    /// Carries out a write to a control file.
    public mutating func control(_ file: String, _ text: String, now: ContinuousClock.Instant) -> Result<Void, Errno> {
        tick(now: now)
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        switch (file, words.first) {
        case ("daemon", "start"): connectDaemon()
        case ("daemon", "kill"): killDaemon()
        case ("eagain", "writes"):
            guard words.count >= 2, let count = Int(words[1]) else { return .failure(.invalidArgument) }
            forcedWriteEAGAINs = count
            if words.count >= 3, let milliseconds = Int(words[2]) { eagainDelay = .milliseconds(milliseconds) }
        case ("eagain", "reads"):
            guard words.count == 2, let count = Int(words[1]) else { return .failure(.invalidArgument) }
            forcedReadEAGAINs = count
        case ("sessions", "login"):
            guard words.count == 5 || words.count == 7 else { return .failure(.invalidArgument) }
            return login(target: words[1], initiator: words[2], initiatorAddress: words[3], portalAddress: words[4],
                         chap: words.count == 7 ? (words[5], words[6]) : nil)
        case ("sessions", "logout"):
            guard words.count == 3 else { return .failure(.invalidArgument) }
            return logout(target: words[1], initiator: words[2])
        case ("discovery", _):
            guard words.count == 2 else { return .failure(.invalidArgument) }
            lastDiscovery = discover(initiator: words[0], portalAddress: words[1])
        case ("sessions", "hang"):
            guard words.count == 2 else { return .failure(.invalidArgument) }
            sessionsHangOn = words[1] == "1"
        default:
            return .failure(.invalidArgument)
        }
        return .success(())
    }

    /// What a control file shows.
    public func controlText(_ file: String) -> String? {
        switch file {
        case "daemon": isDaemonConnected ? "connected\n" : "absent\n"
        case "discovery": lastDiscovery.map { $0 + "\n" }.joined()
        case "eagain": "writes \(forcedWriteEAGAINs)\nreads \(forcedReadEAGAINs)\npending \(pending.count)\n"
        case "sessions":
            targets.values.sorted { $0.name < $1.name }.flatMap { target in
                target.sessions.values.sorted { $0.initiator < $1.initiator }.map {
                    "\(target.name) \($0.initiator) \($0.group ?? "-")\($0.closesAt == nil ? "" : " closing")\n"
                }
            }.joined()
        case "log": logText
        case "writes": writesText
        default: nil
        }
    }
}
