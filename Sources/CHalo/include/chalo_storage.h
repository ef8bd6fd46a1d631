/*
 * C shims for storage agents: values and calls Swift's Glibc module leaves out, because it
 * is built without _GNU_SOURCE or because the call is a raw system call. No logic: each
 * function is one expression.
 */
#ifndef CHALO_STORAGE_H
#define CHALO_STORAGE_H

/* O_DIRECT (a _GNU_SOURCE flag whose value differs between architectures). */
int halo_open_direct_flag(void);

/* pidfd_send_signal(2): signal a process through a pidfd, immune to pid reuse. */
int halo_pidfd_send_signal(int pidfd, int signal);

#endif
