/*
 * C shims for what Swift cannot import directly: variadic functions, macros and
 * GNU extensions. No logic lives here: each function is one call.
 */
#ifndef CHALO_H
#define CHALO_H

#include <spawn.h>
#include <sys/auxv.h>
#include <sys/timex.h>
#include <sys/types.h>

/* syslog(3) is variadic; always called with a "%s" format so a message is never a format. */
void halo_openlog(const char *ident, int facility);
void halo_syslog(int priority, const char *message);

/* wait(2) status macros. */
int halo_wifexited(int status);
int halo_wexitstatus(int status);
int halo_wifsignaled(int status);
int halo_wtermsig(int status);
int halo_wcoredump(int status);

/* pidfd_open(2): a pollable handle on a child we spawned. */
int halo_pidfd_open(pid_t pid);

/* GNU extension: close every descriptor >= lowfd in the child. */
int halo_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

/* Names Swift resolves to the struct of the same name instead of the function. */
struct stat;
int halo_stat(const char *path, struct stat *info);
int halo_lstat(const char *path, struct stat *info);
int halo_fstat(int fd, struct stat *info);
int halo_flock(int fd, int operation);

/* pipe2(2) needs _GNU_SOURCE, which Swift's Glibc module is not built with. */
int halo_pipe2(int fds[2], int flags);

/* GNU extension: change directory in the child before exec. */
int halo_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* The process environment (a global in C). */
char **halo_environ(void);

/* signalfd(2) for the given signals, after blocking them (GNU headers). Returns the
   descriptor or -1 with errno. */
int halo_signalfd_create(const int *signals, int count);

/* The signal number of one pending signalfd_siginfo, 0 when none is pending, -1 with errno. */
int halo_signalfd_read(int fd);

/* The effective user id of a unix socket's peer (SO_PEERCRED, a GNU extension). */
int halo_peer_uid(int fd, unsigned int *uid);

/* accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (a GNU extension). */
int halo_accept_nonblocking(int fd);

/* adjtimex(2): <sys/timex.h> is not part of Swift's Glibc module; this header brings the
   struct and the STA_* and TIME_* constants with it. Read only when buffer->modes is 0. */
int halo_adjtimex(struct timex *buffer);

#endif
