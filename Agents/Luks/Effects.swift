import HaloCryptsetup
import HaloOCF
import HaloSystem
import Logging

/// What `ocf:halo:luks` changes: it opens a mapping, closes one, and on a forced stop ends the
/// processes that keep one open. Nothing else is ever written.
enum Effects {
    /// Reads the key from the already checked key file into a `Secret`, loads the header, and
    /// opens the mapping. The key exists in this process only inside the `Secret` (locked,
    /// wiped when this function returns) and inside libcryptsetup, which wipes its copies;
    /// it is never in an argument vector, an environment or a message.
    static func open(
        _ settings: LuksSettings, devicePath: String, keyFile: borrowing SecretFile, library: Cryptsetup, logger: Logger
    ) throws(AgentFailure) {
        let key: Secret
        do {
            key = try keyFile.read(limit: LuksDecision.keyFileLimit)
        } catch {
            throw AgentFailure.from(error, while: "read the key file")
        }
        do {
            let device = try CryptDevice(path: devicePath, using: library)
            try device.loadHeader()
            if case .uuid(let configured) = settings.device, device.uuid.flatMap(LuksUUID.init) != configured {
                throw AgentFailure.generic("\(devicePath) no longer carries LUKS UUID=\(configured)")
            }
            let slot = try device.activate(name: settings.name.text, passphrase: key, options: settings.options)
            logger.info("opened", metadata: ["halo.device": "\(devicePath)", "halo.mapping": "\(settings.name)",
                                             "halo.keyslot": "\(slot)", "halo.format": "\(device.headerType.map(\.description) ?? "?")"])
        } catch let error as CryptsetupError {
            throw LuksDecision.failure(error)
        } catch let error as AgentFailure {
            throw error
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
    }

    /// Closes the mapping `name`. A mapping that is gone by now counts as closed.
    static func close(_ name: MappingName, library: Cryptsetup) throws(CryptsetupError) {
        do {
            try library.deactivate(name: name.text)
        } catch {
            if case .noSuchMapping = error { return }
            throw error
        }
    }

    /// Ends `processes` for a forced stop: `SIGTERM`, up to half the time left for them to
    /// exit, then `SIGKILL` and the rest of `deadline`.
    ///
    /// - Returns: the processes still running at the deadline.
    static func end(_ processes: [ProcessUse], deadline: Deadline, logger: Logger) -> [ProcessUse] {
        logger.warning("force_stop: ending processes that keep the mapping open",
                       metadata: ["halo.processes": "\(processes.map(\.description).joined(separator: " "))"])
        var set = ProcessSet(pids: processes.map(\.pid))
        let survivors = Set(set.terminate(grace: deadline.remaining() / 2, deadline: deadline))
        return processes.filter { survivors.contains($0.pid) }
    }
}
