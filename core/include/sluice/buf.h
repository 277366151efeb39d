/* A growable byte buffer, NUL-terminated after every append. */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/mem.h"

/* A zeroed sl_buf_t is an empty buffer. data is always NUL-terminated after
 * any append (the NUL is not counted in len). Allocation failure aborts:
 * the worker cannot make progress without memory. */
typedef struct sl_buf {
	char *data;
	size_t len;
	size_t cap;
} sl_buf_t;

void sl_buf_reserve(sl_buf_t *b, size_t extra);
void sl_buf_append(sl_buf_t *b, const void *p, size_t n);
void sl_buf_append_str(sl_buf_t *b, const char *s);
void sl_buf_append_char(sl_buf_t *b, char c);
/* v in decimal (u unsigned). */
void sl_buf_append_int(sl_buf_t *b, int64_t v);
void sl_buf_append_uint(sl_buf_t *b, uint64_t u);
void sl_buf_appendf(sl_buf_t *b, const char *fmt, ...) SL_PRINTF(2, 3);
/* Empties the buffer but keeps its memory for reuse. */
void sl_buf_reset(sl_buf_t *b);
/* Frees the memory; the buffer is empty and reusable afterwards. */
void sl_buf_free(sl_buf_t *b);
/* Hands the memory to the caller (free() it) and empties the buffer. */
char *sl_buf_steal(sl_buf_t *b);

#endif
