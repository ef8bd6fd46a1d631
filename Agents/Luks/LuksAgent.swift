import HaloCryptsetup
import HaloOCF
import HaloSystem
import Logging

/// `ocf:halo:luks`: opens and closes a LUKS (dm-crypt) volume through libcryptsetup.
///
/// The glue of observe → decide → act: each action reads what it needs (`SystemView`), asks
/// `LuksDecision`, and applies the answer (`Effects`). Serves both layouts of docs/luks.md: a
/// clone under DRBD (every node opens its own device) and a primitive above DRBD that follows
/// the Primary.
public enum LuksAgent: ReloadingAgent {
    public typealias Parameters = LuksParameters

    public static let name = "luks"
    public static let description = AgentDescription(
        name: name,
        shortDescription: "Opens a LUKS (dm-crypt) volume",
        longDescription: "Opens the LUKS device as /dev/mapper/<name> with libcryptsetup (no cryptsetup process; "
            + "the key is read into locked memory and wiped), and closes it on stop, naming what keeps it open "
            + "and, with force_stop, ending the processes that do. Runs as a primitive (LUKS above DRBD, "
            + "following the Primary) or as a clone (LUKS below DRBD: each node opens its own device). "
            + "Monitor depth 0 reads sysfs only; depth 10 also checks suspension, the devices underneath, "
            + "options and (header_check=monitor) the header; depth 20 reads one block through the mapping.",
        timeouts: [.start: .seconds(60), .stop: .seconds(60), .validateAll: .seconds(60), .reloadAgent: .seconds(20)],
        monitors: [
            MonitorRecommendation(interval: .seconds(10), timeout: .seconds(20)),
            MonitorRecommendation(interval: .seconds(60), timeout: .seconds(30), depth: .thorough),
        ],
        monitorLevels: [.basic, .thorough, .deep],
        validateLevels: [.basic, .thorough, .deep])

    /// libcryptsetup is loaded to open (start), close (stop) and check the library and key
    /// (validate-all); monitors read sysfs and the header bytes themselves.
    public static func loadsSharedLibraries(_ action: OCFAction) -> Bool {
        action == .start || action == .stop || action == .validateAll
    }

    // MARK: start

    public static func start(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let settings = LuksSettings(context.parameters)
        let view = SystemView(reader: context.reader, deadline: context.deadline)
        let ownership = try observeOwnership(settings, view)
        switch LuksDecision.start(settings, ownership, clone: context.environment.clone) {
        case .alreadyOpen:
            context.logger.debug("already open on the configured device")
            return .success
        case .refuse(let failure):
            throw failure
        case .open:
            break
        }
        var environment = Environment(settings, view)
        if let refusal = LuksDecision.refusal(LuksDecision.environmentProblems(settings, environment.observation)) {
            throw refusal
        }
        guard case .found(let path, _) = environment.observation.device, let keyFile = environment.keyFile.take(),
              let library = environment.library else {
            preconditionFailure("no environment problem means a device, a key file and libcryptsetup")
        }
        try Effects.open(settings, devicePath: path, keyFile: keyFile, library: library, logger: context.logger)
        let after = try observeForMonitor(settings, view, level: .basic)
        guard case .success(.success) = LuksDecision.monitor(settings, level: .basic, after) else {
            throw .generic("\(settings.name) was opened but is not there as configured afterwards")
        }
        return .success
    }

    // MARK: stop

    public static func stop(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        let settings = LuksSettings(context.parameters)
        try stop(name: settings.name, device: settings.device, forceStop: settings.forceStop,
                 view: SystemView(reader: context.reader, deadline: context.deadline), deadline: context.deadline,
                 logger: context.logger)
        return .success
    }

    /// Stop with parameters that do not validate: the mapping name is what names the
    /// resource, so with a valid `name` the mapping is closed as by stop (a LUKS mapping of
    /// that name counts as ours when `device` does not validate either); without one the stop
    /// fails, since the mapping may still be open.
    public static func stopWithInvalidParameters(
        _ problems: ParameterProblems, context: InvalidParameterContext<Parameters>
    ) throws(AgentFailure) -> AgentOutcome {
        guard let name = context.parameters.value(\.name) else {
            throw .cannotStop(without: "name", problems)
        }
        try stop(name: name, device: context.parameters.value(\.device), forceStop: context.parameters.value(\.forceStop) ?? false,
                 view: SystemView(reader: context.reader, deadline: context.deadline), deadline: context.deadline,
                 logger: context.logger)
        return .success
    }

    /// Closes the mapping `name` when it is this resource's: `device` tells (`nil` when it did
    /// not validate: then any LUKS mapping of that name is taken for ours).
    static func stop(name: MappingName, device: EncryptedDevice?, forceStop: Bool, view: SystemView, deadline: Deadline,
                     logger: Logger) throws(AgentFailure) {
        let state = try observeMapping(name, view)
        let identity: ConfiguredIdentity? = switch (state, device) {
        case (.absent, _): nil
        case (.present, let device?): view.identity(of: device)
        case (.present, nil): .unavailable(path: "(device does not validate)", .invalidArgument)
        }
        let ownership = LuksDecision.ownership(of: state, identity: identity, name: name)
        let users: Users
        switch ownership {
        case .ours(let mapping), .unidentifiable(let mapping, _, _): users = view.users(of: mapping)
        case .absent, .notOurs: users = Users()
        }
        switch LuksDecision.stop(name: name, forceStop: forceStop, ownership, users: users) {
        case .nothingToDo:
            if case .notOurs(_, let conflict) = ownership {
                logger.warning("the mapping under this name is not this resource's: left alone", metadata: ["halo.conflict": "\(conflict)"])
            }
        case .refuse(let failure):
            throw failure
        case .endProcessesThenClose(let mapping, let processes):
            let survivors = Effects.end(processes, deadline: deadline.portion(0.8), logger: logger)
            if !survivors.isEmpty {
                throw .generic("\(name): \(survivors.map(\.description).joined(separator: ", ")) survived SIGKILL (stuck in I/O?)")
            }
            try close(name, mapping, view)
        case .close(let mapping):
            try close(name, mapping, view)
        }
    }

    static func close(_ name: MappingName, _ mapping: Mapping, _ view: SystemView) throws(AgentFailure) {
        do {
            try Effects.close(name, library: try Cryptsetup.load())
        } catch {
            if case .busy = error {
                let users = view.users(of: mapping)
                let who = users.isEmpty ? "no user found here: swap, or a mount in another namespace?" : LuksDecision.describe(users)
                throw .generic(Reason("\(name) is in use (\(who))", details: ["halo.users": who]))
            }
            throw LuksDecision.failure(error)
        }
        if case .present = try observeMapping(name, view) {
            throw .generic("\(name) is still open after closing it")
        }
    }

    // MARK: monitor

    public static func monitor(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) -> AgentOutcome {
        let settings = LuksSettings(context.parameters)
        let observation = try observeForMonitor(settings, SystemView(reader: context.reader, deadline: context.deadline), level: level)
        if case .notOurs(_, let conflict) = LuksDecision.ownership(of: observation.mapping, identity: observation.identity,
                                                                    name: settings.name) {
            context.logger.warning("the mapping under this name is not this resource's", metadata: ["halo.conflict": "\(conflict)"])
        }
        return try LuksDecision.monitor(settings, level: level, observation).get()
    }

    // MARK: validate-all, reload-agent

    public static func validateEnvironment(_ context: ActionContext<Parameters>, level: CheckLevel) throws(AgentFailure) {
        let settings = LuksSettings(context.parameters)
        if let refusal = LuksDecision.cloneRefusal(context.environment.clone) { throw refusal }
        var environment = Environment(settings, SystemView(reader: context.reader, deadline: context.deadline))
        if level >= .deep { environment.verifyHeaderAndKey() }
        if let refusal = LuksDecision.refusal(LuksDecision.environmentProblems(settings, environment.observation)) {
            throw refusal
        }
    }

    /// `force_stop` and `header_check` are read by each action, so there is nothing to apply;
    /// marking them reloadable spares the volume (and everything stacked on it) a restart.
    public static func reloadAgent(_ context: ActionContext<Parameters>) throws(AgentFailure) -> AgentOutcome {
        .success
    }

    // MARK: Observing

    static func observeMapping(_ name: MappingName, _ view: SystemView) throws(AgentFailure) -> MappingState {
        do {
            return try view.mapping(named: name)
        } catch {
            throw .generic(Reason("cannot list /sys/block: \(error)", details: ["halo.errno": error.symbol]))
        }
    }

    static func observeOwnership(_ settings: LuksSettings, _ view: SystemView) throws(AgentFailure) -> LuksDecision.Ownership {
        let state = try observeMapping(settings.name, view)
        let identity: ConfiguredIdentity? = if case .present = state { view.identity(of: settings.device) } else { nil }
        return LuksDecision.ownership(of: state, identity: identity, name: settings.name)
    }

    /// What a monitor at `level` decides on; deeper reads only where they can matter.
    static func observeForMonitor(_ settings: LuksSettings, _ view: SystemView, level: CheckLevel) throws(AgentFailure) -> MonitorObservation {
        var observation = MonitorObservation(mapping: try observeMapping(settings.name, view))
        guard case .present = observation.mapping else { return observation }
        let identity = view.identity(of: settings.device)
        observation.identity = identity
        guard level >= .thorough,
              case .ours(let mapping) = LuksDecision.ownership(of: observation.mapping, identity: identity, name: settings.name),
              !mapping.backing.isEmpty else { return observation }
        let headerPath: String? = switch (settings.headerCheck, identity) {
        case (.monitor, .device(let path, _)): path
        case (.monitor, _): "/dev/\(mapping.backing[0].kernelName)"
        case (.open, _): nil
        }
        let health: MappingHealth
        do {
            health = try view.health(of: mapping, readingHeaderOf: headerPath)
        } catch {
            throw .generic(Reason("cannot read \(settings.name)'s state in sysfs: \(error)", details: ["halo.errno": error.symbol]))
        }
        observation.health = health
        if level >= .deep && LuksDecision.mayReadThrough(health) { observation.deepRead = view.deepRead(mapping) }
        return observation
    }
}

/// What start and validate-all observe before opening, with the two things that are not plain
/// values: the open key file (its bytes are read only once it passes the hygiene rule) and the
/// loaded library.
struct Environment: ~Copyable {
    var observation: EnvironmentObservation
    var keyFile: SecretFile?
    let library: Cryptsetup?

    init(_ settings: LuksSettings, _ view: SystemView) {
        let facts: KeyFileFacts
        var keyFile: SecretFile? = nil
        switch settings.key {
        case .file(let path):
            do {
                let opened = try SecretFile(opening: path)
                facts = .opened(opened.info)
                keyFile = consume opened
            } catch {
                facts = .unopenable(error)
            }
        }
        self.keyFile = keyFile
        var libraryProblem: CryptsetupError? = nil
        var library: Cryptsetup? = nil
        do {
            library = try Cryptsetup.load()
        } catch {
            libraryProblem = error
        }
        self.library = library
        observation = EnvironmentObservation(device: view.resolve(settings.device), keyFile: facts,
                                             hasDeviceMapper: view.hasDeviceMapper, libraryProblem: libraryProblem)
    }

    /// validate-all at depth 20: loads the header and checks that the key opens a keyslot, without
    /// opening anything (this runs the key derivation: seconds of CPU with argon2). Skipped when
    /// an earlier check already failed.
    mutating func verifyHeaderAndKey() {
        guard case .found(let path, _) = observation.device, let library,
              LuksDecision.keyFileProblem(observation.keyFile) == nil, let keyFile = keyFile.take() else { return }
        do {
            let key = try keyFile.read(limit: LuksDecision.keyFileLimit)
            let device = try CryptDevice(path: path, using: library)
            try device.loadHeader()
            try device.verify(passphrase: key)
            observation.headerAndKey = .verified(device.headerType ?? .luks2, uuid: device.uuid)
        } catch let error as CryptsetupError {
            observation.headerAndKey = .failed(error)
        } catch {
            observation.headerAndKey = .failed(.failed(operation: "read the key file", errno: (error as? Errno) ?? .ioError, message: nil))
        }
    }
}
