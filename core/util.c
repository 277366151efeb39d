/* Small generic helpers: growable buffers, error lists, clocks, backoff. */
#include "sluice/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- buffers ---- */

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

/* ---- error lists ---- */

void sl_errlist_vaddf(sl_errlist_t *el, const char *fmt, va_list ap)
{
	sl_buf_t b = {0};
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	sl_buf_reserve(&b, (size_t)n);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	b.len = (size_t)n;
	if (el->count == el->cap) {
		el->cap = el->cap ? el->cap * 2 : 8;
		el->items = sl_realloc(el->items, el->cap * sizeof(*el->items));
	}
	el->items[el->count++] = sl_buf_steal(&b);
}

void sl_errlist_addf(sl_errlist_t *el, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_errlist_vaddf(el, fmt, ap);
	va_end(ap);
}

void sl_errlist_free(sl_errlist_t *el)
{
	for (size_t i = 0; i < el->count; i++)
		free(el->items[i]);
	free(el->items);
	el->items = NULL;
	el->count = el->cap = 0;
}

/* ---- parsing ---- */

int sl_parse_int64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

int sl_parse_bool(const char *s, bool *out)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

int sl_parse_double(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* ---- clocks ---- */

const char *sl_json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

int64_t sl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sl_wallclock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sl_sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- backoff ---- */

void sl_backoff_init(sl_backoff_t *b, int64_t base_ms, int64_t max_ms, uint64_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms > 0 ? max_ms : b->base_ms;
	b->attempt = 0;
	b->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

int64_t sl_backoff_next(sl_backoff_t *b)
{
	int64_t cap = b->base_ms;
	for (uint32_t i = 0; i < b->attempt && cap < b->max_ms; i++)
		cap *= 2;
	if (cap > b->max_ms)
		cap = b->max_ms;
	if (b->attempt < 64)
		b->attempt++;
	return (int64_t)(xorshift64(&b->rng) % (uint64_t)(cap + 1));
}

void sl_backoff_reset(sl_backoff_t *b)
{
	b->attempt = 0;
}

/* ---- files ---- */

static int fsync_dir_of(const char *path)
{
	char *copy = sl_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int sl_file_write_atomic(const char *path, const void *data, size_t len, char *errstr,
			 size_t errstr_size)
{
	char *tmp = sl_asprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		sl_seterr(errstr, errstr_size, "%s: cannot create: %s", tmp, strerror(errno));
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_seterr(errstr, errstr_size, "%s: write failed: %s", tmp,
				  strerror(errno));
			goto out_unlink;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		sl_seterr(errstr, errstr_size, "%s: fsync failed: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		sl_seterr(errstr, errstr_size, "%s: rename to %s failed: %s", tmp, path,
			  strerror(errno));
		goto out_unlink;
	}
	if (fsync_dir_of(path) != 0) {
		sl_seterr(errstr, errstr_size, "%s: fsync of directory failed: %s", path,
			  strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	return rc;
}

char *sl_file_read_all(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	sl_buf_t b = {0};
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			sl_buf_free(&b);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		sl_buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	if (len_out)
		*len_out = b.len;
	return sl_buf_steal(&b);
}
