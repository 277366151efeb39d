/* Table filters of the postgres-source: include/exclude regex lists. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_filter.h"
#include "sluice/util.h"

typedef struct pattern_list {
	regex_t *re;
	size_t n;
} pattern_list_t;

struct sl_pg_filter {
	pattern_list_t table_in, table_ex, schema_in, schema_ex;
};

static size_t list_len(const char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

/* Anchors each pattern ("^(p)$") so that it must match the whole name. */
static int compile_list(pattern_list_t *pl, const char *const *l, const char *what, char *errstr,
			size_t errstr_size)
{
	size_t n = list_len(l);

	pl->re = n ? sl_calloc(n, sizeof(regex_t)) : NULL;
	for (size_t i = 0; i < n; i++) {
		char *anchored = sl_asprintf("^(%s)$", l[i]);
		char why[160];
		if (!sl_regex_posix_check(anchored, why, sizeof(why))) {
			free(anchored);
			return sl_seterr(errstr, errstr_size,
					 "option '%s': pattern '%s' is refused: %s", what, l[i],
					 why);
		}
		int rc = regcomp(&pl->re[i], anchored, REG_EXTENDED | REG_NOSUB);

		free(anchored);
		if (rc != 0) {
			char msg[256];

			regerror(rc, &pl->re[i], msg, sizeof(msg));
			return sl_seterr(errstr, errstr_size,
					 "option '%s': pattern '%s' is not a valid POSIX extended "
					 "regular expression: %s",
					 what, l[i], msg);
		}
		pl->n = i + 1;
	}
	return 0;
}

static void free_list(pattern_list_t *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		regfree(&pl->re[i]);
	free(pl->re);
	pl->re = NULL;
	pl->n = 0;
}

void sl_pg_filter_free(sl_pg_filter_t *f)
{
	if (!f)
		return;
	free_list(&f->table_in);
	free_list(&f->table_ex);
	free_list(&f->schema_in);
	free_list(&f->schema_ex);
	free(f);
}

sl_pg_filter_t *sl_pg_filter_new(const char *const *table_include, const char *const *table_exclude,
				 const char *const *schema_include,
				 const char *const *schema_exclude, char *errstr,
				 size_t errstr_size)
{
	sl_pg_filter_t *f = sl_calloc(1, sizeof(*f));

	if (list_len(table_include) && list_len(table_exclude)) {
		sl_seterr(errstr, errstr_size,
			  "options 'table.include.list' and 'table.exclude.list' cannot both be "
			  "set");
		goto fail;
	}
	if (list_len(schema_include) && list_len(schema_exclude)) {
		sl_seterr(errstr, errstr_size,
			  "options 'schema.include.list' and 'schema.exclude.list' cannot both "
			  "be set");
		goto fail;
	}
	if (compile_list(&f->table_in, table_include, "table.include.list", errstr, errstr_size) !=
		    0 ||
	    compile_list(&f->table_ex, table_exclude, "table.exclude.list", errstr, errstr_size) !=
		    0 ||
	    compile_list(&f->schema_in, schema_include, "schema.include.list", errstr,
			 errstr_size) != 0 ||
	    compile_list(&f->schema_ex, schema_exclude, "schema.exclude.list", errstr,
			 errstr_size) != 0)
		goto fail;
	return f;
fail:
	sl_pg_filter_free(f);
	return NULL;
}

static bool any_match(const pattern_list_t *pl, const char *s)
{
	for (size_t i = 0; i < pl->n; i++)
		if (regexec(&pl->re[i], s, 0, NULL, 0) == 0)
			return true;
	return false;
}

static bool is_system_schema(const char *schema)
{
	return !strcmp(schema, "pg_catalog") || !strcmp(schema, "information_schema") ||
	       !strncmp(schema, "pg_toast", 8) || !strncmp(schema, "pg_temp_", 8);
}

bool sl_pg_filter_match(const sl_pg_filter_t *f, const char *schema, const char *table)
{
	char *full;
	bool ok;

	if (is_system_schema(schema))
		return false;
	if (f->schema_in.n && !any_match(&f->schema_in, schema))
		return false;
	if (f->schema_ex.n && any_match(&f->schema_ex, schema))
		return false;
	if (!f->table_in.n && !f->table_ex.n)
		return true;
	full = sl_asprintf("%s.%s", schema, table);
	ok = f->table_in.n ? any_match(&f->table_in, full) : !any_match(&f->table_ex, full);
	free(full);
	return ok;
}
