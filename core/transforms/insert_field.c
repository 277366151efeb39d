/* InsertField: adds the record's topic, partition, offset (sink records),
 * timestamp and a static string to the key or value, as Kafka Connect's
 * org.apache.kafka.connect.transforms.InsertField does: optional fields
 * appended to a struct's schema (or required ones, with a '!' suffix on the
 * configured name), or entries added to a schemaless map. A null key or
 * value passes through unchanged. The widened schema depends only on the
 * input schema: it is built once per input schema object and cached. */
#include <stdlib.h>
#include <string.h>

#include "convert_priv.h"
#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "sluice/util.h"
#include "tx_struct.h"

#define IF_PURPOSE "field insertion"

/* The five things InsertField can add, in the order it adds them. */
enum {
	INS_TOPIC,
	INS_PARTITION,
	INS_OFFSET,
	INS_TIMESTAMP,
	INS_STATIC,
	INS_COUNT
};

typedef struct if_conf {
	char *spec[INS_COUNT]; /* as configured: "name", "name?" or "name!" */
	char *static_value;
	bool replace_null;
} if_conf_t;

typedef struct if_field {
	sl_field_name_t key; /* key.name NULL: not inserted */
	bool optional;
} if_field_t;

/* A field of an input struct schema, as a FIELDS value's field is checked
 * against it. */
typedef struct if_in_field {
	const char *name;
	size_t len;
	bool has_default;
	const sl_field_name_t *same; /* a field name seen equal to it */
} if_in_field_t;

typedef struct if_state {
	if_conf_t conf;
	sl_tx_part_t part;
	if_field_t ins[INS_COUNT];
	int active[INS_COUNT]; /* the fields inserted, in order */
	int n_active;
	json_t *static_json; /* static.value, shared by every record */
	size_t static_len;
	sl_buf_t static_text; /* its JSON text */
	sl_txs_cache_t cache; /* input schema -> the widened schema */
	/* The struct schema of the last FIELDS value (a reference), its
	 * fields and its widened schema (a reference: the cache may drop
	 * it): records come in runs of one schema. */
	struct {
		json_t *in, *out;
		if_in_field_t *fields;
		size_t count;
	} last;
} if_state_t;

#define IF_OPTIONALITY                                                                             \
	" Suffix with ! to make this a required field, or ? to keep it optional (the default)."

static const sl_option_t if_options[] = {
	{.name = "topic.field",
	 .type = SL_OPT_STRING,
	 .doc = "Field name for the Kafka topic." IF_OPTIONALITY,
	 SL_OPT_AT(if_conf_t, spec[INS_TOPIC])},
	{.name = "partition.field",
	 .type = SL_OPT_STRING,
	 .doc = "Field name for the Kafka partition." IF_OPTIONALITY,
	 SL_OPT_AT(if_conf_t, spec[INS_PARTITION])},
	{.name = "offset.field",
	 .type = SL_OPT_STRING,
	 .doc = "Field name for the Kafka offset: sink connectors only (a source record has "
		"none and fails)." IF_OPTIONALITY,
	 SL_OPT_AT(if_conf_t, spec[INS_OFFSET])},
	{.name = "timestamp.field",
	 .type = SL_OPT_STRING,
	 .doc = "Field name for the record timestamp (a Timestamp in a struct, milliseconds "
		"since the epoch in a map)." IF_OPTIONALITY,
	 SL_OPT_AT(if_conf_t, spec[INS_TIMESTAMP])},
	{.name = "static.field",
	 .type = SL_OPT_STRING,
	 .doc = "Field name for the static value (static.value)." IF_OPTIONALITY,
	 SL_OPT_AT(if_conf_t, spec[INS_STATIC])},
	{.name = "static.value",
	 .type = SL_OPT_STRING,
	 .doc = "Static field value, if static.field is set.",
	 SL_OPT_AT(if_conf_t, static_value)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null struct field that has a default value in its schema is copied "
		"as that default (true) or as null (false).",
	 SL_OPT_AT(if_conf_t, replace_null)},
	SL_OPT_END,
};

static void if_destroy(void *p)
{
	if_state_t *st = p;

	if (!st)
		return;
	sl_txs_cache_free(&st->cache);
	json_decref(st->last.in);
	json_decref(st->last.out);
	free(st->last.fields);
	json_decref(st->static_json);
	sl_buf_free(&st->static_text);
	for (int i = 0; i < INS_COUNT; i++)
		sl_field_name_free(&st->ins[i].key);
	sl_options_free(if_options, &st->conf);
	free(st);
}

/* "name?" and "name" are optional, "name!" required (InsertionSpec.parse). */
static void parse_spec(const char *spec, if_field_t *f)
{
	size_t len = spec ? strlen(spec) : 0;

	if (!spec)
		return;
	f->optional = !(len && spec[len - 1] == '!');
	if (len && (spec[len - 1] == '!' || spec[len - 1] == '?'))
		len--;
	sl_field_name_init(&f->key, spec, len);
}

static void *if_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	if_state_t *st = sl_calloc(1, sizeof(*st));
	int rc = sl_options_load(if_options, cfg, &st->conf, errs);
	bool any = false;

	st->part = part;
	for (int i = 0; i < INS_COUNT; i++) {
		parse_spec(st->conf.spec[i], &st->ins[i]);
		if (st->ins[i].key.name)
			st->active[st->n_active++] = i;
	}
	any = st->n_active > 0;
	if (!rc && !any) {
		sl_errlist_addf(errs, "No field insertion configured: set at least one of "
				      "topic.field, partition.field, offset.field, timestamp.field "
				      "and static.field");
		rc = -1;
	}
	if (!rc && st->ins[INS_STATIC].key.name && !st->conf.static_value) {
		sl_errlist_addf(errs, "static.value: No value specified for static field: %s",
				st->ins[INS_STATIC].key.name);
		rc = -1;
	}
	if (rc) {
		if_destroy(st);
		return NULL;
	}
	if (st->conf.static_value) {
		st->static_json = json_string(st->conf.static_value);
		st->static_len = strlen(st->conf.static_value);
		sl_json_write_string(&st->static_text, st->conf.static_value, st->static_len);
	}
	return st;
}

/* ---- schemas ---------------------------------------------------------- */

/* The entry of an inserted field: a string, int32 or int64, or a
 * Timestamp (Kafka's Timestamp.SCHEMA, or its optional builder). */
static json_t *inserted_entry(int what, const if_field_t *f)
{
	static const char *const types[INS_COUNT] = {"string", "int32", "int64", "int64", "string"};
	json_t *logical = what == INS_TIMESTAMP ? sl_schema_timestamp(f->optional) : NULL;
	sl_txs_schema_t spec = {.type = types[what],
				.optional = f->optional,
				.basics = logical,
				.field = f->key.name};
	json_t *e = sl_txs_schema_new(&spec);

	json_decref(logical);
	return e;
}

/* The input struct schema with the inserted fields appended: its name,
 * version, doc and parameters kept, not optional, no default (Kafka's
 * copySchemaBasics). NULL with err when an inserted name is taken. */
static json_t *widened_schema(void *state, const json_t *schema, char *err, size_t size)
{
	const if_state_t *st = state;
	json_t *fields = json_copy(json_object_get(schema, "fields"));

	for (int i = 0; i < INS_COUNT; i++) {
		const if_field_t *f = &st->ins[i];
		if (!f->key.name)
			continue;
		if (sl_txs_fields_find(fields, f->key.name)) {
			sl_seterr(err, size,
				  "Cannot create field because of field name duplication %s",
				  f->key.name);
			json_decref(fields);
			return NULL;
		}
		json_array_append_new(fields, inserted_entry(i, f));
	}
	sl_txs_schema_t spec = {.type = "struct", .fields = fields, .basics = schema};
	return sl_txs_schema_new(&spec);
}

/* The widened schema for input schema, borrowed from the cache; NULL with
 * err when it cannot be built. */
static json_t *output_schema(if_state_t *st, json_t *schema, char *err, size_t size)
{
	return sl_txs_cache_derive(&st->cache, schema, widened_schema, st, err, size);
}

/* ---- values ----------------------------------------------------------- */

/* -1 with err for an offset on a source record, which has none. */
static int check_offset(const if_state_t *st, const sl_record_t *r, char *err, size_t size)
{
	if (st->ins[INS_OFFSET].key.name && r->offset < 0)
		return sl_seterr(err, size,
				 "Only SinkRecord supported for [" IF_PURPOSE "], found: "
				 "org.apache.kafka.connect.source.SourceRecord");
	return 0;
}

/* Whether the record has what field k holds: not a partition or a
 * timestamp it lacks. */
static bool has_value(const sl_record_t *r, int k)
{
	return (k != INS_PARTITION || r->partition >= 0) &&
	       (k != INS_TIMESTAMP || sl_txs_has_timestamp(r));
}

/* The value of field k as JSON (a new reference); has_value holds. */
static json_t *inserted_json(const if_state_t *st, const sl_record_t *r, int k)
{
	switch (k) {
	case INS_TOPIC:
		return json_string(r->topic ? r->topic : "");
	case INS_PARTITION:
		return json_integer(r->partition);
	case INS_OFFSET:
		return json_integer(r->offset);
	case INS_TIMESTAMP:
		return json_integer(r->timestamp);
	default:
		return json_incref(st->static_json);
	}
}

/* The same into a FIELDS value's field: the static value as text that
 * borrows the configured string, with its JSON text made once. */
static void inserted_value(const if_state_t *st, const sl_record_t *r, int k, sl_field_t *f)
{
	if (k == INS_STATIC) {
		sl_value_set_string_ref(&f->value, st->conf.static_value, st->static_len);
		f->json = st->static_text.data;
		f->json_len = st->static_text.len;
	} else {
		sl_value_set_json(&f->value, inserted_json(st, r, k), NULL);
	}
}

/* Adds the record's metadata and the static value to obj (a copy the
 * caller owns), in Kafka's order; -1 with err for an offset on a source
 * record. Absent metadata (no partition, no timestamp) is not added. */
static int insert_values(const if_state_t *st, const sl_record_t *r, json_t *obj, char *err,
			 size_t size)
{
	if (check_offset(st, r, err, size))
		return -1;
	for (int k = 0; k < INS_COUNT; k++)
		if (st->ins[k].key.name && has_value(r, k))
			json_object_set_new(obj, st->ins[k].key.name, inserted_json(st, r, k));
	return 0;
}

/* The struct's fields copied in schema order (a null one as its default
 * when replace.null.with.default), then null for each inserted field, so
 * that a field the record has no value for is written as null. */
static json_t *copy_struct(const if_state_t *st, json_t *payload, const json_t *schema)
{
	json_t *out = json_object();
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *v = sl_txs_field_value(payload, f, st->conf.replace_null);
		json_object_set(out, name, v ? v : json_null());
	}
	return out;
}

/* Whether payload may take the new fields in place of a copy: only its
 * record holds it, and its keys are already the schema's fields in their
 * order with no null a default would replace (what copy_struct would make
 * of it). */
static bool struct_as_copied(const if_state_t *st, json_t *payload, const json_t *schema)
{
	const json_t *fields = json_object_get(schema, "fields");
	size_t i = 0;

	if (payload->refcount != 1)
		return false;
	for (void *it = json_object_iter(payload); it; it = json_object_iter_next(payload, it)) {
		const json_t *f = json_array_get(fields, i++);
		const char *name = json_string_value(json_object_get(f, "field"));
		if (!name || strcmp(name, json_object_iter_key(it)) ||
		    (st->conf.replace_null && json_is_null(json_object_iter_value(it)) &&
		     json_object_get(f, "default")))
			return false;
	}
	return i == json_array_size(fields);
}

/* The struct to insert into, with a null in each new field's place (in
 * the order of the widened schema) until insert_values fills it. */
static json_t *struct_to_fill(const if_state_t *st, json_t *payload, const json_t *schema)
{
	json_t *out = struct_as_copied(st, payload, schema) ? json_incref(payload)
							    : copy_struct(st, payload, schema);
	for (int k = 0; k < INS_COUNT; k++)
		if (st->ins[k].key.name)
			json_object_set_new(out, st->ins[k].key.name, json_null());
	return out;
}

/* Remembers struct schema in, its fields and its widened schema as
 * st->last; false (st->last empty) when in is no struct, with *res set
 * when the widened schema cannot be built. */
static bool remember_schema(if_state_t *st, json_t *in, sl_tx_result_t *res, char *err,
			    size_t err_size)
{
	json_decref(st->last.in);
	json_decref(st->last.out);
	st->last.in = st->last.out = NULL;
	st->last.count = 0;
	if (!sl_txs_is_struct(in))
		return false;
	json_t *out = output_schema(st, in, err, err_size), *f;
	if (!out) {
		*res = SL_TX_ERROR;
		return false;
	}
	const json_t *fields = json_object_get(in, "fields");
	size_t i;
	st->last.fields = sl_realloc(st->last.fields,
				     (json_array_size(fields) + 1) * sizeof(*st->last.fields));
	json_array_foreach(fields, i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		st->last.fields[i] = (if_in_field_t){
			.name = name ? name : "",
			.len = name ? strlen(name) : 0,
			.has_default = json_object_get(f, "default") != NULL,
			.same = NULL,
		};
	}
	st->last.count = json_array_size(fields);
	st->last.in = json_incref(in);
	st->last.out = json_incref(out);
	return true;
}

/* Whether a FIELDS struct takes the new fields as it is: its fields are
 * those of its schema (st->last) in their order, none a null a default
 * would replace (as struct_as_copied for a JSON one). */
static bool fields_as_copied(if_state_t *st, const sl_fields_t *fs)
{
	if (fs->count != st->last.count)
		return false;
	for (size_t i = 0; i < fs->count; i++) {
		if_in_field_t *want = &st->last.fields[i];
		const sl_field_t *have = &fs->f[i];
		/* field names are made when a transform is configured and live
		 * as long as the chain: one seen equal stays equal */
		if (have->name != want->same) {
			if (want->len != have->name->len ||
			    memcmp(want->name, have->name->name, want->len))
				return false;
			want->same = have->name;
		}
		if (st->conf.replace_null && want->has_default && sl_txs_is_null(&have->value))
			return false;
	}
	return true;
}

/* InsertField on a FIELDS value (HoistField's, typically): the fields are
 * added to it without a JSON tree. false when it must take the JSON path
 * (a struct whose fields are not its schema's as they are). */
static bool apply_fields(if_state_t *st, const sl_record_t *r, sl_value_t *v, sl_tx_result_t *res,
			 char *err, size_t err_size)
{
	*res = SL_TX_KEEP;
	if (v->schema) {
		if (v->schema != st->last.in && !remember_schema(st, v->schema, res, err, err_size))
			return *res == SL_TX_ERROR;
		if (!fields_as_copied(st, v->fields))
			return false;
	}
	if (check_offset(st, r, err, err_size)) {
		*res = SL_TX_ERROR;
		return true;
	}
	for (int a = 0; a < st->n_active; a++) {
		int k = st->active[a];
		const if_field_t *f = &st->ins[k];
		if (v->schema) { /* a new field of the struct: null without a value */
			sl_field_t *slot = sl_value_field_append(v, &f->key);
			if (has_value(r, k))
				inserted_value(st, r, k, slot);
		} else if (has_value(r, k)) { /* a map's entry, replaced in place */
			inserted_value(st, r, k, sl_value_field_put(v, &f->key));
		}
	}
	if (v->schema) {
		json_decref(v->schema);
		v->schema = json_incref(st->last.out);
	}
	return true;
}

static sl_tx_result_t if_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	if_state_t *st = state;
	sl_value_t *v = sl_txs_operand(r, st->part);
	json_t *schema = NULL, *obj;
	sl_tx_result_t res;

	(void)cx;
	if (v->kind == SL_VALUE_FIELDS && apply_fields(st, r, v, &res, err, err_size))
		return res;
	sl_value_materialize(v); /* FIELDS it did not take, JSON_TEXT */
	if (sl_txs_is_null(v))
		return SL_TX_KEEP; /* a tombstone (or null key) passes through */
	if (sl_txs_schemaless(v)) {
		if (!sl_txs_require_map(v, IF_PURPOSE, err, err_size))
			return SL_TX_ERROR;
		obj = sl_txs_writable(v->json);
	} else {
		if (!sl_txs_require_struct(v, IF_PURPOSE, err, err_size) ||
		    !(schema = output_schema(st, v->schema, err, err_size)))
			return SL_TX_ERROR;
		obj = struct_to_fill(st, v->json, v->schema);
	}
	if (insert_values(st, r, obj, err, err_size)) {
		json_decref(obj);
		return SL_TX_ERROR;
	}
	sl_value_set_json(v, obj, json_incref(schema));
	return SL_TX_KEEP;
}

static const char *const if_classes[] = {"org.apache.kafka.connect.transforms.InsertField", NULL};

const sl_transform_def_t sl_tx_insert_field = {
	.name = "InsertField",
	.classes = if_classes,
	.variants = true,
	.takes_fields = true,
	.options = if_options,
	.doc = "Inserts the record's topic, partition, offset (sink connectors only), timestamp "
	       "and a static string into the key or value: as optional fields appended to a "
	       "struct's schema (required ones with a ! suffix; the timestamp as a Timestamp), "
	       "or as entries of a schemaless map. A null key or value (a tombstone) passes "
	       "through unchanged. At least one field must be configured.",
	.create = if_create,
	.apply = if_apply,
	.destroy = if_destroy,
};
