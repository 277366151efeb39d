/* Flattens libconfig files into the Kafka Connect key/value map: groups join
 * with dots, lists become comma lists, transforms/predicates lists of groups
 * become the alias list plus prefixed keys. */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_priv.h"
#include "sluice/config.h"

/* State of one flattening pass. key holds the dotted key of the setting
 * being visited. */
typedef struct flat_ctx {
	sl_config_t *cfg;
	const char *name;
	const char *include_dir;
	sl_buf_t key;
	sl_errlist_t *errs;
	size_t bad; /* problems found; the first SL_CONFIG_MAX_ERRORS are in errs */
} flat_ctx_t;

static int flatten_setting(flat_ctx_t *fc, const config_setting_t *s);

/* The file libconfig names f (NULL for the text itself): name, or an
 * @include file, which libconfig names as written, so a relative one is
 * joined to the include dir. */
static const char *source_name(const char *f, const char *name, const char *include_dir, char *buf,
			       size_t size)
{
	if (!f)
		return name;
	if (f[0] == '/' || !include_dir)
		return f;
	snprintf(buf, size, "%s/%s", include_dir, f);
	return buf;
}

static const char *setting_file(const flat_ctx_t *fc, const config_setting_t *s, char *buf,
				size_t size)
{
	return source_name(config_setting_source_file(s), fc->name, fc->include_dir, buf, size);
}

static void key_push(flat_ctx_t *fc, const char *part)
{
	if (fc->key.len)
		sl_buf_append_char(&fc->key, '.');
	sl_buf_append_str(&fc->key, part);
}

static void key_pop(flat_ctx_t *fc, size_t len)
{
	fc->key.len = len;
	if (fc->key.data)
		fc->key.data[len] = '\0';
}

/* Appends the string form of a scalar setting. */
static void append_scalar(sl_buf_t *out, const config_setting_t *s)
{
	char num[64];

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		sl_buf_appendf(out, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		sl_buf_appendf(out, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		sl_buf_append_str(out, sl_format_double_shortest(config_setting_get_float(s), num,
								 sizeof(num)));
		break;
	case CONFIG_TYPE_BOOL:
		sl_buf_append_str(out, config_setting_get_bool(s) ? "true" : "false");
		break;
	default:
		sl_buf_append_str(out, config_setting_get_string(s));
		break;
	}
}

static void set_from(flat_ctx_t *fc, const config_setting_t *s, const char *value)
{
	char path[4096];

	sl_config_set(fc->cfg, fc->key.data, value, setting_file(fc, s, path, sizeof(path)),
		      (int)config_setting_source_line(s));
}

static void add_error(flat_ctx_t *fc, const config_setting_t *s, const char *reason)
{
	char path[4096], key[256];

	if (fc->bad++ >= SL_CONFIG_MAX_ERRORS)
		return;
	sl_errlist_addf(fc->errs, "%s:%u: key '%s': %s", setting_file(fc, s, path, sizeof(path)),
			config_setting_source_line(s),
			sl_config_printable(fc->key.data, key, sizeof(key)), reason);
}

static bool list_is_scalars(const config_setting_t *s)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		if (!config_setting_is_scalar(config_setting_get_elem(s, (unsigned)i)))
			return false;
	}
	return true;
}

static bool list_is_groups(const config_setting_t *s)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		if (!config_setting_is_group(config_setting_get_elem(s, (unsigned)i)))
			return false;
	}
	return true;
}

/* An array or list of scalars becomes "a,b,c". */
static void flatten_scalar_list(flat_ctx_t *fc, const config_setting_t *s)
{
	sl_buf_t out = {0};

	sl_buf_append_str(&out, "");
	for (int i = 0; i < config_setting_length(s); i++) {
		if (i > 0)
			sl_buf_append_char(&out, ',');
		append_scalar(&out, config_setting_get_elem(s, (unsigned)i));
	}
	set_from(fc, s, out.data);
	sl_buf_free(&out);
}

static int flatten_members(flat_ctx_t *fc, const config_setting_t *group, const char *skip)
{
	int rv = 0;

	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		if (skip && strcmp(config_setting_name(m), skip) == 0)
			continue;
		size_t len = fc->key.len;
		/* "self" gives the group's own key a value, for keys that are
		 * also prefixes: value = { converter = { self = "json";
		 * schemas = { enable = false; }; }; }. */
		if (!(len && strcmp(config_setting_name(m), SL_CONFIG_SELF) == 0))
			key_push(fc, config_setting_name(m));
		if (flatten_setting(fc, m) != 0)
			rv = -1;
		key_pop(fc, len);
	}
	return rv;
}

/* The alias of element i of a transforms/predicates list, or NULL after
 * adding an error. seen holds the aliases met so far (as keys). */
static const char *alias_of(flat_ctx_t *fc, const config_setting_t *g, int i, sl_config_t *seen)
{
	const config_setting_t *n = config_setting_get_member(g, "name");
	const char *alias = n ? config_setting_get_string(n) : NULL;
	char reason[512], shown[256];

	if (!alias || !*alias || strchr(alias, ',') || strchr(alias, '.')) {
		snprintf(reason, sizeof(reason),
			 "element %d needs a member 'name' holding a non-empty string "
			 "without ',' or '.'",
			 i);
		add_error(fc, n ? n : g, reason);
		return NULL;
	}
	if (sl_config_find(seen, alias)) {
		snprintf(reason, sizeof(reason), "duplicate name '%s'",
			 sl_config_printable(alias, shown, sizeof(shown)));
		add_error(fc, n, reason);
		return NULL;
	}
	sl_config_set(seen, alias, "", NULL, 0);
	return alias;
}

/* transforms = ({ name = "a"; type = "X"; }); becomes transforms=a and
 * transforms.a.type=X. */
static int flatten_alias_list(flat_ctx_t *fc, const config_setting_t *s)
{
	sl_buf_t aliases = {0};
	sl_config_t *seen = sl_config_new();
	int rv = 0;

	sl_buf_append_str(&aliases, "");
	/* Set now so the list key comes before its members; updated below. */
	set_from(fc, s, "");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const char *alias = alias_of(fc, g, i, seen);
		if (!alias) {
			rv = -1;
			continue;
		}
		if (aliases.len)
			sl_buf_append_char(&aliases, ',');
		sl_buf_append_str(&aliases, alias);
		size_t len = fc->key.len;
		key_push(fc, alias);
		if (flatten_members(fc, g, "name") != 0)
			rv = -1;
		key_pop(fc, len);
	}
	set_from(fc, s, aliases.data);
	sl_buf_free(&aliases);
	sl_config_free(seen);
	return rv;
}

static int flatten_list(flat_ctx_t *fc, const config_setting_t *s)
{
	bool alias_key =
		strcmp(fc->key.data, "transforms") == 0 || strcmp(fc->key.data, "predicates") == 0;

	if (list_is_scalars(s)) {
		flatten_scalar_list(fc, s);
		return 0;
	}
	if (alias_key && list_is_groups(s))
		return flatten_alias_list(fc, s);
	add_error(fc, s,
		  "a list may hold only scalars (a list of groups is allowed only for "
		  "transforms and predicates)");
	return -1;
}

static int flatten_setting(flat_ctx_t *fc, const config_setting_t *s)
{
	sl_buf_t out = {0};

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return flatten_members(fc, s, NULL);
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		return flatten_list(fc, s);
	default:
		append_scalar(&out, s);
		set_from(fc, s, out.data);
		sl_buf_free(&out);
		return 0;
	}
}

static void report_syntax_error(const config_t *lc, const char *name, const char *include_dir,
				sl_errlist_t *errs)
{
	/* libconfig's text is often just "syntax error"; do not repeat it. */
	const char *text = config_error_text(lc);
	bool plain = strcmp(text, "syntax error") == 0;
	char path[4096];

	sl_errlist_addf(errs, "%s:%d: syntax error%s%s",
			source_name(config_error_file(lc), name, include_dir, path, sizeof(path)),
			config_error_line(lc), plain ? "" : ": ", plain ? "" : text);
}

/* The most named settings one group may hold. libconfig's parser looks for
 * an earlier setting of the same name by scanning the group, so a group of
 * n settings costs O(n^2) inside libconfig (80,000 settings: 20 s; 2
 * million: hours). Larger groups are refused before parsing. */
#define MAX_GROUP_SETTINGS 25000

/* Skips a string, a comment or nothing at p; returns where scanning goes
 * on (at the NUL when the text ends inside). */
static const char *skip_literal(const char *p)
{
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
		}
		return *p ? p + 1 : p;
	}
	if (*p == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		const char *end = strstr(p + 2, "*/");
		return end ? end + 2 : p + strlen(p);
	}
	return p;
}

/* An upper bound of the named settings in the largest group of text: the
 * '=' and ':' outside strings and comments, counted per brace depth. */
static size_t largest_group(const char *text)
{
	size_t counts[64] = {0}, best = 0, depth = 0;
	const char *p = text;

	while (*p) {
		const char *next = skip_literal(p);
		if (next != p) {
			p = next;
			continue;
		}
		size_t d = depth < 63 ? depth : 63;
		if (*p == '{' && ++depth < 64)
			counts[depth] = 0;
		else if (*p == '}' && depth > 0)
			depth--;
		else if ((*p == '=' || *p == ':') && ++counts[d] > best)
			best = counts[d];
		p++;
	}
	return best;
}

/* The name of the first @include of text (outside strings and comments)
 * that names something there but not a regular file, resolved as libconfig
 * resolves it (malloc()ed), or NULL. libconfig's scanner reads a directory
 * as a file and then exits the process ("input in flex scanner failed"),
 * and a FIFO would block it, so such an include is refused before
 * parsing. The included files' own includes are not looked at. */
static char *bad_include(const char *text, const char *include_dir)
{
	const char *p = text;

	while (*p) {
		const char *next = skip_literal(p);
		if (next != p) {
			p = next;
			continue;
		}
		if (strncmp(p, "@include", 8) != 0) {
			p++;
			continue;
		}
		p += 8;
		p += strspn(p, " \t");
		if (*p != '"')
			continue;
		char *f = sl_strndup(p + 1, strcspn(p + 1, "\""));
		char *path = f[0] == '/' || !include_dir ? sl_strdup(f)
							 : sl_asprintf("%s/%s", include_dir, f);
		struct stat st;
		bool bad = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
		free(path);
		if (bad)
			return f;
		free(f);
	}
	return NULL;
}

sl_config_t *sl_config_parse_libconfig_in(const char *text, const char *name,
					  const char *include_dir, sl_errlist_t *errs)
{
	flat_ctx_t fc = {.name = name, .include_dir = include_dir, .errs = errs};
	config_t lc;
	char *bad;

	config_init(&lc);
	if (largest_group(text) > MAX_GROUP_SETTINGS) {
		sl_errlist_addf(errs,
				"%s: a group holds more than %d settings, more than libconfig "
				"parses in reasonable time (its time grows with the square of a "
				"group's size); use a .properties or .json file for a config this "
				"large, or nest the keys in groups",
				name, MAX_GROUP_SETTINGS);
		goto out;
	}
	if ((bad = bad_include(text, include_dir)) != NULL) {
		char shown[256];
		sl_errlist_addf(errs, "%s: @include \"%s\" is not a regular file", name,
				sl_config_printable(bad, shown, sizeof(shown)));
		free(bad);
		goto out;
	}
	if (include_dir)
		config_set_include_dir(&lc, include_dir);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		report_syntax_error(&lc, name, include_dir, errs);
		goto out;
	}
	fc.cfg = sl_config_new();
	sl_config_set_source(fc.cfg, name);
	flatten_members(&fc, config_root_setting(&lc), NULL);
	sl_config_more_errors(errs, name,
			      fc.bad > SL_CONFIG_MAX_ERRORS ? fc.bad - SL_CONFIG_MAX_ERRORS : 0);
	if (fc.bad) {
		sl_config_free(fc.cfg);
		fc.cfg = NULL;
	}
out:
	sl_buf_free(&fc.key);
	config_destroy(&lc);
	return fc.cfg;
}

sl_config_t *sl_config_parse_libconfig(const char *text, const char *name, sl_errlist_t *errs)
{
	return sl_config_parse_libconfig_in(text, name, NULL, errs);
}
