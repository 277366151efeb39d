/* Option tables: validates a config against a table, stores typed values
 * through offsetof, and reports unknown keys with a did-you-mean hint. */
#include "sluice/options.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/array.h"
#include "sluice/log.h"

/* One parsed value; only the member matching the option type is used. */
typedef struct opt_value {
	int64_t i;
	bool b;
	double d;
	int e;
	char *s;
	char **list;
} opt_value_t;

const char *sl_opt_type_name(sl_opt_type_t t)
{
	switch (t) {
	case SL_OPT_STRING:
		return "string";
	case SL_OPT_INT:
		return "int";
	case SL_OPT_BOOL:
		return "bool";
	case SL_OPT_DOUBLE:
		return "double";
	case SL_OPT_ENUM:
		return "enum";
	case SL_OPT_LIST:
		return "list";
	case SL_OPT_PASSWORD:
		return "password";
	}
	return "unknown";
}

void sl_strlist_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

char **sl_strlist_split(const char *s)
{
	size_t n = 0, cap = 4;
	char **list = sl_calloc(cap, sizeof(char *));

	while (s && *s) {
		size_t len = strcspn(s, ",");
		const char *start = s, *end = s + len;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end > start) {
			SL_ARRAY_RESERVE(list, n + 2, cap);
			list[n++] = sl_strndup(start, (size_t)(end - start));
			list[n] = NULL;
		}
		s += len + (s[len] == ',');
	}
	return list;
}

const sl_option_t *sl_options_find(const sl_option_t *table, const char *name)
{
	for (const sl_option_t *o = table; o && o->name; o++) {
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/* ---- parsing one value ---------------------------------------------------- */

/* Where and what for error messages about one option's value. */
typedef struct opt_site {
	const sl_option_t *o;
	const char *key; /* as written (the option's name or alias); NULL: name */
	const char *where;
	const char *shown; /* the value as it may appear in a message */
	bool hide;         /* a secret: values are never shown */
	sl_errlist_t *errs;
} opt_site_t;

static int site_error(const opt_site_t *st, const char *reason)
{
	sl_errlist_addf(st->errs, "%s: option '%s': %s", st->where, st->key ? st->key : st->o->name,
			reason);
	return -1;
}

static int parse_int(const opt_site_t *st, const char *value, opt_value_t *out)
{
	const sl_option_t *o = st->o;
	char reason[256];

	if (sl_parse_int64(value, &out->i) != 0) {
		snprintf(reason, sizeof(reason), "'%s' is not an integer", st->shown);
		return site_error(st, reason);
	}
	if (o->has_min && (double)out->i < o->min) {
		snprintf(reason, sizeof(reason), "%s is below the minimum %.0f", st->shown, o->min);
		return site_error(st, reason);
	}
	if (o->has_max && (double)out->i > o->max) {
		snprintf(reason, sizeof(reason), "%s is above the maximum %.0f", st->shown, o->max);
		return site_error(st, reason);
	}
	return 0;
}

static int parse_double(const opt_site_t *st, const char *value, opt_value_t *out)
{
	const sl_option_t *o = st->o;
	char reason[256], bound[32];

	if (sl_parse_double(value, &out->d) != 0 || !isfinite(out->d)) {
		snprintf(reason, sizeof(reason), "'%s' is not a number", st->shown);
		return site_error(st, reason);
	}
	if (o->has_min && out->d < o->min) {
		snprintf(reason, sizeof(reason), "%s is below the minimum %s", st->shown,
			 sl_format_double_shortest(o->min, bound, sizeof(bound)));
		return site_error(st, reason);
	}
	if (o->has_max && out->d > o->max) {
		snprintf(reason, sizeof(reason), "%s is above the maximum %s", st->shown,
			 sl_format_double_shortest(o->max, bound, sizeof(bound)));
		return site_error(st, reason);
	}
	return 0;
}

static int parse_bool(const opt_site_t *st, const char *value, opt_value_t *out)
{
	char reason[256];

	if (sl_parse_bool(value, &out->b) == 0)
		return 0;
	snprintf(reason, sizeof(reason), "'%s' is not one of: true, false", st->shown);
	return site_error(st, reason);
}

static int parse_enum(const opt_site_t *st, const char *value, opt_value_t *out)
{
	const char *const *enums = st->o->enums;
	sl_buf_t reason = {0};

	assert(enums && enums[0]);
	for (int i = 0; enums[i]; i++) {
		if (strcasecmp(value, enums[i]) == 0) {
			out->e = i;
			return 0;
		}
	}
	sl_buf_appendf(&reason, "'%s' is not one of: ", st->shown);
	for (int i = 0; enums[i]; i++)
		sl_buf_appendf(&reason, "%s%s", i ? ", " : "", enums[i]);
	site_error(st, reason.data);
	sl_buf_free(&reason);
	return -1;
}

bool sl_opt_check_topic(const char *value, char *why, size_t why_size)
{
	size_t len = strlen(value);

	if (len == 0) {
		snprintf(why, why_size, "a topic name may not be empty");
		return false;
	}
	if (len > 249) {
		snprintf(why, why_size, "a topic name may be at most 249 characters long");
		return false;
	}
	if (!strcmp(value, ".") || !strcmp(value, "..")) {
		snprintf(why, why_size, "'.' and '..' are not allowed as topic names");
		return false;
	}
	for (const char *p = value; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') {
			snprintf(why, why_size,
				 "a topic name may hold only ASCII letters, digits, '.', '_' and "
				 "'-'");
			return false;
		}
	}
	return true;
}

/* Runs the option's check on one value (or list item). */
static int check_value(const opt_site_t *st, const char *value)
{
	char why[256], reason[512];

	if (!st->o->check || st->o->check(value, why, sizeof(why)))
		return 0;
	snprintf(reason, sizeof(reason), "'%s': %s", st->shown, why);
	return site_error(st, reason);
}

static int parse_list(const opt_site_t *st, const char *value, opt_value_t *out)
{
	opt_site_t item = *st;
	char shown[256];
	int rv = 0;

	out->list = sl_strlist_split(value);
	for (char **p = out->list; p && *p; p++) {
		if (!st->hide)
			item.shown = sl_config_printable(*p, shown, sizeof(shown));
		if (check_value(&item, *p) != 0)
			rv = -1;
	}
	return rv;
}

static int parse_value(const opt_site_t *st, const char *value, opt_value_t *out)
{
	switch (st->o->type) {
	case SL_OPT_INT:
		return parse_int(st, value, out);
	case SL_OPT_DOUBLE:
		return parse_double(st, value, out);
	case SL_OPT_BOOL:
		return parse_bool(st, value, out);
	case SL_OPT_ENUM:
		return parse_enum(st, value, out);
	case SL_OPT_LIST:
		return parse_list(st, value, out);
	case SL_OPT_STRING:
	case SL_OPT_PASSWORD:
		out->s = sl_strdup(value);
		return check_value(st, value);
	}
	return site_error(st, "unknown option type");
}

/* ---- loading a table ------------------------------------------------------ */

/* Moves v into the option's field of target (no-op without a field). */
static void store_value(const sl_option_t *o, void *target, opt_value_t *v)
{
	char *field;

	if (!target || !o->has_field)
		return;
	field = (char *)target + o->offset;
	switch (o->type) {
	case SL_OPT_INT:
		*(int64_t *)(void *)field = v->i;
		break;
	case SL_OPT_BOOL:
		*(bool *)(void *)field = v->b;
		break;
	case SL_OPT_DOUBLE:
		*(double *)(void *)field = v->d;
		break;
	case SL_OPT_ENUM:
		*(int *)(void *)field = v->e;
		break;
	case SL_OPT_LIST:
		*(char ***)(void *)field = v->list ? v->list : sl_calloc(1, sizeof(char *));
		v->list = NULL;
		break;
	case SL_OPT_STRING:
	case SL_OPT_PASSWORD:
		*(char **)(void *)field = v->s;
		v->s = NULL;
		break;
	}
}

/* The file of cfg, for messages about missing keys. */
static const char *config_file(const sl_config_t *cfg)
{
	const char *f = sl_config_source(cfg);
	return f ? f : "<config>";
}

/* Parses the default of o; a bad default is a bug in the table. */
static void parse_default(const sl_option_t *o, opt_value_t *v)
{
	sl_errlist_t errs = {0};
	opt_site_t st = {.o = o, .where = "<default>", .shown = o->def, .errs = &errs};
	int rc = parse_value(&st, o->def, v);

	assert(rc == 0 && "option table has a default that does not parse");
	(void)rc;
	sl_errlist_free(&errs);
}

/* The entry that sets o: its name or its alias; NULL when neither is set,
 * and also (with an error added) when both are. */
static const sl_config_entry_t *option_entry(const sl_option_t *o, const sl_config_t *cfg,
					     sl_errlist_t *errs, int *rv)
{
	const sl_config_entry_t *e = sl_config_find(cfg, o->name);
	const sl_config_entry_t *a = o->alias ? sl_config_find(cfg, o->alias) : NULL;
	char where[512], where_alias[512];

	if (e && a) {
		sl_errlist_addf(errs,
				"%s: option '%s' is also set as its alias '%s' (%s); keep one of "
				"them",
				sl_config_where(e, where, sizeof(where)), o->name, o->alias,
				sl_config_where(a, where_alias, sizeof(where_alias)));
		*rv = -1;
		return NULL;
	}
	return e ? e : a;
}

/* Checks (and stores) one option; -1 after adding an error. */
static int load_option(const sl_option_t *o, const sl_config_t *cfg, void *target,
		       sl_errlist_t *errs)
{
	opt_value_t v = {.e = -1};
	char where[512], shown[256];
	int rv = 0;
	const sl_config_entry_t *e = option_entry(o, cfg, errs, &rv);

	if (rv != 0) {
		/* both the name and the alias are set: already reported */
	} else if (e) {
		bool hide = o->type == SL_OPT_PASSWORD || sl_config_key_is_secret(o->name) ||
			    sl_config_entry_is_secret(e);
		opt_site_t st = {.o = o,
				 .key = e->key,
				 .where = sl_config_where(e, where, sizeof(where)),
				 .shown =
					 hide ? "(hidden)"
					      : sl_config_printable(e->value, shown, sizeof(shown)),
				 .hide = hide,
				 .errs = errs};
		rv = parse_value(&st, e->value, &v);
	} else if (o->def) {
		parse_default(o, &v);
	} else if (o->required) {
		sl_errlist_addf(errs, "%s: option '%s' is required%s%s%s", config_file(cfg),
				o->name, o->alias ? " (or its alias '" : "",
				o->alias ? o->alias : "", o->alias ? "')" : "");
		rv = -1;
	}
	if (rv != 0) {
		/* A bad value leaves the field empty, never half parsed. */
		free(v.s);
		sl_strlist_free(v.list);
		v = (opt_value_t){.e = -1};
	}
	store_value(o, target, &v);
	free(v.s);
	sl_strlist_free(v.list);
	return rv;
}

int sl_options_load(const sl_option_t *table, const sl_config_t *cfg, void *target,
		    sl_errlist_t *errs)
{
	int rv = 0;

	for (const sl_option_t *o = table; o->name; o++) {
		if (load_option(o, cfg, target, errs) != 0)
			rv = -1;
	}
	return rv;
}

void sl_options_free(const sl_option_t *table, void *target)
{
	if (!target)
		return;
	for (const sl_option_t *o = table; o->name; o++) {
		char *field = (char *)target + o->offset;
		if (!o->has_field)
			continue;
		if (o->type == SL_OPT_STRING || o->type == SL_OPT_PASSWORD) {
			free(*(char **)(void *)field);
			*(char **)(void *)field = NULL;
		} else if (o->type == SL_OPT_LIST) {
			sl_strlist_free(*(char ***)(void *)field);
			*(char ***)(void *)field = NULL;
		}
	}
}

/* ---- unknown keys --------------------------------------------------------- */

static size_t levenshtein(const char *a, const char *b)
{
	size_t m = strlen(b);
	size_t *row = sl_malloc((m + 1) * sizeof(size_t));

	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[m];
	free(row);
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key the tables know: an option's name or alias. name comes first, so
 * an array of them sorts and searches with cmp_str. */
typedef struct known_key {
	const char *name;
	const sl_option_t *o;
} known_key_t;

static void add_known(known_key_t **keys, size_t *n, size_t *cap, const char *name,
		      const sl_option_t *o)
{
	SL_ARRAY_RESERVE(*keys, *n + 1, *cap);
	(*keys)[(*n)++] = (known_key_t){.name = name, .o = o};
}

/* Every name and alias of the tables, sorted, without duplicates (a name
 * in two tables keeps one of its options); in *users the ones a user may write (not
 * internal), as names for messages. */
static known_key_t *sorted_keys(const sl_option_t *const *tables, size_t *count,
				const char ***users, size_t *user_count)
{
	size_t n = 0, cap = 0, out = 0, u = 0;
	known_key_t *keys = NULL;

	for (size_t t = 0; tables && tables[t]; t++) {
		for (const sl_option_t *o = tables[t]; o->name; o++) {
			add_known(&keys, &n, &cap, o->name, o);
			if (o->alias)
				add_known(&keys, &n, &cap, o->alias, o);
		}
	}
	if (n) /* qsort's base may not be NULL, even for no elements */
		qsort(keys, n, sizeof(*keys), cmp_str);
	*users = sl_malloc((n ? n : 1) * sizeof(**users));
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(keys[out - 1].name, keys[i].name))
			continue;
		keys[out++] = keys[i];
		if (!keys[i].o->internal)
			(*users)[u++] = keys[i].name;
	}
	*count = out;
	*user_count = u;
	return keys;
}

/* The closest name within edit distance 2 that keeps at least half of the
 * longer string ("x" is not a typo of "id"), or NULL. Ties go to the first
 * name in sorted order. Names whose length differs from the key's by more
 * than 2 cannot be that close and are skipped, so a long key costs no more
 * than a short one. */
static const char *closest_name(const char *key, const char **names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, klen = strlen(key);

	for (size_t i = 0; i < n; i++) {
		size_t nlen = strlen(names[i]);
		if (klen > nlen + 2 || nlen > klen + 2)
			continue;
		size_t d = levenshtein(key, names[i]);
		size_t longer = klen > nlen ? klen : nlen;
		if (d < best_d && 2 * d <= longer) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

static bool has_prefix(const char *key, const char *const *prefixes)
{
	for (size_t i = 0; prefixes && prefixes[i]; i++) {
		if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	}
	return false;
}

/* The keys a user sets, for the unknown-key message: neither internal
 * keys nor keys accepted only for compatibility (those still count for
 * did-you-mean). */
static char *allowed_text(const sl_option_t *const *tables, const char *const *prefixes)
{
	sl_buf_t b = {0};
	const char **shown = NULL;
	size_t n = 0, cap = 0;

	for (size_t t = 0; tables[t]; t++)
		for (const sl_option_t *o = tables[t]; o->name; o++)
			if (!o->internal && !o->ignored) {
				SL_ARRAY_RESERVE(shown, n + 2, cap);
				shown[n++] = o->name;
				if (o->alias)
					shown[n++] = o->alias;
			}
	if (n)
		qsort(shown, n, sizeof(*shown), cmp_str);
	sl_buf_append_str(&b, "");
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(shown[i], shown[i - 1])) /* a key in two tables once */
			sl_buf_appendf(&b, "%s%s", b.len ? ", " : "", shown[i]);
	for (size_t i = 0; prefixes && prefixes[i]; i++)
		sl_buf_appendf(&b, "%s%s*", b.len ? ", " : "", prefixes[i]);
	free(shown);
	return sl_buf_steal(&b);
}

/* Adds the error for one unknown key e. */
static void unknown_key(const sl_config_entry_t *e, const char **names, size_t n,
			const char *allowed, const char *what, sl_errlist_t *errs)
{
	const char *hint = closest_name(e->key, names, n);
	char where[512], key[256];

	sl_errlist_addf(errs, "%s: unknown key '%s' for %s; %s%s%sallowed keys: %s",
			sl_config_where(e, where, sizeof(where)),
			sl_config_printable(e->key, key, sizeof(key)), what,
			hint ? "did you mean '" : "", hint ? hint : "", hint ? "'? " : "", allowed);
}

/* A known key of a user config: an internal one is refused. */
static void known_key(const sl_config_entry_t *e, const sl_option_t *o, const char *what,
		      sl_errlist_t *errs)
{
	char where[512];

	if (o->internal)
		sl_errlist_addf(errs,
				"%s: key '%s' is internal to %s: it is set in task configs, "
				"never by users; remove it",
				sl_config_where(e, where, sizeof(where)), e->key, what);
}

void sl_options_log_ignored(const sl_option_t *table, const sl_config_t *cfg, const char *tag)
{
	char where[512];

	for (const sl_option_t *o = table; o->name; o++) {
		const sl_config_entry_t *e = o->ignored ? sl_config_find(cfg, o->name) : NULL;
		if (e)
			SL_INFO(tag, "%s: key %s is accepted for compatibility and not used: %s",
				sl_config_where(e, where, sizeof(where)), o->name, o->ignored);
	}
}

int sl_options_check_unknown(const sl_option_t *const *tables, const char *const *prefixes,
			     const sl_config_t *cfg, const char *what, sl_errlist_t *errs)
{
	size_t n, un;
	const char **names;
	known_key_t *keys = sorted_keys(tables, &n, &names, &un);
	char *allowed = allowed_text(tables, prefixes);
	int unknown = 0;

	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		const known_key_t *k = bsearch(&e->key, keys, n, sizeof(*keys), cmp_str);
		if (k)
			known_key(e, k->o, what, errs);
		if (k || has_prefix(e->key, prefixes))
			continue;
		if (unknown++ < SL_CONFIG_MAX_ERRORS)
			unknown_key(e, names, un, allowed, what, errs);
	}
	if (unknown > SL_CONFIG_MAX_ERRORS) {
		const char *file = sl_config_source(cfg);
		sl_errlist_addf(errs, "%s: ... and %d more unknown keys for %s",
				file ? file : "<config>", unknown - SL_CONFIG_MAX_ERRORS, what);
	}
	free(allowed);
	free(names);
	free(keys);
	return unknown;
}
