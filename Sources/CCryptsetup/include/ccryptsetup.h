/*
 * libcryptsetup's declarations, for HaloCryptsetup. Nothing here is linked: HaloCryptsetup
 * loads libcryptsetup.so.12 with dlopen(3) the first time an action needs it and fills the
 * table below with dlsym(3). Linking the library made every invocation of every halo agent
 * (portal and drbd monitors included) pay for loading it and its dependencies (libcrypto,
 * libdevmapper, libjson-c, libargon2, libblkid, libudev, libselinux): 4.3 M instructions,
 * measured with callgrind, more than a whole halo monitor.
 *
 * The pointer types are taken from the real prototypes with __typeof__, so a signature in this
 * table cannot disagree with the library's header.
 */
#ifndef CCRYPTSETUP_H
#define CCRYPTSETUP_H

#include <libcryptsetup.h>
#include <stdint.h>

struct halo_cryptsetup_functions {
    __typeof__(&crypt_init) crypt_init;
    __typeof__(&crypt_free) crypt_free;
    __typeof__(&crypt_set_log_callback) crypt_set_log_callback;
    __typeof__(&crypt_load) crypt_load;
    __typeof__(&crypt_set_pbkdf_type) crypt_set_pbkdf_type;
    __typeof__(&crypt_format) crypt_format;
    __typeof__(&crypt_keyslot_add_by_volume_key) crypt_keyslot_add_by_volume_key;
    __typeof__(&crypt_get_type) crypt_get_type;
    __typeof__(&crypt_get_uuid) crypt_get_uuid;
    __typeof__(&crypt_activate_by_passphrase) crypt_activate_by_passphrase;
    __typeof__(&crypt_deactivate_by_name) crypt_deactivate_by_name;
};

/* Activation flags: libcryptsetup.h writes them with UINT32_C, which Swift cannot import. */
static const uint32_t halo_crypt_activate_readonly = CRYPT_ACTIVATE_READONLY;
static const uint32_t halo_crypt_activate_allow_discards = CRYPT_ACTIVATE_ALLOW_DISCARDS;
static const uint32_t halo_crypt_activate_no_read_workqueue = CRYPT_ACTIVATE_NO_READ_WORKQUEUE;
static const uint32_t halo_crypt_activate_no_write_workqueue = CRYPT_ACTIVATE_NO_WRITE_WORKQUEUE;
static const uint32_t halo_crypt_pbkdf_no_benchmark = CRYPT_PBKDF_NO_BENCHMARK;

#endif
