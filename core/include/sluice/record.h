/* The record and its value model, shared by source tasks, sink tasks,
 * converters and the worker.
 *
 * A value is one of:
 *   NULL    no value (a tombstone when it is the record value)
 *   BYTES   raw bytes (data, len)
 *   STRING  UTF-8 text (data, len), schema "string"
 *   JSON    structured data: json is the payload exactly as Kafka Connect's
 *           JsonConverter writes it (bytes and Decimal as base64 strings,
 *           Date as int days, Time as int ms, Timestamp as int ms), and
 *           schema is the Kafka Connect schema in JsonConverter's schema
 *           JSON form ({"type":"struct","fields":[...],"optional":false,
 *           "name":...}) or NULL when the value is schemaless.
 *   JSON_TEXT the same payload as JSON, already written as text (data, len):
 *           exactly what JsonConverter writes for it with its default
 *           decimal.format (BASE64), so a converter copies it as it is. A
 *           source that makes its values straight from its input (the
 *           postgres-source's change events) builds no tree. Never a JSON
 *           null: that is a JSON value without json. Whatever needs a tree
 *           (a transform, another converter, NUMERIC decimals) gets one
 *           from sl_value_materialize.
 *   FIELDS  a struct (schema set) or map (schema NULL) a transform built out
 *           of other values without a JSON tree (HoistField, InsertField):
 *           fields, in order, each a value of any kind. Only transforms and
 *           converters meet one: the transform chain hands every other
 *           transform, and a sink connector, the JSON form
 *           (sl_value_materialize). Field names are borrowed from the
 *           transform that set them.
 *
 * Ownership: a value owns data (unless borrowed is set: then something else,
 * e.g. the Kafka message it came from, keeps it alive), and holds one
 * reference to json and to schema. JSON trees may share parts between
 * records (schemas always; e.g. the "source" block of a batch of change
 * events): treat a tree as read-only, and copy a part before changing it. */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sl_value_kind {
	SL_VALUE_NULL = 0,
	SL_VALUE_BYTES,
	SL_VALUE_STRING,
	SL_VALUE_JSON,
	SL_VALUE_FIELDS,
	SL_VALUE_JSON_TEXT,
} sl_value_kind_t;

typedef struct sl_fields sl_fields_t;

typedef struct sl_value {
	sl_value_kind_t kind;
	bool borrowed; /* data is not owned */
	const char *data;
	size_t len;
	json_t *json;
	json_t *schema;
	sl_fields_t *fields; /* FIELDS */
} sl_value_t;

/* A field name as a transform configures it once: the name and its JSON
 * key text ("\"name\":"), written as it is for every record. */
typedef struct sl_field_name {
	char *name;
	size_t len;
	char *json;
	size_t json_len;
} sl_field_name_t;

typedef struct sl_field {
	const sl_field_name_t *name; /* borrowed */
	/* The value's JSON text when whoever set the value made it once (a
	 * configured constant), written as it is; NULL otherwise. */
	const char *json;
	size_t json_len;
	sl_value_t value;
} sl_field_t;

struct sl_fields {
	size_t count, cap;
	/* Where the block goes when its value is cleared, if that slot is
	 * empty (a transform's spare block for its next record); else freed. */
	sl_fields_t **home;
	sl_field_t f[];
};

typedef struct sl_header {
	char *key;
	char *value; /* may be NULL (a null header value) */
	size_t len;
} sl_header_t;

typedef struct sl_record {
	/* Borrowed, never freed by the record: a source's topic string must
	 * stay valid until its next poll that starts with an empty batch (keep
	 * it in the task's state), a sink record's until put returns. */
	const char *topic;
	int32_t partition; /* -1: let the partitioner choose */
	int64_t offset;    /* Kafka offset (sink records), -1 otherwise */
	int64_t timestamp; /* ms since epoch; 0: now (sources) / none */
	sl_value_t key;
	sl_value_t value;
	sl_header_t *headers;
	size_t header_count;

	/* Source records only. The source partition and the offset in it
	 * (small JSON objects). The partition is borrowed like the topic: the
	 * task keeps it alive (in its state) until its next poll that starts
	 * with an empty batch, or its stop; the worker takes a reference of
	 * its own where it keeps one. The offset is the record's (one
	 * reference, owned). A record whose source_offset is NULL does not
	 * move the stored offset:
	 * the stored offset of a partition is the one of the newest record that
	 * carries one and whose predecessors Kafka has all acknowledged. A task
	 * may therefore put the offset on the last record of a batch only. */
	json_t *source_partition;
	json_t *source_offset;
	/* Handed back to the task's acked() callback exactly once, with what
	 * became of the record (delivered, skipped, failed, dropped); NULL
	 * when the task wants no callback for it. */
	void *ack_data;
	/* A new field: sl_record_init sets every field by name. */
} sl_record_t;

/* ---- values ---- */
void sl_value_clear(sl_value_t *v); /* releases and zeroes (kind NULL) */
/* Sets a copied string / bytes value. */
void sl_value_set_string(sl_value_t *v, const char *s, size_t len);
void sl_value_set_bytes(sl_value_t *v, const void *p, size_t len);
/* Sets a string value that points at data without copying (borrowed: the
 * caller keeps data alive as long as the value, e.g. with sl_batch_copy). */
void sl_value_set_string_ref(sl_value_t *v, const char *s, size_t len);
/* Takes ownership of a malloc()ed buffer of len bytes (NUL-terminated for
 * strings is not required). */
void sl_value_take_string(sl_value_t *v, char *s, size_t len);
/* Structured value; steals one reference of json and of schema (either may
 * be NULL: a NULL json with a schema is a null of that schema). */
void sl_value_set_json(sl_value_t *v, json_t *json, json_t *schema);
/* A JSON_TEXT value: takes the malloc()ed text (len bytes, the payload's
 * JSON as JsonConverter writes it) and steals schema's reference (NULL:
 * schemaless). */
void sl_value_take_json_text(sl_value_t *v, char *text, size_t len, json_t *schema);
/* An empty FIELDS value with room for cap fields; steals schema's
 * reference (NULL: a map). Its block is *home's when that holds one (which
 * it then no longer does), and goes back there when the value is cleared
 * and *home is empty; home may be NULL. The owner of *home frees what it
 * holds (sl_fields_free) after the last value it gave out is cleared. */
void sl_value_set_fields(sl_value_t *v, size_t cap, json_t *schema, sl_fields_t **home);
void sl_fields_free(sl_fields_t *f);
/* The field name of FIELDS value v: the existing one, its value cleared,
 * in its place, or a new one at the end (name is borrowed). */
sl_field_t *sl_value_field_put(sl_value_t *v, const sl_field_name_t *name);
/* A new field at the end, for a name v is known not to have. */
sl_field_t *sl_value_field_append(sl_value_t *v, const sl_field_name_t *name);
/* Sets n to name (copied) and its JSON key; sl_field_name_free releases. */
void sl_field_name_init(sl_field_name_t *n, const char *name, size_t len);
void sl_field_name_free(sl_field_name_t *n);
/* The value's payload in JSON form, a new reference (NULL for none): text
 * as a JSON string (invalid UTF-8 replaced by U+FFFD as Java decodes it),
 * bytes as base64, FIELDS as an object of their payloads, JSON_TEXT
 * parsed. */
json_t *sl_value_payload(const sl_value_t *v);
/* Turns a FIELDS or JSON_TEXT value into the same JSON value (schema
 * kept); any other value is left as it is. */
void sl_value_materialize(sl_value_t *v);

/* ---- records ---- */
void sl_record_init(sl_record_t *r);  /* zero, partition -1, offset -1 */
void sl_record_clear(sl_record_t *r); /* releases everything, then init */
/* Points the record at topic (borrowed; see sl_record_t.topic). */
void sl_record_set_topic(sl_record_t *r, const char *topic);
void sl_record_add_header(sl_record_t *r, const char *key, const void *value, size_t len);

/* ---- batches ----
 * A growable array of records stored inline, plus an arena for their bytes:
 * once the batch has grown, filling it allocates nothing per record. Tasks
 * append with sl_batch_add and copy bytes with sl_batch_copy. */
typedef struct sl_arena_chunk sl_arena_chunk_t;

typedef struct sl_batch {
	/* records[count, cap) are kept initialised (sl_record_init), so that
	 * sl_batch_add need not: a record taken out of a batch is left
	 * cleared (sl_record_clear does that) */
	sl_record_t *records;
	size_t count;
	size_t cap;
	sl_arena_chunk_t *arena; /* newest chunk first */
} sl_batch_t;

/* Appends an initialised record and returns it (valid until the next add). */
sl_record_t *sl_batch_add(sl_batch_t *b);
/* Copies len bytes (plus a NUL) into memory the batch owns until its next
 * reset, and returns the copy. */
const char *sl_batch_copy(sl_batch_t *b, const void *p, size_t len);
/* Moves the last record out of the batch into *out, which the caller then
 * owns (sl_record_clear it); false when the batch is empty. Its bytes must
 * not live in the batch arena (sl_batch_copy), which the next reset reuses. */
bool sl_batch_pop(sl_batch_t *b, sl_record_t *out);
/* Clears and removes records from index count on (keeps the first count). */
void sl_batch_truncate(sl_batch_t *b, size_t count);
/* Clears every record and empties the batch, keeping its memory. */
void sl_batch_reset(sl_batch_t *b);
/* sl_batch_reset of a batch whose records were each cleared already
 * (sl_record_clear), as a source task clears each record once sent. */
void sl_batch_reset_cleared(sl_batch_t *b);
void sl_batch_free(sl_batch_t *b);

#endif
