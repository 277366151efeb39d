/* The Kafka Connect data model, for connectors that build or read values:
 * JSON text as JsonConverter writes it, base64, the Decimal payload, and
 * schemas of primitive and logical types in JsonConverter's form. Part of
 * the public API (a connector may include it). */
#ifndef SL_DATA_H
#define SL_DATA_H

#include <jansson.h>
#include <stdbool.h>

#include "sluice/record.h"
#include "sluice/util.h"

/* Kafka Connect logical type names (the "name" of their schemas). */
#define SL_LOGICAL_DECIMAL "org.apache.kafka.connect.data.Decimal"
#define SL_LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define SL_LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define SL_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

/* ---- JSON text as Kafka Connect writes it ----
 * Appends json to out in the exact form Jackson gives inside JsonConverter:
 * compact, object members in insertion order, Jackson's string escapes,
 * doubles as Java's Double.toString. schema (may be NULL) is used to write
 * float32 fields as Java's Float.toString. */
void sl_json_write(sl_buf_t *out, const json_t *json, const json_t *schema);

/* The pieces of that text, for a connector that writes a payload as
 * JSON_TEXT straight from its input. sl_json_write_string appends s (len
 * bytes of UTF-8) as a quoted JSON string with Jackson's escapes; bytes
 * that are not valid UTF-8 become U+FFFD, one per maximal invalid subpart,
 * as Java's UTF-8 decoder does. */
void sl_json_write_string(sl_buf_t *out, const char *s, size_t len);
/* Room for any number sl_format_double/sl_format_float write, with NUL. */
#define SL_NUMBER_BUF_SIZE 32
/* Java's Double.toString / Float.toString of v into buf (at least
 * SL_NUMBER_BUF_SIZE bytes): the shortest digits that read back as v,
 * plain when 1e-3 <= |v| < 1e7 ("100.0", "0.001"), else computerised
 * scientific ("1.0E7", "1.234E-4"); "NaN", "Infinity", "-Infinity".
 * Returns the length written. */
size_t sl_format_double(double v, char *buf);
size_t sl_format_float(float v, char *buf);

/* Appends a value as text, as a sink writes it where no format is asked
 * for: strings and bytes as they are, a JSON string as its text, other JSON
 * compact as JsonConverter writes it. Returns false (appending nothing)
 * for a null: SL_VALUE_NULL, a JSON value without json, JSON null. */
bool sl_value_text(sl_buf_t *out, const sl_value_t *v);

/* ---- base64 (standard alphabet, padded) ---- */
/* Results malloc()ed. */
char *sl_base64_encode(const void *data, size_t len);
/* Appends the base64 of data to out. */
void sl_base64_append(sl_buf_t *out, const void *data, size_t len);
/* Returns -1 on malformed input; *out is malloc()ed. */
int sl_base64_decode(const char *text, size_t text_len, unsigned char **out, size_t *out_len);

/* ---- Decimal: base64 of the unscaled value's big-endian two's complement ----
 * Converts a decimal text ("-12.345") at the given scale into the base64
 * payload; -1 when text is not a number or has more fraction digits than
 * scale. Result is malloc()ed. */
int sl_decimal_to_base64(const char *text, int scale, char **out);
/* The reverse: base64 payload at scale -> decimal text (malloc()ed). */
int sl_decimal_from_base64(const char *b64, int scale, char **out);
/* Appends the decimal text of the base64 payload b64 (len bytes) at scale:
 * plain ("-12.345"), or with java as BigDecimal.toString writes it
 * ("1.2E+3" for large exponents). -1 on a malformed payload. */
int sl_decimal_append_text(sl_buf_t *out, const char *b64, size_t len, int scale, bool java);

/* ---- schemas (new references) ---- */
json_t *sl_schema_primitive(const char *type, bool optional);
json_t *sl_schema_decimal(int scale, bool optional);
json_t *sl_schema_date(bool optional);      /* int32 days since epoch */
json_t *sl_schema_time(bool optional);      /* int32 ms since midnight */
json_t *sl_schema_timestamp(bool optional); /* int64 ms since epoch */
/* The "type" of a schema, or NULL when schema is NULL or has none. */
const char *sl_schema_type(const json_t *schema);
/* True when the schema's "name" equals name. */
bool sl_schema_is(const json_t *schema, const char *name);
/* Reads the scale parameter of a Decimal schema (an integer in a string,
 * as JsonConverter stores it) into *scale. -1 when missing or malformed. */
int sl_schema_decimal_scale(const json_t *schema, int *scale);

#endif
