/* Debezium's ByLogicalTableRouter: sends the change events of several
 * physical tables (shards) to one logical table's topic, renaming the key
 * and envelope schemas after the new topic and, by default, adding the
 * physical table's identifier to the key so that equal keys of different
 * shards stay apart. As Debezium's: a topic the regex does not match, or
 * that it would make empty, keeps the record as it is; tombstones and
 * non-change events keep their value (their key is still rewritten).
 *
 * New topics and key identifiers are remembered per input topic, new key
 * and envelope schemas per input schema (Debezium's caches, keyed alike),
 * so a stream of a few tables allocates only each record's new key. */
#include <stdio.h>
#include <string.h>

#include "regex.h"
#include "sluice/data.h"
#include "sluice/options.h"
#include "sluice/util.h"
#include "transform.h"
#include "tx_struct.h"
#include "tx_util.h"

#define DEFAULT_KEY_FIELD "__dbz__physicalTableIdentifier"

enum {
	ADJUST_NONE = 0,
	ADJUST_AVRO,
	ADJUST_AVRO_UNICODE
};
static const char *const adjust_names[] = {"none", "avro", "avro_unicode", NULL};

typedef struct router_conf {
	char *topic_regex;
	char *topic_replacement;
	bool enforce_uniqueness;
	char *key_field_name;
	char *key_field_regex;
	char *key_field_replacement;
	int adjust;
	int64_t cache_size;
} router_conf_t;

static bool check_regex(const char *value, char *why, size_t why_size)
{
	sl_regex_t *re = sl_regex_new(value, why, why_size);
	sl_regex_free(re);
	return re != NULL;
}

static const sl_option_t router_options[] = {
	{.name = "topic.regex",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .check = check_regex,
	 .doc = "Regular expression (Java syntax) matched against the whole topic name; the "
		"records of topics it matches are routed.",
	 SL_OPT_AT(router_conf_t, topic_regex)},
	{.name = "topic.replacement",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The new topic: the match replaced by this, which may refer to groups of "
		"topic.regex as $1 or ${name}.",
	 SL_OPT_AT(router_conf_t, topic_replacement)},
	{.name = "key.enforce.uniqueness",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Adds key.field.name to every key, holding the physical table's identifier (the "
		"original topic, or what key.field.regex makes of it), so that equal keys of "
		"different tables differ. Turn off when keys are unique across the tables.",
	 SL_OPT_AT(router_conf_t, enforce_uniqueness)},
	{.name = "key.field.name",
	 .type = SL_OPT_STRING,
	 .def = DEFAULT_KEY_FIELD,
	 .doc = "Name of the key field that holds the physical table's identifier.",
	 SL_OPT_AT(router_conf_t, key_field_name)},
	{.name = "key.field.regex",
	 .type = SL_OPT_STRING,
	 .check = check_regex,
	 .doc = "Regular expression (Java syntax) matched against the whole original topic "
		"to make the physical table's identifier with key.field.replacement; unset, or "
		"when it does not match, the identifier is the original topic.",
	 SL_OPT_AT(router_conf_t, key_field_regex)},
	{.name = "key.field.replacement",
	 .type = SL_OPT_STRING,
	 .doc = "The identifier made from key.field.regex's match; required (non-empty) when "
		"key.field.regex is set.",
	 SL_OPT_AT(router_conf_t, key_field_replacement)},
	{.name = "schema.name.adjustment.mode",
	 .type = SL_OPT_ENUM,
	 .def = "none",
	 .enums = adjust_names,
	 .doc = "How the new key and envelope schema names (<topic>.Key, <topic>.Value, "
		"<topic>.Envelope) are adjusted: none, avro (characters Avro names cannot hold "
		"become _) or avro_unicode (they become _uXXXX).",
	 SL_OPT_AT(router_conf_t, adjust)},
	{.name = "logical.table.cache.size",
	 .type = SL_OPT_INT,
	 .def = "16",
	 SL_OPT_MIN(1),
	 .doc = "How many topics and schemas the router remembers.",
	 SL_OPT_AT(router_conf_t, cache_size)},
	SL_OPT_END,
};

/* What an input topic becomes. */
typedef struct topic_entry {
	char *from;     /* owned */
	const char *to; /* interned; NULL: the regex does not match */
	char *ident;    /* the physical table identifier (owned) */
} topic_entry_t;

typedef struct schema_entry {
	json_t *from; /* input key or envelope schema */
	json_t *to;
} schema_entry_t;

typedef struct router {
	router_conf_t c;
	sl_regex_t *topic_re;
	sl_regex_t *key_re; /* NULL: identifier = topic */
	size_t cap;
	topic_entry_t *topics;
	size_t next_topic;
	schema_entry_t *keys, *envs;
	size_t next_key, next_env;
} router_t;

/* ---- names and schemas --------------------------------------------------- */

/* Debezium's SchemaNameAdjuster: Avro full names take letters, digits, '_'
 * and '.', and do not start with a digit. malloc()ed. */
static char *adjust_name(int mode, const char *name)
{
	sl_buf_t b = {0};

	if (mode == ADJUST_NONE)
		return sl_strdup(name);
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
			  ch == '.' || (p != name && ch >= '0' && ch <= '9');
		if (ok)
			sl_buf_append_char(&b, (char)ch);
		else if (mode == ADJUST_AVRO_UNICODE)
			sl_buf_appendf(&b, "_u%04x", ch);
		else
			sl_buf_append_char(&b, '_');
	}
	sl_buf_append(&b, "", 0);
	return sl_buf_steal(&b);
}

/* A struct schema with fields, source's optional, the new name, then
 * source's version, doc and parameters (copySchemaExcludingName); members
 * in JsonConverter's order. Steals fields. */
static json_t *renamed_struct(const json_t *source, json_t *fields, const char *name)
{
	json_t *s = json_object();
	json_t *opt = json_object_get(source, "optional");

	json_object_set_new(s, "type", json_string("struct"));
	json_object_set_new(s, "fields", fields);
	json_object_set_new(s, "optional", json_boolean(json_is_true(opt)));
	json_object_set_new(s, "name", json_string(name));
	sl_txs_copy_member(s, source, "version");
	sl_txs_copy_member(s, source, "doc");
	sl_txs_copy_member(s, source, "parameters");
	return s;
}

static json_t *fields_copy(const json_t *schema)
{
	json_t *out = json_array();
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(schema, "fields"), i, f)
		json_array_append(out, f);
	return out;
}

static json_t *key_schema_build(const router_t *rt, const json_t *old, const char *topic)
{
	json_t *fields = fields_copy(old);
	char *full = sl_asprintf("%s.Key", topic);
	char *name = adjust_name(rt->c.adjust, full);

	if (rt->c.enforce_uniqueness)
		json_array_append_new(fields,
				      json_pack("{s:s,s:b,s:s}", "type", "string", "optional", 0,
						"field", rt->c.key_field_name));
	json_t *s = renamed_struct(old, fields, name);
	free(full);
	free(name);
	return s;
}

/* The envelope schema with before / after of a row schema named
 * <topic>.Value and itself named <topic>.Envelope. */
static json_t *env_schema_build(const router_t *rt, const json_t *old, const char *topic)
{
	json_t *fields = json_array(), *row = NULL;
	size_t i;
	json_t *f;
	char *full = sl_asprintf("%s.Value", topic);
	char *name = adjust_name(rt->c.adjust, full);

	json_array_foreach(json_object_get(old, "fields"), i, f) {
		const char *fname = json_string_value(json_object_get(f, "field"));
		if (fname && (!strcmp(fname, "before") || !strcmp(fname, "after"))) {
			if (!row) {
				json_t *value = renamed_struct(f, fields_copy(f), name);
				row = value;
			}
			json_t *copy = json_copy(row);
			json_object_set_new(copy, "field", json_string(fname));
			json_array_append_new(fields, copy);
		} else {
			json_array_append(fields, f);
		}
	}
	json_decref(row);
	free(full);
	free(name);
	full = sl_asprintf("%s.Envelope", topic);
	name = adjust_name(rt->c.adjust, full);
	json_t *s = renamed_struct(old, fields, name);
	free(full);
	free(name);
	return s;
}

/* The cached schema for old in cache (cap entries, round robin), built
 * with build on a miss. Borrowed. */
static json_t *schema_get(router_t *rt, schema_entry_t *cache, size_t *next, json_t *old,
			  const char *topic,
			  json_t *(*build)(const router_t *, const json_t *, const char *))
{
	for (size_t i = 0; i < rt->cap; i++)
		if (cache[i].from == old)
			return cache[i].to;
	schema_entry_t *e = &cache[*next];
	*next = (*next + 1) % rt->cap;
	json_decref(e->from);
	json_decref(e->to);
	e->from = json_incref(old);
	e->to = build(rt, old, topic);
	return e->to;
}

/* ---- topics -------------------------------------------------------------- */

static topic_entry_t *topic_find(router_t *rt, const char *topic)
{
	for (size_t i = 0; i < rt->cap; i++)
		if (rt->topics[i].from && !strcmp(rt->topics[i].from, topic))
			return &rt->topics[i];
	return NULL;
}

/* What topic becomes (new topic, identifier), computed on a miss. NULL
 * with err when a replacement names a group the regex lacks. */
static topic_entry_t *topic_route(router_t *rt, const char *topic, sl_tx_ctx_t *cx, char *err,
				  size_t err_size)
{
	topic_entry_t *e = topic_find(rt, topic);
	size_t len = strlen(topic), out_len;
	char *to = NULL, *ident = NULL;

	if (e)
		return e;
	if (sl_regex_matches(rt->topic_re, topic, len)) {
		to = sl_regex_replace(rt->topic_re, topic, len, rt->c.topic_replacement, false,
				      &out_len, err, err_size);
		if (!to)
			return NULL;
	}
	if (to && rt->key_re && sl_regex_matches(rt->key_re, topic, len)) {
		ident = sl_regex_replace(rt->key_re, topic, len, rt->c.key_field_replacement, false,
					 &out_len, err, err_size);
		if (!ident) {
			free(to);
			return NULL;
		}
	}
	e = &rt->topics[rt->next_topic];
	rt->next_topic = (rt->next_topic + 1) % rt->cap;
	free(e->from);
	free(e->ident);
	e->from = sl_strdup(topic);
	e->to = to ? sl_tx_intern(cx, to, strlen(to)) : NULL;
	e->ident = ident ? ident : sl_strdup(topic);
	free(to);
	return e;
}

/* ---- apply --------------------------------------------------------------- */

static const char *java_type(const sl_value_t *v)
{
	if (v->kind == SL_VALUE_STRING)
		return "java.lang.String";
	if (v->kind == SL_VALUE_BYTES)
		return "[B";
	if (json_is_object(v->json))
		return "java.util.HashMap";
	if (json_is_array(v->json))
		return "java.util.ArrayList";
	if (json_is_string(v->json))
		return "java.lang.String";
	if (json_is_boolean(v->json))
		return "java.lang.Boolean";
	return "java.lang.Number";
}

/* The key as a struct of the new key schema: the old fields (a null one
 * with a default gets it, as Struct.get does), then the identifier. */
static sl_tx_result_t key_rewrite(router_t *rt, sl_record_t *r, const topic_entry_t *e, char *err,
				  size_t err_size)
{
	sl_value_t *k = &r->key;

	if (sl_txs_is_null(k)) { /* a table without a primary key: no key, no key schema */
		sl_value_clear(k);
		return SL_TX_KEEP;
	}
	if (k->kind != SL_VALUE_JSON || !k->schema || !json_is_object(k->json) ||
	    strcmp(sl_schema_type(k->schema) ? sl_schema_type(k->schema) : "", "struct")) {
		sl_seterr(err, err_size,
			  "Only Struct objects supported for [Updating schema], found: %s",
			  java_type(k));
		return SL_TX_ERROR;
	}
	json_t *schema =
		schema_get(rt, rt->keys, &rt->next_key, k->schema, e->to, key_schema_build);
	json_t *key = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(k->schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *v = name ? json_object_get(k->json, name) : NULL;
		if (!name)
			continue;
		if (!v || json_is_null(v))
			v = json_object_get(f, "default");
		json_object_set_new(key, name, v ? json_incref(v) : json_null());
	}
	if (rt->c.enforce_uniqueness)
		json_object_set_new(key, rt->c.key_field_name, json_string(e->ident));
	sl_value_set_json(k, key, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t router_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				   size_t err_size)
{
	router_t *rt = state;
	topic_entry_t *e;
	sl_tx_result_t res;

	if (!r->topic)
		return SL_TX_KEEP;
	if (!(e = topic_route(rt, r->topic, cx, err, err_size)))
		return SL_TX_ERROR;
	if (!e->to || !*e->to)
		return SL_TX_KEEP;
	if ((res = key_rewrite(rt, r, e, err, err_size)) != SL_TX_KEEP)
		return res;
	r->topic = e->to;
	if (sl_txs_is_null(&r->value) || !sl_txs_is_envelope(&r->value) ||
	    !json_is_object(r->value.json))
		return SL_TX_KEEP;
	/* The rows keep their values: only the schema changes */
	json_t *schema =
		schema_get(rt, rt->envs, &rt->next_env, r->value.schema, e->to, env_schema_build);
	json_t *payload = json_incref(r->value.json);
	sl_value_set_json(&r->value, payload, json_incref(schema));
	return SL_TX_KEEP;
}

/* ---- create / destroy ---------------------------------------------------- */

static void router_destroy(void *state)
{
	router_t *rt = state;

	if (!rt)
		return;
	for (size_t i = 0; rt->topics && i < rt->cap; i++) {
		free(rt->topics[i].from);
		free(rt->topics[i].ident);
	}
	for (size_t i = 0; rt->keys && i < rt->cap; i++) {
		json_decref(rt->keys[i].from);
		json_decref(rt->keys[i].to);
		json_decref(rt->envs[i].from);
		json_decref(rt->envs[i].to);
	}
	free(rt->topics);
	free(rt->keys);
	free(rt->envs);
	sl_regex_free(rt->topic_re);
	sl_regex_free(rt->key_re);
	sl_options_free(router_options, &rt->c);
	free(rt);
}

static void *router_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	router_t *rt = sl_calloc(1, sizeof(*rt));
	size_t before = errs->count;
	char why[256];

	(void)part;
	sl_options_load(router_options, cfg, &rt->c, errs);
	if (rt->c.topic_regex &&
	    !(rt->topic_re = sl_regex_new(rt->c.topic_regex, why, sizeof(why))))
		sl_errlist_addf(errs, "topic.regex: %s", why);
	if (!sl_txu_is_blank(rt->c.key_field_regex)) {
		if (sl_txu_is_blank(rt->c.key_field_replacement))
			sl_errlist_addf(errs, "key.field.replacement: must be non-empty if "
					      "key.field.regex is set");
		else if (!(rt->key_re = sl_regex_new(rt->c.key_field_regex, why, sizeof(why))))
			sl_errlist_addf(errs, "key.field.regex: %s", why);
	}
	if (errs->count != before) {
		router_destroy(rt);
		return NULL;
	}
	rt->cap = rt->c.cache_size > 4096 ? 4096 : (size_t)rt->c.cache_size;
	rt->topics = sl_calloc(rt->cap, sizeof(*rt->topics));
	rt->keys = sl_calloc(rt->cap, sizeof(*rt->keys));
	rt->envs = sl_calloc(rt->cap, sizeof(*rt->envs));
	return rt;
}

static const char *const router_classes[] = {"io.debezium.transforms.ByLogicalTableRouter", NULL};

const sl_transform_def_t sl_tx_by_logical_table_router = {
	.name = "ByLogicalTableRouter",
	.classes = router_classes,
	.variants = false,
	.options = router_options,
	.doc = "Debezium's topic routing for logical tables (e.g. shards): the change events of "
	       "every topic topic.regex matches go to the topic topic.replacement makes of it; "
	       "the key and envelope schemas are renamed after the new topic, and the key gets "
	       "a field naming the physical table (key.enforce.uniqueness). Topics the regex "
	       "does not match pass through unchanged.",
	.create = router_create,
	.apply = router_apply,
	.destroy = router_destroy,
};
