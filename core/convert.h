/* Converters between record values and Kafka message bytes: "json" (byte
 * compatible with Kafka Connect's JsonConverter, with or without the
 * schemas.enable envelope), "string" and "bytes". Kafka Connect class names
 * are accepted as aliases. */
#ifndef SL_CONVERT_H
#define SL_CONVERT_H

#include "config.h"
#include "record.h"
#include "util.h"

typedef struct sl_converter sl_converter_t;

/* Creates a converter. name is "json", "string", "bytes" or one of the
 * Kafka Connect class names (org.apache.kafka.connect.json.JsonConverter,
 * org.apache.kafka.connect.storage.StringConverter,
 * org.apache.kafka.connect.converters.ByteArrayConverter). props holds the
 * converter's own keys without prefix ("schemas.enable",
 * "decimal.format" = BASE64|NUMERIC); may be NULL. NULL on failure with
 * errstr saying why (unknown name, bad property). */
sl_converter_t *sl_converter_new(const char *name, bool is_key, const sl_config_t *props,
				 char *errstr, size_t errstr_size);
void sl_converter_free(sl_converter_t *c);
/* The canonical short name: "json", "string" or "bytes". */
const char *sl_converter_name(const sl_converter_t *c);

/* Serialises v, appending the bytes to out (out is not reset). Sets *is_null
 * when the result is a Kafka null (a NULL value; no bytes appended).
 * Returns 0, or -1 with errstr when the value cannot be expressed (e.g. a
 * JSON value through the bytes converter). */
int sl_converter_from_value(sl_converter_t *c, const char *topic, const sl_value_t *v,
			    sl_buf_t *out, bool *is_null, char *errstr, size_t errstr_size);

/* Deserialises data (NULL = Kafka null) into out, which must be cleared
 * first. STRING/BYTES results borrow data (out->borrowed): the caller keeps
 * data alive as long as out. Returns 0, or -1 with errstr on malformed
 * input (bad JSON, missing envelope when schemas.enable, payload that does
 * not match its schema). */
int sl_converter_to_value(sl_converter_t *c, const char *topic, const void *data, size_t len,
			  sl_value_t *out, char *errstr, size_t errstr_size);

/* ---- JSON text as Kafka Connect writes it ----
 * Appends json to out in the exact form Jackson gives inside JsonConverter:
 * compact, object members in insertion order, Jackson's string escapes,
 * doubles as Java's Double.toString. schema (may be NULL) is used to write
 * float32 fields as Java's Float.toString. */
void sl_json_write(sl_buf_t *out, const json_t *json, const json_t *schema);

/* ---- logical types (payload helpers) ---- */
/* Decimal: base64 of the unscaled value's big-endian two's complement.
 * Converts a decimal text ("-12.345") at the given scale into the base64
 * payload; -1 when text is not a number or has more fraction digits than
 * scale. Result is malloc()ed. */
int sl_decimal_to_base64(const char *text, int scale, char **out);
/* The reverse: base64 payload at scale -> decimal text (malloc()ed). */
int sl_decimal_from_base64(const char *b64, int scale, char **out);
/* Schema builders in JsonConverter form (new references). */
json_t *sl_schema_primitive(const char *type, bool optional);
json_t *sl_schema_decimal(int scale, bool optional);
json_t *sl_schema_date(bool optional);      /* int32 days since epoch */
json_t *sl_schema_time(bool optional);      /* int32 ms since midnight */
json_t *sl_schema_timestamp(bool optional); /* int64 ms since epoch */

/* Base64 (standard alphabet, padded). Results malloc()ed. */
char *sl_base64_encode(const void *data, size_t len);
/* Returns -1 on malformed input. */
int sl_base64_decode(const char *text, size_t text_len, unsigned char **out, size_t *out_len);

#endif
