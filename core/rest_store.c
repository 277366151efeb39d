/* The connector files of connector.config.dir: written atomically when a
 * connector is created or changed over the REST API, read back at start
 * and on SIGHUP. */
#include "rest_store.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/log.h"
#include "worker.h"

/* "<dir>/<name, bytes outside [A-Za-z0-9._-] as %XX>.json"; malloc()ed. A
 * name of dots only gets its first dot escaped, so no file is "." or "..". */
static char *file_of(const char *dir, const char *name)
{
	sl_buf_t b = {0};
	bool dots = strspn(name, ".") == strlen(name);
	sl_buf_appendf(&b, "%s/", dir);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
			     (*p == '.' && !(dots && p == (const unsigned char *)name));
		if (plain)
			sl_buf_appendf(&b, "%c", *p);
		else
			sl_buf_appendf(&b, "%%%02X", *p);
	}
	sl_buf_appendf(&b, ".json");
	return sl_buf_steal(&b);
}

int sl_connector_store_write(const char *dir, const char *name, const sl_config_t *raw,
			     const char *state, char *errstr, size_t errstr_size)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return sl_seterr(errstr, errstr_size, "connector.config.dir %s: %s", dir,
				 strerror(errno));
	json_t *config = json_object();
	for (size_t i = 0; i < sl_config_count(raw); i++)
		json_object_set_new(config, sl_config_at(raw, i)->key,
				    json_string(sl_config_at(raw, i)->value));
	json_t *doc =
		json_pack("{s:s,s:o,s:s}", "name", name, "config", config, "initial_state", state);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	char *path = file_of(dir, name);
	int rc = text ? sl_file_write_atomic(path, text, strlen(text), errstr, errstr_size)
		      : sl_seterr(errstr, errstr_size, "%s: cannot encode the config", path);
	free(text);
	free(path);
	return rc;
}

void sl_connector_store_remove(const char *dir, const char *name)
{
	char *path = file_of(dir, name);
	if (unlink(path) != 0 && errno != ENOENT)
		SL_WARN(name, "cannot remove %s: %s", path, strerror(errno));
	free(path);
}

/* Reads one connector file; false with a message in errs. */
static bool read_one(const char *path, sl_stored_connector_t *out, sl_errlist_t *errs)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	json_t *name = json_object_get(doc, "name"), *config = json_object_get(doc, "config");
	json_t *state = json_object_get(doc, "initial_state");
	int st = state ? sl_target_state_parse(json_string_value(state)) : SL_TARGET_RUNNING;
	if (!doc) {
		sl_errlist_addf(errs, "%s:%d: not valid JSON: %s", path, jerr.line, jerr.text);
		return false;
	}
	if (!json_is_string(name) || !json_is_object(config) || st < 0) {
		sl_errlist_addf(errs,
				"%s: not a connector file: it needs \"name\" (a string), "
				"\"config\" (an object) and an optional \"initial_state\" "
				"(RUNNING, PAUSED or STOPPED)",
				path);
		json_decref(doc);
		return false;
	}
	out->raw = sl_config_new();
	sl_config_set_source(out->raw, path);
	const char *k;
	json_t *v;
	bool ok = true;
	json_object_foreach(config, k, v) {
		if (!json_is_string(v)) {
			sl_errlist_addf(errs, "%s: config value of '%s' is not a string", path, k);
			ok = false;
		}
		sl_config_set(out->raw, k, json_is_string(v) ? json_string_value(v) : "", path, 0);
	}
	if (!sl_config_get(out->raw, "name"))
		sl_config_set(out->raw, "name", json_string_value(name), path, 0);
	out->name = sl_strdup(json_string_value(name));
	out->path = sl_strdup(path);
	out->state = st;
	json_decref(doc);
	if (!ok) {
		sl_config_free(out->raw);
		free(out->name);
		free(out->path);
	}
	return ok;
}

void sl_connector_store_scan(const char *dir, sl_stored_connector_t **out, size_t *count,
			     sl_errlist_t *errs)
{
	*out = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			sl_errlist_addf(errs, "connector.config.dir %s: %s", dir, strerror(errno));
		return;
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || de->d_name[0] == '.' || strcmp(de->d_name + len - 5, ".json"))
			continue; /* temp files of an atomic write start with '.' */
		char *path = sl_asprintf("%s/%s", dir, de->d_name);
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			*out = sl_realloc(*out, cap * sizeof(**out));
		}
		if (read_one(path, &(*out)[*count], errs))
			(*count)++;
		free(path);
	}
	closedir(d);
}

void sl_connector_store_free(sl_stored_connector_t *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		sl_config_free(list[i].raw);
		free(list[i].name);
		free(list[i].path);
	}
	free(list);
}
