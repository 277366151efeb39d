/* The catalog of PostgreSQL types the event builder maps: the built-in
 * types known by OID, plus what the source adds from pg_type (enums,
 * domains, arrays of user types). */
#include <stdlib.h>
#include <string.h>

#include "pg_event.h"
#include "pg_util.h"
#include "sluice/array.h"
#include "sluice/util.h"

struct sl_pg_types {
	sl_pg_type_t *types; /* sorted by oid */
	size_t count, cap;
};

static const struct builtin {
	uint32_t oid;
	const char *name;
	uint32_t elem;
} builtins[] = {
	{16, "bool", 0},          {17, "bytea", 0},
	{18, "char", 0},          {19, "name", 0},
	{20, "int8", 0},          {21, "int2", 0},
	{23, "int4", 0},          {25, "text", 0},
	{26, "oid", 0},           {114, "json", 0},
	{142, "xml", 0},          {199, "_json", 114},
	{700, "float4", 0},       {701, "float8", 0},
	{1000, "_bool", 16},      {1001, "_bytea", 17},
	{1005, "_int2", 21},      {1007, "_int4", 23},
	{1009, "_text", 25},      {1014, "_bpchar", 1042},
	{1015, "_varchar", 1043}, {1016, "_int8", 20},
	{1021, "_float4", 700},   {1022, "_float8", 701},
	{1042, "bpchar", 0},      {1043, "varchar", 0},
	{1082, "date", 0},        {1083, "time", 0},
	{1114, "timestamp", 0},   {1115, "_timestamp", 1114},
	{1182, "_date", 1082},    {1183, "_time", 1083},
	{1184, "timestamptz", 0}, {1185, "_timestamptz", 1184},
	{1186, "interval", 0},    {1231, "_numeric", 1700},
	{1266, "timetz", 0},      {1270, "_timetz", 1266},
	{1700, "numeric", 0},     {2950, "uuid", 0},
	{2951, "_uuid", 2950},    {3614, "tsvector", 0},
	{3802, "jsonb", 0},       {3807, "_jsonb", 3802},
	{600, "point", 0},        {790, "money", 0},
	{1560, "bit", 0},         {1562, "varbit", 0},
};

/* Index of oid, or where it would go (*found false). */
static uint32_t type_oid_at(const void *types, size_t i)
{
	return ((const sl_pg_type_t *)types)[i].oid;
}

static size_t find_index(const sl_pg_types_t *t, uint32_t oid, bool *found)
{
	return sl_pg_oid_find(t->types, t->count, oid, type_oid_at, found);
}

sl_pg_types_t *sl_pg_types_new(void)
{
	sl_pg_types_t *t = sl_calloc(1, sizeof(*t));

	for (size_t i = 0; i < SL_ARRAY_LEN(builtins); i++)
		sl_pg_types_add(t, builtins[i].oid, builtins[i].name, 'b', builtins[i].elem, 0);
	return t;
}

void sl_pg_types_free(sl_pg_types_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++) {
		free(t->types[i].name);
		free(t->types[i].labels);
	}
	free(t->types);
	free(t);
}

void sl_pg_types_add(sl_pg_types_t *t, uint32_t oid, const char *name, char typtype, uint32_t elem,
		     uint32_t base)
{
	bool found;
	size_t i = find_index(t, oid, &found);

	if (found) {
		free(t->types[i].name);
		free(t->types[i].labels);
	} else {
		SL_ARRAY_RESERVE(t->types, t->count + 1, t->cap);
		memmove(t->types + i + 1, t->types + i, (t->count - i) * sizeof(*t->types));
		t->count++;
	}
	t->types[i] = (sl_pg_type_t){
		.oid = oid,
		.name = sl_strdup(name ? name : ""),
		.typtype = typtype,
		.elem = elem,
		.base = base,
	};
}

const sl_pg_type_t *sl_pg_types_find(const sl_pg_types_t *t, uint32_t oid)
{
	bool found;
	size_t i = find_index(t, oid, &found);
	return found ? &t->types[i] : NULL;
}

void sl_pg_types_set_labels(sl_pg_types_t *t, uint32_t oid, const char *labels)
{
	bool found;
	size_t i = find_index(t, oid, &found);

	if (!found)
		return;
	free(t->types[i].labels);
	t->types[i].labels = labels ? sl_strdup(labels) : NULL;
}
