/* Which tables the postgres-source captures: Debezium's schema and table
 * include/exclude lists (POSIX extended regexes, each matching the whole
 * "schema" or "schema.table"). Pure: no libpq. */
#ifndef SL_PG_FILTER_H
#define SL_PG_FILTER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sl_pg_filter sl_pg_filter_t;

/* Compiles the lists (NULL-terminated, each may be NULL or empty). An
 * include list and its exclude list together are a configuration error, as
 * in Debezium. Returns NULL with errstr naming the bad pattern. */
sl_pg_filter_t *sl_pg_filter_new(const char *const *table_include, const char *const *table_exclude,
				 const char *const *schema_include,
				 const char *const *schema_exclude, char *errstr,
				 size_t errstr_size);
void sl_pg_filter_free(sl_pg_filter_t *f);

/* True when schema.table is captured. PostgreSQL's system schemas
 * (pg_catalog, information_schema, pg_toast) never are. */
bool sl_pg_filter_match(const sl_pg_filter_t *f, const char *schema, const char *table);

#endif
