/* The converters between record values and Kafka message bytes: "json"
 * (Kafka Connect's JsonConverter, envelope or not), "string" and "bytes";
 * json_write.c holds the JSON text and logical type helpers they share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_priv.h"
#include "json_parse.h"

typedef enum conv_kind {
	CONV_JSON,
	CONV_STRING,
	CONV_BYTES,
} conv_kind_t;

/* Parsed and checked schemas by their exact text: records of one topic
 * carry the same schema text, so it is parsed once, not per record. */
#define SCHEMA_CACHE_SIZE 16

typedef struct schema_entry {
	char *text;
	size_t len;
	json_t *schema;
} schema_entry_t;

struct sl_converter {
	conv_kind_t kind;
	bool is_key;
	bool schemas_enable;  /* json: the {"schema":..,"payload":..} envelope */
	bool decimal_numeric; /* json: decimal.format=NUMERIC */
	schema_entry_t cache[SCHEMA_CACHE_SIZE];
	struct flat_struct *cache_flat[SCHEMA_CACHE_SIZE]; /* of cache[i], or NULL */
	unsigned cache_next;                               /* round-robin replacement */
	/* The text of schemas written, by schema object (each held, so that
	 * its address stays its own): a source's values share theirs. */
	schema_entry_t written[SCHEMA_CACHE_SIZE];
	unsigned written_next;
};

static const struct conv_name {
	const char *name;
	const char *class_name;
	conv_kind_t kind;
} conv_names[] = {
	{"json", "org.apache.kafka.connect.json.JsonConverter", CONV_JSON},
	{"string", "org.apache.kafka.connect.storage.StringConverter", CONV_STRING},
	{"bytes", "org.apache.kafka.connect.converters.ByteArrayConverter", CONV_BYTES},
};

/* JsonConverter's own words, so that searches for them find the fix. */
#define ENVELOPE_ERROR                                                                             \
	"JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may "    \
	"not contain additional fields. If you are trying to deserialize plain JSON data, set "    \
	"schemas.enable=false in your converter configuration."

/* The envelope heads of STRING and BYTES values, written without json_t. */
#define STRING_ENVELOPE "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":"
#define BYTES_ENVELOPE "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":"

/* ---- creation ----------------------------------------------------------- */

static int unknown_name(const char *name, char *errstr, size_t errstr_size)
{
	sl_buf_t list = {0};

	for (size_t i = 0; i < SL_ARRAY_LEN(conv_names); i++)
		sl_buf_appendf(&list, "%s%s, %s", i ? ", " : "", conv_names[i].name,
			       conv_names[i].class_name);
	char shown[128];
	sl_seterr(errstr, errstr_size, "unknown converter \"%s\" (accepted: %s)",
		  sl_config_printable(name, shown, sizeof(shown)), list.data);
	sl_buf_free(&list);
	return -1;
}

/* The converter's own keys, typed (see sl_converter_options). */
typedef struct conv_settings {
	bool schemas_enable;
	int decimal_format; /* index into decimal_formats */
	int64_t schemas_cache_size;
	char *encoding;
	char *replace_null;
} conv_settings_t;

static const char *const decimal_formats[] = {"BASE64", "NUMERIC", NULL};

static bool check_utf8(const char *value, char *why, size_t why_size)
{
	if (!strcasecmp(value, "UTF-8") || !strcasecmp(value, "UTF8"))
		return true;
	snprintf(why, why_size, "not supported (only UTF-8: text is always UTF-8)");
	return false;
}

static bool check_true(const char *value, char *why, size_t why_size)
{
	bool b;
	if (sl_parse_bool(value, &b) == 0 && b)
		return true;
	snprintf(why, why_size,
		 "not supported (only true: a null always takes its schema's "
		 "default)");
	return false;
}

const sl_option_t sl_converter_options[] = {
	{.name = "schemas.enable",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "json: values are the {\"schema\": ..., \"payload\": ...} envelope of Kafka "
		"Connect's JsonConverter; false: plain JSON without schemas. Kafka Connect "
		"passes it to every converter: string and bytes accept it and do not use it.",
	 SL_OPT_AT(conv_settings_t, schemas_enable)},
	{.name = "decimal.format",
	 .type = SL_OPT_ENUM,
	 .def = "BASE64",
	 .enums = decimal_formats,
	 .doc = "json: how Decimal values are written: BASE64 (their unscaled bytes as a base64 "
		"string, JsonConverter's default) or NUMERIC (a JSON number). Both are read.",
	 SL_OPT_AT(conv_settings_t, decimal_format)},
	{.name = "schemas.cache.size",
	 .type = SL_OPT_INT,
	 .def = "1000",
	 SL_OPT_MIN(0),
	 .ignored = "each converter keeps the last 16 distinct schema texts it parsed",
	 .doc = "JsonConverter's schema cache size.",
	 SL_OPT_AT(conv_settings_t, schemas_cache_size)},
	{.name = "converter.encoding",
	 .type = SL_OPT_STRING,
	 .def = "UTF-8",
	 .alias = "encoding",
	 .check = check_utf8,
	 .doc = "StringConverter's character set: only UTF-8 (or UTF8) is accepted.",
	 SL_OPT_AT(conv_settings_t, encoding)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_STRING,
	 .def = "true",
	 .check = check_true,
	 .doc = "JsonConverter's key: a null field takes its schema's default. Only true is "
		"accepted.",
	 SL_OPT_AT(conv_settings_t, replace_null)},
	SL_OPT_END,
};

/* Loads props (the keys after "key.converter." / "value.converter.") into
 * s through sl_converter_options. Messages name each key as the user wrote
 * it (value.converter.schemas.enable), so both the table and the keys are
 * looked at with the prefix. -1 with errstr holding every problem,
 * separated by "; ". */
static int load_settings(bool is_key, const sl_config_t *props, conv_settings_t *s, char *errstr,
			 size_t errstr_size)
{
	enum {
		N = SL_ARRAY_LEN(sl_converter_options)
	};
	const char *prefix = is_key ? "key.converter." : "value.converter.";
	sl_option_t table[N];
	char *names[2 * N] = {0};
	sl_config_t *full = sl_config_new();
	sl_errlist_t errs = {0};
	int rv = 0;

	for (size_t i = 0; i < N; i++) {
		table[i] = sl_converter_options[i];
		if (!table[i].name)
			continue;
		table[i].name = names[2 * i] = sl_asprintf("%s%s", prefix, table[i].name);
		if (table[i].alias)
			table[i].alias = names[2 * i + 1] =
				sl_asprintf("%s%s", prefix, table[i].alias);
	}
	for (size_t i = 0; props && i < sl_config_count(props); i++) {
		const sl_config_entry_t *e = sl_config_at(props, i);
		char *key = sl_asprintf("%s%s", prefix, e->key);
		sl_config_set(full, key, e->value, e->file, e->line);
		free(key);
	}
	const sl_option_t *const tables[] = {table, NULL};
	sl_options_check_unknown(tables, NULL, full,
				 is_key ? "the key converter" : "the value converter", &errs);
	sl_options_load(table, full, s, &errs);
	if (errs.count) {
		sl_buf_t b = {0};
		for (size_t i = 0; i < errs.count; i++)
			sl_buf_appendf(&b, "%s%s", i ? "; " : "", errs.items[i]);
		sl_seterr(errstr, errstr_size, "%s", b.data);
		sl_buf_free(&b);
		rv = -1;
	}
	sl_options_free(table, s);
	sl_errlist_free(&errs);
	sl_config_free(full);
	for (size_t i = 0; i < 2 * N; i++)
		free(names[i]);
	return rv;
}

sl_converter_t *sl_converter_new(const char *name, bool is_key, const sl_config_t *props,
				 char *errstr, size_t errstr_size)
{
	sl_converter_t *c = NULL;
	size_t i;

	for (i = 0; name && i < SL_ARRAY_LEN(conv_names); i++)
		if (!strcmp(name, conv_names[i].name) || !strcmp(name, conv_names[i].class_name))
			break;
	if (!name || i == SL_ARRAY_LEN(conv_names)) {
		unknown_name(name ? name : "(none)", errstr, errstr_size);
		return NULL;
	}
	conv_settings_t s;
	if (load_settings(is_key, props, &s, errstr, errstr_size) != 0)
		return NULL;
	c = sl_calloc(1, sizeof(*c));
	c->kind = conv_names[i].kind;
	c->is_key = is_key;
	c->schemas_enable = s.schemas_enable;
	c->decimal_numeric = s.decimal_format == 1; /* NUMERIC */
	return c;
}

void sl_converter_free(sl_converter_t *c)
{
	for (size_t i = 0; c && i < SCHEMA_CACHE_SIZE; i++) {
		free(c->cache[i].text);
		json_decref(c->cache[i].schema);
		free(c->cache_flat[i]);
		free(c->written[i].text);
		json_decref(c->written[i].schema);
	}
	free(c);
}

const char *sl_converter_name(const sl_converter_t *c)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(conv_names); i++)
		if (conv_names[i].kind == c->kind)
			return conv_names[i].name;
	return "?";
}

/* ---- value -> bytes ----------------------------------------------------- */

/* The payload of a JSON value, NULL for a null one. */
static const json_t *json_payload(const sl_value_t *v)
{
	return v->json && !json_is_null(v->json) ? v->json : NULL;
}

/* Appends the envelope's head, {"schema":<schema>,"payload":, the text of
 * a schema written before copied. */
static void put_envelope_head(sl_converter_t *c, json_t *schema, sl_buf_t *out)
{
	schema_entry_t *e = NULL;

	sl_buf_append_str(out, "{\"schema\":");
	if (!schema) {
		sl_buf_append_str(out, "null,\"payload\":");
		return;
	}
	for (size_t i = 0; i < SCHEMA_CACHE_SIZE && !e; i++)
		if (c->written[i].schema == schema)
			e = &c->written[i];
	if (!e) {
		sl_buf_t text = {0};
		sl_json_write(&text, schema, NULL);
		e = &c->written[c->written_next++ % SCHEMA_CACHE_SIZE];
		free(e->text);
		json_decref(e->schema);
		e->len = text.len;
		e->text = sl_buf_steal(&text);
		e->schema = json_incref(schema);
	}
	sl_buf_append(out, e->text, e->len);
	sl_buf_append_str(out, ",\"payload\":");
}

static int json_from_json(sl_converter_t *c, const sl_value_t *v, sl_buf_t *out, bool *is_null,
			  char *errstr, size_t errstr_size)
{
	const json_t *payload = json_payload(v);
	bool fields = v->kind == SL_VALUE_FIELDS;
	size_t start = out->len;

	if (!fields && !payload && !v->schema) {
		*is_null = true; /* JsonConverter: no schema, no value */
		return 0;
	}
	if (c->schemas_enable)
		put_envelope_head(c, v->schema, out);
	if ((fields ? sl_json_write_fields(out, v, c->decimal_numeric, errstr, errstr_size)
		    : sl_json_write_payload(out, payload, v->schema, c->decimal_numeric, errstr,
					    errstr_size)) < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	if (c->schemas_enable)
		sl_buf_append_char(out, '}');
	return 0;
}

static int json_from_value(sl_converter_t *c, const sl_value_t *v, sl_buf_t *out, bool *is_null,
			   char *errstr, size_t errstr_size)
{
	switch (v->kind) {
	case SL_VALUE_STRING:
		if (c->schemas_enable)
			sl_buf_append(out, STRING_ENVELOPE, sizeof(STRING_ENVELOPE) - 1);
		sl_json_write_string(out, v->data, v->len);
		break;
	case SL_VALUE_BYTES:
		if (c->schemas_enable)
			sl_buf_append(out, BYTES_ENVELOPE, sizeof(BYTES_ENVELOPE) - 1);
		sl_buf_append_char(out, '"');
		sl_base64_append(out, v->data, v->len);
		sl_buf_append_char(out, '"');
		break;
	case SL_VALUE_JSON:
	case SL_VALUE_FIELDS:
		return json_from_json(c, v, out, is_null, errstr, errstr_size);
	case SL_VALUE_JSON_TEXT: /* as it is (NUMERIC decimals took a tree) */
		if (c->schemas_enable)
			put_envelope_head(c, v->schema, out);
		sl_buf_append(out, v->data, v->len);
		break;
	case SL_VALUE_NULL:
	default:
		*is_null = true;
		return 0;
	}
	if (c->schemas_enable)
		sl_buf_append_char(out, '}');
	return 0;
}

/* Like Java's toString of the value: text as it is, other JSON compact. */
static int string_from_value(const sl_value_t *v, sl_buf_t *out, bool *is_null)
{
	const json_t *payload;

	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
		sl_buf_append(out, v->data, v->len);
		return 0;
	case SL_VALUE_JSON:
		payload = json_payload(v);
		if (!payload)
			break;
		if (json_is_string(payload))
			sl_buf_append(out, json_string_value(payload), json_string_length(payload));
		else
			sl_json_write(out, payload, v->schema);
		return 0;
	case SL_VALUE_NULL:
	default:
		break;
	}
	*is_null = true;
	return 0;
}

/* Raw bytes; a JSON value only when its schema is plain bytes (the payload
 * is then base64). */
static int bytes_from_value(const sl_value_t *v, sl_buf_t *out, bool *is_null, char *errstr,
			    size_t errstr_size)
{
	const json_t *payload;
	const char *type;
	unsigned char *raw;
	size_t n;

	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
		sl_buf_append(out, v->data, v->len);
		return 0;
	case SL_VALUE_JSON:
		payload = json_payload(v);
		if (!payload)
			break;
		type = sl_schema_type(v->schema);
		if (!type || strcmp(type, "bytes") || json_object_get(v->schema, "name") ||
		    !json_is_string(payload))
			return sl_seterr(errstr, errstr_size,
					 "the bytes converter cannot write a structured value "
					 "(schema type %s); use the json or string converter",
					 type ? type : "none");
		if (sl_base64_decode(json_string_value(payload), json_string_length(payload), &raw,
				     &n) < 0)
			return sl_seterr(errstr, errstr_size, "bytes payload is not valid base64");
		sl_buf_append(out, raw, n);
		free(raw);
		return 0;
	case SL_VALUE_NULL:
	default:
		break;
	}
	*is_null = true;
	return 0;
}

int sl_converter_from_value(sl_converter_t *c, const char *topic, const sl_value_t *v,
			    sl_buf_t *out, bool *is_null, char *errstr, size_t errstr_size)
{
	*is_null = false;
	if (sl_converter_passes_through(c, v)) { /* the one rule for both paths */
		sl_buf_append(out, v->data, v->len);
		return 0;
	}
	if ((v->kind == SL_VALUE_FIELDS && c->kind != CONV_JSON) ||
	    (v->kind == SL_VALUE_JSON_TEXT && (c->kind != CONV_JSON || c->decimal_numeric))) {
		/* the JSON converter writes a transform's fields and JSON text
		 * as they are (but for NUMERIC decimals in the text); the
		 * others take them in JSON form */
		sl_value_t tree = {
			.kind = SL_VALUE_JSON, .json = sl_value_payload(v), .schema = v->schema};
		int rc =
			sl_converter_from_value(c, topic, &tree, out, is_null, errstr, errstr_size);
		json_decref(tree.json);
		return rc;
	}
	switch (c->kind) {
	case CONV_JSON:
		return json_from_value(c, v, out, is_null, errstr, errstr_size);
	case CONV_STRING:
		return string_from_value(v, out, is_null);
	case CONV_BYTES:
	default:
		return bytes_from_value(v, out, is_null, errstr, errstr_size);
	}
}

bool sl_converter_passes_through(const sl_converter_t *c, const sl_value_t *v)
{
	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
		return c->kind == CONV_STRING || c->kind == CONV_BYTES;
	case SL_VALUE_JSON_TEXT:
		return c->kind == CONV_JSON && !c->schemas_enable && !c->decimal_numeric;
	default:
		return false;
	}
}

/* ---- checking a payload against its schema ------------------------------
 * JsonConverter turns the payload into Connect data through the schema and
 * fails on what does not fit. We keep the JSON, but check it the same way
 * and normalise it to what JsonConverter would write back: nulls become
 * their schema's default, numeric Decimals become base64, structs get
 * their schema's fields in schema order. */

typedef struct checker {
	char path[256]; /* where we are: "payload.address.zip" */
	size_t len;
	char *errstr;
	size_t errstr_size;
} checker_t;

static size_t path_push(checker_t *ck, const char *fmt, ...) SL_PRINTF(2, 3);
static size_t path_push(checker_t *ck, const char *fmt, ...)
{
	size_t old = ck->len;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(ck->path + ck->len, sizeof(ck->path) - ck->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		ck->len += (size_t)n < sizeof(ck->path) - ck->len ? (size_t)n
								  : sizeof(ck->path) - ck->len - 1;
	return old;
}

/* path_push_name(ck, name) without the formatting: a struct has one
 * per field and record. */
static size_t path_push_name(checker_t *ck, const char *name)
{
	size_t old = ck->len, room = sizeof(ck->path) - ck->len - 1;
	size_t n = strlen(name) + 1;

	if (n > room)
		n = room;
	if (n) {
		ck->path[ck->len] = '.';
		memcpy(ck->path + ck->len + 1, name, n - 1);
		ck->len += n;
	}
	ck->path[ck->len] = '\0';
	return old;
}

static void path_pop(checker_t *ck, size_t old)
{
	ck->len = old;
	ck->path[old] = '\0';
}

static int check_fail(checker_t *ck, const char *fmt, ...) SL_PRINTF(2, 3);
static int check_fail(checker_t *ck, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_seterr(ck->errstr, ck->errstr_size, "%s: %s", ck->path, msg);
}

static bool is_type(const char *type, const char *want)
{
	return type && !strcmp(type, want);
}

static int check_value(checker_t *ck, const json_t *s, json_t *j, json_t **repl);

static int check_null(checker_t *ck, const json_t *s, const json_t *j, json_t **repl)
{
	const json_t *def = json_object_get(s, "default");

	if (def && !json_is_null(def)) {
		/* normalised as a payload value is (a numeric Decimal default
		 * becomes base64), so that it writes as it reads */
		json_t *copy = json_deep_copy(def), *r = NULL;
		if (check_value(ck, s, copy, &r) < 0) {
			json_decref(copy);
			return -1;
		}
		if (r)
			json_decref(copy);
		*repl = r ? r : copy;
		return 0;
	}
	if (json_is_true(json_object_get(s, "optional"))) {
		if (!j)
			*repl = json_null(); /* an absent struct field */
		return 0;
	}
	return check_fail(ck, "%s value for required %s field", j ? "null" : "no",
			  sl_schema_type(s));
}

static int check_int(checker_t *ck, const char *type, const json_t *j)
{
	json_int_t v, max = INT64_MAX;

	if (!json_is_integer(j))
		return check_fail(ck, "expected %s, found %s", type, sl_json_kind(j));
	v = json_integer_value(j);
	if (!strcmp(type, "int8"))
		max = INT8_MAX;
	else if (!strcmp(type, "int16"))
		max = INT16_MAX;
	else if (!strcmp(type, "int32"))
		max = INT32_MAX;
	if (v > max || v < -max - 1)
		return check_fail(ck, "%" JSON_INTEGER_FORMAT " is out of range for %s", v, type);
	return 0;
}

static int check_bytes(checker_t *ck, const json_t *j)
{
	unsigned char *raw;
	size_t n;

	if (!json_is_string(j))
		return check_fail(ck, "expected bytes (a base64 string), found %s",
				  sl_json_kind(j));
	if (sl_base64_decode(json_string_value(j), json_string_length(j), &raw, &n) < 0)
		return check_fail(ck, "bytes value is not valid base64");
	free(raw);
	return 0;
}

/* A Decimal is base64 of its unscaled value; a number (decimal.format
 * NUMERIC on the writing side) is turned into that. */
static int check_decimal(checker_t *ck, const json_t *s, const json_t *j, json_t **repl)
{
	char text[SL_NUMBER_BUF_SIZE];
	char *b64 = NULL;
	int scale = 0;

	sl_schema_decimal_scale(s, &scale); /* checked with the schema */
	if (json_is_string(j)) {
		if (check_bytes(ck, j) < 0)
			return -1;
		if (!json_string_length(j))
			return check_fail(ck, "Decimal value has no bytes");
		return 0;
	}
	if (json_is_integer(j))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
	else if (json_is_real(j))
		sl_format_double(json_real_value(j), text);
	else
		return check_fail(ck, "expected a Decimal (base64 string or number), found %s",
				  sl_json_kind(j));
	if (sl_decimal_to_base64(text, scale, &b64) < 0)
		return check_fail(ck, "Decimal %s has more fraction digits than its scale %d", text,
				  scale);
	*repl = json_string(b64);
	free(b64);
	return 0;
}

static int check_array(checker_t *ck, const json_t *s, json_t *j)
{
	const json_t *items = json_object_get(s, "items");

	if (!json_is_array(j))
		return check_fail(ck, "expected an array, found %s", sl_json_kind(j));
	for (size_t i = 0; i < json_array_size(j); i++) {
		json_t *r;
		size_t old = path_push(ck, "[%zu]", i);
		if (check_value(ck, items, json_array_get(j, i), &r) < 0)
			return -1;
		path_pop(ck, old);
		if (r)
			json_array_set_new(j, i, r);
	}
	return 0;
}

/* Checks a [key, value] entry of a map with non-string keys. */
static int check_map_pair(checker_t *ck, const json_t *s, json_t *pair)
{
	static const char *const part[] = {"keys", "values"};

	if (!json_is_array(pair) || json_array_size(pair) != 2)
		return check_fail(ck, "a map entry must be a [key, value] array, found %s",
				  sl_json_kind(pair));
	for (size_t k = 0; k < 2; k++) {
		json_t *r;
		size_t old = path_push(ck, "[%zu]", k);
		if (check_value(ck, json_object_get(s, part[k]), json_array_get(pair, k), &r) < 0)
			return -1;
		path_pop(ck, old);
		if (r)
			json_array_set_new(pair, k, r);
	}
	return 0;
}

/* Maps with string keys are JSON objects, others arrays of pairs. */
static int check_map(checker_t *ck, const json_t *s, json_t *j)
{
	const json_t *values = json_object_get(s, "values");

	if (!is_type(sl_schema_type(json_object_get(s, "keys")), "string")) {
		if (!json_is_array(j))
			return check_fail(ck,
					  "expected a map with non-string keys (an array of "
					  "[key, value] arrays), found %s",
					  sl_json_kind(j));
		for (size_t i = 0; i < json_array_size(j); i++) {
			size_t old = path_push(ck, "[%zu]", i);
			if (check_map_pair(ck, s, json_array_get(j, i)) < 0)
				return -1;
			path_pop(ck, old);
		}
		return 0;
	}
	if (!json_is_object(j))
		return check_fail(ck, "expected a map (an object), found %s", sl_json_kind(j));
	for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
		json_t *r;
		size_t old = path_push_name(ck, json_object_iter_key(it));
		if (check_value(ck, values, json_object_iter_value(it), &r) < 0)
			return -1;
		path_pop(ck, old);
		if (r)
			json_object_iter_set_new(j, it, r);
	}
	return 0;
}

/* True when j has exactly the fields, in their order. */
static bool struct_in_order(const json_t *fields, json_t *j)
{
	void *it = json_object_iter(j);

	if (json_object_size(j) != json_array_size(fields))
		return false;
	for (size_t i = 0; i < json_array_size(fields); i++, it = json_object_iter_next(j, it)) {
		const char *name =
			json_string_value(json_object_get(json_array_get(fields, i), "field"));
		if (!it || strcmp(json_object_iter_key(it), name))
			return false;
	}
	return true;
}

static int check_struct(checker_t *ck, const json_t *s, json_t *j, json_t **repl)
{
	const json_t *fields = json_object_get(s, "fields");
	size_t n = json_array_size(fields);

	if (!json_is_object(j))
		return check_fail(ck, "expected a struct (an object), found %s", sl_json_kind(j));
	bool in_order = struct_in_order(fields, j);
	for (size_t i = 0; i < n; i++) {
		const json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *r;
		size_t old = path_push_name(ck, name);
		if (check_value(ck, f, json_object_get(j, name), &r) < 0)
			return -1;
		path_pop(ck, old);
		if (r)
			json_object_set_new(j, name, r);
	}
	if (in_order)
		return 0;
	/* as JsonConverter writes a Struct: its schema's fields, in order */
	*repl = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *name =
			json_string_value(json_object_get(json_array_get(fields, i), "field"));
		json_object_set(*repl, name, json_object_get(j, name));
	}
	return 0;
}

/* Checks j (NULL: an absent struct field) against schema s, which
 * check_schema accepted. *repl gets what j must be replaced with (a new
 * reference), or NULL. */
static int check_value(checker_t *ck, const json_t *s, json_t *j, json_t **repl)
{
	const char *type = sl_schema_type(s);

	*repl = NULL;
	if (!j || json_is_null(j))
		return check_null(ck, s, j, repl);
	if (sl_schema_is(s, SL_LOGICAL_DECIMAL))
		return check_decimal(ck, s, j, repl);
	if (!strcmp(type, "struct"))
		return check_struct(ck, s, j, repl);
	if (!strcmp(type, "array"))
		return check_array(ck, s, j);
	if (!strcmp(type, "map"))
		return check_map(ck, s, j);
	if (!strcmp(type, "bytes"))
		return check_bytes(ck, j);
	if (!strncmp(type, "int", 3))
		return check_int(ck, type, j);
	if ((!strcmp(type, "float") || !strcmp(type, "double")) && !json_is_number(j))
		return check_fail(ck, "expected %s, found %s", type, sl_json_kind(j));
	if (!strcmp(type, "boolean") && !json_is_boolean(j))
		return check_fail(ck, "expected boolean, found %s", sl_json_kind(j));
	if (!strcmp(type, "string") && !json_is_string(j))
		return check_fail(ck, "expected string, found %s", sl_json_kind(j));
	return 0;
}

/* ---- checking a schema -------------------------------------------------- */

static const char *const schema_types[] = {
	"boolean", "int8",  "int16",  "int32", "int64", "float",
	"double",  "bytes", "string", "array", "map",   "struct",
};

static int check_schema(checker_t *ck, const json_t *s);

/* Checks the schema member key (items, keys, values) of s. */
static int check_sub_schema(checker_t *ck, const json_t *s, const char *key, const char *what)
{
	const json_t *sub = json_object_get(s, key);

	if (!sub || json_is_null(sub))
		return check_fail(ck, "%s schema did not specify the %s type", sl_schema_type(s),
				  what);
	size_t old = path_push_name(ck, key);
	if (check_schema(ck, sub) < 0)
		return -1;
	path_pop(ck, old);
	return 0;
}

/* A struct schema's fields: each named, once (Kafka Connect's
 * SchemaBuilder refuses a name given twice), and each a schema. Runs once
 * per schema text (the converter caches checked schemas). */
static int check_fields(checker_t *ck, const json_t *s)
{
	const json_t *fields = json_object_get(s, "fields");
	json_t *seen;
	int rc = 0;

	if (!json_is_array(fields))
		return check_fail(ck, "Struct schema's \"fields\" argument is not an array.");
	seen = json_object();
	for (size_t i = 0; rc == 0 && i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "field"));
		if (!name) {
			rc = check_fail(ck,
					"Struct schema's field name not specified properly "
					"(field %zu)",
					i);
		} else if (json_object_get(seen, name)) {
			rc = check_fail(ck,
					"Cannot create field because of field name duplication %s",
					name);
		} else {
			json_object_set_new(seen, name, json_true());
			size_t old = path_push_name(ck, name);
			rc = check_schema(ck, f);
			if (rc == 0)
				path_pop(ck, old);
		}
	}
	json_decref(seen);
	return rc < 0 ? -1 : 0;
}

/* Parameters, the Decimal scale and the default of s. */
static int check_schema_extras(checker_t *ck, const json_t *s)
{
	const json_t *params = json_object_get(s, "parameters");
	json_t *def = json_object_get(s, "default");
	json_t *r = NULL;
	const char *key;
	json_t *v;
	int scale;

	if (params && !json_is_object(params))
		return check_fail(ck, "schema parameters must be an object");
	json_object_foreach((json_t *)params, key, v)
		if (!json_is_string(v))
			return check_fail(ck, "Schema parameters must have string values.");
	if (sl_schema_is(s, SL_LOGICAL_DECIMAL) &&
	    (!is_type(sl_schema_type(s), "bytes") || sl_schema_decimal_scale(s, &scale) < 0))
		return check_fail(ck, "a Decimal schema must be of type bytes with an integer "
				      "\"scale\" parameter");
	if (!def || json_is_null(def))
		return 0;
	size_t old = path_push(ck, ".default");
	int rc = check_value(ck, s, def, &r);
	json_decref(r);
	path_pop(ck, old);
	return rc;
}

static int check_schema(checker_t *ck, const json_t *s)
{
	const char *type = sl_schema_type(s);
	size_t i;

	if (!json_is_object(s))
		return check_fail(ck, "a schema must be an object, found %s", sl_json_kind(s));
	if (!type)
		return check_fail(ck, "Schema must contain 'type' field");
	for (i = 0; i < SL_ARRAY_LEN(schema_types); i++)
		if (!strcmp(type, schema_types[i]))
			break;
	if (i == SL_ARRAY_LEN(schema_types))
		return check_fail(ck, "Unknown schema type: %s", type);
	if (!strcmp(type, "array") && check_sub_schema(ck, s, "items", "element") < 0)
		return -1;
	if (!strcmp(type, "map") && (check_sub_schema(ck, s, "keys", "key") < 0 ||
				     check_sub_schema(ck, s, "values", "value") < 0))
		return -1;
	if (!strcmp(type, "struct") && check_fields(ck, s) < 0)
		return -1;
	return check_schema_extras(ck, s);
}

/* ---- bytes -> value ----------------------------------------------------- */

static bool is_envelope(const json_t *root)
{
	return json_is_object(root) && json_object_size(root) == 2 &&
	       json_object_get(root, "schema") && json_object_get(root, "payload");
}

/* Length of the JSON value text at p (object, array, string or scalar),
 * or 0 when it is not well delimited. Only finds the extent: the parser
 * still judges the contents. */
static size_t json_extent(const char *p, size_t len)
{
	if (!len)
		return 0;
	if (p[0] != '{' && p[0] != '[' && p[0] != '"') {
		size_t i = 0; /* a scalar: up to the next delimiter */
		while (i < len && p[i] != ',' && p[i] != '}' && p[i] != ']')
			i++;
		return i;
	}
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"' && (in_string = false, depth == 0))
				return i + 1;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if ((ch == '}' || ch == ']') && --depth <= 0) {
			return depth == 0 ? i + 1 : 0;
		}
	}
	return 0;
}

/* A struct schema whose fields are all plain primitives (integers,
 * floats, booleans, strings), worked out once per cached schema: a
 * payload with exactly those fields, in order, none null, each of its
 * type, passes check_value as it is, and flat_struct_ok tells so in one
 * walk without a lookup. */
typedef struct flat_field {
	const char *name; /* borrowed from the schema */
	char kind;        /* 'i' integer up to max, 'n' number, 'b' boolean, 's' string */
	json_int_t max;
} flat_field_t;

typedef struct flat_struct {
	size_t n;
	flat_field_t f[];
} flat_struct_t;

/* The flat form of a checked schema, or NULL when it has none. */
static flat_struct_t *flat_struct_new(const json_t *schema)
{
	static const struct {
		const char *type;
		char kind;
		json_int_t max;
	} kinds[] = {{"int8", 'i', INT8_MAX},   {"int16", 'i', INT16_MAX},
		     {"int32", 'i', INT32_MAX}, {"int64", 'i', INT64_MAX},
		     {"float", 'n', 0},         {"double", 'n', 0},
		     {"boolean", 'b', 0},       {"string", 's', 0}};
	const json_t *fields = json_object_get(schema, "fields"), *f;
	size_t i, k;

	if (!is_type(sl_schema_type(schema), "struct") || !json_is_array(fields))
		return NULL;
	flat_struct_t *fs = sl_malloc(sizeof(*fs) + json_array_size(fields) * sizeof(fs->f[0]));
	fs->n = json_array_size(fields);
	json_array_foreach(fields, i, f) {
		const char *type = sl_schema_type(f);
		fs->f[i].name = json_string_value(json_object_get(f, "field"));
		for (k = 0; type && k < SL_ARRAY_LEN(kinds) && strcmp(type, kinds[k].type); k++)
			;
		if (!fs->f[i].name || !type || k == SL_ARRAY_LEN(kinds) ||
		    sl_schema_is(f, SL_LOGICAL_DECIMAL)) {
			free(fs);
			return NULL;
		}
		fs->f[i].kind = kinds[k].kind;
		fs->f[i].max = kinds[k].max;
	}
	return fs;
}

/* True when check_value would pass j against fs's schema unchanged. */
static bool flat_struct_ok(const flat_struct_t *fs, json_t *j)
{
	void *it = json_object_iter(j);

	if (!json_is_object(j) || json_object_size(j) != fs->n)
		return false;
	for (size_t i = 0; i < fs->n; i++, it = json_object_iter_next(j, it)) {
		const flat_field_t *f = &fs->f[i];
		if (!it || strcmp(json_object_iter_key(it), f->name))
			return false;
		const json_t *v = json_object_iter_value(it);
		json_int_t x;
		switch (f->kind) {
		case 'i':
			if (!json_is_integer(v))
				return false;
			x = json_integer_value(v);
			if (x > f->max || x < -f->max - 1)
				return false;
			break;
		case 'n':
			if (!json_is_number(v))
				return false;
			break;
		case 'b':
			if (!json_is_boolean(v))
				return false;
			break;
		default:
			if (!json_is_string(v))
				return false;
			break;
		}
	}
	return true;
}

/* The cached schema whose text starts data and is followed by
 * ",\"payload\":" (a schema text is one whole JSON value, so its extent
 * there is its length), with its length; NULL when none is. Spares the
 * scan for the schema's extent in the common case. */
static schema_entry_t *cached_schema_at(sl_converter_t *c, const char *data, size_t len, size_t *sl)
{
	static const char mid[] = ",\"payload\":";
	const size_t ml = sizeof(mid) - 1;

	for (size_t i = 0; i < SCHEMA_CACHE_SIZE; i++) {
		schema_entry_t *e = &c->cache[i];
		if (e->text && e->len + ml < len && !memcmp(e->text, data, e->len) &&
		    !memcmp(data + e->len, mid, ml)) {
			*sl = e->len;
			return e;
		}
	}
	return NULL;
}

/* The cache entry of the checked schema for text, found or parsed now
 * (NULL with errstr when it is malformed or not a schema). */
static schema_entry_t *cached_schema(sl_converter_t *c, const char *text, size_t len, checker_t *ck)
{
	for (size_t i = 0; i < SCHEMA_CACHE_SIZE; i++) {
		schema_entry_t *e = &c->cache[i];
		if (e->text && e->len == len && !memcmp(e->text, text, len))
			return e;
	}
	json_error_t jerr;
	json_t *schema = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	if (!schema)
		return NULL;
	size_t old = path_push(ck, "schema");
	bool bad = !json_is_null(schema) && check_schema(ck, schema) < 0;
	path_pop(ck, old);
	if (bad) {
		json_decref(schema);
		return NULL;
	}
	size_t slot = c->cache_next++ % SCHEMA_CACHE_SIZE;
	schema_entry_t *e = &c->cache[slot];
	free(e->text);
	json_decref(e->schema);
	free(c->cache_flat[slot]);
	e->text = sl_strndup(text, len);
	e->len = len;
	e->schema = schema;
	c->cache_flat[slot] = flat_struct_new(schema);
	return e;
}

/* Checks payload against schema (both borrowed; schema may be NULL or a
 * JSON null) and sets out. -1 with the checker's error. */
static int finish_value(checker_t *ck, json_t *schema, json_t *payload, sl_value_t *out)
{
	json_t *value = NULL;
	if (schema && json_is_null(schema))
		schema = NULL;
	if (schema) {
		path_push(ck, "payload");
		if (check_value(ck, schema, payload, &value) < 0)
			return -1;
	}
	if (!value)
		value = json_incref(payload);
	if (json_is_null(value)) {
		json_decref(value);
		value = NULL;
	}
	if (value || schema)
		sl_value_set_json(out, value, json_incref(schema));
	else
		out->kind = SL_VALUE_NULL; /* no schema, no value */
	return 0;
}

/* The envelope as JsonConverter writes it, {"schema":S,"payload":P}, with
 * S looked up in the cache and only P parsed. 1: done (rc in *rc), 0: the
 * text has another layout, take the general path. */
static int json_to_value_fast(sl_converter_t *c, const char *data, size_t len, sl_value_t *out,
			      checker_t *ck, int *rc)
{
	static const char head[] = "{\"schema\":", mid[] = ",\"payload\":";
	const size_t hl = sizeof(head) - 1, ml = sizeof(mid) - 1;
	if (len < hl + ml + 2 || memcmp(data, head, hl) || data[len - 1] != '}')
		return 0;
	size_t sl = 0;
	schema_entry_t *e = cached_schema_at(c, data + hl, len - hl - 1, &sl);
	if (!e) {
		sl = json_extent(data + hl, len - hl);
		if (!sl || hl + sl + ml >= len || memcmp(data + hl + sl, mid, ml))
			return 0;
		e = cached_schema(c, data + hl, sl, ck);
		if (!e)
			return 0; /* the general path gives the precise error */
	}
	json_t *schema = e->schema;
	const flat_struct_t *flat = c->cache_flat[e - c->cache];
	const char *ptext = data + hl + sl + ml;
	size_t plen = len - 1 - (size_t)(ptext - data);
	json_error_t jerr;
	json_t *payload = sl_json_parse(ptext, plen, &jerr);
	if (!payload)
		return 0;
	if (flat && flat_struct_ok(flat, payload)) { /* what finish_value would do */
		sl_value_set_json(out, payload, json_incref(schema));
		*rc = 0;
		return 1;
	}
	*rc = finish_value(ck, schema, payload, out);
	json_decref(payload);
	return 1;
}

static int json_to_value(sl_converter_t *c, const void *data, size_t len, sl_value_t *out,
			 char *errstr, size_t errstr_size)
{
	checker_t ck = {.errstr = errstr, .errstr_size = errstr_size};
	json_error_t jerr;
	json_t *root, *schema = NULL, *payload;
	int rc = -1;

	if (c->schemas_enable && json_to_value_fast(c, data, len, out, &ck, &rc))
		return rc;
	root = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		sl_seterr(errstr, errstr_size, "malformed JSON at line %d, column %d: %s",
			  jerr.line, jerr.column, jerr.text);
		goto out;
	}
	payload = root;
	if (c->schemas_enable) {
		if (!is_envelope(root)) {
			sl_seterr(errstr, errstr_size, "%s", ENVELOPE_ERROR);
			goto out;
		}
		schema = json_object_get(root, "schema");
		payload = json_object_get(root, "payload");
		if (!json_is_null(schema)) {
			path_push(&ck, "schema");
			if (check_schema(&ck, schema) < 0)
				goto out;
			path_pop(&ck, 0);
		}
	}
	rc = finish_value(&ck, schema, payload, out);
out:
	json_decref(root);
	return rc;
}

int sl_converter_to_value(sl_converter_t *c, const char *topic, const void *data, size_t len,
			  sl_value_t *out, char *errstr, size_t errstr_size)
{
	if (!data) {
		out->kind = SL_VALUE_NULL;
		return 0;
	}
	switch (c->kind) {
	case CONV_JSON:
		return json_to_value(c, data, len, out, errstr, errstr_size);
	case CONV_STRING:
		out->kind = SL_VALUE_STRING;
		break;
	case CONV_BYTES:
	default:
		out->kind = SL_VALUE_BYTES;
		break;
	}
	out->borrowed = true;
	out->data = data;
	out->len = len;
	return 0;
}
