/* The ordered key/value configuration map, file loading by extension and
 * ${env:...}/${file:...} reference resolution. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "config_priv.h"

/* Entries are allocated one by one so that pointers handed out by
 * sl_config_find/sl_config_at stay valid while other keys are added. */
struct sl_config {
	sl_config_entry_t **items;
	size_t count;
	size_t cap;
};

sl_config_t *sl_config_new(void)
{
	return sl_calloc(1, sizeof(sl_config_t));
}

static void entry_free(sl_config_entry_t *e)
{
	free(e->key);
	free(e->value);
	free(e->file);
	free(e);
}

void sl_config_free(sl_config_t *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->count; i++)
		entry_free(cfg->items[i]);
	free(cfg->items);
	free(cfg);
}

sl_config_t *sl_config_dup(const sl_config_t *cfg)
{
	sl_config_t *copy = sl_config_new();
	for (size_t i = 0; i < cfg->count; i++) {
		const sl_config_entry_t *e = cfg->items[i];
		sl_config_set(copy, e->key, e->value, e->file, e->line);
	}
	return copy;
}

static ssize_t config_index(const sl_config_t *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (strcmp(cfg->items[i]->key, key) == 0)
			return (ssize_t)i;
	}
	return -1;
}

void sl_config_set(sl_config_t *cfg, const char *key, const char *value, const char *file, int line)
{
	/* Copy before freeing: value or file may point into the old entry. */
	char *v = sl_strdup(value ? value : "");
	char *f = sl_strdup(file);
	ssize_t i = config_index(cfg, key);
	sl_config_entry_t *e;

	if (i >= 0) {
		e = cfg->items[i];
		free(e->value);
		free(e->file);
	} else {
		if (cfg->count == cfg->cap) {
			cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
			cfg->items = sl_realloc(cfg->items, cfg->cap * sizeof(*cfg->items));
		}
		e = sl_calloc(1, sizeof(*e));
		e->key = sl_strdup(key);
		cfg->items[cfg->count++] = e;
	}
	e->value = v;
	e->file = f;
	e->line = line;
}

bool sl_config_unset(sl_config_t *cfg, const char *key)
{
	ssize_t i = config_index(cfg, key);

	if (i < 0)
		return false;
	entry_free(cfg->items[i]);
	memmove(&cfg->items[i], &cfg->items[i + 1],
		(cfg->count - (size_t)i - 1) * sizeof(*cfg->items));
	cfg->count--;
	return true;
}

const char *sl_config_get(const sl_config_t *cfg, const char *key)
{
	const sl_config_entry_t *e = sl_config_find(cfg, key);
	return e ? e->value : NULL;
}

const sl_config_entry_t *sl_config_find(const sl_config_t *cfg, const char *key)
{
	ssize_t i = config_index(cfg, key);
	return i >= 0 ? cfg->items[i] : NULL;
}

size_t sl_config_count(const sl_config_t *cfg)
{
	return cfg->count;
}

const sl_config_entry_t *sl_config_at(const sl_config_t *cfg, size_t i)
{
	return i < cfg->count ? cfg->items[i] : NULL;
}

sl_config_t *sl_config_subset(const sl_config_t *cfg, const char *prefix, bool strip)
{
	sl_config_t *sub = sl_config_new();
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < cfg->count; i++) {
		const sl_config_entry_t *e = cfg->items[i];
		if (strncmp(e->key, prefix, plen) != 0)
			continue;
		const char *key = strip ? e->key + plen : e->key;
		if (*key == '\0')
			continue;
		sl_config_set(sub, key, e->value, e->file, e->line);
	}
	return sub;
}

const char *sl_config_where(const sl_config_entry_t *e, char *buf, size_t size)
{
	if (!e || !e->file)
		snprintf(buf, size, "<config>");
	else if (e->line > 0)
		snprintf(buf, size, "%s:%d", e->file, e->line);
	else
		snprintf(buf, size, "%s", e->file);
	return buf;
}

const char *sl_config_format_double(double v, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v || isnan(v))
			break;
	}
	return buf;
}

static bool has_extension(const char *path, const char *ext)
{
	size_t plen = strlen(path), elen = strlen(ext);
	return plen > elen && strcasecmp(path + plen - elen, ext) == 0;
}

static sl_config_t *parse_libconfig_file(const char *text, const char *path, sl_errlist_t *errs)
{
	char *copy = sl_strdup(path);
	sl_config_t *cfg = sl_config_parse_libconfig_in(text, path, dirname(copy), errs);
	free(copy);
	return cfg;
}

sl_config_t *sl_config_load(const char *path, sl_errlist_t *errs)
{
	sl_config_t *cfg = NULL;
	char *text = sl_file_read_all(path, NULL);

	if (!text) {
		sl_errlist_addf(errs, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (has_extension(path, ".properties"))
		cfg = sl_config_parse_properties(text, path, errs);
	else if (has_extension(path, ".json"))
		cfg = sl_config_parse_json(text, path, errs);
	else
		cfg = parse_libconfig_file(text, path, errs);
	if (cfg && sl_config_resolve(cfg, errs) != 0) {
		sl_config_free(cfg);
		cfg = NULL;
	}
out:
	free(text);
	return cfg;
}

/* ---- ${provider:...} references ------------------------------------------ */

/* Where a reference sits, for messages. */
typedef struct ref_ctx {
	const sl_config_entry_t *e;
	char where[512];
	sl_errlist_t *errs;
} ref_ctx_t;

static int resolve_env(ref_ctx_t *rc, const char *body, sl_buf_t *out)
{
	/* Kafka Connect also accepts ${env::NAME} (an empty path). */
	const char *name = strchr(body, ':') ? strchr(body, ':') + 1 : body;
	const char *v = getenv(name);

	if (!v) {
		sl_errlist_addf(rc->errs, "%s: key '%s': environment variable %s is not set",
				rc->where, rc->e->key, name);
		return -1;
	}
	sl_buf_append_str(out, v);
	return 0;
}

static int resolve_file(ref_ctx_t *rc, const char *body, sl_buf_t *out)
{
	const char *colon = strchr(body, ':');
	char *path = NULL, *text = NULL;
	sl_config_t *props = NULL;
	int rv = -1;

	if (!colon) {
		sl_errlist_addf(rc->errs, "%s: key '%s': '${file:%s}' needs a path and a key",
				rc->where, rc->e->key, body);
		goto out;
	}
	path = sl_strndup(body, (size_t)(colon - body));
	text = sl_file_read_all(path, NULL);
	if (!text) {
		sl_errlist_addf(rc->errs, "%s: key '%s': cannot read %s: %s", rc->where, rc->e->key,
				path, strerror(errno));
		goto out;
	}
	props = sl_config_parse_properties(text, path, rc->errs);
	if (!props)
		goto out;
	const char *v = sl_config_get(props, colon + 1);
	if (!v) {
		sl_errlist_addf(rc->errs, "%s: key '%s': %s has no key '%s'", rc->where, rc->e->key,
				path, colon + 1);
		goto out;
	}
	sl_buf_append_str(out, v);
	rv = 0;
out:
	sl_config_free(props);
	free(text);
	free(path);
	return rv;
}

/* Resolves one "${...}" body (without the braces) into out. A body without
 * a "provider:" is not a reference (Kafka Connect leaves it) and is copied. */
static int resolve_ref(ref_ctx_t *rc, const char *body, sl_buf_t *out)
{
	size_t plen = strcspn(body, ":");

	if (body[plen] != ':') {
		sl_buf_appendf(out, "${%s}", body);
		return 0;
	}
	if (plen == 3 && strncmp(body, "env", 3) == 0)
		return resolve_env(rc, body + 4, out);
	if (plen == 4 && strncmp(body, "file", 4) == 0)
		return resolve_file(rc, body + 5, out);
	sl_errlist_addf(rc->errs, "%s: key '%s': unknown config provider '%.*s' (known: env, file)",
			rc->where, rc->e->key, (int)plen, body);
	return -1;
}

/* Builds the resolved value of rc->e into out; -1 when any reference fails. */
static int resolve_value(ref_ctx_t *rc, sl_buf_t *out)
{
	const char *p = rc->e->value;
	int rv = 0;

	sl_buf_append_str(out, "");
	while (*p) {
		const char *start = strstr(p, "${");
		if (!start) {
			sl_buf_append_str(out, p);
			break;
		}
		sl_buf_append(out, p, (size_t)(start - p));
		const char *end = strchr(start + 2, '}');
		if (!end) {
			if (strncmp(start, "${env:", 6) == 0 || strncmp(start, "${file:", 7) == 0) {
				sl_errlist_addf(rc->errs,
						"%s: key '%s': reference has no closing '}'",
						rc->where, rc->e->key);
				rv = -1;
			}
			sl_buf_append_str(out, start);
			break;
		}
		char *body = sl_strndup(start + 2, (size_t)(end - start - 2));
		if (resolve_ref(rc, body, out) != 0)
			rv = -1;
		free(body);
		p = end + 1;
	}
	return rv;
}

int sl_config_resolve(sl_config_t *cfg, sl_errlist_t *errs)
{
	size_t before = errs->count;

	for (size_t i = 0; i < cfg->count; i++) {
		sl_config_entry_t *e = cfg->items[i];
		ref_ctx_t rc = {.e = e, .errs = errs};
		sl_buf_t out = {0};

		if (!strstr(e->value, "${"))
			continue;
		sl_config_where(e, rc.where, sizeof(rc.where));
		if (resolve_value(&rc, &out) == 0) {
			free(e->value);
			e->value = sl_buf_steal(&out);
		}
		sl_buf_free(&out);
	}
	return errs->count == before ? 0 : -1;
}

bool sl_config_key_is_secret(const char *key)
{
	static const char *const marks[] = {"password", "secret", "token", "sasl.jaas.config",
					    "ssl.key"};

	for (size_t i = 0; i < SL_ARRAY_LEN(marks); i++) {
		if (strcasestr(key, marks[i]))
			return true;
	}
	return false;
}
