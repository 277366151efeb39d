/* Unit tests of the file-source connector: its option table, validation,
 * the split of files over tasks, and a task on a fake context reading
 * real files, FIFOs and devices. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounded.h"
#include "file.h"
#include "runner.h"
#include "task.h"

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

/* ---- a task on real files ---------------------------------------------- */

/* A temporary directory with the source's input "in.txt", an offset file
 * and a task on a fake context. */
typedef struct source_fx {
	char dir[64];
	char path[128];
	char offsets[128];
	sl_connector_settings_t s;
	sl_task_env_t env;
	sl_config_t *cfg;
	sl_task_ctx_t *t;
	int writer; /* a FIFO writer the test holds, or -1 */
} source_fx_t;

static void fx_dir(source_fx_t *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->writer = -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sl_source_XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(fx->dir) != NULL);
	snprintf(fx->path, sizeof(fx->path), "%s/in.txt", fx->dir);
	snprintf(fx->offsets, sizeof(fx->offsets), "%s/offsets", fx->dir);
	fx->s = (sl_connector_settings_t){.name = "unit-source", .connector_class = "file-source"};
	fx->env = (sl_task_env_t){.settings = &fx->s};
}

/* Writes an offset file whose one entry is value (JSON text) for the
 * source partition of fx->path, and opens it as the task's store. */
static void fx_store(source_fx_t *fx, const char *value)
{
	char err[256];
	char *text = sl_asprintf("{\"version\":1,\"offsets\":[{\"key\":[\"unit-source\","
				 "{\"filename\":\"%s\"}],\"value\":%s}]}",
				 fx->path, value);
	int fd = open(fx->offsets, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	free(text);
	fx->env.offsets = sl_offset_store_open(fx->offsets, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx->env.offsets);
}

/* Starts a task on file (fx->path when NULL). The context stays until
 * fx_done, also when start fails (its fail reason is read). */
static sl_rc_t fx_start(source_fx_t *fx, const char *file)
{
	char err[256];

	if (!fx->env.offsets) /* an offset file that does not exist yet */
		fx->env.offsets = sl_offset_store_open(fx->offsets, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx->env.offsets);
	fx->cfg = config_with(file ? file : fx->path);
	sl_config_set(fx->cfg, "poll.interval.ms", "50", NULL, 0);
	fx->t = sl_task_new(&fx->env, 0, fx->cfg);
	return file_source_connector.source->start(fx->t, fx->cfg);
}

static void fx_done(source_fx_t *fx, bool started)
{
	if (fx->t && started)
		file_source_connector.source->stop(fx->t);
	if (fx->t)
		sl_task_stop_and_free(fx->t);
	sl_config_free(fx->cfg);
	if (fx->env.offsets)
		sl_offset_store_close(fx->env.offsets);
	if (fx->writer >= 0)
		close(fx->writer);
	unlink(fx->path);
	unlink(fx->offsets);
	char lock[160];
	snprintf(lock, sizeof(lock), "%s.lock", fx->offsets);
	unlink(lock);
	rmdir(fx->dir);
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* A stored offset that cannot be read must not turn into "start from byte
 * 0" (the whole file again): start fails and says what is wrong, where,
 * and how to start over. */
static void test_malformed_stored_offset_fails_start_and_tells_how_to_reset(void)
{
	static const char *const bad[] = {
		"{\"position\":\"abc\"}",
		"{\"position\":-5}",
		"{\"position\":1.5}",
		"{\"inode\":42}",
		"{\"position\":3,\"inode\":\"x\"}",
		"{\"position\":3,\"inode\":2.5}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		source_fx_t fx;
		char partition[200];

		fx_dir(&fx);
		write_text(fx.path, "one\ntwo\n");
		fx_store(&fx, bad[i]);
		sl_rc_t rc = fx_start(&fx, NULL);
		CU_ASSERT_EQUAL(rc, SL_FAIL);
		if (rc != SL_FAIL)
			fprintf(stderr, "\n  offset %s was accepted\n", bad[i]);
		const char *why = fx.t->fail_reason;
		snprintf(partition, sizeof(partition), "{\"filename\":\"%s\"}", fx.path);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "unit-source"));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, partition));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i]));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "sluice offsets reset"));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "--connector unit-source"));
		fx_done(&fx, rc == SL_OK);
	}
}

/* Polls until a record comes or ms pass; returns the records' values
 * joined by '|' (malloc()ed) and whether the last one carried an offset. */
static char *poll_values(sl_task_ctx_t *t, int64_t ms, bool *has_offset)
{
	sl_batch_t batch = {0};
	sl_buf_t out = {0};
	int64_t end = sl_now_ms() + ms;

	sl_rc_t rc = SL_OK;

	*has_offset = false;
	while (rc == SL_OK && batch.count == 0 && sl_now_ms() < end)
		rc = file_source_connector.source->poll(t, &batch);
	CU_ASSERT_EQUAL(rc, SL_OK);
	for (size_t i = 0; i < batch.count; i++) {
		if (i)
			sl_buf_append_char(&out, '|');
		sl_buf_append(&out, batch.records[i].value.data, batch.records[i].value.len);
		*has_offset = batch.records[i].source_offset != NULL;
	}
	sl_batch_free(&batch);
	return out.data ? sl_buf_steal(&out) : sl_strdup("");
}

/* No stored offset: from byte 0; a valid one (with or without the inode,
 * which Kafka Connect's offsets lack): right after it. */
static void test_missing_or_valid_stored_offset_resumes(void)
{
	static const char *const good[] = {NULL, "{\"position\":4}",
					   "{\"position\":4,\"inode\":%llu}"};
	static const char *const want[] = {"one|two", "two", "two"};

	for (size_t i = 0; i < 3; i++) {
		source_fx_t fx;
		bool has_offset;
		struct stat st;

		fx_dir(&fx);
		write_text(fx.path, "one\ntwo\n");
		CU_ASSERT_FATAL(stat(fx.path, &st) == 0);
		if (good[i]) {
			char value[128];
			snprintf(value, sizeof(value), good[i], (unsigned long long)st.st_ino);
			fx_store(&fx, value);
		} else {
			fx_store(&fx, "null");
		}
		sl_rc_t rc = fx_start(&fx, NULL);
		CU_ASSERT_EQUAL(rc, SL_OK);
		if (rc == SL_OK) {
			char *got = poll_values(fx.t, 2000, &has_offset);
			CU_ASSERT_STRING_EQUAL(got, want[i]);
			CU_ASSERT(has_offset);
			free(got);
		}
		fx_done(&fx, rc == SL_OK);
	}
}

static sl_rc_t call_start(void *arg)
{
	return fx_start(arg, NULL);
}

/* Unblocks an open() waiting for a writer, as a late writer would. */
static void open_writer(void *arg)
{
	source_fx_t *fx = arg;

	if (fx->writer < 0)
		fx->writer = open(fx->path, O_WRONLY | O_NONBLOCK);
}

/* A FIFO with no writer must not hold up start (open(O_RDONLY) blocks
 * until one comes); polls return empty within the poll interval, and the
 * lines of a writer that comes later arrive, as records without an offset
 * (a FIFO has no position to resume at). */
static void test_fifo_without_writer_does_not_block_and_is_read_without_offsets(void)
{
	source_fx_t fx;
	sl_rc_t rc;
	bool has_offset;
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* as sluice's main() does */

	fx_dir(&fx);
	CU_ASSERT_FATAL(mkfifo(fx.path, 0644) == 0);
	CU_ASSERT(run_within(call_start, &fx, 1000, open_writer, &rc));
	CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
	int64_t t0 = sl_now_ms();
	char *got = poll_values(fx.t, 300, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "");
	CU_ASSERT(sl_now_ms() - t0 < 600);
	free(got);

	open_writer(&fx);
	CU_ASSERT_FATAL(fx.writer >= 0);
	CU_ASSERT(write(fx.writer, "x\ny\n", 4) == 4);
	got = poll_values(fx.t, 2000, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "x|y");
	CU_ASSERT_FALSE(has_offset);
	free(got);
	fx_done(&fx, true);
	signal(SIGPIPE, old_pipe);
}

/* What the /dev/zero test's polling thread saw. */
typedef struct zero_run {
	source_fx_t *fx;
	int64_t run_ms;   /* poll for this long */
	int64_t worst_ms; /* the slowest poll */
	int64_t cpu_ms;   /* the thread's CPU time (user + system) */
	int polls;
} zero_run_t;

static int64_t thread_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static sl_rc_t poll_for_a_while(void *arg)
{
	zero_run_t *z = arg;
	sl_batch_t batch = {0};
	int64_t cpu0 = thread_cpu_ms(), end = sl_now_ms() + z->run_ms;
	sl_rc_t rc = SL_OK;

	while (rc == SL_OK && sl_now_ms() < end) {
		int64_t t0 = sl_now_ms();
		rc = file_source_connector.source->poll(z->fx->t, &batch);
		if (sl_now_ms() - t0 > z->worst_ms)
			z->worst_ms = sl_now_ms() - t0;
		z->polls++;
		sl_batch_reset(&batch);
	}
	z->cpu_ms = thread_cpu_ms() - cpu0;
	sl_batch_free(&batch);
	return rc;
}

static void ask_stop(void *arg)
{
	zero_run_t *z = arg;
	atomic_store(&z->fx->t->stop, true);
}

/* /dev/zero never ends a line: under errors.tolerance=all the endless
 * line is skipped, but every poll still returns within the task timeout,
 * the task does not spin on it, and a stop is seen at once. */
static void test_endless_line_under_tolerance_all_neither_hangs_nor_spins(void)
{
	source_fx_t fx;
	zero_run_t z = {.fx = &fx, .run_ms = 1500};
	sl_rc_t rc;

	fx_dir(&fx);
	fx.s.errors_tolerance = 1;
	CU_ASSERT_EQUAL_FATAL(fx_start(&fx, "/dev/zero"), SL_OK);
	bool in_time = run_within(poll_for_a_while, &z, 4000, ask_stop, &rc);
	CU_ASSERT_FATAL(in_time); /* else the task is still in use: leaked */
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT(z.worst_ms <= sl_task_timeout_ms(fx.t) + 100);
	/* An idle task sleeps between polls: well under a fifth of a core. */
	CU_ASSERT(z.cpu_ms < z.run_ms / 5);
	fprintf(stderr, "\n  /dev/zero: %d polls in %lld ms, slowest %lld ms, %lld ms CPU\n",
		z.polls, (long long)z.run_ms, (long long)z.worst_ms, (long long)z.cpu_ms);

	atomic_store(&fx.t->stop, true);
	z = (zero_run_t){.fx = &fx, .run_ms = 1};
	int64_t t0 = sl_now_ms();
	CU_ASSERT(run_within(poll_for_a_while, &z, 1000, ask_stop, &rc));
	CU_ASSERT(sl_now_ms() - t0 < 100);
	fx_done(&fx, true);
}

/* A directory cannot be followed: start says so instead of retrying a
 * failing read() forever. */
static void test_directory_as_file_fails_start_with_a_clear_reason(void)
{
	source_fx_t fx;

	fx_dir(&fx);
	sl_rc_t rc = fx_start(&fx, fx.dir);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.t->fail_reason, fx.dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.t->fail_reason, "is a directory"));
	fx_done(&fx, rc == SL_OK);
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
		{"malformed_stored_offset_fails_start_and_tells_how_to_reset",
		 test_malformed_stored_offset_fails_start_and_tells_how_to_reset},
		{"missing_or_valid_stored_offset_resumes",
		 test_missing_or_valid_stored_offset_resumes},
		{"fifo_without_writer_does_not_block_and_is_read_without_offsets",
		 test_fifo_without_writer_does_not_block_and_is_read_without_offsets},
		{"endless_line_under_tolerance_all_neither_hangs_nor_spins",
		 test_endless_line_under_tolerance_all_neither_hangs_nor_spins},
		{"directory_as_file_fails_start_with_a_clear_reason",
		 test_directory_as_file_fails_start_with_a_clear_reason},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_source", NULL, NULL, tests);
}
