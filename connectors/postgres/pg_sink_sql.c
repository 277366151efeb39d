/* postgres-sink's pure half: records to rows and rows to SQL text (see
 * pg_sink_sql.h; values as text are in pg_sink_values.c). Values never enter
 * the SQL: they become $n parameters in PostgreSQL's text input form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink_sql.h"
#include "sluice/array.h"

#define PG_MAX_PARAMS 65535

/* A column gathered from the record being mapped. */
typedef struct gathered_col {
	const char *name; /* borrowed until the row is built */
	const char *type;
	bool nullable;
	size_t off; /* into the mapper's vals; SIZE_MAX for NULL */
} gathered_col_t;

/* A column of a write plan. */
typedef struct plan_col {
	const char *name;     /* borrowed from the plan's schema */
	const json_t *schema; /* the field's schema */
	const sl_pg_mapping_t *map;
} plan_col_t;

/* The columns of a flat write (insert, upsert, update) of records whose
 * data schema is one JSON object, worked out once: records of one topic
 * share their schema object (the converter caches it by its text), so a
 * record's row is one lookup and one text per column. */
typedef struct write_plan {
	json_t *root;         /* a reference on the value schema: keeps schema alive */
	const json_t *schema; /* the data schema (root, or its "after") */
	char *table;
	const sl_pg_shape_t *shape;
	plan_col_t *cols;
	size_t ncols;
	size_t npk;
} write_plan_t;

#define PLAN_CACHE_SIZE 8

struct sl_pg_mapper {
	sl_pg_map_config_t cfg;
	sl_pg_shape_t **shapes;
	size_t nshapes, cap;
	sl_pg_shape_t *last; /* the shape found last */
	write_plan_t plans[PLAN_CACHE_SIZE];
	unsigned plan_next;  /* round-robin replacement */
	char *topic, *table; /* the table of the topic seen last */
	/* scratch, reused per record */
	gathered_col_t *cols;
	size_t ncols, colcap;
	sl_buf_t vals;
};

/* ---- small schema helpers ---------------------------------------------- */

/* The field schema called name in a struct schema, or NULL. */
static const json_t *schema_field(const json_t *s, const char *name)
{
	const json_t *fields = s ? json_object_get(s, "fields") : NULL;
	size_t i;
	const json_t *f;

	json_array_foreach(fields, i, f) {
		const char *n = json_string_value(json_object_get(f, "field"));
		if (n && !strcmp(n, name))
			return f;
	}
	return NULL;
}

static bool schema_optional(const json_t *s)
{
	return !s || json_is_true(json_object_get(s, "optional"));
}

/* Appends ",$n" (or "$n" when first). */
static void append_param(sl_buf_t *out, size_t n, bool first)
{
	if (!first)
		sl_buf_append_char(out, ',');
	sl_buf_append_char(out, '$');
	sl_buf_append_int(out, (int64_t)n);
}

/* ---- identifiers and table names ------------------------------------ */

void sl_pg_quote_ident(sl_buf_t *out, const char *name)
{
	sl_buf_append_char(out, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			sl_buf_append_char(out, '"');
		sl_buf_append_char(out, *p);
	}
	sl_buf_append_char(out, '"');
}

char *sl_pg_table_name(const char *format, const char *topic)
{
	static const char ph[] = "${topic}";
	sl_buf_t b = {0};
	const char *p = format && *format ? format : ph;

	for (const char *hit; (hit = strstr(p, ph)); p = hit + strlen(ph)) {
		sl_buf_append(&b, p, (size_t)(hit - p));
		sl_buf_append_str(&b, topic ? topic : "");
	}
	sl_buf_append_str(&b, p);
	const char *dot = strrchr(b.data, '.');
	char *name = sl_strdup(dot ? dot + 1 : b.data);
	sl_buf_free(&b);
	return name;
}

/* ---- the mapper ----------------------------------------------------------- */

sl_pg_mapper_t *sl_pg_mapper_new(const sl_pg_map_config_t *cfg)
{
	sl_pg_mapper_t *m = sl_calloc(1, sizeof(*m));
	m->cfg = *cfg;
	return m;
}

static void shape_free(sl_pg_shape_t *s)
{
	if (!s)
		return;
	free(s->table);
	for (size_t i = 0; i < s->ncols; i++)
		free(s->cols[i]);
	free(s->cols);
	free(s->types);
	free(s->nullable);
	free(s);
}

static void plan_free(write_plan_t *p)
{
	json_decref(p->root);
	free(p->table);
	free(p->cols);
	*p = (write_plan_t){0};
}

void sl_pg_mapper_reset_shapes(sl_pg_mapper_t *m)
{
	for (size_t i = 0; i < PLAN_CACHE_SIZE; i++)
		plan_free(&m->plans[i]);
	for (size_t i = 0; i < m->nshapes; i++)
		shape_free(m->shapes[i]);
	m->nshapes = 0;
	m->last = NULL;
}

void sl_pg_mapper_free(sl_pg_mapper_t *m)
{
	if (!m)
		return;
	sl_pg_mapper_reset_shapes(m);
	free(m->shapes);
	free(m->topic);
	free(m->table);
	free(m->cols);
	sl_buf_free(&m->vals);
	free(m);
}

void sl_pg_row_free(sl_pg_row_t *r)
{
	free(r->vals);
	r->vals = NULL;
	r->shape = NULL;
}

static bool has_col(const sl_pg_mapper_t *m, const char *name)
{
	for (size_t i = 0; i < m->ncols; i++)
		if (!strcmp(m->cols[i].name, name))
			return true;
	return false;
}

/* Adds a column (name borrowed until the row is built) with v's text. */
static int add_col(sl_pg_mapper_t *m, const char *name, const json_t *v, const json_t *schema,
		   char *errstr, size_t errstr_size)
{
	char why[256];
	bool is_null;

	SL_ARRAY_RESERVE(m->cols, m->ncols + 1, m->colcap);
	size_t at = m->vals.len;
	if (sl_pg_value_text(v, schema, &m->vals, &is_null, why, sizeof(why)) != 0)
		return sl_seterr(errstr, errstr_size, "field %s: %s", name, why);
	m->cols[m->ncols++] = (gathered_col_t){
		.name = name,
		.type = schema ? sl_pg_column_type(schema) : sl_pg_json_column_type(v),
		.nullable = schema ? schema_optional(schema) : true,
		.off = is_null ? SIZE_MAX : at,
	};
	return 0;
}

/* Adds every field of a struct payload (schema order when there is a
 * schema), skipping names already added. */
static int add_struct(sl_pg_mapper_t *m, const json_t *data, const json_t *schema, char *errstr,
		      size_t errstr_size)
{
	const json_t *fields = schema ? json_object_get(schema, "fields") : NULL;
	const char *name;
	json_t *v;
	size_t i;
	const json_t *f;

	if (!json_is_object(data))
		return sl_seterr(errstr, errstr_size, "the value is not a struct");
	if (!fields) {
		json_object_foreach((json_t *)data, name, v)
			if (!has_col(m, name) && add_col(m, name, v, NULL, errstr, errstr_size))
				return -1;
		return 0;
	}
	json_array_foreach(fields, i, f) {
		name = json_string_value(json_object_get(f, "field"));
		if (name && !has_col(m, name) &&
		    add_col(m, name, json_object_get(data, name), f, errstr, errstr_size))
			return -1;
	}
	return 0;
}

/* The primary key columns from the record key (struct or primitive). */
static int add_key_from_key(sl_pg_mapper_t *m, const sl_record_t *rec, char *errstr,
			    size_t errstr_size)
{
	const sl_value_t *k = &rec->key;
	char **pk = m->cfg.pk_fields;
	json_t *tmp = NULL;
	const json_t *kj = k->json, *ks = k->schema;
	int rc = -1;

	if (k->kind == SL_VALUE_STRING || k->kind == SL_VALUE_BYTES) {
		tmp = json_stringn(k->data, k->len);
		if (!tmp) {
			sl_seterr(errstr, errstr_size, "the record key is not UTF-8 text");
			goto out;
		}
		kj = tmp;
		ks = NULL;
	}
	if (!kj || json_is_null(kj)) {
		sl_seterr(errstr, errstr_size, "pk.mode=record_key but the record has no key");
		goto out;
	}
	if (!json_is_object(kj)) { /* a primitive key: one named column */
		if (!pk || !pk[0] || pk[1]) {
			sl_seterr(errstr, errstr_size,
				  "a primitive record key needs exactly one name in pk.fields");
			goto out;
		}
		rc = add_col(m, pk[0], kj, ks, errstr, errstr_size);
		goto out;
	}
	if (pk && pk[0]) {
		for (char **p = pk; *p; p++) {
			const json_t *v = json_object_get(kj, *p);
			if (!v) {
				sl_seterr(errstr, errstr_size, "key field %s is missing", *p);
				goto out;
			}
			if (add_col(m, *p, v, ks ? schema_field(ks, *p) : NULL, errstr,
				    errstr_size))
				goto out;
		}
		rc = 0;
	} else {
		rc = add_struct(m, kj, ks, errstr, errstr_size);
	}
	if (rc == 0 && m->ncols == 0)
		rc = sl_seterr(errstr, errstr_size, "the record key has no fields");
out:
	json_decref(tmp);
	return rc;
}

/* The primary key columns from named value fields. */
static int add_key_from_value(sl_pg_mapper_t *m, const json_t *data, const json_t *schema,
			      char *errstr, size_t errstr_size)
{
	if (!json_is_object(data))
		return sl_seterr(errstr, errstr_size, "the value is not a struct");
	for (char **p = m->cfg.pk_fields; p && *p; p++) {
		const json_t *v = json_object_get(data, *p);
		if (!v || json_is_null(v))
			return sl_seterr(errstr, errstr_size, "primary key field %s is missing",
					 *p);
		if (add_col(m, *p, v, schema ? schema_field(schema, *p) : NULL, errstr,
			    errstr_size))
			return -1;
	}
	return 0;
}

/* True when s is the shape of the columns gathered in m. */
static bool shape_matches(const sl_pg_shape_t *s, const sl_pg_mapper_t *m, sl_pg_op_t op,
			  const char *table, size_t npk)
{
	if (s->op != op || s->npk != npk || s->ncols != m->ncols || strcmp(s->table, table))
		return false;
	for (size_t i = 0; i < m->ncols; i++)
		if (s->types[i] != m->cols[i].type ||
		    s->nullable[i] != (m->cols[i].nullable && i >= npk) ||
		    strcmp(s->cols[i], m->cols[i].name))
			return false;
	return true;
}

/* Finds or makes the shape of the columns gathered in m (the most recent
 * shapes first: consecutive records usually share one). */
static const sl_pg_shape_t *intern_shape(sl_pg_mapper_t *m, sl_pg_op_t op, const char *table,
					 size_t npk)
{
	if (m->last && shape_matches(m->last, m, op, table, npk))
		return m->last;
	for (size_t i = m->nshapes; i-- > 0;)
		if (shape_matches(m->shapes[i], m, op, table, npk))
			return m->last = m->shapes[i];
	sl_pg_shape_t *s = sl_calloc(1, sizeof(*s));
	s->op = op;
	s->table = sl_strdup(table);
	s->ncols = m->ncols;
	s->npk = npk;
	s->cols = sl_calloc(m->ncols + 1, sizeof(*s->cols));
	s->types = sl_calloc(m->ncols + 1, sizeof(*s->types));
	s->nullable = sl_calloc(m->ncols + 1, sizeof(*s->nullable));
	for (size_t i = 0; i < m->ncols; i++) {
		s->cols[i] = sl_strdup(m->cols[i].name);
		s->types[i] = m->cols[i].type;
		s->nullable[i] = m->cols[i].nullable && i >= npk;
	}
	SL_ARRAY_RESERVE(m->shapes, m->nshapes + 1, m->cap);
	m->shapes[m->nshapes++] = s;
	return m->last = s;
}

/* Copies the gathered values into one allocation for the row. */
static void build_row(sl_pg_mapper_t *m, const sl_pg_shape_t *s, sl_pg_row_t *out)
{
	size_t head = m->ncols * sizeof(char *);
	char *block = sl_malloc(head + m->vals.len + 1);
	char **vals = (char **)block;

	if (m->vals.len)
		memcpy(block + head, m->vals.data, m->vals.len);
	for (size_t i = 0; i < m->ncols; i++)
		vals[i] = m->cols[i].off == SIZE_MAX ? NULL : block + head + m->cols[i].off;
	out->shape = s;
	out->vals = vals;
}

/* Unwraps a Debezium envelope. Returns 1 for an envelope (op set, data
 * and schema pointing at "after", or at "before" for a delete), 0 for a
 * flat value. */
static int unwrap(const json_t *value, const json_t *schema, char *op, const json_t **data,
		  const json_t **data_schema)
{
	const char *o = json_string_value(json_object_get(value, "op"));

	*data = value;
	*data_schema = schema;
	if (!json_is_object(value) || !o || !o[0] || o[1] ||
	    (!json_object_get(value, "after") && !json_object_get(value, "before")))
		return 0;
	*op = o[0];
	const char *which = *op == 'd' ? "before" : "after";
	*data = json_object_get(value, which);
	*data_schema = schema ? schema_field(schema, which) : NULL;
	return 1;
}

static int map_delete(sl_pg_mapper_t *m, const sl_record_t *rec, const char *table,
		      const json_t *before, const json_t *before_schema, sl_pg_row_t *out,
		      char *errstr, size_t errstr_size)
{
	int rc;

	if (!m->cfg.delete_enabled) {
		sl_seterr(errstr, errstr_size, "a delete, and delete.enabled is false");
		return 0;
	}
	if (m->cfg.pk_mode == SL_PG_PK_RECORD_KEY)
		rc = add_key_from_key(m, rec, errstr, errstr_size);
	else if (m->cfg.pk_mode == SL_PG_PK_RECORD_VALUE && before && !json_is_null(before))
		rc = add_key_from_value(m, before, before_schema, errstr, errstr_size);
	else
		rc = sl_seterr(errstr, errstr_size, "a delete needs a primary key (pk.mode)");
	if (rc != 0)
		return -1;
	build_row(m, intern_shape(m, SL_PG_OP_DELETE, table, m->ncols), out);
	return 1;
}

/* ---- write plans ---------------------------------------------------------- */

/* Fills m->cols with the columns of p (names, types, nullability; no
 * values yet), as add_key_from_value and add_struct would gather them. */
static void plan_gather(sl_pg_mapper_t *m, const write_plan_t *p)
{
	SL_ARRAY_RESERVE(m->cols, p->ncols, m->colcap);
	for (size_t i = 0; i < p->ncols; i++)
		m->cols[i] = (gathered_col_t){
			.name = p->cols[i].name,
			.type = sl_pg_mapping_type(p->cols[i].map),
			.nullable = schema_optional(p->cols[i].schema),
		};
	m->ncols = p->ncols;
}

static bool plan_has(const write_plan_t *p, const char *name)
{
	for (size_t i = 0; i < p->ncols; i++)
		if (!strcmp(p->cols[i].name, name))
			return true;
	return false;
}

/* Adds a column to p unless its schema has no mapping (false: the plan
 * cannot be made, the general path reports the field). */
static bool plan_add(write_plan_t *p, size_t *cap, const char *name, const json_t *f)
{
	const sl_pg_mapping_t *map = sl_pg_schema_mapping(f);

	if (!map)
		return false;
	SL_ARRAY_RESERVE(p->cols, p->ncols + 1, *cap);
	p->cols[p->ncols++] = (plan_col_t){.name = name, .schema = f, .map = map};
	return true;
}

/* Works out the plan of a data schema, or returns false when the
 * general path has to map such records (no fields, a primary key field
 * the schema lacks, a field without a mapping). */
static bool plan_make(sl_pg_mapper_t *m, write_plan_t *p, const json_t *schema, const char *table)
{
	const json_t *fields = json_object_get(schema, "fields"), *f;
	size_t cap = 0, i;

	if (!json_is_array(fields))
		return false;
	for (char **k = m->cfg.pk_fields; m->cfg.pk_mode == SL_PG_PK_RECORD_VALUE && k && *k; k++)
		if (!(f = schema_field(schema, *k)) || !plan_add(p, &cap, *k, f))
			return false;
	p->npk = p->ncols;
	json_array_foreach(fields, i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (name && !plan_has(p, name) && !plan_add(p, &cap, name, f))
			return false;
	}
	static const sl_pg_op_t ops[] = {SL_PG_OP_INSERT, SL_PG_OP_UPSERT, SL_PG_OP_UPDATE};
	plan_gather(m, p);
	p->shape = intern_shape(m, ops[m->cfg.insert_mode], table, p->npk);
	p->table = sl_strdup(table);
	p->schema = schema;
	return true;
}

/* The plan for records of root (the value schema) whose data schema is
 * schema, made now when there is none; NULL when there cannot be one. */
static const write_plan_t *plan_for(sl_pg_mapper_t *m, const json_t *root, const json_t *schema,
				    const char *table)
{
	for (size_t i = 0; i < PLAN_CACHE_SIZE; i++) {
		const write_plan_t *p = &m->plans[i];
		if (p->schema == schema && p->root && !strcmp(p->table, table))
			return p;
	}
	write_plan_t *p = &m->plans[m->plan_next++ % PLAN_CACHE_SIZE];
	plan_free(p);
	if (!plan_make(m, p, schema, table)) {
		plan_free(p);
		return NULL;
	}
	p->root = json_incref((json_t *)root);
	return p;
}

/* map_write by a plan: the same columns, values, errors and shape. */
static int map_planned(sl_pg_mapper_t *m, const write_plan_t *p, const json_t *data,
		       sl_pg_row_t *out, char *errstr, size_t errstr_size)
{
	char why[256];
	bool is_null;

	SL_ARRAY_RESERVE(m->cols, p->ncols, m->colcap);
	m->ncols = p->ncols; /* only their values are needed now */
	for (size_t i = 0; i < p->ncols; i++) {
		const plan_col_t *c = &p->cols[i];
		const json_t *v = json_object_get(data, c->name);
		if (i < p->npk && (!v || json_is_null(v)))
			return sl_seterr(errstr, errstr_size, "primary key field %s is missing",
					 c->name);
		size_t at = m->vals.len;
		if (sl_pg_value_text_mapped(v, c->schema, c->map, &m->vals, &is_null, why,
					    sizeof(why)) != 0)
			return sl_seterr(errstr, errstr_size, "field %s: %s", c->name, why);
		m->cols[i].off = is_null ? SIZE_MAX : at;
	}
	build_row(m, p->shape, out);
	return 1;
}

static int map_write(sl_pg_mapper_t *m, const sl_record_t *rec, const char *table,
		     const json_t *data, const json_t *schema, sl_pg_row_t *out, char *errstr,
		     size_t errstr_size)
{
	static const sl_pg_op_t ops[] = {SL_PG_OP_INSERT, SL_PG_OP_UPSERT, SL_PG_OP_UPDATE};
	int rc = 0;

	if (!data || json_is_null(data))
		return sl_seterr(errstr, errstr_size, "the change event has no \"after\" value");
	if (schema && m->cfg.pk_mode != SL_PG_PK_RECORD_KEY && json_is_object(data)) {
		const write_plan_t *p = plan_for(m, rec->value.schema, schema, table);
		if (p)
			return map_planned(m, p, data, out, errstr, errstr_size);
	}
	if (m->cfg.pk_mode == SL_PG_PK_RECORD_KEY)
		rc = add_key_from_key(m, rec, errstr, errstr_size);
	else if (m->cfg.pk_mode == SL_PG_PK_RECORD_VALUE)
		rc = add_key_from_value(m, data, schema, errstr, errstr_size);
	if (rc != 0)
		return -1;
	size_t npk = m->ncols;
	if (add_struct(m, data, schema, errstr, errstr_size) != 0)
		return -1;
	build_row(m, intern_shape(m, ops[m->cfg.insert_mode], table, npk), out);
	return 1;
}

/* The table of a topic (the one of the topic before made again only when
 * the topic changed). Owned by m. */
static const char *table_of(sl_pg_mapper_t *m, const char *topic)
{
	if (!m->table || strcmp(m->topic, topic ? topic : "")) {
		free(m->topic);
		free(m->table);
		m->topic = sl_strdup(topic ? topic : "");
		m->table = sl_pg_table_name(m->cfg.table_format, m->topic);
	}
	return m->table;
}

int sl_pg_mapper_map(sl_pg_mapper_t *m, const sl_record_t *rec, sl_pg_row_t *out, char *errstr,
		     size_t errstr_size)
{
	const sl_value_t *v = &rec->value;
	const json_t *data, *schema;
	char op = 'c';
	int rc;

	m->ncols = 0;
	sl_buf_reset(&m->vals);
	out->shape = NULL;
	out->vals = NULL;
	const char *table = table_of(m, rec->topic);
	if (!table[0]) {
		rc = sl_seterr(errstr, errstr_size, "table.name.format gives an empty table name");
		goto out;
	}
	if (v->kind == SL_VALUE_NULL || (v->kind == SL_VALUE_JSON && json_is_null(v->json))) {
		rc = map_delete(m, rec, table, NULL, NULL, out, errstr, errstr_size);
		goto out;
	}
	if (v->kind != SL_VALUE_JSON || !v->json) {
		rc = sl_seterr(errstr, errstr_size,
			       "the value is not a struct (use value.converter=json)");
		goto out;
	}
	unwrap(v->json, v->schema, &op, &data, &schema);
	switch (op) {
	case 'c':
	case 'r':
	case 'u':
		rc = map_write(m, rec, table, data, schema, out, errstr, errstr_size);
		break;
	case 'd':
		rc = map_delete(m, rec, table, data, schema, out, errstr, errstr_size);
		break;
	case 't':
		if (!m->cfg.delete_enabled) {
			sl_seterr(errstr, errstr_size, "a truncate, and delete.enabled is false");
			rc = 0;
			break;
		}
		m->ncols = 0;
		build_row(m, intern_shape(m, SL_PG_OP_TRUNCATE, table, 0), out);
		rc = 1;
		break;
	default:
		sl_seterr(errstr, errstr_size, "a change event with op \"%c\"", op);
		rc = 0;
		break;
	}
out:
	return rc;
}

/* ---- statements ----------------------------------------------------------- */

static void append_cols(sl_buf_t *out, const sl_pg_shape_t *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (i > from)
			sl_buf_append_char(out, ',');
		sl_pg_quote_ident(out, s->cols[i]);
	}
}

/* " ON CONFLICT (pk) DO UPDATE SET" every other column, or DO NOTHING
 * when all columns are key. */
static void append_on_conflict(sl_buf_t *out, const sl_pg_shape_t *s)
{
	sl_buf_append_str(out, " ON CONFLICT (");
	append_cols(out, s, 0, s->npk);
	if (s->npk == s->ncols) {
		sl_buf_append_str(out, ") DO NOTHING");
		return;
	}
	sl_buf_append_str(out, ") DO UPDATE SET ");
	for (size_t c = s->npk; c < s->ncols; c++) {
		if (c > s->npk)
			sl_buf_append_char(out, ',');
		sl_pg_quote_ident(out, s->cols[c]);
		sl_buf_append_str(out, "=EXCLUDED.");
		sl_pg_quote_ident(out, s->cols[c]);
	}
}

void sl_pg_sql_insert(sl_buf_t *out, const sl_pg_shape_t *s, size_t nrows, bool upsert)
{
	size_t n = 1;

	sl_buf_append_str(out, "INSERT INTO ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " (");
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, ") VALUES ");
	for (size_t r = 0; r < nrows; r++) {
		sl_buf_append_str(out, r ? ",(" : "(");
		for (size_t c = 0; c < s->ncols; c++)
			append_param(out, n++, c == 0);
		sl_buf_append_char(out, ')');
	}
	if (upsert && s->npk)
		append_on_conflict(out, s);
}

void sl_pg_sql_stage_create(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage)
{
	sl_buf_append_str(out, "CREATE TEMP TABLE ");
	sl_pg_quote_ident(out, stage);
	sl_buf_append_str(out, " AS SELECT ");
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, ",0::bigint AS " SL_PG_STAGE_SEQ " FROM ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " WITH NO DATA");
}

void sl_pg_sql_stage_copy(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage)
{
	sl_buf_append_str(out, "COPY pg_temp.");
	sl_pg_quote_ident(out, stage);
	sl_buf_append_str(out, " (");
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, "," SL_PG_STAGE_SEQ ") FROM STDIN");
}

void sl_pg_sql_stage_merge(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage, bool dupes)
{
	sl_buf_append_str(out, "INSERT INTO ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " (");
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, ") SELECT ");
	if (dupes) { /* the last row of each key: ON CONFLICT takes a key once */
		sl_buf_append_str(out, "DISTINCT ON (");
		append_cols(out, s, 0, s->npk);
		sl_buf_append_str(out, ") ");
	}
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, " FROM pg_temp.");
	sl_pg_quote_ident(out, stage);
	if (dupes) {
		sl_buf_append_str(out, " ORDER BY ");
		append_cols(out, s, 0, s->npk);
		sl_buf_append_str(out, "," SL_PG_STAGE_SEQ " DESC");
	}
	if (s->npk)
		append_on_conflict(out, s);
}

bool sl_pg_sql_update(sl_buf_t *out, const sl_pg_shape_t *s)
{
	if (s->ncols == s->npk || s->npk == 0)
		return false;
	sl_buf_append_str(out, "UPDATE ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " SET ");
	for (size_t c = s->npk; c < s->ncols; c++) {
		if (c > s->npk)
			sl_buf_append_char(out, ',');
		sl_pg_quote_ident(out, s->cols[c]);
		sl_buf_appendf(out, "=$%zu", c + 1);
	}
	sl_buf_append_str(out, " WHERE ");
	for (size_t c = 0; c < s->npk; c++) {
		if (c)
			sl_buf_append_str(out, " AND ");
		sl_pg_quote_ident(out, s->cols[c]);
		sl_buf_appendf(out, "=$%zu", c + 1);
	}
	return true;
}

void sl_pg_sql_delete(sl_buf_t *out, const sl_pg_shape_t *s, size_t nrows)
{
	size_t n = 1;

	sl_buf_append_str(out, "DELETE FROM ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " WHERE (");
	append_cols(out, s, 0, s->npk);
	sl_buf_append_str(out, ") IN (");
	for (size_t r = 0; r < nrows; r++) {
		sl_buf_append_str(out, r ? ",(" : "(");
		for (size_t c = 0; c < s->npk; c++)
			append_param(out, n++, c == 0);
		sl_buf_append_char(out, ')');
	}
	sl_buf_append_char(out, ')');
}

void sl_pg_sql_create(sl_buf_t *out, const sl_pg_shape_t *s)
{
	sl_buf_append_str(out, "CREATE TABLE IF NOT EXISTS ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " (");
	for (size_t c = 0; c < s->ncols; c++) {
		if (c)
			sl_buf_append_str(out, ", ");
		sl_pg_quote_ident(out, s->cols[c]);
		sl_buf_appendf(out, " %s%s", s->types[c] ? s->types[c] : "text",
			       s->nullable[c] ? "" : " NOT NULL");
	}
	if (s->npk) {
		sl_buf_append_str(out, ", PRIMARY KEY (");
		append_cols(out, s, 0, s->npk);
		sl_buf_append_char(out, ')');
	}
	sl_buf_append_char(out, ')');
}

void sl_pg_sql_truncate(sl_buf_t *out, const char *table)
{
	sl_buf_append_str(out, "TRUNCATE TABLE ");
	sl_pg_quote_ident(out, table);
}

void sl_pg_sql_copy(sl_buf_t *out, const sl_pg_shape_t *s)
{
	sl_buf_append_str(out, "COPY ");
	sl_pg_quote_ident(out, s->table);
	sl_buf_append_str(out, " (");
	append_cols(out, s, 0, s->ncols);
	sl_buf_append_str(out, ") FROM STDIN");
}

static void copy_value(sl_buf_t *out, const char *v)
{
	for (;;) {
		size_t n = strcspn(v, "\\\n\r\t");
		sl_buf_append(out, v, n);
		v += n;
		switch (*v++) {
		case '\0':
			return;
		case '\\':
			sl_buf_append(out, "\\\\", 2);
			break;
		case '\n':
			sl_buf_append(out, "\\n", 2);
			break;
		case '\r':
			sl_buf_append(out, "\\r", 2);
			break;
		default:
			sl_buf_append(out, "\\t", 2);
			break;
		}
	}
}

void sl_pg_copy_row(sl_buf_t *out, const sl_pg_shape_t *s, char *const *vals)
{
	for (size_t c = 0; c < s->ncols; c++) {
		if (c)
			sl_buf_append_char(out, '\t');
		if (vals[c])
			copy_value(out, vals[c]);
		else
			sl_buf_append(out, "\\N", 2);
	}
	sl_buf_append_char(out, '\n');
}

void sl_pg_copy_row_seq(sl_buf_t *out, const sl_pg_shape_t *s, char *const *vals, int64_t seq)
{
	sl_pg_copy_row(out, s, vals);
	out->data[out->len - 1] = '\t'; /* in place of the newline */
	sl_buf_append_int(out, seq);
	sl_buf_append_char(out, '\n');
}

size_t sl_pg_rows_per_statement(const sl_pg_shape_t *s, size_t batch_size)
{
	size_t per = s->op == SL_PG_OP_DELETE ? s->npk : s->ncols;
	size_t max = per ? PG_MAX_PARAMS / per : batch_size;

	if (s->op == SL_PG_OP_UPDATE || s->op == SL_PG_OP_TRUNCATE)
		return 1;
	if (max > batch_size)
		max = batch_size;
	return max ? max : 1;
}

/* ---- dedupe ---------------------------------------------------------------- */

static uint64_t key_hash(const sl_pg_row_t *r)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t c = 0; c < r->shape->npk; c++) {
		const char *v = r->vals[c];
		if (!v) {
			h = (h ^ 0xff) * 1099511628211ULL;
			continue;
		}
		for (; *v; v++)
			h = (h ^ (unsigned char)*v) * 1099511628211ULL;
		h = (h ^ 0xfe) * 1099511628211ULL;
	}
	return h;
}

static bool key_equal(const sl_pg_row_t *a, const sl_pg_row_t *b)
{
	for (size_t c = 0; c < a->shape->npk; c++) {
		const char *x = a->vals[c], *y = b->vals[c];
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
			return false;
	}
	return true;
}

size_t sl_pg_dedupe(const sl_pg_row_t *rows, size_t n, size_t *idx)
{
	size_t cap = 16, out = 0;

	if (n == 0)
		return 0;
	if (rows[0].shape->npk == 0) {
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		return n;
	}
	while (cap < n * 2)
		cap *= 2;
	size_t *slot = sl_malloc(cap * sizeof(*slot)); /* position in idx, or SIZE_MAX */
	for (size_t i = 0; i < cap; i++)
		slot[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)key_hash(&rows[i]) & (cap - 1);
		while (slot[h] != SIZE_MAX && !key_equal(&rows[idx[slot[h]]], &rows[i]))
			h = (h + 1) & (cap - 1);
		if (slot[h] == SIZE_MAX) {
			slot[h] = out;
			idx[out++] = i;
		} else {
			idx[slot[h]] = i; /* the later row of the key wins, in place */
		}
	}
	free(slot);
	return out;
}

/* ---- key sets ---------------------------------------------------------- */

static void keyset_put(sl_pg_keyset_t *k, const sl_pg_row_t *row)
{
	size_t h = (size_t)key_hash(row) & (k->cap - 1);

	while (k->slot[h].shape)
		h = (h + 1) & (k->cap - 1);
	k->slot[h] = *row;
	k->n++;
}

bool sl_pg_keyset_add(sl_pg_keyset_t *k, const sl_pg_row_t *row)
{
	if ((k->n + 1) * 2 > k->cap) { /* grow: at most half full */
		sl_pg_row_t *old = k->slot;
		size_t old_cap = k->cap;
		k->cap = old_cap ? old_cap * 2 : 1024;
		k->slot = sl_calloc(k->cap, sizeof(*k->slot));
		k->n = 0;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].shape)
				keyset_put(k, &old[i]);
		free(old);
	}
	size_t h = (size_t)key_hash(row) & (k->cap - 1);
	for (; k->slot[h].shape; h = (h + 1) & (k->cap - 1))
		if (k->slot[h].shape == row->shape && key_equal(&k->slot[h], row))
			return true;
	k->slot[h] = *row;
	k->n++;
	return false;
}

void sl_pg_keyset_clear(sl_pg_keyset_t *k)
{
	if (k->n)
		memset(k->slot, 0, k->cap * sizeof(*k->slot));
	k->n = 0;
}

void sl_pg_keyset_free(sl_pg_keyset_t *k)
{
	free(k->slot);
	*k = (sl_pg_keyset_t){0};
}
