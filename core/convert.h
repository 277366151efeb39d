/* Converters between record values and Kafka message bytes: "json" (byte
 * compatible with Kafka Connect's JsonConverter, with or without the
 * schemas.enable envelope), "string" and "bytes". Kafka Connect class names
 * are accepted as aliases. */
#ifndef SL_CONVERT_H
#define SL_CONVERT_H

#include "sluice/config.h"
#include "sluice/data.h"
#include "sluice/options.h"
#include "sluice/record.h"
#include "sluice/util.h"

typedef struct sl_converter sl_converter_t;

/* The converters' own keys (what follows key.converter. / value.converter.,
 * Kafka Connect's names): schemas.enable, decimal.format, and keys accepted
 * for compatibility. NULL-name-terminated; for docs. */
extern const sl_option_t sl_converter_options[];

/* Creates a converter. name is "json", "string", "bytes" or one of the
 * Kafka Connect class names (org.apache.kafka.connect.json.JsonConverter,
 * org.apache.kafka.connect.storage.StringConverter,
 * org.apache.kafka.connect.converters.ByteArrayConverter). props (borrowed;
 * may be NULL) holds the converter's own keys without prefix, checked
 * against sl_converter_options. NULL on failure with errstr saying why
 * (unknown name; an unknown key, with did-you-mean, or a bad value, naming
 * the key with its key.converter. / value.converter. prefix and its
 * place). */
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

/* True when the bytes c writes for v are v's own bytes as they are (text or
 * bytes through the string or bytes converter, JSON text through the JSON
 * converter without schemas): a caller may send v->data itself instead of
 * a copy from sl_converter_from_value. */
bool sl_converter_passes_through(const sl_converter_t *c, const sl_value_t *v);

/* Deserialises data (NULL = Kafka null) into out, which must be cleared
 * first. STRING/BYTES results borrow data (out->borrowed): the caller keeps
 * data alive as long as out. Returns 0, or -1 with errstr on malformed
 * input (bad JSON, missing envelope when schemas.enable, payload that does
 * not match its schema). */
int sl_converter_to_value(sl_converter_t *c, const char *topic, const void *data, size_t len,
			  sl_value_t *out, char *errstr, size_t errstr_size);

#endif
