/* The REST API's worker-level resources: / (version and Kafka cluster),
 * /health (KIP-1017), /ready, /metrics and /ui (rendered elsewhere),
 * /connector-plugins (Kafka Connect's ConnectorPluginsResource, from the
 * option tables: connectors, converters, transformations, predicates)
 * and /admin/loggers (sluice's one log level as "root"). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rest_priv.h"
#include "sluice/log.h"
#include "transform.h"
#include "ui.h"

/* How long GET / waits to learn the Kafka cluster id. */
#define CLUSTER_ID_TIMEOUT_MS 5000

/* ---- /, /health, /ready, /metrics, /ui ----------------------------------- */

void sl_rest_root(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	sl_rest_t *r = req->rest;
	pthread_mutex_lock(&r->lock);
	char *id = r->cluster_id ? sl_strdup(r->cluster_id) : NULL;
	pthread_mutex_unlock(&r->lock);
	if (!id) {
		id = sl_worker_kafka_cluster_id(req->worker, CLUSTER_ID_TIMEOUT_MS);
		pthread_mutex_lock(&r->lock);
		if (id && !r->cluster_id)
			r->cluster_id = sl_strdup(id);
		pthread_mutex_unlock(&r->lock);
	}
	json_t *o = json_pack("{s:s,s:s}", "version", SLUICE_VERSION, "commit",
#ifdef SLUICE_COMMIT
			      SLUICE_COMMIT
#else
			      "unknown"
#endif
	);
	json_object_set_new(o, "kafka_cluster_id", id ? json_string(id) : json_null());
	free(id);
	sl_rest_json(resp, 200, o);
}

void sl_rest_health(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	int failed, waiting;
	sl_worker_health(req->worker, &failed, &waiting, NULL);
	if (!atomic_load(&req->rest->started))
		sl_rest_json(resp, 503,
			     json_pack("{s:s,s:s}", "status", "starting", "message",
				       "Worker is still starting up."));
	else if (failed)
		sl_rest_json(resp, 500,
			     json_pack("{s:s,s:s+}", "status", "unhealthy", "message",
				       "A connector or task has FAILED; see GET ",
				       "/connectors?expand=status"));
	else
		sl_rest_json(resp, 200,
			     json_pack("{s:s,s:s}", "status", "healthy", "message",
				       "Worker has completed startup and is ready to handle "
				       "requests."));
}

void sl_rest_ready(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	int failed, waiting;
	char *first = NULL;
	sl_worker_health(req->worker, &failed, &waiting, &first);
	if (!atomic_load(&req->rest->started))
		sl_rest_json(resp, 503,
			     json_pack("{s:s,s:s}", "status", "starting", "message",
				       "Worker is still starting up."));
	else if (waiting)
		sl_rest_json(resp, 503,
			     json_pack("{s:s,s:o}", "status", "not ready", "message",
				       json_sprintf("%d connector(s) that should run are not "
						    "RUNNING yet (first: %s)",
						    waiting, first)));
	else
		sl_rest_json(resp, 200,
			     json_pack("{s:s,s:s}", "status", "ready", "message",
				       "Every connector that should run is RUNNING."));
	free(first);
}

void sl_rest_metrics(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char *text = sl_metrics_render(req->worker);
	resp->status = 200;
	resp->text = text;
	resp->text_len = text ? strlen(text) : 0;
	resp->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

void sl_rest_ui(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	size_t len = 0;
	(void)req;
	resp->status = 200;
	resp->text = (char *)sl_ui_page(&len);
	resp->text_len = len;
	resp->text_static = true;
	resp->ctype = "text/html; charset=utf-8";
}

/* ---- /connector-plugins --------------------------------------------------- */

/* sluice's converters, as Kafka Connect lists its converter plugins. */
static const struct {
	const char *name, *cls;
} converters[] = {
	{"json", "org.apache.kafka.connect.json.JsonConverter"},
	{"string", "org.apache.kafka.connect.storage.StringConverter"},
	{"bytes", "org.apache.kafka.connect.converters.ByteArrayConverter"},
};

static void add_plugin(json_t *list, const char *cls, const char *type)
{
	json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "class", cls, "type", type,
					      "version", SLUICE_VERSION));
}

/* The transformations and predicates, by their Java class names as Kafka
 * Connect lists them: one with $Key / $Value variants once for each (the
 * class without a suffix is abstract, not a plugin). */
static void add_transforms(json_t *list)
{
	for (size_t i = 0; i < sl_transform_def_count; i++) {
		const sl_transform_def_t *d = sl_transform_defs[i];
		for (const char *const *c = d ? d->classes : NULL; c && *c; c++) {
			if (!d->variants) {
				add_plugin(list, *c, "transformation");
				continue;
			}
			for (int k = 0; k < 2; k++) {
				char *cls = sl_asprintf("%s$%s", *c, k ? "Value" : "Key");
				add_plugin(list, cls, "transformation");
				free(cls);
			}
		}
	}
	for (size_t i = 0; i < sl_predicate_def_count; i++) {
		const sl_predicate_def_t *d = sl_predicate_defs[i];
		for (const char *const *c = d ? d->classes : NULL; c && *c; c++)
			add_plugin(list, *c, "predicate");
	}
}

void sl_rest_plugins(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char *only = sl_rest_query(req, "connectorsOnly");
	bool connectors_only = !only || strcasecmp(only, "false");
	free(only);
	json_t *list = json_array();
	/* Each connector once by sluice's name and once by each Java class
	 * name it stands in for; short aliases (FileStreamSource) are names
	 * of those classes, which Kafka Connect does not list either. */
	for (const sl_connector_t *const *it = sl_plugins_all(); *it; it++) {
		const char *type = (*it)->kind == SL_SOURCE ? "source" : "sink";
		add_plugin(list, (*it)->name, type);
		for (const char *const *a = (*it)->aliases; a && *a; a++)
			if (strchr(*a, '.'))
				add_plugin(list, *a, type);
	}
	if (!connectors_only) {
		for (size_t i = 0; i < SL_ARRAY_LEN(converters); i++)
			add_plugin(list, converters[i].cls, "converter");
		add_transforms(list);
	}
	sl_rest_json(resp, 200, list);
}

/* Kafka Connect's ConfigDef type name of an option: INT for integers
 * bounded within 32 bits (Java's int), else LONG. */
static const char *type_name(const sl_option_t *o)
{
	static const char *const names[] = {
		[SL_OPT_STRING] = "STRING",     [SL_OPT_INT] = "LONG",    [SL_OPT_BOOL] = "BOOLEAN",
		[SL_OPT_DOUBLE] = "DOUBLE",     [SL_OPT_ENUM] = "STRING", [SL_OPT_LIST] = "LIST",
		[SL_OPT_PASSWORD] = "PASSWORD",
	};
	if (o->type == SL_OPT_INT && (!o->has_max || o->max <= INT32_MAX) &&
	    (!o->has_min || o->min >= INT32_MIN))
		return "INT";
	return names[o->type];
}

/* How Kafka Connect's ConnectorConfig / SinkConnectorConfig describe the
 * keys every connector has (ConfigKeyInfo's metadata), so that tools that
 * render forms from them show the same; the rest (a connector's own keys)
 * get ConfigDef's defaults for keys without metadata. */
static const struct common_key {
	const char *name, *type, *importance, *group, *width, *display;
	int order;
} common_keys[] = {
	{"name", NULL, "HIGH", "Common", "MEDIUM", "Connector name", 1},
	{"connector.class", NULL, "HIGH", "Common", "LONG", "Connector class", 2},
	{"tasks.max", "INT", "HIGH", "Common", "SHORT", "Tasks max", 4},
	{"key.converter", "CLASS", "LOW", "Common", "SHORT", "Key converter class", 6},
	{"value.converter", "CLASS", "LOW", "Common", "SHORT", "Value converter class", 8},
	{"topics", NULL, "HIGH", "Common", "LONG", "Topics", 4},
	{"topics.regex", NULL, "HIGH", "Common", "LONG", "Topics regex", 4},
	{"transforms", "LIST", "LOW", "Transforms", "LONG", "Transforms", 12},
	{"predicates", "LIST", "LOW", "Predicates", "LONG", "Predicates", 13},
	{"errors.retry.timeout", "LONG", "MEDIUM", "Error Handling", "MEDIUM",
	 "Retry Timeout for Errors", 1},
	{"errors.retry.delay.max.ms", "LONG", "MEDIUM", "Error Handling", "MEDIUM",
	 "Maximum Delay Between Retries for Errors", 2},
	{"errors.tolerance", NULL, "MEDIUM", "Error Handling", "SHORT", "Error Tolerance", 3},
	{"errors.log.enable", NULL, "MEDIUM", "Error Handling", "SHORT", "Log Errors", 4},
	{"errors.log.include.messages", NULL, "MEDIUM", "Error Handling", "SHORT",
	 "Log Error Details", 5},
	{"errors.deadletterqueue.topic.name", NULL, "MEDIUM", "Error Handling", "MEDIUM",
	 "Dead Letter Queue Topic Name", 6},
	{"errors.deadletterqueue.topic.replication.factor", "SHORT", "MEDIUM", "Error Handling",
	 "MEDIUM", "Dead Letter Queue Topic Replication Factor", 7},
	{"errors.deadletterqueue.context.headers.enable", NULL, "MEDIUM", "Error Handling",
	 "MEDIUM", "Enable Error Context Headers", 8},
};

static const struct common_key *common_key(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(common_keys); i++)
		if (!strcmp(common_keys[i].name, name))
			return &common_keys[i];
	return NULL;
}

/* Kafka Connect's ConfigKeyInfo of an option; def overrides the option's
 * default (the worker's converters), NULL keeps it. */
static json_t *key_info(const sl_option_t *o, const char *group, const char *def)
{
	const struct common_key *m = common_key(o->name);
	json_t *k = json_pack("{s:s,s:s,s:b}", "name", o->name, "type",
			      m && m->type ? m->type : type_name(o), "required", o->required);
	if (!def && o->type != SL_OPT_PASSWORD)
		def = o->def;
	if (!def && o->type == SL_OPT_LIST && m)
		def = ""; /* ConfigDef's empty list */
	json_object_set_new(k, "default_value", def ? json_string(def) : json_null());
	/* a key without a default is one users must think about */
	json_object_set_new(k, "importance",
			    json_string(m                        ? m->importance
					: o->required || !o->def ? "HIGH"
								 : "LOW"));
	json_object_set_new(k, "documentation", json_string(o->doc ? o->doc : ""));
	group = m ? m->group : group;
	json_object_set_new(k, "group", group ? json_string(group) : json_null());
	json_object_set_new(k, "width", json_string(m ? m->width : "NONE"));
	json_object_set_new(k, "display_name", json_string(m ? m->display : o->name));
	json_object_set_new(k, "dependents", json_array());
	json_object_set_new(k, "order", json_integer(m ? m->order : -1));
	return k;
}

static bool shown_option(const sl_option_t *o)
{
	return !o->internal;
}

/* The keys of a transformation or predicate, as Kafka Connect lists a
 * plugin's own ConfigDef (no group, no order); false when name is
 * neither (a transform with variants needs its $Key / $Value). */
static bool transform_config(const char *name, sl_rest_resp_t *resp)
{
	sl_tx_part_t part;
	const sl_transform_def_t *t = sl_transform_find(name, &part);
	const sl_predicate_def_t *p = t ? NULL : sl_predicate_find(name);
	const sl_option_t *o = t ? t->options : p ? p->options : NULL;
	if (!t && !p)
		return false;
	json_t *list = json_array();
	for (; o && o->name; o++)
		if (shown_option(o))
			json_array_append_new(list, key_info(o, NULL, NULL));
	sl_rest_json(resp, 200, list);
	return true;
}

void sl_rest_plugin_config(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const sl_connector_t *p = sl_plugins_find(req->params[0]);
	if (!p && transform_config(req->params[0], resp))
		return;
	if (!p) {
		sl_rest_error(resp, 404, "Unknown plugin %s.", req->params[0]);
		return;
	}
	/* the connector's own keys, then those every connector has, as
	 * Kafka Connect 4.x lists them */
	const sl_option_t *const tables[] = {p->options, sl_connector_common_options,
					     p->kind == SL_SOURCE ? sl_source_common_options
								  : sl_sink_common_options};
	json_t *list = json_array();
	for (size_t t = 0; t < SL_ARRAY_LEN(tables); t++)
		for (const sl_option_t *o = tables[t]; o && o->name; o++)
			if (shown_option(o))
				json_array_append_new(list, key_info(o, t ? "Common" : NULL, NULL));
	sl_rest_json(resp, 200, list);
}

/* ---- validate ------------------------------------------------------------- */

/* The key a validation message is about: the first 'quoted' word that is
 * a key of cfg or an option of the tables; NULL when none is. */
static char *key_of_message(const char *msg, const sl_config_t *cfg,
			    const sl_option_t *const *tables)
{
	for (const char *q = strchr(msg, '\''); q; q = strchr(q + 1, '\'')) {
		const char *end = strchr(q + 1, '\'');
		if (!end)
			break;
		char *k = sl_strndup(q + 1, (size_t)(end - q - 1));
		bool known = sl_config_get(cfg, k) != NULL;
		for (size_t i = 0; tables[i] && !known; i++)
			known = sl_options_find(tables[i], k) != NULL;
		if (known)
			return k;
		free(k);
		q = end;
	}
	return NULL;
}

/* The Java class name of a converter the worker names (json, string,
 * bytes or a class name), as Kafka Connect shows converter defaults. */
static const char *converter_class(const char *name)
{
	for (size_t i = 0; name && i < SL_ARRAY_LEN(converters); i++)
		if (!strcasecmp(name, converters[i].name) || !strcmp(name, converters[i].cls))
			return converters[i].cls;
	return name;
}

/* The default a validation shows for o: the worker's converter for
 * key.converter / value.converter (the one a connector without its own
 * gets), else the option's. */
static const char *shown_default(const sl_option_t *o, const sl_worker_t *w)
{
	const sl_worker_settings_t *ws = sl_worker_settings(w);
	if (!strcmp(o->name, "key.converter"))
		return converter_class(ws->key_converter);
	if (!strcmp(o->name, "value.converter"))
		return converter_class(ws->value_converter);
	return o->type == SL_OPT_PASSWORD ? NULL : o->def;
}

/* The value entry of a config key: its value (hidden for passwords; def
 * when unset), errors and visibility. */
static json_t *value_info(const char *name, const sl_option_t *o, const char *def,
			  const sl_config_t *cfg)
{
	const char *v = sl_config_get(cfg, name);
	if (!v)
		v = def;
	json_t *val = json_pack("{s:s}", "name", name);
	if (v && o && (o->type == SL_OPT_PASSWORD || sl_config_key_is_secret(name)))
		json_object_set_new(val, "value", json_string("[hidden]"));
	else
		json_object_set_new(val, "value", v ? json_string(v) : json_null());
	json_t *rec = json_array();
	for (const char *const *e = o ? o->enums : NULL; e && *e; e++)
		json_array_append_new(rec, json_string(*e));
	json_object_set_new(val, "recommended_values", rec);
	json_object_set_new(val, "errors", json_array());
	json_object_set_new(val, "visible", json_true());
	return val;
}

/* configs[] entries of every option of the tables, by name. */
static void add_table_configs(json_t *by_name, const sl_option_t *table, const char *group,
			      const sl_config_t *cfg, const sl_worker_t *w)
{
	for (const sl_option_t *o = table; o && o->name; o++) {
		if (!shown_option(o) || json_object_get(by_name, o->name))
			continue;
		const char *def = shown_default(o, w);
		json_object_set_new(by_name, o->name,
				    json_pack("{s:o,s:o}", "definition", key_info(o, group, def),
					      "value", value_info(o->name, o, def, cfg)));
	}
}

/* Whether text is a value of a definition's type that Kafka Connect would
 * have parsed (it shows null for a value it could not). */
static bool parses_as(const char *type, const char *text)
{
	if (!text)
		return false;
	if (!strcmp(type, "BOOLEAN"))
		return !strcasecmp(text, "true") || !strcasecmp(text, "false");
	if (strcmp(type, "INT") && strcmp(type, "LONG") && strcmp(type, "SHORT") &&
	    strcmp(type, "DOUBLE"))
		return true;
	char *end;
	errno = 0;
	(void)strtod(text, &end);
	return *text && !*end && !errno;
}

/* Puts each message of errs on the entry of the key it names (a new entry
 * when the key has none; "connector.class" when it names none). */
static void attach_errors(json_t *by_name, const sl_errlist_t *errs, const sl_config_t *cfg,
			  const sl_option_t *const *tables)
{
	for (size_t i = 0; i < errs->count; i++) {
		char *k = key_of_message(errs->items[i], cfg, tables);
		const char *key = k ? k : "connector.class";
		json_t *entry = json_object_get(by_name, key);
		if (!entry) {
			sl_option_t bare = {.name = key, .type = SL_OPT_STRING};
			entry = json_pack("{s:o,s:o}", "definition", key_info(&bare, NULL, NULL),
					  "value", value_info(key, NULL, NULL, cfg));
			json_object_set_new(by_name, key, entry);
		}
		json_t *value = json_object_get(entry, "value");
		json_array_append_new(json_object_get(value, "errors"),
				      json_string(sl_rest_strip_origin(errs->items[i])));
		const char *type = json_string_value(
			json_object_get(json_object_get(entry, "definition"), "type"));
		if (type && !parses_as(type, json_string_value(json_object_get(value, "value"))))
			json_object_set_new(value, "value", json_null());
		free(k);
	}
}

/* Kafka Connect's ConfigInfos for cfg validated as a connector of p. */
static json_t *config_infos(const char *plugin_name, const sl_connector_t *p,
			    const sl_config_t *cfg, const sl_worker_t *w)
{
	sl_errlist_t errs = {0};
	sl_connector_config_validate(cfg, &errs);
	const sl_option_t *kind_table =
		p->kind == SL_SOURCE ? sl_source_common_options : sl_sink_common_options;
	const sl_option_t *const tables[] = {sl_connector_common_options, kind_table, p->options,
					     NULL};
	json_t *by_name = json_object();
	add_table_configs(by_name, sl_connector_common_options, "Common", cfg, w);
	add_table_configs(by_name, kind_table, "Common", cfg, w);
	add_table_configs(by_name, p->options, NULL, cfg, w);
	attach_errors(by_name, &errs, cfg, tables);
	json_t *configs = json_array(), *e;
	const char *k;
	json_object_foreach(by_name, k, e)
		json_array_append(configs, e);
	json_t *out = json_pack("{s:s,s:i,s:[s,s],s:o}", "name", plugin_name, "error_count",
				(int)errs.count, "groups", "Common", "Error Handling", "configs",
				configs);
	json_decref(by_name);
	sl_errlist_free(&errs);
	return out;
}

void sl_rest_validate(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const char *plugin = req->params[0];
	const sl_connector_t *p = sl_plugins_find(plugin);
	if (!p) {
		sl_rest_error(resp, 400,
			      "Failed to find any class that implements Connector and which name "
			      "matches %s (sluice plugins lists them)",
			      plugin);
		return;
	}
	json_t *body = sl_rest_body_json(req, resp);
	if (!body)
		return;
	sl_config_t *cfg = sl_config_new();
	sl_config_set_source(cfg, SL_REST_ORIGIN);
	const char *k;
	json_t *v;
	bool ok = json_is_object(body);
	json_object_foreach(body, k, v) {
		if (!json_is_string(v)) {
			ok = false;
			break;
		}
		sl_config_set(cfg, k, json_string_value(v), SL_REST_ORIGIN, 0);
	}
	const char *cls = sl_config_get(cfg, "connector.class");
	if (!ok)
		sl_rest_error(resp, 400, "the body must be a JSON object of string values");
	else if (cls && sl_plugins_find(cls) != p)
		sl_rest_error(resp, 400,
			      "Included connector type %s does not match request type %s", cls,
			      plugin);
	else {
		/* Kafka Connect names the result after the body's class */
		if (!cls)
			sl_config_set(cfg, "connector.class", plugin, SL_REST_ORIGIN, 0);
		sl_rest_json(
			resp, 200,
			config_infos(sl_config_get(cfg, "connector.class"), p, cfg, req->worker));
	}
	sl_config_free(cfg);
	json_decref(body);
}

/* ---- /admin/loggers ------------------------------------------------------- */

/* sluice has one log level, the worker's: the API shows it as the logger
 * "root". */
#define ROOT_LOGGER "root"

static json_t *logger_level(sl_rest_t *r)
{
	static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
	json_t *o = json_pack("{s:s}", "level", names[sl_log_get_level()]);
	pthread_mutex_lock(&r->lock);
	json_object_set_new(o, "last_modified",
			    r->log_level_changed_ms ? json_integer(r->log_level_changed_ms)
						    : json_null());
	pthread_mutex_unlock(&r->lock);
	return o;
}

void sl_rest_loggers(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	sl_rest_json(resp, 200, json_pack("{s:o}", ROOT_LOGGER, logger_level(req->rest)));
}

void sl_rest_logger(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	if (strcmp(req->params[0], ROOT_LOGGER))
		sl_rest_error(resp, 404, "Logger %s not found.", req->params[0]);
	else
		sl_rest_json(resp, 200, logger_level(req->rest));
}

/* log4j's level names sluice maps onto its own. */
static int parse_level(const char *s)
{
	sl_log_level_t l;
	if (!s)
		return -1;
	if (!strcasecmp(s, "FATAL"))
		return SL_LOG_ERROR;
	if (!strcasecmp(s, "ALL"))
		return SL_LOG_TRACE;
	return sl_log_level_parse(s, &l) == 0 ? (int)l : -1;
}

void sl_rest_set_logger(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *body = sl_rest_body_json(req, resp);
	if (!body)
		return;
	const char *level = json_string_value(json_object_get(body, "level"));
	int l = parse_level(level);
	if (!level)
		sl_rest_error(resp, 400, "Desired 'level' parameter was not specified in request.");
	else if (l < 0) /* Kafka Connect's answer to an unknown level: 404 */
		sl_rest_error(resp, 404, "invalid log level '%s'.", level);
	else if (strcmp(req->params[0], ROOT_LOGGER))
		sl_rest_error(resp, 400,
			      "sluice has one log level for the whole worker: set it on the "
			      "logger '" ROOT_LOGGER "' (PUT /admin/loggers/" ROOT_LOGGER ")");
	else {
		sl_log_set_level((sl_log_level_t)l);
		pthread_mutex_lock(&req->rest->lock);
		req->rest->log_level_changed_ms = sl_wallclock_ms();
		pthread_mutex_unlock(&req->rest->lock);
		SL_INFO(NULL, "log level set to %s over the REST API", level);
		sl_rest_json(resp, 200, json_pack("[s]", ROOT_LOGGER));
	}
	json_decref(body);
}
