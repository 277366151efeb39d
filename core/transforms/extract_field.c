/* ExtractField: the record key or value becomes one of its fields, as
 * Kafka Connect's org.apache.kafka.connect.transforms.ExtractField does
 * (a Struct's field with the field's schema, or a schemaless map's entry;
 * with field.syntax.version=V2 a dotted path into nested structs and maps).
 *
 * Values are JsonConverter payloads: a Struct is a JSON object whose
 * schema is {"type":"struct","fields":[...]}, a field's schema is its entry
 * in "fields" without the "field" member. The output schema depends only on
 * the input schema, so it is built once per input schema object (schemas
 * are shared between records) and kept in a small cache. */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "sluice/util.h"
#include "tx_struct.h"

#define EF_PURPOSE "field extraction"
#define EF_NESTED "nested field access"

typedef struct ef_conf {
	char *field;
	int syntax; /* index into syntax_versions */
	bool replace_null;
} ef_conf_t;

typedef struct ef_state {
	ef_conf_t conf;
	sl_tx_part_t part;
	char **steps; /* the path: one step (V1) or the V2 steps */
	size_t nsteps;
	sl_txs_cache_t cache; /* input schema -> the field's schema */
} ef_state_t;

static const char *const syntax_versions[] = {"V1", "V2", NULL};

static const sl_option_t ef_options[] = {
	{.name = "field",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Field name to extract (with field.syntax.version=V2, a dotted path to a nested "
		"field).",
	 SL_OPT_AT(ef_conf_t, field)},
	{.name = "field.syntax.version",
	 .type = SL_OPT_ENUM,
	 .def = "V1",
	 .enums = syntax_versions,
	 .doc = "V1: the field is a name at the root of the struct or map. V2: a path into "
		"nested structs and maps, steps separated by dots; a step holding dots is "
		"wrapped in backticks (`foo.bar`.baz), and a backtick inside such a step is "
		"escaped with a backslash.",
	 SL_OPT_AT(ef_conf_t, syntax)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null field that has a default value in its schema is extracted as "
		"that default (true) or as null (false).",
	 SL_OPT_AT(ef_conf_t, replace_null)},
	SL_OPT_END,
};

/* ---- field paths (Kafka's SingleFieldPath) ---------------------------- */

static void steps_free(char **steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(steps[i]);
	free(steps);
}

static void steps_add(char ***steps, size_t *n, const char *s, size_t len)
{
	*steps = sl_realloc(*steps, (*n + 1) * sizeof(**steps));
	(*steps)[(*n)++] = sl_strndup(s, len);
}

/* Parses the backticked step that starts at path[*at] (a backtick); on
 * success appends it and moves *at past it and its dot. A backtick ends
 * the step when it is followed by a dot or ends the path; one right after
 * a backslash is part of the name (the backslash dropped) when a dot
 * follows it. */
static int parse_quoted(const char *path, size_t *at, sl_buf_t *name, char ***steps, size_t *n,
			sl_errlist_t *errs)
{
	size_t len = strlen(path), open = *at, start = open + 1, i = start;

	name->len = 0;
	for (;;) {
		const char *bt = memchr(path + i, '`', len - i);
		if (!bt)
			goto incomplete;
		i = (size_t)(bt - path);
		bool escaped = path[i - 1] == '\\';
		if (i + 1 >= len) {
			if (escaped)
				goto incomplete;
			sl_buf_append(name, path + start, i - start);
			steps_add(steps, n, name->len ? name->data : "", name->len);
			*at = i + 1;
			return 0;
		}
		if (path[i + 1] != '.') {
			i++;
			continue;
		}
		if (escaped) {
			sl_buf_append(name, path + start, i - 1 - start);
			sl_buf_append(name, "`", 1);
			start = ++i;
			continue;
		}
		sl_buf_append(name, path + start, i - start);
		steps_add(steps, n, name->len ? name->data : "", name->len);
		*at = i + 2;
		return 0;
	}
incomplete:
	sl_errlist_addf(errs,
			"field: Incomplete backtick pair in path: [%s], consider adding a "
			"backslash before backtick at position %zu to escape it",
			path, open);
	return -1;
}

/* Splits a V2 path into steps: dots separate them, a step starting with a
 * backtick runs to its closing backtick, and a path ending in a dot ends
 * with an empty step. */
static int parse_v2(const char *path, char ***steps, size_t *n, sl_errlist_t *errs)
{
	size_t len = strlen(path), at = 0;
	sl_buf_t name = {0};
	int rc = 0;

	while (at < len) {
		if (path[at] == '`') {
			if ((rc = parse_quoted(path, &at, &name, steps, n, errs)))
				break;
			continue;
		}
		const char *dot = strchr(path + at, '.');
		size_t end = dot ? (size_t)(dot - path) : len;
		steps_add(steps, n, path + at, end - at);
		at = dot ? end + 1 : len;
	}
	/* an empty path names the field "" (Kafka fails each record then) */
	if (!rc && (!len || path[len - 1] == '.'))
		steps_add(steps, n, "", 0);
	sl_buf_free(&name);
	return rc;
}

/* ---- structs ---------------------------------------------------------- */

/* ---- create / destroy ------------------------------------------------- */

static void ef_destroy(void *p)
{
	ef_state_t *st = p;

	if (!st)
		return;
	sl_txs_cache_free(&st->cache);
	steps_free(st->steps, st->nsteps);
	sl_options_free(ef_options, &st->conf);
	free(st);
}

static void *ef_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	ef_state_t *st = sl_calloc(1, sizeof(*st));
	int rc = sl_options_load(ef_options, cfg, &st->conf, errs);

	st->part = part;
	if (!rc && st->conf.syntax == 1)
		rc = parse_v2(st->conf.field, &st->steps, &st->nsteps, errs);
	else if (!rc)
		steps_add(&st->steps, &st->nsteps, st->conf.field, strlen(st->conf.field));
	if (rc) {
		ef_destroy(st);
		return NULL;
	}
	return st;
}

/* ---- apply ------------------------------------------------------------ */

/* The schemaless case: walks maps; *out is borrowed, NULL for null. */
static int extract_map(const ef_state_t *st, json_t *map, json_t **out, char *err, size_t size)
{
	json_t *cur = map;

	for (size_t i = 0; i + 1 < st->nsteps; i++) {
		cur = json_object_get(cur, st->steps[i]);
		if (!cur || json_is_null(cur)) {
			*out = NULL;
			return 0;
		}
		if (!json_is_object(cur))
			return sl_seterr(err, size,
					 "Only Map objects supported in absence of schema for "
					 "[" EF_NESTED "], found: %s",
					 sl_txs_java_class(cur, NULL));
	}
	*out = json_object_get(cur, st->steps[st->nsteps - 1]);
	return 0;
}

/* The field's entry in schema (Kafka's fieldFrom): NULL when a step is
 * missing, -1 with err when a step's schema is not a struct. */
static int find_field(const ef_state_t *st, const json_t *schema, const json_t **entry, char *err,
		      size_t size)
{
	const json_t *cur = schema;

	*entry = NULL;
	for (size_t i = 0; i < st->nsteps; i++) {
		if (!sl_txs_is_struct(cur))
			return sl_seterr(err, size, "Cannot look up fields on non-struct type");
		const json_t *f = sl_txs_field(cur, st->steps[i]);
		if (!f)
			return 0;
		if (i + 1 == st->nsteps)
			*entry = f;
		cur = f;
	}
	return 0;
}

/* The output schema for input schema: the field's schema; NULL with err
 * when the field is not there (an sl_txs_derive_fn). */
static json_t *output_schema(void *state, const json_t *schema, char *err, size_t size)
{
	const ef_state_t *st = state;
	const json_t *entry;

	if (find_field(st, schema, &entry, err, size))
		return NULL;
	if (!entry) {
		sl_seterr(err, size, "Unknown field: %s", st->conf.field);
		return NULL;
	}
	return sl_txs_field_schema(entry);
}

/* The schemaful case: walks structs (Kafka's valueFrom); borrowed result,
 * NULL for null. */
static json_t *extract_struct(const ef_state_t *st, json_t *payload, const json_t *schema)
{
	json_t *cur = payload;
	const json_t *cur_schema = schema;

	for (size_t i = 0; cur && i < st->nsteps; i++) {
		const json_t *f = sl_txs_field(cur_schema, st->steps[i]);
		if (!f)
			return NULL;
		bool last = i + 1 == st->nsteps;
		cur = sl_txs_field_value(cur, f, last ? st->conf.replace_null : true);
		cur_schema = f;
	}
	return cur;
}

static sl_tx_result_t ef_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	ef_state_t *st = state;
	sl_value_t *v = sl_txs_operand(r, st->part);
	bool null = sl_txs_is_null(v);
	json_t *out;

	(void)cx;
	if (sl_txs_schemaless(v)) {
		/* requireMapOrNull: a null passes through */
		if (null)
			return SL_TX_KEEP;
		if (!sl_txs_require_map(v, EF_PURPOSE, err, err_size) ||
		    extract_map(st, v->json, &out, err, err_size))
			return SL_TX_ERROR;
		if (!out || json_is_null(out))
			sl_value_clear(v);
		else
			sl_value_set_json(v, json_incref(out), NULL);
		return SL_TX_KEEP;
	}
	/* requireStructOrNull: a null of the schema gives a null of the field's */
	if (!null && !sl_txs_require_struct(v, EF_PURPOSE, err, err_size))
		return SL_TX_ERROR;
	json_t *schema =
		sl_txs_cache_derive(&st->cache, v->schema, output_schema, st, err, err_size);
	if (!schema)
		return SL_TX_ERROR;
	out = null ? NULL : extract_struct(st, v->json, v->schema);
	sl_value_set_json(v, json_incref(out), json_incref(schema));
	return SL_TX_KEEP;
}

static const char *const ef_classes[] = {"org.apache.kafka.connect.transforms.ExtractField", NULL};

const sl_transform_def_t sl_tx_extract_field = {
	.name = "ExtractField",
	.classes = ef_classes,
	.variants = true,
	.options = ef_options,
	.doc = "Replaces the key or value with one of its fields: a struct's field (the schema "
	       "becomes the field's schema) or a schemaless map's entry. A null key or value "
	       "passes through unchanged. With field.syntax.version=V2 the field is a dotted "
	       "path into nested structs and maps; a path that leads nowhere in a map gives "
	       "null, one that names no field of the schema is an error.",
	.create = ef_create,
	.apply = ef_apply,
	.destroy = ef_destroy,
};
