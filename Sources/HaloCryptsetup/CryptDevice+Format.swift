import CCryptsetup
import HaloSystem

/// How a new LUKS header is written.
public struct FormatOptions: Sendable, Hashable {
    /// The key derivation for the first keyslot.
    public enum KeyDerivation: Sendable, Hashable {
        /// libcryptsetup's default for the format (argon2id for LUKS2), benchmarked to about 2 s.
        case libraryDefault
        /// PBKDF2-SHA256 with exactly this many iterations, no benchmark: fast, for tests.
        case pbkdf2(iterations: UInt32)
    }

    public var version: LuksVersion
    public var cipher: String
    public var cipherMode: String
    /// Volume key size in bytes (64 for aes-xts-plain64 with AES-256).
    public var volumeKeyBytes: Int
    public var keyDerivation: KeyDerivation
    /// A UUID to write instead of a random one (the same UUID on every node of a clone lets
    /// one `device=UUID=…` parameter name each node's own device).
    public var uuid: String?

    public init(version: LuksVersion = .luks2, cipher: String = "aes", cipherMode: String = "xts-plain64",
                volumeKeyBytes: Int = 64, keyDerivation: KeyDerivation = .libraryDefault, uuid: String? = nil) {
        self.version = version
        self.cipher = cipher
        self.cipherMode = cipherMode
        self.volumeKeyBytes = volumeKeyBytes
        self.keyDerivation = keyDerivation
        self.uuid = uuid
    }
}

extension CryptDevice {
    /// Writes a new LUKS header with a random volume key and one keyslot opened by `passphrase`.
    /// Destroys whatever the header area held. halo's agents never format; tests and tools do.
    ///
    /// - Throws: `failed` with the library's `errno` and message.
    /// The corresponding C functions are `crypt_set_pbkdf_type`, `crypt_format` and
    /// `crypt_keyslot_add_by_volume_key`.
    public func format(passphrase: borrowing Secret, options: FormatOptions) throws(CryptsetupError) {
        let library = self.library
        let context = self.context
        let path = self.path
        func fail(_ operation: String, _ failure: CallFailure) -> CryptsetupError {
            .failed(operation: "\(operation) \(path)", errno: failure.errno, message: failure.message)
        }
        if case .pbkdf2(let iterations) = options.keyDerivation {
            let result = "pbkdf2".withCString { type in
                "sha256".withCString { hash in
                    var pbkdf = crypt_pbkdf_type(type: type, hash: hash, time_ms: 0, iterations: iterations,
                                                 max_memory_kb: 0, parallel_threads: 0, flags: halo_crypt_pbkdf_no_benchmark)
                    return library.perform { library.calls.setPBKDFType(context, &pbkdf) }
                }
            }
            if case .failure(let failure) = result { throw fail("set the key derivation of", failure) }
        }
        let formatted = "sha256".withCString { hash in
            var luks1 = crypt_params_luks1()
            luks1.hash = hash
            return withUnsafeMutablePointer(to: &luks1) { luks1 in
                library.perform {
                    library.calls.format(context, options.version == .luks1 ? "LUKS1" : "LUKS2", options.cipher,
                                         options.cipherMode, options.uuid, options.volumeKeyBytes,
                                         options.version == .luks1 ? UnsafeMutableRawPointer(luks1) : nil)
                }
            }
        }
        if case .failure(let failure) = formatted { throw fail("format", failure) }
        let added = passphrase.withUnsafeBytes { bytes in
            library.perform { library.calls.addKeyslotByVolumeKey(context, CRYPT_ANY_SLOT, bytes) }
        }
        if case .failure(let failure) = added { throw fail("add a keyslot to", failure) }
    }
}
