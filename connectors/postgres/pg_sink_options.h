/* postgres-sink's configuration (pg_sink_options.c), for pg_sink.c. */
#ifndef SL_PG_SINK_OPTIONS_H
#define SL_PG_SINK_OPTIONS_H

#include "pg_sink_sql.h"
#include "sluice/connector.h"

typedef struct pg_sink_config {
	char *url;
	char *user;
	char *password;
	char *table_format;
	int insert_mode;
	int pk_mode;
	char **pk_fields;
	bool auto_create;
	bool delete_enabled;
	int64_t batch_size;
	char *offsets_table;
} pg_sink_config_t;

/* Loads into pg_sink_config_t. */
extern const sl_option_t sl_pg_sink_options[];
/* The class names users' Kafka Connect configs give it. */
extern const char *const sl_pg_sink_aliases[];
/* insert.mode and pk.mode by value (SL_PG_MODE_*, SL_PG_PK_*). */
extern const char *const sl_pg_sink_insert_modes[];
extern const char *const sl_pg_sink_pk_modes[];

/* Checks what the table cannot (after sl_options_load) and turns a JDBC
 * URL into a libpq one: 0, or -1 with errs added. */
int sl_pg_sink_resolve(pg_sink_config_t *c, sl_errlist_t *errs);
/* The connector's validate callback. */
int sl_pg_sink_validate(const sl_config_t *config, sl_errlist_t *errs);

#endif
