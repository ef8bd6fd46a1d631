import HaloCryptsetup
import HaloOCF
import HaloSystem

extension LuksDecision {
    /// The most bytes a key file may hold (libcryptsetup's own default limit, 8 MiB).
    static let keyFileLimit = 8 << 20

    /// Everything wrong on this node for opening the mapping, in the order an administrator
    /// fixes them: the device, the key file, the kernel, the library, then (validate-all at depth
    /// 20) the header and the key themselves. Start and validate-all use this one list.
    ///
    /// None of these is `misconfigured` (6): each is about this node — a missing device or key
    /// file, loose permissions, a missing module — and another node may be fine (docs/luks.md).
    static func environmentProblems(_ settings: LuksSettings, _ observation: EnvironmentObservation) -> [AgentFailure] {
        var problems: [AgentFailure] = []
        if let problem = deviceProblem(observation.device) { problems.append(problem) }
        if let problem = keyFileProblem(observation.keyFile) { problems.append(problem) }
        if !observation.hasDeviceMapper {
            problems.append(.notInstalled("this kernel has no device-mapper: load the dm_mod and dm_crypt modules"))
        }
        if let problem = observation.libraryProblem { problems.append(failure(problem)) }
        if case .failed(let problem)? = observation.headerAndKey { problems.append(failure(problem)) }
        return problems
    }

    /// One failure for all `problems`: the first one's code (it is the first to fix), every
    /// problem's sentence in the reason, first first.
    static func refusal(_ problems: [AgentFailure]) -> AgentFailure? {
        guard let first = problems.first else { return nil }
        guard problems.count > 1 else { return first }
        let reason = Reason(problems.map(\.reason.summary).joined(separator: "; ") + " (\(problems.count) problems)",
                            details: first.reason.details)
        return first.withReason(reason)
    }

    static func deviceProblem(_ resolution: DeviceResolution) -> AgentFailure? {
        switch resolution {
        case .found:
            return nil
        case .pathUnusable(let path, let errno):
            switch errno {
            case .noSuchFile, .notDirectory, .noSuchDevice, .noSuchDeviceOrAddress:
                return .notInstalled(Reason("device \(path) does not exist on this node", details: ["halo.errno": errno.symbol]))
            case .notBlockDevice:
                return .invalidArgument("device \(path) is not a block device")
            default:
                return AgentFailure.from(errno, while: "device \(path)")
            }
        case .unanswered(let path, let waited):
            // libcryptsetup's own reads of it could not be bounded: they would hang this agent.
            return .generic(Reason("\(ReadFailure.noAnswer(within: waited).sentence(reading: path)); not opened"))
        case .uuidNotFound(let uuid, let unreadable):
            // A DRBD device that is not Primary refuses to be opened, and a device whose I/O
            // hangs does not answer: the header may be on either, readable later, so that is a
            // soft failure. Otherwise the header is not here.
            let listed = ["halo.unreadable": unreadable.map(\.description).joined(separator: " ")]
            let unanswered = unreadable.filter { if case .noAnswer = $0.failure { true } else { false } }
            if let first = unanswered.first {
                return .generic(Reason("LUKS UUID=\(uuid) not found; \(first.failure.sentence(reading: first.path))"
                    + (unanswered.count > 1 ? " (and \(unanswered.count - 1) more)" : ""), details: listed))
            }
            let secondaries = unreadable.filter { $0.failure == .refused(.wrongMediumType) }.map(\.path)
            if !secondaries.isEmpty {
                return .generic(Reason("LUKS UUID=\(uuid) not found; \(secondaries.joined(separator: ", ")) cannot be read "
                    + "(DRBD Secondary?)", details: listed))
            }
            return .notInstalled(Reason("no block device on this node carries LUKS UUID=\(uuid)", details: listed))
        case .uuidAmbiguous(let uuid, let paths):
            return .invalidArgument("LUKS UUID=\(uuid) is on \(paths.joined(separator: ", ")): configure device by path")
        }
    }

    /// The key file hygiene rule: a regular file, owned by root, no access for group or
    /// others, not empty, at most 8 MiB. The path itself is private: never in a reason.
    static func keyFileProblem(_ facts: KeyFileFacts) -> AgentFailure? {
        switch facts {
        case .unopenable(let errno):
            switch errno {
            case .noSuchFile, .notDirectory:
                return .notInstalled(Reason("the key file does not exist on this node", details: ["halo.errno": errno.symbol]))
            case .permissionDenied, .notPermitted:
                return .insufficientPrivileges(Reason("the key file cannot be read by this process: run as root",
                                                      details: ["halo.errno": errno.symbol]))
            default:
                return .generic(Reason("the key file cannot be opened: \(errno)", details: ["halo.errno": errno.symbol]))
            }
        case .opened(let info):
            if info.type != .regular { return .invalidArgument("the key file is a \(describe(info.type)), not a regular file") }
            if info.owner != 0 { return .invalidArgument("the key file is owned by uid \(info.owner), not root: chown root") }
            if info.permissions & 0o077 != 0 {
                return .invalidArgument("the key file has mode \(octal(info.permissions)), open to group or others: chmod 0400")
            }
            if info.size == 0 { return .invalidArgument("the key file is empty") }
            if info.size > Int64(keyFileLimit) { return .invalidArgument("the key file is larger than 8 MiB") }
            return nil
        }
    }

    /// What a libcryptsetup failure means for the resource, mapped once.
    static func failure(_ error: CryptsetupError) -> AgentFailure {
        switch error {
        case .libraryUnavailable(let detail):
            return .notInstalled(Reason("libcryptsetup cannot be loaded: install libcryptsetup12", details: ["halo.detail": detail]))
        case .noLuksHeader(let device, let message):
            return .invalidArgument(Reason("\(device) carries no valid LUKS header", details: details(message)))
        case .keyRejected:
            return .invalidArgument("the key file opens no keyslot of the LUKS header")
        case .deviceMapperUnavailable:
            return .notInstalled("this kernel has no device-mapper: load the dm_mod and dm_crypt modules")
        case .busy(let name, let message):
            return .generic(Reason("\(name) is in use (the kernel refused to close it)", details: details(message)))
        case .noSuchMapping(let name):
            return .generic("\(name) disappeared while being closed")
        case .nameInUse(let name):
            return .generic("a mapping named \(name) appeared while opening it")
        case .failed(let operation, let errno, let message):
            let mapped = AgentFailure.from(errno, while: operation)
            return mapped.withReason(Reason(mapped.reason.summary, details: mapped.reason.details.merging(details(message)) { $1 }))
        }
    }

    /// Picks the device carrying `uuid` among the scanned ones: those no other device holds
    /// (an MD member or DRBD's backing disk shows its array's or volume's header too).
    static func resolve(_ uuid: LuksUUID, among devices: [ScannedDevice]) -> DeviceResolution {
        var matches: [ScannedDevice] = []
        var unreadable: [UnreadableDevice] = []
        for device in devices where !device.isHeld {
            switch device.header {
            case .luks(let identity)? where identity.uuid == uuid: matches.append(device)
            case .unreadable(let path, let failure)?: unreadable.append(UnreadableDevice(path: path, failure: failure))
            default: break
            }
        }
        if matches.count > 1 { return .uuidAmbiguous(uuid, paths: matches.map(\.path)) }
        if let match = matches.first { return .found(path: match.path, match.deviceNumber) }
        return .uuidNotFound(uuid, unreadable: unreadable)
    }

    static func details(_ message: String?) -> [String: String] {
        message.map { ["halo.library": $0] } ?? [:]
    }

    static func describe(_ type: FileType) -> String {
        switch type {
        case .regular: "regular file"
        case .directory: "directory"
        case .symbolicLink: "symbolic link"
        case .blockDevice: "block device"
        case .characterDevice: "character device"
        case .fifo: "FIFO"
        case .socket: "socket"
        case .unknown: "file of unknown type"
        }
    }

    static func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension AgentFailure {
    /// The same kind of failure with another reason.
    func withReason(_ reason: Reason) -> AgentFailure {
        switch self {
        case .generic: .generic(reason)
        case .invalidArgument: .invalidArgument(reason)
        case .unimplemented: .unimplemented(reason)
        case .insufficientPrivileges: .insufficientPrivileges(reason)
        case .notInstalled: .notInstalled(reason)
        case .misconfigured: .misconfigured(reason)
        }
    }
}
