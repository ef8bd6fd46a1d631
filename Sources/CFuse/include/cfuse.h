// C shims for halo-scst-model (test-only): libfuse3's high-level API with the version define
// fuse.h needs before it is included, fuse_new (a macro), and unshare (a GNU extension).
#ifndef HALO_CFUSE_H
#define HALO_CFUSE_H

#define FUSE_USE_VERSION 35
#include <fuse3/fuse.h>

/// fuse_new with the operations' size filled in (the macro cannot be called from Swift).
struct fuse *halo_fuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *private_data);

/// unshare(CLONE_NEWNS): a mount namespace of the caller's own (a GNU extension in glibc's headers).
int halo_unshare_mounts(void);

#endif
