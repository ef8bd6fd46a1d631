/*
 * lab/image/host-uml/uml-xstate.c — preloaded into the lab's linux.uml (LD_PRELOAD): lets
 * Debian's user-mode-linux 6.1 restore its processes' FPU/vector registers on hosts whose
 * XSAVE area is larger than UML's own buffer (CPUs with AMX: 11 KB).
 *
 * UML 6.1 saves a process's registers with PTRACE_GETREGSET NT_X86_XSTATE into a buffer of
 * its fixed size (which the host kernel allows: it copies what fits), and restores them with
 * PTRACE_SETREGSET from the same buffer, which the host kernel refuses with EFAULT unless the
 * buffer is the host's whole XSAVE area (arch/x86/kernel/fpu/regset.c, xstateregs_set). UML
 * then kills the process: "userspace - ptrace set fp regs failed, errno = 14" and a panic on
 * init. (Upstream UML sizes its buffer from the host since.) Here a SETREGSET of NT_X86_XSTATE
 * shorter than the host's area reads the process's whole area first, lays UML's bytes over its
 * beginning and writes the whole area back: what UML saved is restored, the components past
 * UML's buffer (which it never saved) stay as they are. Every other call goes to libc as it is.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define NT_X86_XSTATE 0x202

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

/* Larger than any XSAVE area (AMX: 11008 bytes); UML calls ptrace from one thread. */
static unsigned char area[64 * 1024] __attribute__((aligned(64)));

long ptrace(enum __ptrace_request request, ...)
{
    static ptrace_fn real;
    va_list args;
    va_start(args, request);
    pid_t pid = va_arg(args, pid_t);
    void *addr = va_arg(args, void *);
    void *data = va_arg(args, void *);
    va_end(args);
    if (!real) {
        real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
        if (!real) {
            errno = ENOSYS;
            return -1;
        }
    }
    if (request == PTRACE_SETREGSET && (long)addr == NT_X86_XSTATE && data) {
        struct iovec *given = data;
        struct iovec whole = { area, sizeof(area) };
        if (real(PTRACE_GETREGSET, pid, addr, &whole) == 0 && given->iov_len < whole.iov_len) {
            memcpy(area, given->iov_base, given->iov_len);
            return real(PTRACE_SETREGSET, pid, addr, &whole);
        }
    }
    return real(request, pid, addr, data);
}
