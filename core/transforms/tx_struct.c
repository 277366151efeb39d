/* Struct payload and schema JSON helpers shared by the transforms. */
#include "tx_struct.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/data.h"
#include "sluice/mem.h"

sl_value_t *sl_txs_operand(sl_record_t *r, sl_tx_part_t part)
{
	return part == SL_TX_KEY ? &r->key : &r->value;
}

bool sl_txs_has_timestamp(const sl_record_t *r)
{
	return r->timestamp > 0;
}

bool sl_txs_is_null(const sl_value_t *v)
{
	return v->kind == SL_VALUE_NULL ||
	       (v->kind == SL_VALUE_JSON && (!v->json || json_is_null(v->json)));
}

bool sl_txs_schemaless(const sl_value_t *v)
{
	return !v->schema && v->kind != SL_VALUE_STRING && v->kind != SL_VALUE_BYTES;
}

bool sl_txs_is_struct(const json_t *s)
{
	const char *type = sl_schema_type(s);

	return type && !strcmp(type, "struct");
}

bool sl_txs_is_envelope_schema(const json_t *schema)
{
	const char *name = json_string_value(json_object_get(schema, "name"));
	size_t n;

	return name && (n = strlen(name)) >= 9 && !strcmp(name + n - 9, ".Envelope");
}

bool sl_txs_is_envelope(const sl_value_t *v)
{
	return v->kind == SL_VALUE_JSON && v->schema && sl_txs_is_envelope_schema(v->schema);
}

const json_t *sl_txs_field(const json_t *s, const char *name)
{
	return sl_txs_fields_find(json_object_get(s, "fields"), name);
}

const json_t *sl_txs_fields_find(const json_t *fields, const char *name)
{
	size_t i;
	const json_t *f;

	json_array_foreach(fields, i, f) {
		const char *n = json_string_value(json_object_get(f, "field"));
		if (n && !strcmp(n, name))
			return f;
	}
	return NULL;
}

json_t *sl_txs_field_value(const json_t *payload, const json_t *field, bool replace_default)
{
	const char *name = json_string_value(json_object_get(field, "field"));
	json_t *v = name ? json_object_get(payload, name) : NULL;

	if (v && !json_is_null(v))
		return v;
	if (replace_default) {
		json_t *def = json_object_get(field, "default");
		if (def && !json_is_null(def))
			return def;
	}
	return NULL;
}

void sl_txs_copy_member(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = src ? json_object_get(src, key) : NULL;

	if (v)
		json_object_set(dst, key, v);
}

json_t *sl_txs_schema_new(const sl_txs_schema_t *spec)
{
	json_t *s = json_object();

	json_object_set_new(s, "type", json_string(spec->type));
	if (!strcmp(spec->type, "struct"))
		json_object_set_new(s, "fields", spec->fields ? spec->fields : json_array());
	else if (spec->fields)
		json_decref(spec->fields);
	if (!strcmp(spec->type, "array")) {
		sl_txs_copy_member(s, spec->nested, "items");
	} else if (!strcmp(spec->type, "map")) {
		sl_txs_copy_member(s, spec->nested, "keys");
		sl_txs_copy_member(s, spec->nested, "values");
	}
	json_object_set_new(s, "optional", json_boolean(spec->optional));
	sl_txs_copy_member(s, spec->basics, "name");
	sl_txs_copy_member(s, spec->basics, "version");
	sl_txs_copy_member(s, spec->basics, "doc");
	sl_txs_copy_member(s, spec->basics, "parameters");
	/* asJsonSchema writes the default after the parameters */
	if (spec->def)
		json_object_set_new(s, "default", spec->def);
	if (spec->field)
		json_object_set_new(s, "field", json_string(spec->field));
	return s;
}

json_t *sl_txs_field_schema(const json_t *f)
{
	json_t *s = json_object();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)f, key, v) {
		if (strcmp(key, "field"))
			json_object_set(s, key, v);
	}
	return s;
}

json_t *sl_txs_field_entry(const json_t *f, const char *name)
{
	const char *old = json_string_value(json_object_get(f, "field"));
	json_t *copy;

	if (old && !strcmp(old, name))
		return json_incref((json_t *)f);
	/* "field" goes last, as JsonConverter writes it: rebuild without it. */
	copy = sl_txs_field_schema(f);
	json_object_set_new(copy, "field", json_string(name));
	return copy;
}

const char *sl_txs_type_upper(const json_t *s, char *buf, size_t size)
{
	const char *t = sl_schema_type(s);
	size_t i = 0;

	for (; t && t[i] && i + 1 < size; i++)
		buf[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 'a' + 'A' : t[i]);
	if (size)
		buf[i] = '\0';
	return buf;
}

const char *sl_txs_java_class(const json_t *json, const json_t *schema)
{
	const char *type = sl_schema_type(schema);

	if (!json || json_is_null(json))
		return "null";
	if (type) {
		static const struct {
			const char *type, *cls;
		} by_type[] = {
			{"int8", "java.lang.Byte"},
			{"int16", "java.lang.Short"},
			{"int32", "java.lang.Integer"},
			{"int64", "java.lang.Long"},
			{"float", "java.lang.Float"}, /* JsonConverter's FLOAT32 */
			{"double", "java.lang.Double"},
			{"boolean", "java.lang.Boolean"},
			{"string", "java.lang.String"},
			{"bytes", "[B"},
			{"array", "java.util.ArrayList"},
			{"map", "java.util.HashMap"},
			{"struct", "org.apache.kafka.connect.data.Struct"},
		};
		if (sl_schema_is(schema, SL_LOGICAL_DECIMAL))
			return "java.math.BigDecimal";
		if (sl_schema_is(schema, SL_LOGICAL_DATE) ||
		    sl_schema_is(schema, SL_LOGICAL_TIME) ||
		    sl_schema_is(schema, SL_LOGICAL_TIMESTAMP))
			return "java.util.Date";
		for (size_t i = 0; i < SL_ARRAY_LEN(by_type); i++)
			if (!strcmp(type, by_type[i].type))
				return by_type[i].cls;
	}
	/* Schemaless: what JsonConverter gives for each JSON type. */
	switch (json_typeof(json)) {
	case JSON_OBJECT:
		return "java.util.HashMap";
	case JSON_ARRAY:
		return "java.util.ArrayList";
	case JSON_STRING:
		return "java.lang.String";
	case JSON_INTEGER:
		return "java.lang.Long";
	case JSON_REAL:
		return "java.lang.Double";
	default:
		return "java.lang.Boolean";
	}
}

const char *sl_txs_value_class(const sl_value_t *v)
{
	switch (v->kind) {
	case SL_VALUE_NULL:
		return "null";
	case SL_VALUE_STRING:
		return "java.lang.String";
	case SL_VALUE_BYTES:
		return "[B";
	default:
		return sl_txs_java_class(v->json, v->schema);
	}
}

bool sl_txs_require_struct(const sl_value_t *v, const char *purpose, char *err, size_t err_size)
{
	const char *type = v->kind == SL_VALUE_JSON ? sl_schema_type(v->schema) : NULL;

	if (type && !strcmp(type, "struct") && json_is_object(v->json))
		return true;
	sl_seterr(err, err_size, "Only Struct objects supported for [%s], found: %s", purpose,
		  sl_txs_value_class(v));
	return false;
}

bool sl_txs_require_map(const sl_value_t *v, const char *purpose, char *err, size_t err_size)
{
	if (v->kind == SL_VALUE_JSON && !v->schema && json_is_object(v->json))
		return true;
	sl_seterr(err, err_size,
		  "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
		  sl_txs_value_class(v));
	return false;
}

sl_tx_result_t sl_txs_apply_map_or_struct(sl_value_t *v, const char *purpose, void *state,
					  sl_txs_apply_fn schemaless, sl_txs_apply_fn with_schema,
					  char *err, size_t err_size)
{
	if (!v->schema)
		return sl_txs_require_map(v, purpose, err, err_size)
			       ? schemaless(state, v, err, err_size)
			       : SL_TX_ERROR;
	return sl_txs_require_struct(v, purpose, err, err_size)
		       ? with_schema(state, v, err, err_size)
		       : SL_TX_ERROR;
}

json_t *sl_txs_cache_get(sl_txs_cache_t *c, const json_t *in)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].in == in)
			return c->e[i].out;
	for (size_t i = 0; i < c->n; i++)
		if (json_equal(c->e[i].in, (json_t *)in))
			return c->e[i].out;
	return NULL;
}

json_t *sl_txs_cache_put(sl_txs_cache_t *c, json_t *in, json_t *out)
{
	size_t i = c->n < SL_TXS_CACHE_SIZE ? c->n++ : c->next++ % SL_TXS_CACHE_SIZE;

	if (c->e[i].in) {
		json_decref(c->e[i].in);
		json_decref(c->e[i].out);
	}
	c->e[i].in = json_incref(in);
	c->e[i].out = out;
	return out;
}

void sl_txs_cache_free(sl_txs_cache_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		json_decref(c->e[i].in);
		json_decref(c->e[i].out);
	}
	memset(c, 0, sizeof(*c));
}

json_t *sl_txs_cache_derive(sl_txs_cache_t *c, json_t *in, sl_txs_derive_fn derive, void *state,
			    char *err, size_t err_size)
{
	json_t *out = sl_txs_cache_get(c, in);

	if (!out && (out = derive(state, in, err, err_size)))
		sl_txs_cache_put(c, in, out);
	return out;
}

json_t *sl_txs_writable(json_t *j)
{
	return j->refcount == 1 ? json_incref(j) : json_copy(j);
}
