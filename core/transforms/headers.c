/* The header transforms: DropHeaders, InsertHeader and HeaderFrom. sluice's
 * headers are bytes; a Kafka Connect header holds a value and its schema,
 * which Kafka Connect's default header converter (SimpleHeaderConverter)
 * writes as the text Values.convertToString gives. The bytes here are that
 * text: strings as they are, numbers and booleans as Java prints them,
 * Date / Time / Timestamp in ISO 8601 (UTC), bytes in base64, and arrays,
 * maps and structs in Values' JSON-like form ({"a":1,"b":"x"}). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"
#include "tx_util.h"

static bool list_not_empty(char **list, const char *key, sl_errlist_t *errs)
{
	if (list && list[0])
		return true;
	sl_errlist_addf(errs, "%s: Empty list", key);
	return false;
}

/* ---- DropHeaders ---- */

typedef struct drop_headers {
	char **headers;
} drop_headers_t;

static const sl_option_t drop_headers_options[] = {
	{.name = "headers",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "The name of the headers to be removed.",
	 SL_OPT_AT(drop_headers_t, headers)},
	SL_OPT_END,
};

static void drop_headers_destroy(void *state)
{
	if (!state)
		return;
	sl_options_free(drop_headers_options, state);
	free(state);
}

static void *drop_headers_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	drop_headers_t *d = sl_calloc(1, sizeof(*d));
	if (sl_options_load(drop_headers_options, cfg, d, errs) ||
	    !list_not_empty(d->headers, "headers", errs)) {
		drop_headers_destroy(d);
		return NULL;
	}
	return d;
}

static sl_tx_result_t drop_headers_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
					 size_t err_size)
{
	drop_headers_t *d = state;
	size_t kept = 0;
	for (size_t i = 0; i < r->header_count; i++) {
		sl_header_t *h = &r->headers[i];
		if (sl_txu_in_list(d->headers, h->key)) {
			free(h->key);
			free(h->value);
		} else {
			r->headers[kept++] = *h;
		}
	}
	r->header_count = kept;
	return SL_TX_KEEP;
}

static const char *const drop_headers_classes[] = {
	"org.apache.kafka.connect.transforms.DropHeaders", NULL};

const sl_transform_def_t sl_tx_drop_headers = {
	.name = "DropHeaders",
	.classes = drop_headers_classes,
	.options = drop_headers_options,
	.doc = "Removes one or more headers from each record.",
	.create = drop_headers_create,
	.takes_fields = true, /* reads neither key nor value */
	.apply = drop_headers_apply,
	.destroy = drop_headers_destroy,
};

/* ---- header text, as SimpleHeaderConverter writes a header ---- */

static void append_value(sl_buf_t *out, const json_t *j, const json_t *schema, bool embedded);

/* Values.escape inside quotes: backslashes and double quotes. */
static void append_quoted(sl_buf_t *out, const char *s, size_t len)
{
	sl_buf_append_char(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			sl_buf_append_char(out, '\\');
		sl_buf_append_char(out, s[i]);
	}
	sl_buf_append_char(out, '"');
}

static void append_text(sl_buf_t *out, const char *s, size_t len, bool embedded)
{
	if (embedded)
		append_quoted(out, s, len);
	else
		sl_buf_append(out, s, len);
}

/* A java.util.Date as Values.dateFormatFor picks its ISO 8601 pattern: by
 * value (before the first day ends: a time; at midnight: a date). */
static void append_date(sl_buf_t *out, int64_t ms)
{
	int64_t secs = ms / 1000 - (ms % 1000 < 0);
	int millis = (int)(ms - secs * 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (ms < SL_TXU_MS_PER_DAY)
		sl_buf_appendf(out, "%02d:%02d:%02d.%03dZ", tm.tm_hour, tm.tm_min, tm.tm_sec,
			       millis);
	else if (ms % SL_TXU_MS_PER_DAY == 0)
		sl_buf_appendf(out, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		sl_buf_appendf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

static void append_struct(sl_buf_t *out, const json_t *j, const json_t *schema)
{
	size_t i;
	const json_t *f;
	sl_buf_append_char(out, '{');
	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (i)
			sl_buf_append_char(out, ',');
		append_quoted(out, name ? name : "", name ? strlen(name) : 0);
		sl_buf_append_char(out, ':');
		append_value(out, sl_txs_field_value(j, f, true), f, true);
	}
	sl_buf_append_char(out, '}');
}

/* A map: a JSON object (string keys, or schemaless), or JsonConverter's
 * array of [key, value] pairs. */
static void append_map(sl_buf_t *out, const json_t *j, const json_t *schema)
{
	const json_t *ks = json_object_get(schema, "keys"), *vs = json_object_get(schema, "values");
	bool first = true;
	sl_buf_append_char(out, '{');
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v) {
			if (!first)
				sl_buf_append_char(out, ',');
			first = false;
			append_quoted(out, key, strlen(key));
			sl_buf_append_char(out, ':');
			append_value(out, v, vs, true);
		}
	} else {
		size_t i;
		const json_t *pair;
		json_array_foreach(j, i, pair) {
			if (i)
				sl_buf_append_char(out, ',');
			append_value(out, json_array_get(pair, 0), ks, true);
			sl_buf_append_char(out, ':');
			append_value(out, json_array_get(pair, 1), vs, true);
		}
	}
	sl_buf_append_char(out, '}');
}

static void append_array(sl_buf_t *out, const json_t *j, const json_t *schema)
{
	size_t i;
	const json_t *item;
	sl_buf_append_char(out, '[');
	json_array_foreach(j, i, item) {
		if (i)
			sl_buf_append_char(out, ',');
		append_value(out, item, json_object_get(schema, "items"), true);
	}
	sl_buf_append_char(out, ']');
}

static bool append_logical(sl_buf_t *out, const json_t *j, const json_t *schema)
{
	int scale;
	if (sl_schema_is(schema, SL_LOGICAL_DECIMAL) && json_is_string(j) &&
	    !sl_schema_decimal_scale(schema, &scale))
		return sl_decimal_append_text(out, json_string_value(j), json_string_length(j),
					      scale, true) == 0;
	if (!json_is_integer(j))
		return false;
	if (sl_schema_is(schema, SL_LOGICAL_DATE))
		append_date(out, json_integer_value(j) * SL_TXU_MS_PER_DAY);
	else if (sl_schema_is(schema, SL_LOGICAL_TIME) ||
		 sl_schema_is(schema, SL_LOGICAL_TIMESTAMP))
		append_date(out, json_integer_value(j));
	else
		return false;
	return true;
}

/* Values.append: j under schema (may be NULL: schemaless). */
static void append_value(sl_buf_t *out, const json_t *j, const json_t *schema, bool embedded)
{
	const char *type = sl_schema_type(schema);
	if (!j || json_is_null(j)) {
		sl_buf_append_str(out, "null");
		return;
	}
	if (schema && append_logical(out, j, schema))
		return;
	switch (json_typeof(j)) {
	case JSON_STRING: /* bytes are base64 already, as Values writes them */
		append_text(out, json_string_value(j), json_string_length(j), embedded);
		break;
	case JSON_OBJECT:
		if (type && !strcmp(type, "struct"))
			append_struct(out, j, schema);
		else
			append_map(out, j, schema);
		break;
	case JSON_ARRAY:
		if (type && !strcmp(type, "map"))
			append_map(out, j, schema);
		else
			append_array(out, j, schema);
		break;
	default: /* numbers and booleans as Java prints them */
		sl_json_write(out, j, schema);
		break;
	}
}

/* Adds header key with the text of j (a null header for a null). */
static void add_value_header(sl_record_t *r, const char *key, const json_t *j, const json_t *schema,
			     sl_buf_t *buf)
{
	if (!j || json_is_null(j)) {
		sl_record_add_header(r, key, NULL, 0);
		return;
	}
	sl_buf_reset(buf);
	append_value(buf, j, schema, false);
	sl_record_add_header(r, key, buf->data ? buf->data : "", buf->len);
}

/* ---- InsertHeader ---- */

typedef struct insert_header_cfg {
	char *header;
	char *literal;
} insert_header_cfg_t;

static const sl_option_t insert_header_options[] = {
	{.name = "header",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The name of the header.",
	 SL_OPT_AT(insert_header_cfg_t, header)},
	{.name = "value.literal",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The literal value that is to be set as the header value on all records; numbers "
		"and booleans are written as Kafka Connect parses and prints them (\"1.0\" as "
		"\"1\", \"1.50\" as \"1.5\"), the literal null as a null header.",
	 SL_OPT_AT(insert_header_cfg_t, literal)},
	SL_OPT_END,
};

typedef struct insert_header {
	insert_header_cfg_t cfg;
	char *value; /* NULL: a null header */
	size_t len;
} insert_header_t;

static void insert_header_destroy(void *state)
{
	insert_header_t *h = state;
	if (!h)
		return;
	free(h->value);
	sl_options_free(insert_header_options, &h->cfg);
	free(h);
}

/* The length of the decimal number (as BigDecimal reads one) s starts
 * with, 0 when none. */
static size_t number_prefix(const char *s)
{
	size_t i = 0, digits = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (!digits)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (s[j] >= '0' && s[j] <= '9') {
			while (s[j] >= '0' && s[j] <= '9')
				j++;
			i = j;
		}
	}
	return i;
}

/* A float as Values.parseString reads a number with a fraction: Float
 * when finite, else Double; printed as Java prints them. */
static void append_fraction(sl_buf_t *out, double d)
{
	float f = (float)d;
	json_t *j = json_real(f - f == 0 ? f : d);
	json_t *schema = f - f == 0 ? sl_schema_primitive("float32", false) : NULL;
	sl_json_write(out, j, schema);
	json_decref(j);
	json_decref(schema);
}

/* A number literal as Values.parseString reads it and SimpleHeaderConverter
 * writes it back: integral values as integers (beyond a long, the digits
 * of the Decimal), others as a Float. */
static void number_text(const char *s, sl_buf_t *out)
{
	double d = strtod(s, NULL);
	bool plain = !strpbrk(s, ".eE");
	if (plain && strlen(s) > 18) {
		bool neg = *s == '-';
		s += *s == '+' || *s == '-';
		while (s[0] == '0' && s[1])
			s++;
		sl_buf_appendf(out, "%s%s", neg && strcmp(s, "0") ? "-" : "", s);
	} else if (plain) {
		sl_buf_appendf(out, "%lld", (long long)strtoll(s, NULL, 10));
	} else if (d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18) {
		sl_buf_appendf(out, "%lld", (long long)d);
	} else {
		append_fraction(out, d);
	}
}

/* An array or map literal ("[1, 2]", "{\"a\": 1.50}") as Values parses and
 * prints it: compact, numbers as number_text does. */
static void append_literal(sl_buf_t *out, const json_t *j)
{
	bool fraction = false;
	size_t i;
	const char *key;
	json_t *v;
	switch (json_typeof(j)) {
	case JSON_ARRAY:
		/* Elements take a common schema: a fraction makes every number a
		 * float. */
		json_array_foreach(j, i, v) {
			fraction = fraction || json_is_real(v);
		}
		sl_buf_append_char(out, '[');
		json_array_foreach(j, i, v) {
			if (i)
				sl_buf_append_char(out, ',');
			if (fraction && json_is_number(v))
				append_fraction(out, json_number_value(v));
			else
				append_literal(out, v);
		}
		sl_buf_append_char(out, ']');
		break;
	case JSON_OBJECT:
		sl_buf_append_char(out, '{');
		i = 0;
		json_object_foreach((json_t *)j, key, v) {
			if (i++)
				sl_buf_append_char(out, ',');
			append_quoted(out, key, strlen(key));
			sl_buf_append_char(out, ':');
			append_literal(out, v);
		}
		sl_buf_append_char(out, '}');
		break;
	case JSON_REAL:
		if (json_real_value(j) == (double)(int64_t)json_real_value(j))
			sl_buf_appendf(out, "%lld", (long long)json_real_value(j));
		else
			append_fraction(out, json_real_value(j));
		break;
	default:
		append_value(out, j, NULL, true);
		break;
	}
}

static void set_literal(insert_header_t *h, sl_buf_t *out)
{
	h->len = out->len;
	h->value = out->data ? sl_buf_steal(out) : sl_strdup("");
}

/* The header bytes of value.literal: Values.parseString of the trimmed
 * literal (ConfigDef trims strings) written back by SimpleHeaderConverter.
 * Its parser reads a number followed by a delimiter (",", ":", "]", "}")
 * as that number alone ("10:11:12" is 10), and an array or map up to its
 * end; the literal null is a null header. */
static void literal_text(insert_header_t *h)
{
	const char *lit = h->cfg.literal;
	size_t b = 0, e = strlen(lit);
	while (b < e && (unsigned char)lit[b] <= ' ')
		b++;
	while (e > b && (unsigned char)lit[e - 1] <= ' ')
		e--;
	char *t = sl_strndup(lit + b, e - b);
	size_t num = number_prefix(t);
	sl_buf_t out = {0};
	json_t *parsed = NULL;
	if (!strcmp(t, "null")) {
		h->value = NULL;
	} else if (num && (!t[num] || strchr(",:]}", t[num]))) {
		t[num] = '\0';
		number_text(t, &out);
		set_literal(h, &out);
	} else if ((t[0] == '[' || t[0] == '{') &&
		   (parsed = json_loads(t, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL))) {
		append_literal(&out, parsed);
		json_decref(parsed);
		set_literal(h, &out);
	} else {
		sl_buf_append(&out, t, strlen(t));
		set_literal(h, &out);
	}
	free(t);
}

static void *insert_header_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	insert_header_t *h = sl_calloc(1, sizeof(*h));
	if (sl_options_load(insert_header_options, cfg, &h->cfg, errs)) {
		insert_header_destroy(h);
		return NULL;
	}
	literal_text(h);
	return h;
}

static sl_tx_result_t insert_header_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
					  size_t err_size)
{
	insert_header_t *h = state;
	sl_record_add_header(r, h->cfg.header, h->value, h->len);
	return SL_TX_KEEP;
}

static const char *const insert_header_classes[] = {
	"org.apache.kafka.connect.transforms.InsertHeader", NULL};

const sl_transform_def_t sl_tx_insert_header = {
	.name = "InsertHeader",
	.classes = insert_header_classes,
	.options = insert_header_options,
	.doc = "Add a header to each record.",
	.create = insert_header_create,
	.takes_fields = true, /* reads neither key nor value */
	.apply = insert_header_apply,
	.destroy = insert_header_destroy,
};

/* ---- HeaderFrom ---- */

static const char *const operations[] = {"move", "copy", NULL};
enum {
	OP_MOVE = 0,
	OP_COPY
};

typedef struct header_from_cfg {
	char **fields;
	char **headers;
	int operation;
	bool replace_null;
} header_from_cfg_t;

static const sl_option_t header_from_options[] = {
	{.name = "fields",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "Field names in the record whose values are to be copied or moved to headers.",
	 SL_OPT_AT(header_from_cfg_t, fields)},
	{.name = "headers",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "Header names, in the same order as the field names listed in the fields "
		"configuration property.",
	 SL_OPT_AT(header_from_cfg_t, headers)},
	{.name = "operation",
	 .type = SL_OPT_ENUM,
	 .required = true,
	 .enums = operations,
	 .doc = "Either move if the fields are to be moved to the headers (removed from the "
		"key/value), or copy if the fields are to be copied to the headers (retained in "
		"the key/value).",
	 SL_OPT_AT(header_from_cfg_t, operation)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether to replace fields that have a default value and that are null to the "
		"default value. When set to true, the default value is used, otherwise null is "
		"used.",
	 SL_OPT_AT(header_from_cfg_t, replace_null)},
	SL_OPT_END,
};

typedef struct header_from {
	header_from_cfg_t cfg;
	sl_tx_part_t part;
	const char *purpose;  /* "header move" / "header copy" */
	sl_txs_cache_t moved; /* schema -> schema without the moved fields */
	sl_buf_t text;        /* reused per header */
} header_from_t;

static void header_from_destroy(void *state)
{
	header_from_t *h = state;
	if (!h)
		return;
	sl_txs_cache_free(&h->moved);
	sl_buf_free(&h->text);
	sl_options_free(header_from_options, &h->cfg);
	free(h);
}

static size_t list_len(char **list)
{
	size_t n = 0;
	while (list && list[n])
		n++;
	return n;
}

static void *header_from_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	header_from_t *h = sl_calloc(1, sizeof(*h));
	h->part = part;
	if (sl_options_load(header_from_options, cfg, &h->cfg, errs) ||
	    !sl_txu_spelt_exactly(cfg, "operation", operations, errs))
		goto fail;
	bool ok = list_not_empty(h->cfg.fields, "fields", errs);
	ok = list_not_empty(h->cfg.headers, "headers", errs) && ok;
	if (!ok)
		goto fail;
	if (list_len(h->cfg.fields) != list_len(h->cfg.headers)) {
		sl_errlist_addf(errs, "headers: 'fields' config must have the same number of "
				      "elements as 'headers' config.");
		goto fail;
	}
	h->purpose = h->cfg.operation == OP_MOVE ? "header move" : "header copy";
	return h;
fail:
	header_from_destroy(h);
	return NULL;
}

/* The schema without the moved fields: copySchemaBasics (name, version,
 * doc, parameters; not optional, not the default), as Kafka's (an
 * sl_txs_derive_fn). */
static json_t *moved_schema(void *state, const json_t *schema, char *err, size_t err_size)
{
	const header_from_t *h = state;
	(void)err;
	(void)err_size;
	json_t *fields = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (!name || !sl_txu_in_list(h->cfg.fields, name))
			json_array_append(fields, f);
	}
	sl_txs_schema_t spec = {.type = "struct", .fields = fields, .basics = schema};
	return sl_txs_schema_new(&spec);
}

static sl_tx_result_t header_from_schema(header_from_t *h, sl_record_t *r, sl_value_t *v, char *err,
					 size_t err_size)
{
	if (!sl_txs_require_struct(v, h->purpose, err, err_size))
		return SL_TX_ERROR;
	for (size_t i = 0; h->cfg.fields[i]; i++) {
		if (!sl_txs_field(v->schema, h->cfg.fields[i])) {
			sl_seterr(err, err_size, "%s: field %s is not in the schema", h->purpose,
				  h->cfg.fields[i]);
			return SL_TX_ERROR;
		}
	}
	for (size_t i = 0; h->cfg.fields[i]; i++) {
		const json_t *f = sl_txs_field(v->schema, h->cfg.fields[i]);
		add_value_header(r, h->cfg.headers[i],
				 sl_txs_field_value(v->json, f, h->cfg.replace_null), f, &h->text);
	}
	if (h->cfg.operation == OP_COPY)
		return SL_TX_KEEP;
	json_t *schema = sl_txs_cache_derive(&h->moved, v->schema, moved_schema, h, err, err_size);
	json_t *out = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		json_t *fv = sl_txs_field_value(v->json, f, h->cfg.replace_null);
		json_object_set(out, json_string_value(json_object_get(f, "field")),
				fv ? fv : json_null());
	}
	sl_value_set_json(v, out, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t header_from_schemaless(header_from_t *h, sl_record_t *r, sl_value_t *v,
					     char *err, size_t err_size)
{
	if (!sl_txs_require_map(v, h->purpose, err, err_size))
		return SL_TX_ERROR;
	for (size_t i = 0; h->cfg.fields[i]; i++)
		add_value_header(r, h->cfg.headers[i], json_object_get(v->json, h->cfg.fields[i]),
				 NULL, &h->text);
	if (h->cfg.operation == OP_COPY)
		return SL_TX_KEEP;
	json_t *out = sl_txs_writable(v->json);
	for (size_t i = 0; h->cfg.fields[i]; i++)
		json_object_del(out, h->cfg.fields[i]);
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

static sl_tx_result_t header_from_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
					size_t err_size)
{
	header_from_t *h = state;
	sl_value_t *v = sl_txs_operand(r, h->part);
	if (v->kind == SL_VALUE_JSON && v->schema)
		return header_from_schema(h, r, v, err, err_size);
	if (v->kind == SL_VALUE_STRING || v->kind == SL_VALUE_BYTES) {
		sl_seterr(err, err_size, "Only Struct objects supported for [%s], found: %s",
			  h->purpose, sl_txs_value_class(v));
		return SL_TX_ERROR;
	}
	return header_from_schemaless(h, r, v, err, err_size);
}

static const char *const header_from_classes[] = {"org.apache.kafka.connect.transforms.HeaderFrom",
						  NULL};

const sl_transform_def_t sl_tx_header_from = {
	.name = "HeaderFrom",
	.classes = header_from_classes,
	.variants = true,
	.options = header_from_options,
	.doc = "Moves or copies fields in the key ($Key) or value ($Value) of a record into that "
	       "record's headers. Corresponding elements of fields and headers together identify "
	       "a field and the header it should be moved or copied to. Header values are written "
	       "as Kafka Connect's SimpleHeaderConverter writes them.",
	.create = header_from_create,
	.apply = header_from_apply,
	.destroy = header_from_destroy,
};
