/* Small helpers for transforms that work on struct payloads and their
 * schema JSON (JsonConverter's form, see sluice/record.h): the value a
 * transform works on, finding a field and its value as Kafka Connect's
 * Struct.get gives it, building schema JSON in JsonConverter's key order,
 * and a cache of derived schemas keyed by input schema. Trees passed in are
 * read-only: nothing here changes them. */
#ifndef SL_TX_STRUCT_H
#define SL_TX_STRUCT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "transform.h"

/* The key or the value of r, as part names it. */
sl_value_t *sl_txs_operand(sl_record_t *r, sl_tx_part_t part);

/* True when r has a timestamp, as Kafka Connect's record.timestamp() is
 * not null: 0 is sluice's "none" (sluice/record.h), and a negative one is
 * librdkafka's (a sink record from a message without one). */
bool sl_txs_has_timestamp(const sl_record_t *r);

/* True when v holds no value: SL_VALUE_NULL, a JSON value without json or
 * with JSON null (a tombstone when it is the record value). */
bool sl_txs_is_null(const sl_value_t *v);

/* Whether v has no schema as Kafka Connect sees it, so that a transform
 * takes its schemaless path: no schema, and not a string or bytes value
 * (StringConverter and ByteArrayConverter give those an optional string /
 * bytes schema there, even where sluice keeps none). */
bool sl_txs_schemaless(const sl_value_t *v);

/* True when schema s (may be NULL) is a struct schema. */
bool sl_txs_is_struct(const json_t *s);

/* True when v has the schema of a Debezium change event: a name ending in
 * ".Envelope", as Debezium's SMTs tell one. */
bool sl_txs_is_envelope(const sl_value_t *v);
bool sl_txs_is_envelope_schema(const json_t *schema);

/* The entry of struct schema s for field name (an object of "fields", with
 * its "field" member), or NULL when s has no such field. Borrowed. */
const json_t *sl_txs_field(const json_t *s, const char *name);

/* The same in a "fields" array (e.g. one being built), or NULL. Borrowed. */
const json_t *sl_txs_fields_find(const json_t *fields, const char *name);

/* The value of a struct field as Kafka Connect's Struct.get gives it: the
 * payload's member; when that is null or absent and replace_default is
 * set, the field schema's default (Struct.getWithoutDefault when it is
 * not). NULL for a null. Borrowed. */
json_t *sl_txs_field_value(const json_t *payload, const json_t *field, bool replace_default);

/* Copies member key of src (may be NULL) into dst, when src has it. */
void sl_txs_copy_member(json_t *dst, const json_t *src, const char *key);

/* What a new schema is made of (sl_txs_schema_new). */
typedef struct sl_txs_schema {
	const char *type;     /* "struct", "int32", ... */
	json_t *fields;       /* struct: the "fields" array (stolen); NULL: [] */
	const json_t *nested; /* array / map: "items" / "keys", "values" are
				 copied from this schema */
	bool optional;
	json_t *def;          /* "default" (stolen), or NULL for none */
	const json_t *basics; /* copies "name", "version", "doc" and
				  "parameters" from this schema, as Kafka's
				  SchemaUtil.copySchemaBasics; may be NULL */
	const char *field;    /* the field name when the schema is an entry
				  of a struct's "fields"; may be NULL */
} sl_txs_schema_t;

/* A new schema object with its members in the order JsonConverter's
 * asJsonSchema writes them: type, fields / items / keys, values, optional,
 * name, version, doc, parameters, default, then field. */
json_t *sl_txs_schema_new(const sl_txs_schema_t *spec);

/* Field schema f (an entry of "fields") as the entry of a field named
 * name: f itself (a new reference) when it already has that name, else a
 * copy with the new "field". */
json_t *sl_txs_field_entry(const json_t *f, const char *name);

/* The schema of a field: its entry f of "fields" without the "field"
 * member (a new object). */
json_t *sl_txs_field_schema(const json_t *f);

/* Kafka Connect's Schema.Type name of schema s, as its messages print it
 * ("INT32", "STRUCT"; "" for none), written to buf (size bytes); returns
 * buf. */
const char *sl_txs_type_upper(const json_t *s, char *buf, size_t size);

/* The top-level object j, to change: j itself when the value holding it
 * holds the only reference (no other record shares the tree), else a
 * shallow copy; either way a reference the caller owns, to hand to
 * sl_value_set_json (which drops the value's own). A chain of transforms
 * on a schemaless map then changes one map instead of copying it at each
 * step. Only the top level may be changed: members may be shared. */
json_t *sl_txs_writable(json_t *j);

/* The Java class Kafka Connect would see for a value of v's kind, as
 * sl_txs_java_class. */
const char *sl_txs_value_class(const sl_value_t *v);

/* The Java class Kafka Connect would see for a value (for messages that
 * mirror Kafka's): "null", "java.lang.String", "java.lang.Long",
 * "org.apache.kafka.connect.data.Struct", ... schema may be NULL. */
const char *sl_txs_java_class(const json_t *json, const json_t *schema);

/* Kafka's Requirements.requireStruct / requireMap: true when v is a
 * struct (a JSON object under a struct schema) / a schemaless JSON object;
 * else false with err saying so in Kafka's words, purpose naming what the
 * transform does ("cast types"). */
bool sl_txs_require_struct(const sl_value_t *v, const char *purpose, char *err, size_t err_size);
bool sl_txs_require_map(const sl_value_t *v, const char *purpose, char *err, size_t err_size);

/* What a transform does to a map (schemaless) or a struct (with_schema)
 * value: Kafka's applySchemaless / applyWithSchema. */
typedef sl_tx_result_t (*sl_txs_apply_fn)(void *state, sl_value_t *v, char *err, size_t err_size);

/* The apply of a transform that works on a whole map or struct: a value
 * without a schema must be a map (Kafka's requireMap) and goes to
 * schemaless, one with a schema must be a struct (requireStruct) and goes
 * to with_schema; anything else is SL_TX_ERROR with err in Kafka's words.
 * A tombstone is the caller's to let through first where Kafka's does. */
sl_tx_result_t sl_txs_apply_map_or_struct(sl_value_t *v, const char *purpose, void *state,
					  sl_txs_apply_fn schemaless, sl_txs_apply_fn with_schema,
					  char *err, size_t err_size);

/* A cache of schemas derived from input schemas, e.g. the output schema
 * of a transform for each input schema it has seen. Lookups compare the
 * pointer first, then the content, so equal schemas parsed apart share an
 * entry. Holds a reference to every key and value; the oldest entry makes
 * room once it is full. A zeroed cache is empty. */
#define SL_TXS_CACHE_SIZE 16
typedef struct sl_txs_cache {
	struct {
		json_t *in, *out;
	} e[SL_TXS_CACHE_SIZE];
	size_t n, next;
} sl_txs_cache_t;

/* The schema cached for in (borrowed), or NULL. */
json_t *sl_txs_cache_get(sl_txs_cache_t *c, const json_t *in);
/* Caches out (stolen) for in (referenced); returns out. */
json_t *sl_txs_cache_put(sl_txs_cache_t *c, json_t *in, json_t *out);
void sl_txs_cache_free(sl_txs_cache_t *c);

/* Builds the schema derived from in (a new reference), or NULL with err
 * when in cannot be converted. */
typedef json_t *(*sl_txs_derive_fn)(void *state, const json_t *in, char *err, size_t err_size);

/* The schema cached for in (borrowed), built with derive(state, ...) and
 * cached on first sight; NULL with err when derive fails (nothing is
 * cached then, so a later record with the same schema fails the same way). */
json_t *sl_txs_cache_derive(sl_txs_cache_t *c, json_t *in, sl_txs_derive_fn derive, void *state,
			    char *err, size_t err_size);

#endif
