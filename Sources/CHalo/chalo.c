#define _GNU_SOURCE
#include "chalo.h"

#include <stdarg.h>
#include <syslog.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <errno.h>

extern char **environ;

void halo_openlog(const char *ident, int facility) { openlog(ident, LOG_PID | LOG_NDELAY, facility); }
void halo_syslog(int priority, const char *message) { syslog(priority, "%s", message); }

int halo_wifexited(int status) { return WIFEXITED(status); }
int halo_wexitstatus(int status) { return WEXITSTATUS(status); }
int halo_wifsignaled(int status) { return WIFSIGNALED(status); }
int halo_wtermsig(int status) { return WTERMSIG(status); }
int halo_wcoredump(int status) { return WCOREDUMP(status); }

int halo_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int halo_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowfd);
}

int halo_stat(const char *path, struct stat *info) { return stat(path, info); }
int halo_lstat(const char *path, struct stat *info) { return lstat(path, info); }
int halo_fstat(int fd, struct stat *info) { return fstat(fd, info); }
int halo_flock(int fd, int operation) { return flock(fd, operation); }
int halo_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int halo_adjtimex(struct timex *buffer) { return adjtimex(buffer); }

int halo_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

char **halo_environ(void) { return environ; }

int halo_signalfd_create(const int *signals, int count) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int i = 0; i < count; i++) sigaddset(&mask, signals[i]);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0) return -1;
    return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int halo_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && errno == EAGAIN) return 0;
    return -1;
}

int halo_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}

int halo_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
