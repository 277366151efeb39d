/* Small generic helpers, one header each, included here together: memory
 * and strings (mem.h), growable buffers (buf.h), error lists (errlist.h),
 * parsing (parse.h), clocks (clock.h), backoff (backoff.h) and whole-file
 * I/O (fileio.h). Nothing here knows about the worker, Kafka or
 * connectors. */
#ifndef SL_UTIL_H
#define SL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/backoff.h"
#include "sluice/buf.h"
#include "sluice/clock.h"
#include "sluice/errlist.h"
#include "sluice/fileio.h"
#include "sluice/mem.h"
#include "sluice/parse.h"

#endif
