/* The connector test kit (kit.h): one task of a connector on a fake task
 * context, driven the way the worker drives it, without Kafka. */
#include "kit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offsets.h"
#include "sluice/array.h"
#include "task.h"
#include "worker.h"

/* A record handed to "Kafka": its tracker slot and what acked gets. */
typedef struct kit_flight {
	sl_offset_slot_t *slot;
	void *ack_data;
} kit_flight_t;

struct sl_kit {
	const sl_connector_t *c;
	int task_id, task_count;
	char dir[64];
	char **paths; /* kit_path's answers, freed with the kit */
	size_t npaths, cappaths;
	sl_config_t *config;
	sl_offset_store_t *store;
	sl_connector_settings_t settings;
	bool settings_loaded;
	sl_task_ctx_t *ctx; /* kit_start .. kit_stop */
	bool started;       /* start returned SL_OK */
	sl_offset_tracker_t *tracker;
	sl_batch_t batch;
	bool batch_retry; /* the last poll returned SL_RETRY: poll gets it back */
	kit_flight_t *flight;
	size_t nflight, capflight;
};

sl_kit_t *kit_new(const sl_connector_t *c, const char *const *kv, int task_id, int task_count)
{
	sl_kit_t *kit = sl_calloc(1, sizeof(*kit));
	char err[512];

	CU_ASSERT_FATAL(task_id >= 0 && task_id < task_count);
	kit->c = c;
	kit->task_id = task_id;
	kit->task_count = task_count;
	snprintf(kit->dir, sizeof(kit->dir), "/tmp/sl_kit_XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(kit->dir));
	kit->config = sl_config_new();
	sl_config_set(kit->config, "name", "unit", NULL, 0);
	sl_config_set(kit->config, "connector.class", c->name, NULL, 0);
	for (const char *const *p = kv; p && p[0]; p += 2) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(p[1]); /* a key without a value */
		sl_config_set(kit->config, p[0], p[1], NULL, 0);
	}
	kit->store = sl_offset_store_open(kit_path(kit, "offsets.json"), false, err, sizeof(err));
	if (!kit->store)
		fprintf(stderr, "\n  kit: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kit->store);
	return kit;
}

/* Removes the kit's directory and the files in it (tests make no
 * subdirectories; what cannot be removed is left). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = sl_asprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

void kit_free(sl_kit_t *kit)
{
	if (!kit)
		return;
	kit_stop(kit);
	sl_offset_store_close(kit->store);
	sl_config_free(kit->config);
	remove_dir(kit->dir);
	for (size_t i = 0; i < kit->npaths; i++)
		free(kit->paths[i]);
	free(kit->paths);
	free(kit);
}

void kit_set(sl_kit_t *kit, const char *key, const char *value)
{
	sl_config_set(kit->config, key, value, NULL, 0);
}

const char *kit_path(sl_kit_t *kit, const char *name)
{
	char *p = name ? sl_asprintf("%s/%s", kit->dir, name) : sl_strdup(kit->dir);

	SL_ARRAY_RESERVE(kit->paths, kit->npaths + 1, kit->cappaths);
	kit->paths[kit->npaths++] = p;
	return p;
}

/* The connector's name as the offsets are keyed. */
static const char *kit_name(const sl_kit_t *kit)
{
	return sl_config_get(kit->config, "name");
}

void kit_store_offset(sl_kit_t *kit, const char *partition, const char *offset)
{
	json_t *p = json_loads(partition, 0, NULL);
	json_t *o = json_loads(offset, JSON_DECODE_ANY, NULL);
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	char *key = sl_offset_partition_key(p);
	json_t *offsets = json_pack("{s:{s:o,s:o}}", key, "partition", p, "offset", o);
	int rc = sl_offset_store_put(kit->store, kit_name(kit), offsets, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  kit: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	json_decref(offsets);
	free(key);
}

json_t *kit_stored_offset(sl_kit_t *kit, const char *partition)
{
	json_t *p = json_loads(partition, 0, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	json_t *o = sl_offset_store_get(kit->store, kit_name(kit), p);
	json_decref(p);
	return o;
}

static void settings_free(sl_kit_t *kit)
{
	if (!kit->settings_loaded)
		return;
	sl_options_free(sl_connector_common_options, &kit->settings);
	sl_options_free(kit->c->kind == SL_SOURCE ? sl_source_common_options
						  : sl_sink_common_options,
			&kit->settings);
	memset(&kit->settings, 0, sizeof(kit->settings));
	kit->settings_loaded = false;
}

/* Loads the common connector settings as the worker does. */
static void settings_load(sl_kit_t *kit)
{
	sl_errlist_t errs = {0};

	settings_free(kit);
	sl_options_load(sl_connector_common_options, kit->config, &kit->settings, &errs);
	sl_options_load(kit->c->kind == SL_SOURCE ? sl_source_common_options
						  : sl_sink_common_options,
			kit->config, &kit->settings, &errs);
	kit->settings_loaded = true;
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n  kit: %s\n", errs.items[i]);
	CU_ASSERT_EQUAL_FATAL(errs.count, 0);
	sl_errlist_free(&errs);
	/* The kit has no Kafka for dead letter queue copies. */
	CU_ASSERT_FATAL(!kit->settings.dlq_topic || !kit->settings.dlq_topic[0]);
}

/* The task's config as the worker makes it; *count gets the tasks the
 * connector runs. */
static sl_config_t *task_config(sl_kit_t *kit, int *count)
{
	sl_config_t **out;
	sl_config_t *mine;
	char err[512] = "";
	int n;

	*count = kit->task_count;
	if (!kit->c->task_configs)
		return sl_config_dup(kit->config);
	out = sl_calloc((size_t)kit->task_count, sizeof(*out));
	n = kit->c->task_configs(kit->config, kit->task_count, out, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "\n  kit: task_configs: %s\n", err);
	CU_ASSERT_FATAL(n > kit->task_id);
	mine = out[kit->task_id];
	for (int i = 0; i < n; i++)
		if (i != kit->task_id)
			sl_config_free(out[i]);
	free(out);
	*count = n;
	return mine;
}

sl_rc_t kit_start(sl_kit_t *kit)
{
	int count;

	kit_stop(kit);
	settings_load(kit);
	sl_config_t *cfg = task_config(kit, &count);
	sl_task_env_t env = {
		.offsets = kit->store,
		.plugin = kit->c,
		.settings = &kit->settings,
		.connector_config = kit->config,
		.offset_flush_interval_ms = 60000,
		.offset_flush_timeout_ms = 5000,
		.task_count = count,
	};
	kit->ctx = sl_task_new(&env, kit->task_id, cfg);
	sl_config_free(cfg);
	if (kit->c->kind == SL_SOURCE)
		kit->tracker = sl_offset_tracker_new();
	sl_rc_t rc = kit->c->kind == SL_SOURCE ? kit->c->source->start(kit->ctx, kit->ctx->config)
					       : kit->c->sink->start(kit->ctx, kit->ctx->config);
	kit->started = rc == SL_OK;
	return rc;
}

void kit_stop(sl_kit_t *kit)
{
	if (!kit->ctx)
		return;
	sl_batch_free(&kit->batch);
	kit->batch_retry = false;
	if (kit->started && kit->c->kind == SL_SOURCE && kit->c->source->acked) {
		for (size_t i = 0; i < kit->nflight; i++)
			if (kit->flight[i].ack_data)
				kit->c->source->acked(kit->ctx, kit->flight[i].ack_data,
						      SL_DROPPED);
	}
	free(kit->flight);
	kit->flight = NULL;
	kit->nflight = kit->capflight = 0;
	if (kit->started) {
		if (kit->c->kind == SL_SOURCE && kit->c->source->stop)
			kit->c->source->stop(kit->ctx);
		else if (kit->c->kind == SL_SINK && kit->c->sink->stop)
			kit->c->sink->stop(kit->ctx);
	}
	sl_task_stop_and_free(kit->ctx);
	kit->ctx = NULL;
	kit->started = false;
	sl_offset_tracker_free(kit->tracker);
	kit->tracker = NULL;
	settings_free(kit);
}

sl_task_ctx_t *kit_ctx(sl_kit_t *kit)
{
	return kit->ctx;
}

void kit_request_stop(sl_kit_t *kit)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(kit->ctx);
	atomic_store(&kit->ctx->stop, true);
}

/* Asserts that the task runs and is of kind. */
static void running(const sl_kit_t *kit, sl_connector_kind_t kind)
{
	CU_ASSERT_FATAL(kit->started);
	CU_ASSERT_EQUAL_FATAL(kit->c->kind, kind);
}

/* Hands the batch's records to "Kafka": each gets a tracker slot, in
 * order; the tracker takes its own reference to the offset. */
static void send_batch(sl_kit_t *kit)
{
	for (size_t i = 0; i < kit->batch.count; i++) {
		sl_record_t *r = &kit->batch.records[i];

		SL_ARRAY_RESERVE(kit->flight, kit->nflight + 1, kit->capflight);
		kit->flight[kit->nflight++] = (kit_flight_t){
			.slot = sl_offset_tracker_submit(kit->tracker, r->source_partition,
							 json_incref(r->source_offset),
							 r->ack_data),
			.ack_data = r->ack_data,
		};
	}
}

sl_batch_t *kit_poll(sl_kit_t *kit, sl_rc_t *rc)
{
	running(kit, SL_SOURCE);
	if (!kit->batch_retry)
		sl_batch_reset(&kit->batch);
	sl_rc_t prc = kit->c->source->poll(kit->ctx, &kit->batch);
	kit->batch_retry = prc == SL_RETRY;
	if (prc == SL_OK)
		send_batch(kit);
	if (rc)
		*rc = prc;
	return &kit->batch;
}

sl_batch_t *kit_poll_until(sl_kit_t *kit, int64_t ms, sl_rc_t *rc)
{
	int64_t end = sl_now_ms() + ms;
	sl_rc_t prc;
	sl_batch_t *b;

	do
		b = kit_poll(kit, &prc);
	while (prc == SL_OK && b->count == 0 && sl_now_ms() < end);
	if (rc)
		*rc = prc;
	return b;
}

size_t kit_ack_all(sl_kit_t *kit)
{
	size_t n = kit->nflight;

	running(kit, SL_SOURCE);
	for (size_t i = 0; i < n; i++) {
		void *ack_data = sl_offset_tracker_ack(kit->tracker, kit->flight[i].slot);

		if (ack_data && kit->c->source->acked)
			kit->c->source->acked(kit->ctx, ack_data, SL_DELIVERED);
	}
	kit->nflight = 0;
	return n;
}

size_t kit_commit(sl_kit_t *kit)
{
	char err[512];

	running(kit, SL_SOURCE);
	json_t *fresh = sl_offset_tracker_committable(kit->tracker);
	if (!fresh)
		return 0;
	int rc = sl_offset_store_put(kit->store, kit->settings.name, fresh, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  kit: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (kit->c->source->commit)
		kit->c->source->commit(kit->ctx, fresh);
	size_t n = json_object_size(fresh);
	json_decref(fresh);
	return n;
}

size_t kit_in_flight(const sl_kit_t *kit)
{
	return kit->nflight;
}

sl_rc_t kit_put(sl_kit_t *kit, sl_record_t *records, size_t count)
{
	running(kit, SL_SINK);
	return kit->c->sink->put(kit->ctx, records, count);
}

sl_rc_t kit_flush(sl_kit_t *kit)
{
	running(kit, SL_SINK);
	return kit->c->sink->flush(kit->ctx);
}

bool kit_sink_headers_wanted(const sl_kit_t *kit)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(kit->ctx);
	return !kit->ctx->sink_headers_off;
}

uint64_t kit_errors(const sl_kit_t *kit)
{
	return kit->ctx ? kit->ctx->errors_total : 0;
}

const char *kit_fail_reason(const sl_kit_t *kit)
{
	return kit->ctx ? kit->ctx->fail_reason : "";
}

/* The log capture's state: the saved stderr and the file it goes to. */
static int capture_saved = -1;
static char capture_path[64];

void kit_capture_begin(void)
{
	CU_ASSERT_EQUAL_FATAL(capture_saved, -1); /* not nested */
	snprintf(capture_path, sizeof(capture_path), "/tmp/sl_kit_log_XXXXXX");
	int fd = mkstemp(capture_path);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	capture_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

char *kit_capture_end(void)
{
	CU_ASSERT_NOT_EQUAL_FATAL(capture_saved, -1);
	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	capture_saved = -1;
	char *text = sl_file_read_all(capture_path, NULL);
	unlink(capture_path);
	return text ? text : sl_strdup("");
}
