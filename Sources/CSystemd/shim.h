/* libsystemd: the native journal protocol (structured fields). */
#include <sys/uio.h>
#include <systemd/sd-journal.h>
