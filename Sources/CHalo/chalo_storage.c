#define _GNU_SOURCE
#include "chalo_storage.h"

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int halo_open_direct_flag(void) { return O_DIRECT; }
int halo_pidfd_send_signal(int pidfd, int signal) { return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0); }
