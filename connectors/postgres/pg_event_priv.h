/* Shared by pg_event.c (the builder) and pg_event_values.c (the column type
 * mapping and the parsers of PostgreSQL's text output forms) only. */
#ifndef SL_PG_EVENT_PRIV_H
#define SL_PG_EVENT_PRIV_H

#include "pg_event.h"
#include "sluice/buf.h"

typedef enum sl_pgv_kind {
	SL_PGV_BOOL,
	SL_PGV_INT16,
	SL_PGV_INT32,
	SL_PGV_INT64,
	SL_PGV_FLOAT32,
	SL_PGV_FLOAT64,
	SL_PGV_DECIMAL,    /* Connect Decimal at a fixed scale (base64) */
	SL_PGV_VSDECIMAL,  /* io.debezium.data.VariableScaleDecimal {scale, value} */
	SL_PGV_NUM_DOUBLE, /* numeric as double */
	SL_PGV_NUM_STRING, /* numeric as its text */
	SL_PGV_STRING,     /* text as it is (text, varchar, json, uuid, enum, unknown) */
	SL_PGV_BYTES,      /* bytea -> base64 */
	SL_PGV_DATE,       /* int32 days since the epoch */
	SL_PGV_TIME_US,    /* int64 microseconds since midnight */
	SL_PGV_TIME_MS,    /* int32 milliseconds since midnight */
	SL_PGV_TS_US,      /* int64 microseconds since the epoch */
	SL_PGV_TS_MS,      /* int64 milliseconds since the epoch */
	SL_PGV_ZONED_TS,   /* ISO-8601 string in UTC */
	SL_PGV_ZONED_TIME, /* ISO-8601 time string in UTC */
	SL_PGV_INTERVAL,   /* int64 microseconds (io.debezium.time.MicroDuration) */
	SL_PGV_ARRAY,      /* one-dimensional array of elem */
	SL_PGV_POINT,      /* io.debezium.data.geometry.Point {x, y, wkb, srid} */
} sl_pgv_kind_t;

/* The text form a column's value comes in, when it is not the one kind
 * implies: money and bit strings are written as numbers, bytes or booleans. */
typedef enum sl_pgv_text {
	SL_PGV_TEXT_NATIVE = 0, /* the form of kind itself */
	SL_PGV_TEXT_MONEY,      /* "$1,234.56", "-$0.05" */
	SL_PGV_TEXT_BITS,       /* "0101", most significant bit first */
} sl_pgv_text_t;

/* How one column's text turns into its payload. */
typedef struct sl_pgv_conv {
	sl_pgv_kind_t kind;
	sl_pgv_text_t text;
	int scale;                /* DECIMAL: the scale */
	int width;                /* ZONED_TS: fraction digits, -1 as few as needed */
	struct sl_pgv_conv *elem; /* ARRAY: the element (owned) */
	char *type_name;          /* for messages: "numeric(10,2)", "_int4" */
} sl_pgv_conv_t;

/* Resolves the column type (oid, typmod) through types into *conv and its
 * Kafka Connect schema (a new object without "field"). */
void sl_pgv_resolve(const sl_pg_types_t *types, const sl_pg_event_config_t *cfg, uint32_t oid,
		    int32_t typmod, bool optional, sl_pgv_conv_t *conv, json_t **schema);
void sl_pgv_conv_clear(sl_pgv_conv_t *conv);

/* Parses len bytes of text output form into *out (new reference). Returns
 * 0, or -1 with errstr saying what the text is not. */
int sl_pgv_parse(const sl_pgv_conv_t *conv, const char *text, size_t len, json_t **out,
		 char *errstr, size_t errstr_size);

/* Appends the payload of len bytes of text output form to out as the
 * JSON converter writes it (schema: the column's, which float32 values
 * are written by). Returns 0, or -1 with errstr as sl_pgv_parse. */
int sl_pgv_write(const sl_pgv_conv_t *conv, const json_t *schema, const char *text, size_t len,
		 sl_buf_t *out, char *errstr, size_t errstr_size);

/* The placeholder payload for an unchanged TOASTed value of conv, or NULL
 * when the type has none (the column is then null). */
json_t *sl_pgv_placeholder(const sl_pgv_conv_t *conv, const char *placeholder);

/* Days since 1970-01-01 of a proleptic Gregorian date (astronomical year). */
int64_t sl_pgv_days_from_civil(int64_t y, int m, int d);

#endif
