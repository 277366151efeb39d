/* The growable byte buffer (sl_buf_t). */
#include "sluice/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sl_buf_grow(sl_buf_t *b, size_t extra)
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

size_t sl_uint_digits(uint64_t u, char *out)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char tmp[20], *p = tmp + sizeof(tmp);

	/* two digits per division */
	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);
		u /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(out, p, n);
	return n;
}

static void append_digits(sl_buf_t *b, uint64_t u, bool neg)
{
	sl_buf_reserve(b, 21);
	if (neg)
		b->data[b->len++] = '-';
	b->len += sl_uint_digits(u, b->data + b->len);
	b->data[b->len] = '\0';
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
