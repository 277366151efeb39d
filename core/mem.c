/* Memory that aborts when it runs out, and small string helpers. */
#include "sluice/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/buf.h"

static void oom(void)
{
	fputs("sluice: out of memory\n", stderr);
	abort();
}

void *sl_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sl_calloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		oom();
	return p;
}

void *sl_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *sl_strdup(const char *s)
{
	return s ? sl_strndup(s, strlen(s)) : NULL;
}

char *sl_strndup(const char *s, size_t n)
{
	char *d = sl_malloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *sl_asprintf(const char *fmt, ...)
{
	sl_buf_t b = {0};
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(tmp)) {
		sl_buf_append(&b, tmp, (size_t)n);
	} else if (n >= 0) {
		sl_buf_reserve(&b, (size_t)n + 1);
		vsnprintf(b.data, (size_t)n + 1, fmt, ap2);
		b.len = (size_t)n;
	}
	va_end(ap2);
	va_end(ap);
	if (!b.data)
		return sl_strdup("");
	return sl_buf_steal(&b);
}

size_t sl_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int sl_seterr(char *errstr, size_t errstr_size, const char *fmt, ...)
{
	if (errstr && errstr_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errstr, errstr_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}
