/* A growable byte buffer, NUL-terminated after every append. */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/mem.h"

/* A zeroed sl_buf_t is an empty buffer. data is always NUL-terminated after
 * any append (the NUL is not counted in len). Allocation failure aborts:
 * the worker cannot make progress without memory. */
typedef struct sl_buf {
	char *data;
	size_t len;
	size_t cap;
} sl_buf_t;

/* Makes room for extra more bytes (and the NUL) by reallocating. */
void sl_buf_grow(sl_buf_t *b, size_t extra);

/* The appends are inline: the record paths make many small ones per record,
 * and a literal's length is known where it is appended. */
static inline void sl_buf_reserve(sl_buf_t *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
		sl_buf_grow(b, extra);
}

static inline void sl_buf_append(sl_buf_t *b, const void *p, size_t n)
{
	sl_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void sl_buf_append_str(sl_buf_t *b, const char *s)
{
	sl_buf_append(b, s, strlen(s));
}

static inline void sl_buf_append_char(sl_buf_t *b, char c)
{
	sl_buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* n bytes and a newline, with one reserve (a line of a sink's output). */
static inline void sl_buf_append_line(sl_buf_t *b, const void *p, size_t n)
{
	sl_buf_reserve(b, n + 1);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
}

/* Writes u's decimal digits to out (20 bytes suffice), without a NUL;
 * returns how many. */
size_t sl_uint_digits(uint64_t u, char *out);
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
