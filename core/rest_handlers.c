/* The /connectors resource of the REST API: Kafka Connect's
 * ConnectorsResource (paths, bodies, status codes and messages) over the
 * worker's thread-safe calls; and the table of every route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_priv.h"
#include "sluice/log.h"

#define REST_ORIGIN SL_REST_ORIGIN

/* ---- helpers ------------------------------------------------------------- */

static void not_found(sl_rest_resp_t *resp, const char *name)
{
	sl_rest_error(resp, 404, "Connector %s not found", name);
}

/* Answers a failed worker call: its kind picks the status. */
static void worker_error(sl_rest_resp_t *resp, sl_worker_err_t e, const char *name, const char *msg)
{
	switch (e) {
	case SL_WERR_NOT_FOUND:
		not_found(resp, name);
		break;
	case SL_WERR_CONFLICT:
		sl_rest_error(resp, 409, "Connector %s already exists", name);
		break;
	case SL_WERR_INVALID:
	case SL_WERR_STATE:
		sl_rest_error(resp, 400, "%s", msg);
		break;
	default:
		sl_rest_error(resp, 500, "%s", msg);
	}
}

/* A message without the "request: " place REST-made configs carry. */
const char *sl_rest_strip_origin(const char *msg)
{
	size_t n = strlen(REST_ORIGIN);
	return !strncmp(msg, REST_ORIGIN, n) && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2
										   : msg;
}

/* Kafka Connect's message for an invalid config, with every problem. */
static void invalid_config(sl_rest_resp_t *resp, const sl_errlist_t *errs)
{
	sl_buf_t b = {0};
	sl_buf_appendf(&b,
		       "Connector configuration is invalid and contains the following %zu "
		       "error(s):\n",
		       errs->count);
	for (size_t i = 0; i < errs->count; i++)
		sl_buf_appendf(&b, "%s\n", sl_rest_strip_origin(errs->items[i]));
	sl_buf_appendf(&b, "You can also find the above list of errors at the endpoint "
			   "`/connector-plugins/{connectorType}/config/validate`");
	sl_rest_error(resp, 400, "%s", b.data);
	sl_buf_free(&b);
}

/* Why name cannot be a connector's name in this API, or NULL. Control
 * characters and bad UTF-8 are refused by the config's validation. */
static const char *bad_name(const char *name)
{
	if (!*name)
		return "connector name is empty";
	if (strchr(name, '/'))
		return "connector name may not contain '/': it could not be addressed in a URL "
		       "path";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "connector name may not be '.' or '..': it could not be addressed in a URL "
		       "path";
	return NULL;
}

/* Fills cfg from a JSON object of the config; strings are taken as they
 * are and numbers and booleans as their text (Kafka Connect's Jackson
 * does the same). With nulls_remove a null removes the key (PATCH); else
 * it is an error. false after setting resp to a 400. */
static bool config_from_json(sl_config_t *cfg, json_t *obj, bool nulls_remove, sl_rest_resp_t *resp)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj)) {
		sl_rest_error(resp, 400, "the connector config must be a JSON object of strings");
		return false;
	}
	json_object_foreach(obj, k, v) {
		char num[64];
		const char *text = json_string_value(v);
		if (json_is_integer(v))
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v)),
				text = num;
		else if (json_is_real(v))
			snprintf(num, sizeof(num), "%.17g", json_real_value(v)), text = num;
		else if (json_is_boolean(v))
			text = json_is_true(v) ? "true" : "false";
		if (json_is_null(v) && nulls_remove) {
			sl_config_unset(cfg, k);
			continue;
		}
		if (!text) {
			sl_rest_error(resp, 400, "config value of '%s' must be a string", k);
			return false;
		}
		sl_config_set(cfg, k, text, REST_ORIGIN, 0);
	}
	return true;
}

/* Kafka Connect's checkAndPutConnectorConfigName. */
static bool put_name(sl_config_t *cfg, const char *name, sl_rest_resp_t *resp)
{
	const char *included = sl_config_get(cfg, "name");
	if (included && strcmp(included, name)) {
		sl_rest_error(resp, 400,
			      "Connector name configuration (%s) doesn't match connector name in "
			      "the URL (%s)",
			      included, name);
		return false;
	}
	sl_config_set(cfg, "name", name, REST_ORIGIN, 0);
	return true;
}

/* Creates or replaces; answers 201 (with Location) or 200 with the info. */
static void apply(sl_rest_req_t *req, sl_rest_resp_t *resp, const sl_config_t *cfg,
		  sl_target_state_t initial, bool replace)
{
	const char *name = sl_config_get(cfg, "name");
	sl_errlist_t errs = {0};
	bool created = false;
	sl_worker_err_t e =
		sl_worker_put_connector(req->worker, cfg, initial, replace, &created, &errs);
	if (e == SL_WERR_INVALID)
		invalid_config(resp, &errs);
	else if (e != SL_WERR_NONE && e != SL_WERR_FAILED)
		worker_error(resp, e, name, errs.count ? errs.items[0] : "");
	else
		sl_rest_json(resp, created ? 201 : 200,
			     sl_worker_connector_info(req->worker, name));
	if (created && resp->status == 201) {
		char *enc = sl_rest_encode(name);
		const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
		resp->location =
			sl_asprintf("%s://%s/connectors/%s", req->rest->cert ? "https" : "http",
				    host ? host : "localhost", enc);
		free(enc);
	}
	sl_errlist_free(&errs);
}

/* The connector param; NULL after a 404 when it does not exist. */
static const char *existing(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const char *name = req->params[0];
	if (sl_worker_target_state(req->worker, name) < 0) {
		not_found(resp, name);
		return NULL;
	}
	return name;
}

/* A task id param; -1 when it is not a number (Jersey answers 404). */
static int task_param(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v < 100000 ? (int)v : -1;
}

/* True when the query parameter is "true" (any case); false when absent. */
static bool query_true(const sl_rest_req_t *req, const char *name)
{
	char *v = sl_rest_query(req, name);
	bool t = v && !strcasecmp(v, "true");
	free(v);
	return t;
}

/* ---- /connectors ---------------------------------------------------------- */

static void list_connectors(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *names = sl_worker_connector_names(req->worker);
	bool status = sl_rest_query_has(req, "expand", "status");
	bool info = sl_rest_query_has(req, "expand", "info");
	char *expand = sl_rest_query(req, "expand");
	if (!expand) {
		sl_rest_json(resp, 200, names);
		return;
	}
	free(expand);
	json_t *out = json_object(), *n;
	size_t i;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		json_t *st = status ? sl_worker_connector_status(req->worker, name) : NULL;
		json_t *in = info ? sl_worker_connector_info(req->worker, name) : NULL;
		if ((status && !st) || (info && !in)) { /* removed meanwhile */
			json_decref(st);
			json_decref(in);
			continue;
		}
		json_t *e = json_object();
		if (st)
			json_object_set_new(e, "status", st);
		if (in)
			json_object_set_new(e, "info", in);
		json_object_set_new(out, name, e);
	}
	json_decref(names);
	sl_rest_json(resp, 200, out);
}

static void create_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *body = sl_rest_body_json(req, resp);
	if (!body)
		return;
	json_t *jname = json_object_get(body, "name"),
	       *jstate = json_object_get(body, "initial_state");
	char *name = sl_strdup(json_is_string(jname) ? json_string_value(jname) : "");
	sl_config_t *cfg = sl_config_new();
	sl_config_set_source(cfg, REST_ORIGIN);
	int state = jstate && !json_is_null(jstate)
			    ? sl_target_state_parse(json_string_value(jstate))
			    : SL_TARGET_RUNNING;
	/* Kafka Connect trims the name. */
	size_t a = strspn(name, " \t\r\n"), len = strlen(name);
	while (len > a && strchr(" \t\r\n", name[len - 1]))
		len--;
	name[len] = '\0';
	const char *n = name + a, *why = bad_name(n);
	if (!json_is_object(body))
		sl_rest_error(resp, 400,
			      "the request body must be {\"name\": ..., \"config\": {...}}");
	else if (why)
		sl_rest_error(resp, 400, "%s", why);
	else if (state < 0)
		sl_rest_error(resp, 400, "initial_state must be one of RUNNING, PAUSED or STOPPED");
	else if (!json_object_get(body, "config"))
		sl_rest_error(resp, 400, "the request body has no \"config\"");
	else if (config_from_json(cfg, json_object_get(body, "config"), false, resp) &&
		 put_name(cfg, n, resp))
		apply(req, resp, cfg, (sl_target_state_t)state, false);
	sl_config_free(cfg);
	free(name);
	json_decref(body);
}

static void get_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *info = sl_worker_connector_info(req->worker, req->params[0]);
	if (info)
		sl_rest_json(resp, 200, info);
	else
		not_found(resp, req->params[0]);
}

static void delete_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[512];
	sl_worker_err_t e =
		sl_worker_delete_connector(req->worker, req->params[0], err, sizeof(err));
	if (e)
		worker_error(resp, e, req->params[0], err);
	else
		sl_rest_json(resp, 204, NULL);
}

static void get_config(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *cfg = sl_worker_connector_config(req->worker, req->params[0]);
	if (cfg)
		sl_rest_json(resp, 200, cfg);
	else
		not_found(resp, req->params[0]);
}

static void put_config(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const char *name = req->params[0], *why = bad_name(name);
	json_t *body = why ? NULL : sl_rest_body_json(req, resp);
	if (why)
		sl_rest_error(resp, 400, "%s", why);
	if (!body)
		return;
	sl_config_t *cfg = sl_config_new();
	sl_config_set_source(cfg, REST_ORIGIN);
	if (config_from_json(cfg, body, false, resp) && put_name(cfg, name, resp))
		apply(req, resp, cfg, SL_TARGET_RUNNING, true);
	sl_config_free(cfg);
	json_decref(body);
}

static void patch_config(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const char *name = req->params[0];
	sl_config_t *cfg = sl_worker_connector_raw_config(req->worker, name);
	if (!cfg) {
		not_found(resp, name);
		return;
	}
	json_t *body = sl_rest_body_json(req, resp);
	if (body && config_from_json(cfg, body, true, resp) && put_name(cfg, name, resp))
		apply(req, resp, cfg, SL_TARGET_RUNNING, true);
	json_decref(body);
	sl_config_free(cfg);
}

static void get_status(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *st = sl_worker_connector_status(req->worker, req->params[0]);
	if (st)
		sl_rest_json(resp, 200, st);
	else
		not_found(resp, req->params[0]);
}

static void get_tasks(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *t = sl_worker_task_configs(req->worker, req->params[0]);
	if (t)
		sl_rest_json(resp, 200, t);
	else
		not_found(resp, req->params[0]);
}

static void get_task_status(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	const char *name = existing(req, resp);
	int id = task_param(req->params[1]);
	json_t *st = name && id >= 0 ? sl_worker_task_status(req->worker, name, id) : NULL;
	if (st)
		sl_rest_json(resp, 200, st);
	else if (name)
		sl_rest_error(resp, 404, "No status found for task %s-%s", name, req->params[1]);
}

static void restart_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[1024];
	bool tasks = query_true(req, "includeTasks"), failed = query_true(req, "onlyFailed");
	json_t *status = NULL;
	sl_worker_err_t e = sl_worker_restart(req->worker, req->params[0], tasks, failed, &status,
					      err, sizeof(err));
	if (e == SL_WERR_NOT_FOUND || e == SL_WERR_INVALID)
		worker_error(resp, e, req->params[0], err);
	else if (e != SL_WERR_NONE)
		sl_rest_error(resp, 500, "%s", err);
	else if (!tasks && !failed)
		sl_rest_json(resp, 204, NULL); /* Kafka Connect's answer without flags */
	else
		sl_rest_json(resp, 202, json_incref(status));
	json_decref(status);
}

static void restart_task(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[1024];
	const char *name = existing(req, resp);
	int id = task_param(req->params[1]);
	if (!name)
		return;
	json_t *st = id >= 0 ? sl_worker_task_status(req->worker, name, id) : NULL;
	if (!st) {
		sl_rest_error(resp, 404, "Task %s-%s not found", name, req->params[1]);
		return;
	}
	json_decref(st);
	if (sl_worker_restart_task(req->worker, name, id, err, sizeof(err)) != 0)
		sl_rest_error(resp, 500, "%s", err);
	else
		sl_rest_json(resp, 204, NULL);
}

static void pause_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[512];
	if (sl_worker_pause_connector(req->worker, req->params[0], err, sizeof(err)) != 0)
		not_found(resp, req->params[0]);
	else
		sl_rest_json(resp, 202, NULL);
}

static void resume_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[512];
	const char *name = existing(req, resp);
	if (name && sl_worker_resume_connector(req->worker, name, err, sizeof(err)) != 0)
		sl_rest_error(resp, 500, "%s", err);
	else if (name)
		sl_rest_json(resp, 202, NULL);
}

static void stop_connector(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[512];
	sl_worker_err_t e = sl_worker_stop_connector(req->worker, req->params[0], err, sizeof(err));
	if (e)
		worker_error(resp, e, req->params[0], err);
	else
		sl_rest_json(resp, 204, NULL);
}

/* ---- offsets and topics --------------------------------------------------- */

static void get_offsets(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[1024];
	json_t *out = NULL;
	sl_worker_err_t e =
		sl_worker_get_offsets(req->worker, req->params[0], &out, err, sizeof(err));
	if (e)
		worker_error(resp, e, req->params[0], err);
	else
		sl_rest_json(resp, 200, out);
}

static void alter_offsets(sl_rest_req_t *req, sl_rest_resp_t *resp, const json_t *offsets)
{
	char err[1024];
	sl_worker_err_t e =
		sl_worker_alter_offsets(req->worker, req->params[0], offsets, err, sizeof(err));
	if (e)
		worker_error(resp, e, req->params[0], err);
	else
		sl_rest_json(resp, 200,
			     json_pack("{s:s}", "message",
				       offsets ? "The offsets for this connector have been altered "
						 "successfully"
					       : "The offsets for this connector have been reset "
						 "successfully"));
}

static void patch_offsets(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	if (!existing(req, resp))
		return;
	json_t *body = sl_rest_body_json(req, resp);
	json_t *offsets = json_object_get(body, "offsets");
	if (body && !json_is_array(offsets))
		sl_rest_error(resp, 400,
			      "Offsets may not be null or empty: the body is "
			      "{\"offsets\": [{\"partition\": ..., \"offset\": ...}]}");
	else if (body && json_array_size(offsets) == 0)
		sl_rest_error(resp, 400, "Offsets may not be null or empty");
	else if (body)
		alter_offsets(req, resp, offsets);
	json_decref(body);
}

static void reset_offsets(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	alter_offsets(req, resp, NULL);
}

static void get_topics(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_t *t = sl_worker_connector_topics(req->worker, req->params[0]);
	if (!t)
		not_found(resp, req->params[0]);
	else
		sl_rest_json(resp, 200, json_pack("{s:{s:o}}", req->params[0], "topics", t));
}

static void reset_topics(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	char err[512];
	sl_worker_err_t e = sl_worker_reset_topics(req->worker, req->params[0], err, sizeof(err));
	if (e)
		worker_error(resp, e, req->params[0], err);
	else
		sl_rest_json(resp, 202, NULL);
}

/* ---- routes --------------------------------------------------------------- */

const sl_rest_route_t sl_rest_routes[] = {
	{"GET", "/", sl_rest_root},
	{"GET", "/health", sl_rest_health},
	{"GET", "/ready", sl_rest_ready},
	{"GET", "/metrics", sl_rest_metrics},
	{"GET", "/ui", sl_rest_ui},
	{"GET", "/connectors", list_connectors},
	{"POST", "/connectors", create_connector},
	{"GET", "/connectors/*", get_connector},
	{"DELETE", "/connectors/*", delete_connector},
	{"GET", "/connectors/*/config", get_config},
	{"PUT", "/connectors/*/config", put_config},
	{"PATCH", "/connectors/*/config", patch_config},
	{"GET", "/connectors/*/status", get_status},
	{"GET", "/connectors/*/tasks", get_tasks},
	{"GET", "/connectors/*/tasks/*/status", get_task_status},
	{"POST", "/connectors/*/restart", restart_connector},
	{"POST", "/connectors/*/tasks/*/restart", restart_task},
	{"PUT", "/connectors/*/pause", pause_connector},
	{"PUT", "/connectors/*/resume", resume_connector},
	{"PUT", "/connectors/*/stop", stop_connector},
	{"GET", "/connectors/*/offsets", get_offsets},
	{"PATCH", "/connectors/*/offsets", patch_offsets},
	{"DELETE", "/connectors/*/offsets", reset_offsets},
	{"GET", "/connectors/*/topics", get_topics},
	{"PUT", "/connectors/*/topics/reset", reset_topics},
	{"GET", "/connector-plugins", sl_rest_plugins},
	{"GET", "/connector-plugins/*/config", sl_rest_plugin_config},
	{"PUT", "/connector-plugins/*/config/validate", sl_rest_validate},
	{"GET", "/admin/loggers", sl_rest_loggers},
	{"GET", "/admin/loggers/*", sl_rest_logger},
	{"PUT", "/admin/loggers/*", sl_rest_set_logger},
	{NULL, NULL, NULL},
};
