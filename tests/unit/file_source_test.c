/* Unit tests of the file-source connector's parts that need no running
 * task: its option table, validation and the split of files over tasks. */
#include <stdio.h>
#include <string.h>

#include "file.h"
#include "runner.h"

static sl_config_t *config_with(const char *file)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "file", file, NULL, 0);
	sl_config_set(cfg, "topic", "lines", NULL, 0);
	return cfg;
}

static void test_task_for_path_is_stable_and_in_range(void)
{
	int seen[4] = {0};

	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/a.log", 1), 0);
	/* FNV-1a 64 of the path, modulo the task count: must never change, or
	 * files would move between tasks across upgrades. */
	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/a.log", 7),
			sl_file_source_task_for("/var/log/a.log", 7));
	CU_ASSERT_EQUAL(sl_file_source_task_for("a", 1000), 12638187200555641996ULL % 1000);
	for (int i = 0; i < 64; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/logs/app-%d.log", i);
		int task = sl_file_source_task_for(path, 4);
		CU_ASSERT(task >= 0 && task < 4);
		if (task >= 0 && task < 4)
			seen[task]++;
	}
	for (int i = 0; i < 4; i++)
		CU_ASSERT(seen[i] > 0);
}

static void test_glob_is_split_over_tasks_single_file_is_one_task(void)
{
	sl_config_t *cfg = config_with("/logs/*.log");
	sl_config_t *out[3] = {0};
	char err[256] = "";
	int n = file_source_connector.task_configs(cfg, 3, out, err, sizeof(err));

	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		char idx[16];
		snprintf(idx, sizeof(idx), "%d", i);
		CU_ASSERT_STRING_EQUAL(sl_config_get(out[i], "task.index"), idx);
		CU_ASSERT_STRING_EQUAL(sl_config_get(out[i], "task.count"), "3");
		CU_ASSERT_STRING_EQUAL(sl_config_get(out[i], "topic"), "lines");
		sl_config_free(out[i]);
	}
	sl_config_free(cfg);

	cfg = config_with("/logs/app.log");
	n = file_source_connector.task_configs(cfg, 3, out, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(sl_config_get(out[0], "task.count"), "1");
	sl_config_free(out[0]);
	sl_config_free(cfg);
}

static void test_options_need_file_and_topic_and_bound_batch_size(void)
{
	const sl_option_t *opts = file_source_connector.options;
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	CU_ASSERT_NOT_EQUAL(sl_options_load(opts, cfg, NULL, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 2); /* file and topic */
	sl_errlist_free(&errs);
	sl_config_free(cfg);

	cfg = config_with("/tmp/x.log");
	CU_ASSERT_EQUAL(sl_options_load(opts, cfg, NULL, &errs), 0);
	sl_config_set(cfg, "batch.size", "0", NULL, 0);
	CU_ASSERT_NOT_EQUAL(sl_options_load(opts, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_validate_rejects_empty_key_separator_with_parse_key(void)
{
	sl_config_t *cfg = config_with("/tmp/x.log");
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(file_source_connector.validate(cfg, &errs), 0);
	sl_config_set(cfg, "key.separator", "", NULL, 0);
	CU_ASSERT_EQUAL(file_source_connector.validate(cfg, &errs), 0); /* parse.key off */
	sl_config_set(cfg, "parse.key", "true", NULL, 0);
	CU_ASSERT_NOT_EQUAL(file_source_connector.validate(cfg, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 1);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_connector_is_a_documented_source_with_kafka_connect_aliases(void)
{
	const sl_connector_t *c = &file_source_connector;
	bool alias = false;

	CU_ASSERT_STRING_EQUAL(c->name, "file-source");
	CU_ASSERT_EQUAL(c->kind, SL_SOURCE);
	CU_ASSERT_PTR_NOT_NULL(c->source);
	CU_ASSERT(c->doc && strlen(c->doc) > 40);
	for (const char *const *a = c->aliases; *a; a++)
		alias |= !strcmp(*a, "org.apache.kafka.connect.file.FileStreamSourceConnector");
	CU_ASSERT(alias);
	for (const sl_option_t *o = c->options; o->name; o++)
		CU_ASSERT(o->doc && o->doc[0]);
	CU_ASSERT_PTR_NOT_NULL(sl_options_find(c->options, "batch.size"));
	CU_ASSERT_STRING_EQUAL(sl_options_find(c->options, "batch.size")->def, "2000");
}

void file_source_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"task_for_path_is_stable_and_in_range", test_task_for_path_is_stable_and_in_range},
		{"glob_is_split_over_tasks_single_file_is_one_task",
		 test_glob_is_split_over_tasks_single_file_is_one_task},
		{"options_need_file_and_topic_and_bound_batch_size",
		 test_options_need_file_and_topic_and_bound_batch_size},
		{"validate_rejects_empty_key_separator_with_parse_key",
		 test_validate_rejects_empty_key_separator_with_parse_key},
		{"connector_is_a_documented_source_with_kafka_connect_aliases",
		 test_connector_is_a_documented_source_with_kafka_connect_aliases},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_source", NULL, NULL, tests);
}
