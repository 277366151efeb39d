/* Memory that aborts when it runs out, small string helpers, and the
 * macros every module uses. */
#ifndef SL_MEM_H
#define SL_MEM_H

#include <stdarg.h>
#include <stddef.h>

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SL_PRINTF(fmt, args)
#endif

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

#endif
