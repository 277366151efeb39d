/* Resolves ${provider:path:key} references in config values at load time
 * through Kafka Connect's config providers: file, env and dir, built in or
 * declared with config.providers. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "sluice/config.h"
#include "sluice/options.h"

#define CLASS_PREFIX "org.apache.kafka.common.config.provider."

typedef enum prov_kind {
	PROV_FILE,
	PROV_ENV,
	PROV_DIR
} prov_kind_t;

/* Kafka Connect's provider classes sluice implements, and the parameters
 * each takes (config.providers.<name>.param.<param>). */
static const struct {
	const char *cls; /* without CLASS_PREFIX */
	prov_kind_t kind;
	const char *param;
} classes[] = {
	{"FileConfigProvider", PROV_FILE, "allowed.paths"},
	{"EnvVarConfigProvider", PROV_ENV, "allowlist.pattern"},
	{"DirectoryConfigProvider", PROV_DIR, "allowed.paths"},
};

/* One usable provider name. */
typedef struct provider {
	char *name;
	prov_kind_t kind;
	char **allowed; /* normalized absolute paths; NULL: every path */
	bool has_pattern;
	regex_t pattern; /* env names allowed, anchored at both ends */
	char *param_key; /* the parameter's key, for messages */
	struct provider *next;
} provider_t;

/* A .properties file a file provider read, kept for the other references
 * to it: each file is read and parsed once per resolve. */
typedef struct file_cache {
	char *path;
	sl_config_t *props; /* NULL when it could not be read or parsed */
	struct file_cache *next;
} file_cache_t;

/* Where a reference sits, for messages. */
typedef struct ref_ctx {
	const sl_config_entry_t *e;
	char where[512];
	char key[128]; /* the key, printable */
	sl_errlist_t *errs;
	file_cache_t **files;
	const provider_t *providers;
	int resolved; /* references resolved so far */
} ref_ctx_t;

/* ---- providers ------------------------------------------------------------ */

static provider_t *provider_add(provider_t **list, const char *name, prov_kind_t kind)
{
	provider_t *p = sl_calloc(1, sizeof(*p));
	p->name = sl_strdup(name);
	p->kind = kind;
	p->next = *list;
	*list = p;
	return p;
}

static void providers_free(provider_t *p)
{
	while (p) {
		provider_t *next = p->next;
		if (p->has_pattern)
			regfree(&p->pattern);
		sl_strlist_free(p->allowed);
		free(p->param_key);
		free(p->name);
		free(p);
		p = next;
	}
}

static const provider_t *provider_find(const provider_t *list, const char *name, size_t len)
{
	for (const provider_t *p = list; p; p = p->next) {
		if (strlen(p->name) == len && !strncmp(p->name, name, len))
			return p;
	}
	return NULL;
}

/* Collapses "." and ".." and repeated slashes of an absolute path, as
 * Java's Path.normalize() does; malloc()ed. */
static char *normalize_path(const char *path)
{
	char *out = sl_malloc(strlen(path) + 2);
	size_t len = 0;

	while (*path) {
		size_t n = strcspn(path, "/");
		if (n == 1 && path[0] == '.') {
			/* nothing */
		} else if (n == 2 && path[0] == '.' && path[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash before the dropped name */
		} else if (n > 0) {
			out[len++] = '/';
			memcpy(out + len, path, n);
			len += n;
		}
		path += n + (path[n] == '/');
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* True when path (normalized) is dir or lies under it, name by name. */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* Reads config.providers.<p->name>.param.* of decl into p. */
static void provider_params(provider_t *p, const char *param, const sl_config_t *decl,
			    sl_errlist_t *errs)
{
	char *prefix = sl_asprintf("config.providers.%s.param.", p->name);
	sl_config_t *params = sl_config_subset(decl, prefix, true);
	char where[512], shown[256];

	for (size_t i = 0; i < sl_config_count(params); i++) {
		const sl_config_entry_t *e = sl_config_at(params, i);
		sl_config_where(e, where, sizeof(where));
		if (strcmp(e->key, param) != 0) {
			sl_errlist_addf(errs,
					"%s: key '%s%s': unknown parameter of config provider "
					"'%s' (known: %s)",
					where, prefix,
					sl_config_printable(e->key, shown, sizeof(shown)), p->name,
					param);
			continue;
		}
		p->param_key = sl_asprintf("%s%s", prefix, param);
		if (p->kind == PROV_ENV) {
			char *re = sl_asprintf("^(%s)$", e->value), why[160];
			p->has_pattern = sl_regex_posix_check(re, why, sizeof(why)) &&
					 regcomp(&p->pattern, re, REG_EXTENDED | REG_NOSUB) == 0;
			if (!p->has_pattern)
				sl_errlist_addf(
					errs,
					"%s: key '%s': '%s' is not a valid regular "
					"expression (POSIX extended)",
					where, p->param_key,
					sl_config_printable(e->value, shown, sizeof(shown)));
			free(re);
			continue;
		}
		char **list = sl_strlist_split(e->value);
		for (char **it = list; *it; it++) {
			char *norm = normalize_path(*it);
			if ((*it)[0] != '/')
				sl_errlist_addf(errs, "%s: key '%s': '%s' is not an absolute path",
						where, p->param_key,
						sl_config_printable(*it, shown, sizeof(shown)));
			free(*it);
			*it = norm;
		}
		sl_strlist_free(p->allowed);
		p->allowed = list;
	}
	sl_config_free(params);
	free(prefix);
}

/* Adds the provider decl declares as name (config.providers.<name>.class). */
static void provider_declare(provider_t **list, const char *name, const sl_config_t *decl,
			     sl_errlist_t *errs)
{
	char *key = sl_asprintf("config.providers.%s.class", name);
	const sl_config_entry_t *e = sl_config_find(decl, key);
	char where[512], shown[256];

	if (!e) {
		const sl_config_entry_t *list_e = sl_config_find(decl, "config.providers");
		sl_errlist_addf(errs, "%s: config provider '%s' has no class: set %s",
				sl_config_where(list_e, where, sizeof(where)),
				sl_config_printable(name, shown, sizeof(shown)), key);
		goto out;
	}
	const char *cls = e->value;
	if (!strncmp(cls, CLASS_PREFIX, strlen(CLASS_PREFIX)))
		cls += strlen(CLASS_PREFIX);
	for (size_t i = 0; i < SL_ARRAY_LEN(classes); i++) {
		if (!strcmp(cls, classes[i].cls)) {
			provider_t *p = provider_add(list, name, classes[i].kind);
			provider_params(p, classes[i].param, decl, errs);
			goto out;
		}
	}
	sl_errlist_addf(errs,
			"%s: key '%s': unknown config provider class '%s'; sluice has " CLASS_PREFIX
			"FileConfigProvider, EnvVarConfigProvider and DirectoryConfigProvider",
			sl_config_where(e, where, sizeof(where)), key,
			sl_config_printable(e->value, shown, sizeof(shown)));
out:
	free(key);
}

/* The providers decl declares, after the built-in env, file and dir (a
 * declared name comes first, so it wins over a built-in one). */
static provider_t *providers_of(const sl_config_t *decl, sl_errlist_t *errs)
{
	provider_t *list = NULL;

	provider_add(&list, "env", PROV_ENV);
	provider_add(&list, "file", PROV_FILE);
	provider_add(&list, "dir", PROV_DIR);
	char **names = sl_strlist_split(decl ? sl_config_get(decl, "config.providers") : NULL);
	for (char **n = names; *n; n++)
		provider_declare(&list, *n, decl, errs);
	sl_strlist_free(names);
	return list;
}

/* Lists the provider names for messages ("env, file, dir"). */
static void provider_names(const provider_t *list, sl_buf_t *out)
{
	if (!list)
		return;
	provider_names(list->next, out); /* oldest first */
	for (const provider_t *q = list->next; q; q = q->next) {
		if (!strcmp(q->name, list->name))
			return; /* the name is listed already */
	}
	sl_buf_appendf(out, "%s%s", out->len ? ", " : "", list->name);
}

/* False, after adding an error, when p may not read path. */
static bool path_allowed(ref_ctx_t *rc, const provider_t *p, const char *path)
{
	char shown[256];

	if (!p->allowed)
		return true;
	char *norm = normalize_path(path);
	bool ok = path[0] == '/';
	for (char **a = p->allowed; ok && *a; a++) {
		if (path_under(norm, *a))
			break;
		if (!a[1])
			ok = false;
	}
	free(norm);
	if (!ok)
		sl_errlist_addf(rc->errs, "%s: key '%s': %s is not under %s", rc->where, rc->key,
				sl_config_printable(path, shown, sizeof(shown)), p->param_key);
	return ok;
}

/* ---- the providers' lookups ---------------------------------------------- */

/* env: ${env:NAME} or ${env::NAME} (an empty path, as Kafka Connect). */
static int resolve_env(ref_ctx_t *rc, const provider_t *p, const char *body, sl_buf_t *out)
{
	const char *colon = strchr(body, ':');
	const char *name = colon ? colon + 1 : body;
	char shown[128];

	if (colon && colon != body) {
		sl_errlist_addf(rc->errs,
				"%s: key '%s': the env provider takes no path: write ${%s:NAME}",
				rc->where, rc->key, p->name);
		return -1;
	}
	if (p->has_pattern && regexec(&p->pattern, name, 0, NULL, 0) != 0) {
		sl_errlist_addf(rc->errs,
				"%s: key '%s': environment variable %s is not allowed by %s",
				rc->where, rc->key, sl_config_printable(name, shown, sizeof(shown)),
				p->param_key);
		return -1;
	}
	const char *v = getenv(name);
	if (!v) {
		sl_errlist_addf(rc->errs, "%s: key '%s': environment variable %s is not set",
				rc->where, rc->key,
				sl_config_printable(name, shown, sizeof(shown)));
		return -1;
	}
	sl_buf_append_str(out, v);
	return 0;
}

/* The parsed file at path, read on first use. NULL when it cannot be
 * used: the first time with the reason added to errs, later with a
 * pointer to that first error. */
static const sl_config_t *cached_file(ref_ctx_t *rc, const char *path)
{
	char prefix[768];
	const char *why = NULL;
	int line = 0;
	file_cache_t *f;

	snprintf(prefix, sizeof(prefix), "%s: key '%s': ", rc->where, rc->key);
	for (f = *rc->files; f; f = f->next) {
		if (!strcmp(f->path, path)) {
			if (!f->props)
				sl_errlist_addf(rc->errs, "%s%s cannot be used (see above)", prefix,
						path);
			return f->props;
		}
	}
	f = sl_calloc(1, sizeof(*f));
	f->path = sl_strdup(path);
	f->next = *rc->files;
	*rc->files = f;
	char *text = sl_config_read_text(path, &why, &line);
	if (text)
		f->props = sl_config_parse_properties(text, path, rc->errs);
	else
		sl_config_read_error(rc->errs, prefix, path, why, line);
	free(text);
	return f->props;
}

static void file_cache_free(file_cache_t *f)
{
	while (f) {
		file_cache_t *next = f->next;
		sl_config_free(f->props);
		free(f->path);
		free(f);
		f = next;
	}
}

/* Splits "PATH:KEY" at its first colon; NULL path after an error. */
static char *split_path(ref_ctx_t *rc, const provider_t *p, const char *body, const char **key)
{
	const char *colon = strchr(body, ':');
	char shown[256];

	if (!colon) {
		sl_errlist_addf(rc->errs, "%s: key '%s': '${%s:%s}' needs a path and a key",
				rc->where, rc->key, p->name,
				sl_config_printable(body, shown, sizeof(shown)));
		return NULL;
	}
	*key = colon + 1;
	return sl_strndup(body, (size_t)(colon - body));
}

/* file: ${file:PATH:KEY}, a key of a .properties file. */
static int resolve_file(ref_ctx_t *rc, const provider_t *p, const char *body, sl_buf_t *out)
{
	const char *key = NULL, *v = NULL;
	char *path = split_path(rc, p, body, &key);
	char shown[256];

	if (path && path_allowed(rc, p, path)) {
		const sl_config_t *props = cached_file(rc, path);
		v = props ? sl_config_get(props, key) : NULL;
		if (props && !v)
			sl_errlist_addf(rc->errs, "%s: key '%s': %s has no key '%s'", rc->where,
					rc->key, path,
					sl_config_printable(key, shown, sizeof(shown)));
	}
	if (v)
		sl_buf_append_str(out, v);
	free(path);
	return v ? 0 : -1;
}

/* dir: ${dir:DIR:NAME}, the whole contents of the file NAME in DIR (as
 * Kafka Connect's DirectoryConfigProvider: a regular file right in DIR,
 * its bytes as they are, a final newline included). */
static int resolve_dir(ref_ctx_t *rc, const provider_t *p, const char *body, sl_buf_t *out)
{
	const char *name = NULL, *why = NULL;
	char *dir = split_path(rc, p, body, &name);
	char prefix[768], shown[256];
	int line = 0, rv = -1;

	if (!dir || !path_allowed(rc, p, dir))
		goto out;
	snprintf(prefix, sizeof(prefix), "%s: key '%s': ", rc->where, rc->key);
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		sl_errlist_addf(rc->errs, "%s'%s' is not a file name in %s", prefix,
				sl_config_printable(name, shown, sizeof(shown)), dir);
		goto out;
	}
	char *path = sl_asprintf("%s/%s", dir, name);
	char *text = sl_config_read_text(path, &why, &line);
	if (text) {
		sl_buf_append_str(out, text);
		rv = 0;
	} else {
		sl_config_read_error(rc->errs, prefix, path, why, line);
	}
	free(text);
	free(path);
out:
	free(dir);
	return rv;
}

/* Resolves one "${...}" body (without the braces) into out. A body without
 * a "provider:" is not a reference (Kafka Connect leaves it) and is copied. */
static int resolve_ref(ref_ctx_t *rc, const char *body, sl_buf_t *out)
{
	size_t plen = strcspn(body, ":");
	char shown[64];

	if (body[plen] != ':') {
		sl_buf_appendf(out, "${%s}", body);
		return 0;
	}
	const provider_t *p = provider_find(rc->providers, body, plen);
	if (p) {
		const char *rest = body + plen + 1;
		int rv = p->kind == PROV_ENV    ? resolve_env(rc, p, rest, out)
			 : p->kind == PROV_FILE ? resolve_file(rc, p, rest, out)
						: resolve_dir(rc, p, rest, out);
		rc->resolved += rv == 0;
		return rv;
	}
	char *provider = sl_strndup(body, plen);
	sl_buf_t known = {0};
	provider_names(rc->providers, &known);
	sl_errlist_addf(rc->errs, "%s: key '%s': unknown config provider '%s' (known: %s)",
			rc->where, rc->key, sl_config_printable(provider, shown, sizeof(shown)),
			known.data);
	sl_buf_free(&known);
	free(provider);
	return -1;
}

/* True when text starts a reference to one of the providers ("${env:"). */
static bool names_provider(const ref_ctx_t *rc, const char *text)
{
	size_t plen = strcspn(text + 2, ":}");
	return text[2 + plen] == ':' && provider_find(rc->providers, text + 2, plen);
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
			if (names_provider(rc, start)) {
				sl_errlist_addf(rc->errs,
						"%s: key '%s': reference has no closing '}'",
						rc->where, rc->key);
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

/* Moves the messages of found into errs: at most SL_CONFIG_MAX_ERRORS and
 * the count of the rest, as the loaders report a file. */
static void add_capped(sl_errlist_t *errs, sl_errlist_t *found, const sl_config_t *cfg)
{
	for (size_t i = 0; i < found->count && i < SL_CONFIG_MAX_ERRORS; i++)
		sl_errlist_addf(errs, "%s", found->items[i]);
	sl_config_more_errors(
		errs, sl_config_source(cfg),
		found->count > SL_CONFIG_MAX_ERRORS ? found->count - SL_CONFIG_MAX_ERRORS : 0);
	sl_errlist_free(found);
}

int sl_config_resolve_with(sl_config_t *cfg, const sl_config_t *providers, sl_errlist_t *errs)
{
	sl_errlist_t found = {0};
	file_cache_t *files = NULL;
	const sl_config_t *decl = sl_config_get(cfg, "config.providers") ? cfg : providers;
	provider_t *list = providers_of(decl, &found);
	bool declared = found.count == 0; /* else references would mislead */

	for (size_t i = 0; declared && i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		ref_ctx_t rc = {.e = e, .errs = &found, .files = &files, .providers = list};
		sl_buf_t out = {0};

		if (!strstr(e->value, "${"))
			continue;
		sl_config_where(e, rc.where, sizeof(rc.where));
		sl_config_printable(e->key, rc.key, sizeof(rc.key));
		if (resolve_value(&rc, &out) == 0 && rc.resolved) {
			char *key = sl_strdup(e->key); /* e changes below */
			sl_config_set(cfg, key, out.data, e->file, e->line);
			sl_config_mark_from_provider(cfg, key);
			free(key);
		}
		sl_buf_free(&out);
	}
	file_cache_free(files);
	providers_free(list);
	int rv = found.count ? -1 : 0;
	add_capped(errs, &found, cfg);
	return rv;
}

int sl_config_resolve(sl_config_t *cfg, sl_errlist_t *errs)
{
	return sl_config_resolve_with(cfg, NULL, errs);
}
