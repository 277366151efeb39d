/* The growable byte buffer (sl_buf_t). */
#include "sluice/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sl_buf_reserve(sl_buf_t *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = sl_realloc(b->data, cap);
	b->cap = cap;
}

void sl_buf_append(sl_buf_t *b, const void *p, size_t n)
{
	sl_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sl_buf_append_str(sl_buf_t *b, const char *s)
{
	sl_buf_append(b, s, strlen(s));
}

void sl_buf_append_char(sl_buf_t *b, char c)
{
	sl_buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static void append_digits(sl_buf_t *b, uint64_t u, bool neg)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	sl_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sl_buf_append_int(sl_buf_t *b, int64_t v)
{
	append_digits(b, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

void sl_buf_append_uint(sl_buf_t *b, uint64_t u)
{
	append_digits(b, u, false);
}

void sl_buf_appendf(sl_buf_t *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	sl_buf_reserve(b, 64);
	size_t room = b->cap - b->len;
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room) {
		sl_buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	}
	if (n > 0)
		b->len += (size_t)n;
	va_end(ap2);
	va_end(ap);
}

void sl_buf_reset(sl_buf_t *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sl_buf_free(sl_buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *sl_buf_steal(sl_buf_t *b)
{
	char *p = b->data;
	if (!p)
		p = sl_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
