/* postgres-sink's configuration: its option table (Confluent's JDBC sink
 * keys), the checks the table cannot make, and its class aliases. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink_options.h"

const char *const sl_pg_sink_aliases[] = {
	"io.confluent.connect.jdbc.JdbcSinkConnector",
	"io.debezium.connector.jdbc.JdbcSinkConnector",
	NULL,
};

const char *const sl_pg_sink_insert_modes[] = {"insert", "upsert", "update", NULL};
const char *const sl_pg_sink_pk_modes[] = {"none", "record_key", "record_value", NULL};

const sl_option_t sl_pg_sink_options[] = {
	{.name = "connection.url",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The database: a libpq URI (postgresql://user@127.0.0.1:5432/db?sslmode=require) "
		"or key=value conninfo string. A JDBC URL jdbc:postgresql://host:port/db is "
		"accepted (the jdbc: prefix is dropped; its query parameters must be libpq's).",
	 SL_OPT_AT(pg_sink_config_t, url)},
	{.name = "connection.user",
	 .type = SL_OPT_STRING,
	 .alias = "connection.username", /* Debezium JDBC sink's name */
	 .doc = "The database user; overrides a user in connection.url.",
	 SL_OPT_AT(pg_sink_config_t, user)},
	{.name = "connection.password",
	 .type = SL_OPT_PASSWORD,
	 .doc = "The password; overrides one in connection.url. Never logged.",
	 SL_OPT_AT(pg_sink_config_t, password)},
	{.name = "table.name.format",
	 .type = SL_OPT_STRING,
	 .def = "${topic}",
	 .doc = "The table of a record: every ${topic} is replaced by the record's topic, and "
		"the last dot-separated segment of the result is the table name (so the "
		"Debezium topic server.public.orders writes to table orders). The table is "
		"found through the connection's search_path; it is always a quoted "
		"identifier, so its case and any character are kept as they are.",
	 SL_OPT_AT(pg_sink_config_t, table_format)},
	{.name = "insert.mode",
	 .type = SL_OPT_ENUM,
	 .def = "insert",
	 .enums = sl_pg_sink_insert_modes,
	 .doc = "insert: INSERT, streamed with COPY FROM STDIN. upsert: INSERT ... ON CONFLICT "
		"(primary key) DO UPDATE, through COPY into a temporary staging table merged "
		"with one INSERT ... SELECT per chunk of rows "
		"(idempotent: the mode to use for change events and at-least-once "
		"redelivery). update: UPDATE ... WHERE primary key. upsert and update need "
		"pk.mode.",
	 SL_OPT_AT(pg_sink_config_t, insert_mode)},
	{.name = "pk.mode",
	 .type = SL_OPT_ENUM,
	 .def = "none",
	 .alias = "primary.key.mode", /* Debezium JDBC sink's name */
	 .enums = sl_pg_sink_pk_modes,
	 .doc = "Where the primary key comes from. none: no key. record_key: the record key "
		"(a struct: its fields, or the pk.fields of it; a primitive: one column "
		"named by pk.fields). record_value: the pk.fields of the value (for a "
		"Debezium event, of after, or before for a delete).",
	 SL_OPT_AT(pg_sink_config_t, pk_mode)},
	{.name = "pk.fields",
	 .type = SL_OPT_LIST,
	 .alias = "primary.key.fields", /* Debezium JDBC sink's name */
	 .doc = "The primary key columns (comma list). Empty with record_key: every field "
		"of the key struct. Required with record_value.",
	 SL_OPT_AT(pg_sink_config_t, pk_fields)},
	{.name = "auto.create",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Create a missing table (CREATE TABLE IF NOT EXISTS) from the record's "
		"schema, with the primary key columns as PRIMARY KEY. Columns of optional "
		"fields are nullable, the others NOT NULL. Existing tables are not altered.",
	 SL_OPT_AT(pg_sink_config_t, auto_create)},
	{.name = "offsets.table",
	 .type = SL_OPT_STRING,
	 .doc = "Exactly once: a table (created when missing; a name or schema.name of "
		"letters, digits and _) where the task keeps its Kafka positions (connector, "
		"topic, kafka_partition, next_offset), written in the same transaction as the "
		"rows. On assignment the task reads from those positions instead of the "
		"consumer group's, so rows are never written twice after a crash, even in "
		"insert mode. Unset: the group's offsets (at least once).",
	 SL_OPT_AT(pg_sink_config_t, offsets_table)},
	{.name = "delete.enabled",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Delete the row of the record key on a tombstone (null value) and on a "
		"Debezium delete event (op d), and TRUNCATE the table on a Debezium truncate "
		"event (op t). When false those records are skipped. Needs "
		"pk.mode=record_key.",
	 SL_OPT_AT(pg_sink_config_t, delete_enabled)},
	{.name = "batch.size",
	 .type = SL_OPT_INT,
	 .def = "3000",
	 .doc = "At most this many rows per DELETE statement (fewer when the "
		"65535-parameter limit of the protocol is reached); inserts and upserts go "
		"through COPY whatever their number. Consecutive rows of one "
		"table, operation and column set share a statement; a key that appears "
		"more than once among the upserts merged at once keeps its last row.",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1000000),
	 SL_OPT_AT(pg_sink_config_t, batch_size)},
	SL_OPT_END,
};

/* ---- configuration ------------------------------------------------------- */

/* A plain identifier or schema.identifier: written into SQL as it is. */
static bool offsets_table_ok(const char *t)
{
	int dots = 0;
	size_t n = strlen(t);

	if (!n || t[0] == '.' || t[n - 1] == '.')
		return false;
	for (; *t; t++) {
		if (*t == '.')
			dots++;
		else if (!(*t == '_' || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
			   (*t >= '0' && *t <= '9')))
			return false;
	}
	return dots <= 1;
}

int sl_pg_sink_resolve(pg_sink_config_t *c, sl_errlist_t *errs)
{
	size_t before = errs->count;
	char *err = NULL;

	if (c->insert_mode != SL_PG_MODE_INSERT && c->pk_mode == SL_PG_PK_NONE)
		sl_errlist_addf(errs, "insert.mode=%s needs a primary key: set pk.mode",
				sl_pg_sink_insert_modes[c->insert_mode]);
	if (c->delete_enabled && c->pk_mode != SL_PG_PK_RECORD_KEY)
		sl_errlist_addf(errs, "delete.enabled=true needs pk.mode=record_key");
	if (c->pk_mode == SL_PG_PK_RECORD_VALUE && !(c->pk_fields && c->pk_fields[0]))
		sl_errlist_addf(errs, "pk.mode=record_value needs pk.fields");
	if (c->offsets_table && !offsets_table_ok(c->offsets_table))
		sl_errlist_addf(errs,
				"offsets.table '%s' is not a table name: letters, digits and _, "
				"with at most one '.' between schema and table",
				c->offsets_table);
	if (c->url && !strncmp(c->url, "jdbc:", 5))
		memmove(c->url, c->url + 5, strlen(c->url + 5) + 1);
	if (c->url) {
		PQconninfoOption *o = PQconninfoParse(c->url, &err);
		if (!o)
			sl_errlist_addf(errs, "connection.url does not parse: %s",
					err ? err : "out of memory");
		PQconninfoFree(o);
		PQfreemem(err);
	}
	return errs->count == before ? 0 : -1;
}

int sl_pg_sink_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	pg_sink_config_t c;
	sl_errlist_t ignored = {0}; /* the option table's errors are reported already */
	int rc = 0;

	if (sl_options_load(sl_pg_sink_options, config, &c, &ignored) == 0)
		rc = sl_pg_sink_resolve(&c, errs);
	sl_options_free(sl_pg_sink_options, &c);
	sl_errlist_free(&ignored);
	return rc;
}
