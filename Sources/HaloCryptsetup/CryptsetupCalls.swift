import CCryptsetup
import Glibc
import HaloSystem

// The one place libcryptsetup is called. The library is loaded with dlopen(3) (see
// ccryptsetup.h for why), its functions are looked up once into `halo_cryptsetup_functions`,
// and every call below is a one-to-one call-through: no retries (libcryptsetup retries a busy
// device-mapper removal itself), no interpretation. A negative return is `-errno`; turning it
// into a typed error happens in one helper, `CryptsetupCalls.check`.

/// libcryptsetup's functions, loaded.
///
/// The table is immutable after `load`, and libcryptsetup functions may be called from any one
/// thread at a time; agents are single-threaded, which is what makes `@unchecked Sendable` safe.
struct CryptsetupCalls: @unchecked Sendable {
    private let table: halo_cryptsetup_functions

    /// The sonames tried, newest first (Debian 12 and 13 ship `libcryptsetup.so.12`).
    static let sonames = ["libcryptsetup.so.12", "libcryptsetup.so"]

    /// Loads the library and every function halo uses.
    ///
    /// - Throws: `libraryUnavailable` naming what failed (`dlerror(3)`'s text).
    static func load() throws(CryptsetupError) -> CryptsetupCalls {
        var handle: UnsafeMutableRawPointer? = nil
        for soname in sonames where handle == nil {
            handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL)
        }
        guard let handle else {
            throw .libraryUnavailable(detail: dlerror().map { String(cString: $0) } ?? "libcryptsetup.so.12 not found")
        }
        var table = halo_cryptsetup_functions()
        var missing: [String] = []
        func bind<Function>(_ name: String, _ field: inout Function?) {
            guard let symbol = dlsym(handle, name) else {
                missing.append(name)
                return
            }
            field = unsafeBitCast(symbol, to: Function.self)
        }
        bind("crypt_init", &table.crypt_init)
        bind("crypt_free", &table.crypt_free)
        bind("crypt_set_log_callback", &table.crypt_set_log_callback)
        bind("crypt_load", &table.crypt_load)
        bind("crypt_set_pbkdf_type", &table.crypt_set_pbkdf_type)
        bind("crypt_format", &table.crypt_format)
        bind("crypt_keyslot_add_by_volume_key", &table.crypt_keyslot_add_by_volume_key)
        bind("crypt_get_type", &table.crypt_get_type)
        bind("crypt_get_uuid", &table.crypt_get_uuid)
        bind("crypt_activate_by_passphrase", &table.crypt_activate_by_passphrase)
        bind("crypt_deactivate_by_name", &table.crypt_deactivate_by_name)
        guard missing.isEmpty else {
            throw .libraryUnavailable(detail: "libcryptsetup lacks \(missing.joined(separator: ", "))")
        }
        return CryptsetupCalls(table: table)
    }

    /// `0` or a positive result, or the `errno` a negative result stands for.
    static func check(_ result: Int32) -> Result<Int32, Errno> {
        result >= 0 ? .success(result) : .failure(Errno(rawValue: -result))
    }

    // MARK: Call-throughs (one per C function, same arguments)

    func initialize(_ device: inout OpaquePointer?, _ path: String) -> Int32 {
        table.crypt_init!(&device, path)
    }

    func free(_ device: OpaquePointer) {
        table.crypt_free!(device)
    }

    typealias LogCallback = @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void

    func setLogCallback(_ device: OpaquePointer?, _ callback: LogCallback, _ context: UnsafeMutableRawPointer?) {
        table.crypt_set_log_callback!(device, callback, context)
    }

    func load(_ device: OpaquePointer, _ type: UnsafePointer<CChar>?) -> Int32 {
        table.crypt_load!(device, type, nil)
    }

    func setPBKDFType(_ device: OpaquePointer, _ pbkdf: UnsafePointer<crypt_pbkdf_type>) -> Int32 {
        table.crypt_set_pbkdf_type!(device, pbkdf)
    }

    func format(
        _ device: OpaquePointer, _ type: String, _ cipher: String, _ mode: String, _ uuid: String?,
        _ volumeKeySize: Int, _ parameters: UnsafeMutableRawPointer?
    ) -> Int32 {
        table.crypt_format!(device, type, cipher, mode, uuid, nil, volumeKeySize, parameters)
    }

    func addKeyslotByVolumeKey(_ device: OpaquePointer, _ slot: Int32, _ passphrase: UnsafeRawBufferPointer) -> Int32 {
        table.crypt_keyslot_add_by_volume_key!(
            device, slot, nil, 0, passphrase.baseAddress?.assumingMemoryBound(to: CChar.self), passphrase.count)
    }

    func type(_ device: OpaquePointer) -> String? {
        table.crypt_get_type!(device).map { String(cString: $0) }
    }

    func uuid(_ device: OpaquePointer) -> String? {
        table.crypt_get_uuid!(device).map { String(cString: $0) }
    }

    func activateByPassphrase(
        _ device: OpaquePointer, _ name: String?, _ slot: Int32, _ passphrase: UnsafeRawBufferPointer, _ flags: UInt32
    ) -> Int32 {
        table.crypt_activate_by_passphrase!(
            device, name, slot, passphrase.baseAddress?.assumingMemoryBound(to: CChar.self), passphrase.count, flags)
    }

    func deactivateByName(_ device: OpaquePointer?, _ name: String, _ flags: UInt32) -> Int32 {
        table.crypt_deactivate_by_name!(device, name, flags)
    }
}
