/* CCryptsetup has no code: its header only declares. A C target needs one source file; this
 * one checks at compile time what HaloCryptsetup relies on when it fills the table. */
#include "ccryptsetup.h"

_Static_assert(sizeof(__typeof__(&crypt_init)) == sizeof(void *),
               "dlsym returns a data pointer; function pointers must have its size");
