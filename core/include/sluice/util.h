/* Small generic helpers: growable buffers, error lists, clocks, backoff.
 * Nothing here knows about the worker, Kafka or connectors. */
#ifndef SL_UTIL_H
#define SL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SL_PRINTF(fmt, args)
#endif

/* ---- growable byte buffer ------------------------------------------------
 * A zeroed sl_buf_t is an empty buffer. data is always NUL-terminated after
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
void sl_buf_appendf(sl_buf_t *b, const char *fmt, ...) SL_PRINTF(2, 3);
/* Empties the buffer but keeps its memory for reuse. */
void sl_buf_reset(sl_buf_t *b);
/* Frees the memory; the buffer is empty and reusable afterwards. */
void sl_buf_free(sl_buf_t *b);
/* Hands the memory to the caller (free() it) and empties the buffer. */
char *sl_buf_steal(sl_buf_t *b);

/* ---- error list ----------------------------------------------------------
 * Collects every problem found (validation reports all errors, not the
 * first). A zeroed sl_errlist_t is empty. */
typedef struct sl_errlist {
	char **items;
	size_t count;
	size_t cap;
} sl_errlist_t;

void sl_errlist_addf(sl_errlist_t *el, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_errlist_vaddf(sl_errlist_t *el, const char *fmt, va_list ap);
void sl_errlist_free(sl_errlist_t *el);

/* ---- memory -------------------------------------------------------------- */
void *sl_malloc(size_t n);            /* aborts on failure */
void *sl_calloc(size_t n, size_t sz); /* aborts on failure */
void *sl_realloc(void *p, size_t n);  /* aborts on failure */
char *sl_strdup(const char *s);       /* NULL in, NULL out; aborts on OOM */
char *sl_strndup(const char *s, size_t n);
char *sl_asprintf(const char *fmt, ...) SL_PRINTF(1, 2);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t sl_strlcpy(char *dst, const char *src, size_t size);
/* snprintf into errstr when errstr is not NULL; returns -1 for chaining. */
int sl_seterr(char *errstr, size_t errstr_size, const char *fmt, ...) SL_PRINTF(3, 4);

/* ---- parsing ------------------------------------------------------------- */
/* Strict integer/bool parsing: the whole string must be consumed.
 * Return 0 on success, -1 on a malformed or out-of-range value. */
int sl_parse_int64(const char *s, int64_t *out);
int sl_parse_bool(const char *s, bool *out);
int sl_parse_double(const char *s, double *out);

/* The JSON type of j in words for messages ("an object", "a string", "a
 * real number", "null", ...); a static string. */
const char *sl_json_kind(const json_t *j);

/* ---- clocks -------------------------------------------------------------- */
int64_t sl_now_ms(void);       /* monotonic milliseconds */
int64_t sl_wallclock_ms(void); /* milliseconds since the Unix epoch */
void sl_sleep_ms(int64_t ms);

/* ---- exponential backoff with full jitter --------------------------------
 * delay(attempt) = random in [0, min(max_ms, base_ms * 2^attempt)]. The
 * random source is a per-object xorshift state so tests can seed it. */
typedef struct sl_backoff {
	int64_t base_ms;
	int64_t max_ms;
	uint32_t attempt;
	uint64_t rng;
} sl_backoff_t;

void sl_backoff_init(sl_backoff_t *b, int64_t base_ms, int64_t max_ms, uint64_t seed);
/* Returns the next delay and advances the attempt counter. */
int64_t sl_backoff_next(sl_backoff_t *b);
void sl_backoff_reset(sl_backoff_t *b);

/* ---- files --------------------------------------------------------------- */
/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename over path, fsync the directory. On failure errstr says why and
 * path is untouched. */
int sl_file_write_atomic(const char *path, const void *data, size_t len, char *errstr,
			 size_t errstr_size);
/* Reads a whole file into a NUL-terminated malloc()ed buffer. NULL on
 * failure with errno set. */
char *sl_file_read_all(const char *path, size_t *len_out);

#endif
