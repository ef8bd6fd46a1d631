/* CHaloNet has no functions of its own; this file makes it a C target. */
#include "chalonet.h"
