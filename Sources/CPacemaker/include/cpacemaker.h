/*
 * Pacemaker's libraries, for haloctl's reading of the cluster: the CIB (libcib's public query,
 * what `cibadmin --query` runs) and the cluster's status (libpacemaker's public `pcmk_status`,
 * the XML `crm_mon --output-as=xml` prints), in-process instead of two forked tools.
 *
 * Nothing is linked: the libraries (libcib.so.27, libpacemaker.so.1, libcrmcommon.so.34:
 * Pacemaker 2.1) are loaded with dlopen(3) the first time haloctl reads a Pacemaker cluster, so
 * no other command, and no halod node, pays for loading them. This header declares only halo's
 * own calls; cpacemaker.c includes Pacemaker's headers (Debian's pacemaker-dev).
 *
 * None of these calls has a timeout of its own (Pacemaker's IPC waits): the Swift side runs
 * them on a thread of its own and waits only until its deadline (HaloSystem's BoundedCall).
 * Pacemaker's libraries are not thread-safe: one call at a time (the Swift side holds a lock).
 */
#ifndef CPACEMAKER_H
#define CPACEMAKER_H

#include <stddef.h>

/*
 * Loads the libraries and looks up every function halo calls. 0 on success; otherwise -1 and
 * `error` says what was missing (dlerror's text). Loading twice is a no-op.
 */
int halo_pcmk_load(char *error, size_t error_size);

/*
 * The whole CIB as unformatted XML (`*xml`, free it with halo_pcmk_free). 0 on success;
 * otherwise Pacemaker's legacy return code (negative errno) and `error` says which step failed.
 */
int halo_pcmk_cib_query(char **xml, char *error, size_t error_size);

/*
 * The cluster's status as crm_mon's XML (`<pacemaker-result>`, every section, the full fencing
 * history; `*xml`, free it with halo_pcmk_free). 0 on success; otherwise a standard Pacemaker
 * return code and `error` says what failed. A result with a `<status code>` other than 0 is
 * still returned: the caller reads its message, as it does crm_mon's.
 */
int halo_pcmk_status(char **xml, char *error, size_t error_size);

/* Frees what the calls above returned. */
void halo_pcmk_free(char *xml);

#endif
