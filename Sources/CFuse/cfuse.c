#define _GNU_SOURCE
#include <sched.h>
#include "cfuse.h"

struct fuse *halo_fuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *private_data) {
    return fuse_new(args, operations, sizeof(*operations), private_data);
}

int halo_unshare_mounts(void) {
    return unshare(CLONE_NEWNS);
}
