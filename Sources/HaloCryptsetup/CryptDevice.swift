import CCryptsetup
import HaloSystem

/// One LUKS device, as libcryptsetup holds it: a `struct crypt_device` context.
///
/// ```swift
/// let device = try CryptDevice(path: "/dev/md0", using: cryptsetup)
/// try device.loadHeader()
/// print(device.headerType, device.uuid)                  // .luks2, "58aba7b1-…"
/// try device.activate(name: "r0", passphrase: key, options: .init(allowDiscards: true))
/// ```
///
/// `~Copyable`: the context has exactly one owner and is released (`crypt_free`, which also
/// wipes any volume key libcryptsetup held) when the value ends. Used from one thread.
public struct CryptDevice: ~Copyable {
    let library: Cryptsetup
    let context: OpaquePointer
    /// The device path this context was made for.
    public let path: String

    /// A context for the device (or, for tests and formatting, the file) at `path`.
    ///
    /// - Throws: `failed` with the library's `errno` (`ENOENT` for a missing path; a file is
    ///   attached to a loop device by the library when it needs one).
    /// The corresponding C function is `crypt_init`.
    public init(path: String, using library: Cryptsetup) throws(CryptsetupError) {
        var context: OpaquePointer? = nil
        switch library.perform({ library.calls.initialize(&context, path) }) {
        case .success:
            guard let context else { throw .failed(operation: "open \(path)", errno: .noMemory, message: nil) }
            self.context = context
        case .failure(let failure):
            throw .failed(operation: "open \(path)", errno: failure.errno, message: failure.message)
        }
        self.library = library
        self.path = path
        library.calls.setLogCallback(context, logTrampoline, library.logContext)
    }

    deinit {
        library.calls.free(context)
    }

    /// Reads and checks the LUKS header (LUKS1 or LUKS2; for LUKS2, its metadata checksums).
    ///
    /// - Throws: `noLuksHeader` when there is none or it does not check out (`EINVAL`),
    ///   `failed` for other errors (`EIO`, `EMEDIUMTYPE` from a DRBD Secondary, `EBUSY` when
    ///   another process holds the header lock).
    /// The corresponding C function is `crypt_load`.
    public func loadHeader() throws(CryptsetupError) {
        switch library.perform({ library.calls.load(context, nil) }) {
        case .success: return
        case .failure(let failure) where failure.errno == .invalidArgument:
            throw .noLuksHeader(device: path, message: failure.message)
        case .failure(let failure):
            throw .failed(operation: "read the LUKS header of \(path)", errno: failure.errno, message: failure.message)
        }
    }

    /// The header's format, once loaded or formatted; `nil` before, or for a type halo does not
    /// handle. The corresponding C function is `crypt_get_type`.
    public var headerType: LuksVersion? {
        library.calls.type(context).flatMap(LuksVersion.init(libraryName:))
    }

    /// The header's UUID in its canonical form, once loaded or formatted.
    /// The corresponding C function is `crypt_get_uuid`.
    public var uuid: String? { library.calls.uuid(context) }

    /// Checks that `passphrase` opens a keyslot, without opening anything.
    ///
    /// - Returns: the keyslot it opens.
    /// - Throws: `keyRejected` when it opens none (`EPERM`), `failed` otherwise.
    /// - Precondition: the header is loaded.
    /// The corresponding C function is `crypt_activate_by_passphrase` with no name.
    @discardableResult
    public func verify(passphrase: borrowing Secret) throws(CryptsetupError) -> Int {
        try unlock(name: nil, passphrase: passphrase, flags: 0, operation: "verify the key of \(path)")
    }

    /// Opens the mapping `name` on this device with the key `passphrase`.
    ///
    /// - Returns: the keyslot that opened.
    /// - Throws: `keyRejected` (`EPERM`), `deviceMapperUnavailable` (`ENOTSUP`), `nameInUse`
    ///   (`EEXIST`, or `EBUSY` for a name already taken), `failed` otherwise.
    /// - Precondition: the header is loaded; `name` was validated (device-mapper's own rules
    ///   are wider than halo's).
    /// The corresponding C function is `crypt_activate_by_passphrase`.
    @discardableResult
    public func activate(name: String, passphrase: borrowing Secret, options: ActivationOptions) throws(CryptsetupError) -> Int {
        try unlock(name: name, passphrase: passphrase, flags: options.flags, operation: "open \(path) as \(name)")
    }

    private func unlock(name: String?, passphrase: borrowing Secret, flags: UInt32, operation: String) throws(CryptsetupError) -> Int {
        let library = self.library
        let context = self.context
        let result = passphrase.withUnsafeBytes { bytes in
            library.perform { library.calls.activateByPassphrase(context, name, CRYPT_ANY_SLOT, bytes, flags) }
        }
        switch result {
        case .success(let slot): return Int(slot)
        case .failure(let failure):
            switch failure.errno {
            case .notPermitted: throw .keyRejected
            case .notSupported: throw .deviceMapperUnavailable
            case .exists, .busy: throw .nameInUse(name: name ?? "")
            default: throw .failed(operation: operation, errno: failure.errno, message: failure.message)
            }
        }
    }
}

/// The LUKS header formats.
public enum LuksVersion: Int, Sendable, Hashable, CustomStringConvertible {
    case luks1 = 1
    case luks2 = 2

    /// From libcryptsetup's type name (`LUKS1`, `LUKS2`).
    init?(libraryName: String) {
        switch libraryName {
        case "LUKS1": self = .luks1
        case "LUKS2": self = .luks2
        default: return nil
        }
    }

    public var description: String { "LUKS\(rawValue)" }
}

/// How a mapping is opened: the dm-crypt options halo's parameters set.
public struct ActivationOptions: Sendable, Hashable {
    /// Pass discards (TRIM) through to the device; reveals which blocks are unused.
    public var allowDiscards: Bool
    /// Decrypt reads in the I/O submitter's context instead of kcryptd's workqueue.
    public var noReadWorkqueue: Bool
    /// Encrypt writes synchronously instead of through the workqueue.
    public var noWriteWorkqueue: Bool
    /// Open read-only.
    public var readOnly: Bool

    public init(allowDiscards: Bool = false, noReadWorkqueue: Bool = false, noWriteWorkqueue: Bool = false,
                readOnly: Bool = false) {
        self.allowDiscards = allowDiscards
        self.noReadWorkqueue = noReadWorkqueue
        self.noWriteWorkqueue = noWriteWorkqueue
        self.readOnly = readOnly
    }

    /// libcryptsetup's `CRYPT_ACTIVATE_*` flags for these options.
    var flags: UInt32 {
        var flags: UInt32 = 0
        if allowDiscards { flags |= halo_crypt_activate_allow_discards }
        if noReadWorkqueue { flags |= halo_crypt_activate_no_read_workqueue }
        if noWriteWorkqueue { flags |= halo_crypt_activate_no_write_workqueue }
        if readOnly { flags |= halo_crypt_activate_readonly }
        return flags
    }
}
