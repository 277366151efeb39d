/* Debezium's ExtractNewRecordState (3.x): a change event's envelope becomes
 * the row it carries ("after", or "before" for a rewritten delete), with
 * chosen envelope fields added to the row or to the headers, as Debezium's
 * SMT does it. Records that are not change events (no schema, or a schema
 * whose name does not end in ".Envelope": heartbeats, schema changes,
 * transaction metadata, logical decoding messages, schemaless maps) pass
 * through unchanged, as Debezium's do.
 *
 * Output schemas are built once per (row schema, envelope schema) pair and
 * kept in a small cache holding a reference to each, so a record costs one
 * new row object when it changes and nothing more. */
#include <stdio.h>
#include <string.h>

#include "json_parse.h"
#include "sluice/data.h"
#include "sluice/options.h"
#include "sluice/util.h"
#include "transform.h"
#include "tx_struct.h"

#define DELETED_FIELD "__deleted"
#define CACHE_SIZE 64

/* delete.tombstone.handling.mode */
enum {
	MODE_DROP = 0,
	MODE_TOMBSTONE,
	MODE_REWRITE,
	MODE_REWRITE_WITH_TOMBSTONE,
	MODE_DELETE_TO_TOMBSTONE,
};

static const char *const mode_names[] = {
	"drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone", NULL,
};

typedef struct unwrap_conf {
	int mode;
	char **add_fields;
	char *add_fields_prefix;
	char **add_headers;
	char *add_headers_prefix;
	char *route_by_field;
	bool replace_null;
	bool drop_tombstones;
	char *delete_handling;
} unwrap_conf_t;

static const sl_option_t unwrap_options[] = {
	{.name = "delete.tombstone.handling.mode",
	 .type = SL_OPT_ENUM,
	 .def = "tombstone",
	 .enums = mode_names,
	 .doc = "What becomes of delete events and of the tombstones that follow them: drop "
		"(both dropped), tombstone (the delete becomes a record with a null value, the "
		"tombstone is dropped), rewrite (the delete becomes its \"before\" row with "
		"__deleted=true, every other row gets __deleted=false, tombstones are dropped), "
		"rewrite-with-tombstone (rewrite, and tombstones are kept), delete-to-tombstone "
		"(the delete becomes a true tombstone: null value without a schema; tombstones "
		"are dropped). Truncate events are always dropped.",
	 SL_OPT_AT(unwrap_conf_t, mode)},
	{.name = "add.fields",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Envelope fields added to the row, each named with add.fields.prefix: op, ts_ms, "
		"ts_us, ts_ns, a source field (lsn, table, db, ...), a transaction field (id, "
		"total_order, data_collection_order) or a qualified one (source.ts_ms becomes "
		"__source_ts_ms); "
		"field:NAME names the new field NAME (after the prefix). A field the event does "
		"not have is left out.",
	 SL_OPT_AT(unwrap_conf_t, add_fields)},
	{.name = "add.fields.prefix",
	 .type = SL_OPT_STRING,
	 .def = "__",
	 .doc = "Prefix of the fields add.fields adds.",
	 SL_OPT_AT(unwrap_conf_t, add_fields_prefix)},
	{.name = "add.headers",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Envelope fields added as headers, named as in add.fields with "
		"add.headers.prefix; values as text (a null value gives a null header). A "
		"tombstone kept by rewrite-with-tombstone gets op as \"d\".",
	 SL_OPT_AT(unwrap_conf_t, add_headers)},
	{.name = "add.headers.prefix",
	 .type = SL_OPT_STRING,
	 .def = "__",
	 .doc = "Prefix of the headers add.headers adds.",
	 SL_OPT_AT(unwrap_conf_t, add_headers_prefix)},
	{.name = "route.by.field",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "A row column whose value becomes the record's topic (the \"before\" row's for "
		"deletes); a null or blank value keeps the topic.",
	 SL_OPT_AT(unwrap_conf_t, route_by_field)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "When a row is rewritten with __deleted, a null column whose schema has a "
		"default gets the default, as Kafka Connect's InsertField does.",
	 SL_OPT_AT(unwrap_conf_t, replace_null)},
	{.name = "drop.tombstones",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Removed in Debezium 3.2: use delete.tombstone.handling.mode.",
	 .ignored = "Debezium 3.2 and later ignore it too; delete.tombstone.handling.mode "
		    "decides",
	 SL_OPT_AT(unwrap_conf_t, drop_tombstones)},
	{.name = "delete.handling.mode",
	 .type = SL_OPT_STRING,
	 .doc = "Removed in Debezium 3.2: use delete.tombstone.handling.mode.",
	 .ignored = "Debezium 3.2 and later ignore it too; delete.tombstone.handling.mode "
		    "decides",
	 SL_OPT_AT(unwrap_conf_t, delete_handling)},
	SL_OPT_END,
};

/* One add.fields / add.headers entry: field of the envelope's struct
 * (NULL: the envelope itself), written as name. */
typedef struct field_ref {
	char *strukt;
	char *field;
	char *name;
} field_ref_t;

typedef struct cache_entry {
	json_t *row_schema; /* key: the row's field schema, the envelope's, */
	json_t *env_schema;
	bool plain;         /* and whether it is the row's own schema (the
			       null of a delete in tombstone mode) */
	json_t *out_schema; /* the output row schema */
	unsigned long used;
} cache_entry_t;

typedef struct unwrap {
	int mode;
	bool replace_null;
	char *route_by_field; /* NULL: none */
	field_ref_t *fields;
	size_t nfields;
	field_ref_t *headers;
	size_t nheaders;
	cache_entry_t cache[CACHE_SIZE];
	unsigned long tick;
	json_t *true_str, *false_str;
} unwrap_t;

/* ---- schemas ------------------------------------------------------------- */

/* The field named name of a struct schema, or NULL; not const, as the
 * schema cache holds references to field schemas. */
static json_t *schema_field(const json_t *schema, const char *name)
{
	return (json_t *)sl_txs_field(schema, name);
}

/* Kafka Connect's SchemaUtil.copySchemaBasics(schema).optional(): type,
 * name, version, doc and parameters of field, optional, and no default;
 * members in JsonConverter's order, with "field" last. */
static json_t *optional_basics(const json_t *field, const char *name)
{
	const char *type = sl_schema_type(field);

	return sl_txs_schema_new(&(sl_txs_schema_t){.type = type ? type : "string",
						    .nested = field,
						    .optional = true,
						    .basics = field,
						    .field = name});
}

/* Where a field reference reads from: the schema of the struct holding
 * it, or the envelope itself when the field is not in that struct but is
 * at the top (another SMT put it there). NULL when neither has it. */
static json_t *ref_schema(const field_ref_t *ref, const json_t *env_schema, bool *top)
{
	const json_t *parent = env_schema;
	json_t *f;

	*top = false;
	if (ref->strukt) {
		json_t *ps = schema_field(env_schema, ref->strukt);
		parent = ps;
	}
	if (parent && (f = schema_field(parent, ref->field)))
		return f;
	*top = true;
	return schema_field(env_schema, ref->field);
}

/* The output row schema: the row's fields, __deleted in the rewrite modes,
 * then the add.fields the envelope has; required, with the row schema's
 * name, version, doc and parameters (InsertField's copySchemaBasics). */
static json_t *out_schema_build(const unwrap_t *u, const json_t *row, const json_t *env)
{
	json_t *fields = json_array();
	json_t *rf = json_object_get(row, "fields");
	size_t i;
	json_t *f;
	bool top;

	json_array_foreach(rf, i, f)
		json_array_append(fields, f);
	if (u->mode == MODE_REWRITE || u->mode == MODE_REWRITE_WITH_TOMBSTONE)
		json_array_append_new(fields, json_pack("{s:s,s:b,s:s}", "type", "string",
							"optional", 1, "field", DELETED_FIELD));
	for (i = 0; i < u->nfields; i++) {
		json_t *fs = ref_schema(&u->fields[i], env, &top);
		if (fs)
			json_array_append_new(fields, optional_basics(fs, u->fields[i].name));
	}
	return sl_txs_schema_new(
		&(sl_txs_schema_t){.type = "struct", .fields = fields, .basics = row});
}

/* The cached output schema for (row, env, plain), built on a miss; the
 * least recently used entry makes room. Borrowed. */
static json_t *out_schema_get(unwrap_t *u, json_t *row, json_t *env, bool plain)
{
	cache_entry_t *victim = &u->cache[0];

	u->tick++;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		cache_entry_t *e = &u->cache[i];
		if (e->row_schema == row && e->env_schema == env && e->plain == plain) {
			e->used = u->tick;
			return e->out_schema;
		}
		if (e->used < victim->used)
			victim = e;
	}
	json_decref(victim->row_schema);
	json_decref(victim->env_schema);
	json_decref(victim->out_schema);
	victim->row_schema = json_incref(row);
	victim->env_schema = json_incref(env);
	victim->plain = plain;
	victim->out_schema = plain ? sl_txs_field_schema(row) : out_schema_build(u, row, env);
	victim->used = u->tick;
	return victim->out_schema;
}

/* ---- values -------------------------------------------------------------- */

/* The value a field reference reads from an envelope (borrowed; NULL for
 * null). */
static json_t *ref_value(const field_ref_t *ref, const json_t *env, const json_t *env_schema)
{
	bool top;

	if (!ref_schema(ref, env_schema, &top))
		return NULL;
	if (top)
		return json_object_get(env, ref->field);
	const json_t *parent = ref->strukt ? json_object_get(env, ref->strukt) : env;
	if (!json_is_object(parent))
		return NULL; /* e.g. transaction, null while snapshotting */
	return json_object_get(parent, ref->field);
}

/* The output row: the row's columns in schema order (a null one with a
 * default gets it when rewriting and replace.null.with.default), then
 * __deleted, then the add.fields. New reference. */
static json_t *out_row(const unwrap_t *u, const json_t *row, const json_t *row_schema,
		       const json_t *env, const json_t *env_schema, int deleted)
{
	json_t *out = json_object();
	json_t *rf = json_object_get(row_schema, "fields");
	size_t i;
	json_t *f;

	json_array_foreach(rf, i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *v = name ? json_object_get(row, name) : NULL;
		if (!name)
			continue;
		if ((!v || json_is_null(v)) && deleted >= 0 && u->replace_null)
			v = json_object_get(f, "default");
		json_object_set_new(out, name, v ? json_incref(v) : json_null());
	}
	if (deleted >= 0)
		json_object_set(out, DELETED_FIELD, deleted ? u->true_str : u->false_str);
	for (i = 0; i < u->nfields; i++) {
		bool top;
		if (!ref_schema(&u->fields[i], env_schema, &top))
			continue;
		json_t *v = ref_value(&u->fields[i], env, env_schema);
		json_object_set_new(out, u->fields[i].name, v ? json_incref(v) : json_null());
	}
	return out;
}

/* A header value as text: strings as they are, other values as JSON; NULL
 * for null. malloc()ed. */
static char *header_text(const json_t *v, const json_t *schema, size_t *len)
{
	sl_buf_t b = {0};

	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		sl_buf_append(&b, json_string_value(v), json_string_length(v));
	else
		sl_json_write(&b, v, schema);
	sl_buf_append(&b, "", 0);
	*len = b.len;
	return sl_buf_steal(&b);
}

static void add_headers(const unwrap_t *u, sl_record_t *r, const json_t *env,
			const json_t *env_schema)
{
	for (size_t i = 0; i < u->nheaders; i++) {
		const field_ref_t *h = &u->headers[i];
		bool top;
		json_t *fs;

		if (!env) { /* a tombstone: only op, as "d" */
			if (!h->strukt && !strcmp(h->field, "op"))
				sl_record_add_header(r, h->name, "d", 1);
			continue;
		}
		if (!(fs = ref_schema(h, env_schema, &top)))
			continue;
		size_t len = 0;
		char *text = header_text(ref_value(h, env, env_schema), fs, &len);
		sl_record_add_header(r, h->name, text, len);
		free(text);
	}
}

/* ---- apply --------------------------------------------------------------- */

/* Sets the topic to row[route.by.field] when that is a non-blank string. */
static sl_tx_result_t route(const unwrap_t *u, sl_record_t *r, const json_t *row,
			    const json_t *row_schema, sl_tx_ctx_t *cx, char *err, size_t err_size)
{
	json_t *v;
	const char *s;

	if (!u->route_by_field)
		return SL_TX_KEEP;
	if (!json_is_object(row)) {
		sl_seterr(err, err_size, "route.by.field: the row is not a struct");
		return SL_TX_ERROR;
	}
	if (!schema_field(row_schema, u->route_by_field)) { /* Struct.getString's refusal */
		sl_seterr(err, err_size, "%s is not a valid field name", u->route_by_field);
		return SL_TX_ERROR;
	}
	v = json_object_get(row, u->route_by_field);
	if (!v || json_is_null(v))
		return SL_TX_KEEP;
	if (!json_is_string(v)) {
		sl_seterr(err, err_size, "route.by.field: field %s is not a string",
			  u->route_by_field);
		return SL_TX_ERROR;
	}
	s = json_string_value(v);
	if (!s[strspn(s, " \t\r\n\f\v")])
		return SL_TX_KEEP;
	r->topic = sl_tx_intern(cx, s, json_string_length(v));
	return SL_TX_KEEP;
}

/* A delete event (after null, before not). */
static sl_tx_result_t apply_delete(unwrap_t *u, sl_record_t *r, json_t *env, json_t *env_schema,
				   sl_tx_ctx_t *cx, char *err, size_t err_size)
{
	json_t *before = json_object_get(env, "before");
	json_t *after_f = schema_field(env_schema, "after");
	json_t *before_f = schema_field(env_schema, "before");
	sl_tx_result_t res;

	switch (u->mode) {
	case MODE_DROP:
		return SL_TX_DROP;
	case MODE_DELETE_TO_TOMBSTONE:
		if ((res = route(u, r, before, before_f, cx, err, err_size)) != SL_TX_KEEP)
			return res;
		sl_value_clear(&r->value);
		return SL_TX_KEEP;
	case MODE_TOMBSTONE:
		/* ExtractField of "after": a null of the after field's schema */
		if ((res = route(u, r, before, before_f, cx, err, err_size)) != SL_TX_KEEP)
			return res;
		sl_value_set_json(
			&r->value, NULL,
			after_f ? json_incref(out_schema_get(u, after_f, env_schema, true)) : NULL);
		return SL_TX_KEEP;
	default:
		break;
	}
	if (!before_f || !json_is_object(before)) {
		sl_seterr(err, err_size, "Only Struct objects supported for [%s], found: null",
			  "source field insertion");
		return SL_TX_ERROR;
	}
	if ((res = route(u, r, before, before_f, cx, err, err_size)) != SL_TX_KEEP)
		return res;
	json_t *schema = out_schema_get(u, before_f, env_schema, false);
	sl_value_set_json(&r->value, out_row(u, before, before_f, env, env_schema, 1),
			  json_incref(schema));
	return SL_TX_KEEP;
}

/* A create, update or snapshot read (after not null). */
static sl_tx_result_t apply_row(unwrap_t *u, sl_record_t *r, json_t *env, json_t *env_schema,
				sl_tx_ctx_t *cx, char *err, size_t err_size)
{
	json_t *after = json_object_get(env, "after");
	json_t *after_f = schema_field(env_schema, "after");
	bool rewrite = u->mode == MODE_REWRITE || u->mode == MODE_REWRITE_WITH_TOMBSTONE;
	sl_tx_result_t res;

	if (!after_f || !json_is_object(after)) {
		sl_seterr(err, err_size, "Only Struct objects supported for [%s], found: %s",
			  "source field insertion", json_is_null(after) ? "null" : "a non-struct");
		return SL_TX_ERROR;
	}
	if ((res = route(u, r, after, after_f, cx, err, err_size)) != SL_TX_KEEP)
		return res;
	/* Debezium rebuilds the row's schema even with no add.fields
	 * (copySchemaBasics: a required struct), so the after field's
	 * "optional":true does not carry over. */
	json_t *schema = out_schema_get(u, after_f, env_schema, false);
	if (!rewrite && !u->nfields) { /* the row's values as they are */
		sl_value_set_json(&r->value, json_incref(after), json_incref(schema));
		return SL_TX_KEEP;
	}
	sl_value_set_json(&r->value, out_row(u, after, after_f, env, env_schema, rewrite ? 0 : -1),
			  json_incref(schema));
	return SL_TX_KEEP;
}

/* A change event written as JSON text (postgres-source's), when nothing
 * is to be added, rewritten or routed by: the after row's text as it is
 * under the row's schema, and a delete or truncate as the mode says,
 * without a tree. False for anything else, which takes the tree path. */
static bool text_event(unwrap_t *u, sl_record_t *r, sl_tx_result_t *res)
{
	sl_value_t *v = &r->value;
	size_t as, ae, bs, be;
	json_t *after_f;

	if (v->kind != SL_VALUE_JSON_TEXT || u->nfields || u->nheaders || u->route_by_field ||
	    u->mode == MODE_REWRITE || u->mode == MODE_REWRITE_WITH_TOMBSTONE || !v->schema ||
	    !sl_txs_is_envelope_schema(v->schema) ||
	    !(after_f = schema_field(v->schema, "after")) ||
	    !sl_json_text_member(v->data, v->len, "after", &as, &ae) ||
	    !sl_json_text_member(v->data, v->len, "before", &bs, &be))
		return false;
	*res = SL_TX_KEEP;
	if (v->data[as] == '{') {
		json_t *schema = json_incref(out_schema_get(u, after_f, v->schema, false));
		sl_value_take_json_text(v, sl_strndup(v->data + as, ae - as), ae - as, schema);
		return true;
	}
	if (v->data[bs] != '{' || u->mode == MODE_DROP) /* a truncate, a dropped delete */
		*res = SL_TX_DROP;
	else if (u->mode == MODE_DELETE_TO_TOMBSTONE)
		sl_value_clear(v);
	else /* MODE_TOMBSTONE: ExtractField of "after", a null of its schema */
		sl_value_set_json(v, NULL,
				  json_incref(out_schema_get(u, after_f, v->schema, true)));
	return true;
}

static sl_tx_result_t unwrap_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				   size_t err_size)
{
	unwrap_t *u = state;

	sl_tx_result_t quick;
	if (text_event(u, r, &quick))
		return quick;
	sl_value_materialize(&r->value); /* FIELDS, other JSON text */
	if (sl_txs_is_null(&r->value)) {
		if (u->mode != MODE_REWRITE_WITH_TOMBSTONE)
			return SL_TX_DROP;
		add_headers(u, r, NULL, NULL);
		return SL_TX_KEEP;
	}
	if (!sl_txs_is_envelope(&r->value))
		return SL_TX_KEEP;
	if (!json_is_object(r->value.json)) {
		sl_seterr(err, err_size, "the change event value is not a struct");
		return SL_TX_ERROR;
	}
	/* r->value is replaced below: hold the envelope until done */
	json_t *env = json_incref(r->value.json);
	json_t *env_schema = json_incref(r->value.schema);
	json_t *after = json_object_get(env, "after");
	json_t *before = json_object_get(env, "before");
	sl_tx_result_t res;

	add_headers(u, r, env, env_schema);
	if ((!after || json_is_null(after)) && (!before || json_is_null(before)))
		res = SL_TX_DROP; /* a truncate */
	else if (!after || json_is_null(after))
		res = apply_delete(u, r, env, env_schema, cx, err, err_size);
	else
		res = apply_row(u, r, env, env_schema, cx, err, err_size);
	json_decref(env);
	json_decref(env_schema);
	return res;
}

/* ---- create / destroy ---------------------------------------------------- */

/* Parses "field", "struct.field", each optionally ":NAME", as Debezium's
 * FieldReference does: an unqualified field lives in the transaction block
 * (id, total_order, data_collection_order), at the top (op, ts_ms, ts_us,
 * ts_ns), in the updateDescription block (updateDescription) or in the
 * source block (everything else); one its block lacks is looked for at
 * the top. */
static bool ref_parse(field_ref_t *ref, const char *spec, const char *prefix, const char *key,
		      sl_errlist_t *errs)
{
	const char *colon = strchr(spec, ':');
	size_t head = colon ? (size_t)(colon - spec) : strlen(spec);
	char *path = sl_strndup(spec, head);
	char *dot = strchr(path, '.');

	memset(ref, 0, sizeof(*ref));
	if (colon && strchr(colon + 1, ':')) {
		sl_errlist_addf(errs, "%s: unexpected field name '%s'", key, spec);
		free(path);
		return false;
	}
	if (dot) {
		*dot = '\0';
		ref->strukt = sl_strdup(path);
		ref->field = sl_strdup(dot + 1);
	} else {
		ref->field = sl_strdup(path);
		if (!strcmp(path, "id") || !strcmp(path, "total_order") ||
		    !strcmp(path, "data_collection_order"))
			ref->strukt = sl_strdup("transaction");
		else if (!strcmp(path, "updateDescription"))
			ref->strukt = sl_strdup(path);
		else if (strcmp(path, "op") && strcmp(path, "ts_ms") && strcmp(path, "ts_us") &&
			 strcmp(path, "ts_ns"))
			ref->strukt = sl_strdup("source");
	}
	if (colon)
		ref->name = sl_asprintf("%s%s", prefix, colon + 1);
	else if (dot)
		ref->name = sl_asprintf("%s%s_%s", prefix, ref->strukt, ref->field);
	else
		ref->name = sl_asprintf("%s%s", prefix, ref->field);
	free(path);
	return true;
}

static void refs_free(field_ref_t *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(refs[i].strukt);
		free(refs[i].field);
		free(refs[i].name);
	}
	free(refs);
}

static field_ref_t *refs_parse(char **list, const char *prefix, const char *key, size_t *n,
			       sl_errlist_t *errs)
{
	size_t count = 0;
	field_ref_t *refs;

	while (list && list[count])
		count++;
	refs = sl_calloc(count + 1, sizeof(*refs));
	*n = 0;
	for (size_t i = 0; i < count; i++)
		if (ref_parse(&refs[*n], list[i], prefix, key, errs))
			(*n)++;
	return refs;
}

static void unwrap_destroy(void *state)
{
	unwrap_t *u = state;

	if (!u)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		json_decref(u->cache[i].row_schema);
		json_decref(u->cache[i].env_schema);
		json_decref(u->cache[i].out_schema);
	}
	refs_free(u->fields, u->nfields);
	refs_free(u->headers, u->nheaders);
	free(u->route_by_field);
	json_decref(u->true_str);
	json_decref(u->false_str);
	free(u);
}

static void *unwrap_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	unwrap_conf_t c;
	size_t before = errs->count;
	unwrap_t *u = sl_calloc(1, sizeof(*u));

	(void)part;
	sl_options_load(unwrap_options, cfg, &c, errs);
	u->mode = c.mode < 0 ? MODE_TOMBSTONE : c.mode;
	u->replace_null = c.replace_null;
	if (c.route_by_field && *c.route_by_field)
		u->route_by_field = sl_strdup(c.route_by_field);
	u->fields = refs_parse(c.add_fields, c.add_fields_prefix ? c.add_fields_prefix : "",
			       "add.fields", &u->nfields, errs);
	u->headers = refs_parse(c.add_headers, c.add_headers_prefix ? c.add_headers_prefix : "",
				"add.headers", &u->nheaders, errs);
	u->true_str = json_string("true");
	u->false_str = json_string("false");
	sl_options_free(unwrap_options, &c);
	if (errs->count != before) {
		unwrap_destroy(u);
		return NULL;
	}
	return u;
}

static const char *const unwrap_classes[] = {"io.debezium.transforms.ExtractNewRecordState", NULL};

const sl_transform_def_t sl_tx_extract_new_record_state = {
	.name = "ExtractNewRecordState",
	.classes = unwrap_classes,
	.variants = false,
	.takes_fields = true, /* reads the value only, JSON text as it is when it can */
	.options = unwrap_options,
	.doc = "Debezium's event flattening: replaces a change event's envelope with the row "
	       "after the change (or, for a rewritten delete, before it), optionally with "
	       "envelope fields added to the row or to the headers, and routes by a column. "
	       "Tombstones, deletes and truncates are handled as delete.tombstone.handling.mode "
	       "says (truncates are dropped). Records that are not change events (no schema, or "
	       "a schema not named *.Envelope: heartbeats, transaction metadata, schema changes, "
	       "schemaless values) pass through unchanged, as Debezium's do.",
	.create = unwrap_create,
	.apply = unwrap_apply,
	.destroy = unwrap_destroy,
};
