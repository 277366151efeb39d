/* Unit tests of the file-source connector: its option table, validation,
 * the split of files over tasks, and a task on a fake context reading
 * real files, FIFOs and devices. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounded.h"
#include "file.h"
#include "kit.h"
#include "runner.h"

static sl_config_t *config_with(const char *file)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "file", file, NULL, 0);
	sl_config_set(cfg, "topic", "lines", NULL, 0);
	return cfg;
}

/* FNV-1a 64 of the path, modulo the task count: the values must never
 * change, or files would move between tasks (and their offsets with them)
 * across upgrades. The expected values are computed independently of the
 * code under test. */
static void test_task_for_path_is_stable_and_in_range(void)
{
	int seen[4] = {0};

	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/a.log", 1), 0);
	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/b.log", 1), 0);
	/* FNV-1a 64 "/var/log/a.log" = 1959825003995738426 */
	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/a.log", 7), 1);
	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/a.log", 1000), 426);
	/* FNV-1a 64 "/var/log/b.log" = 2968724785776148311 */
	CU_ASSERT_EQUAL(sl_file_source_task_for("/var/log/b.log", 7), 3);
	/* FNV-1a 64 "/logs/app-0.log" = 6272491855684608088 */
	CU_ASSERT_EQUAL(sl_file_source_task_for("/logs/app-0.log", 7), 3);
	CU_ASSERT_EQUAL(sl_file_source_task_for("a", 1000), 12638187200555641996ULL % 1000);
	for (int i = 0; i < 64; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/logs/app-%d.log", i);
		int task = sl_file_source_task_for(path, 4);
		CU_ASSERT(task >= 0 && task < 4);
		if (task >= 0 && task < 4)
			seen[task]++;
	}
	/* spread: every task gets a fair part of 64 paths, none most of them */
	for (int i = 0; i < 4; i++)
		CU_ASSERT(seen[i] >= 8 && seen[i] <= 24);
}

static void test_glob_is_split_over_tasks_single_file_is_one_task(void)
{
	sl_config_t *cfg = config_with("/logs/*.log");
	sl_config_t *out[3] = {0};
	char err[256] = "";
	int n = file_source_connector.task_configs(cfg, 3, out, err, sizeof(err));

	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(sl_config_get(out[i], "file"), "/logs/*.log");
		CU_ASSERT_STRING_EQUAL(sl_config_get(out[i], "topic"), "lines");
		sl_config_free(out[i]);
	}
	sl_config_free(cfg);

	cfg = config_with("/logs/app.log");
	n = file_source_connector.task_configs(cfg, 3, out, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(sl_config_get(out[0], "file"), "/logs/app.log");
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

/* A kit for task task_id of task_count of a file-source named unit-source
 * writing topic "lines" and polling every 50 ms; kv adds keys. Its file
 * is the kit's "in.txt" until the test sets another. */
static sl_kit_t *source_kit(const char *const *kv, int task_id, int task_count)
{
	static const char *const common[] = {
		"name", "unit-source", "topic", "lines", "poll.interval.ms", "50", NULL};
	sl_kit_t *kit = kit_new(&file_source_connector, common, task_id, task_count);

	kit_set(kit, "file", kit_path(kit, "in.txt"));
	for (const char *const *p = kv; p && p[0]; p += 2)
		kit_set(kit, p[0], p[1]);
	return kit;
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* The source partition of path as JSON text. */
static void partition_of(const char *path, char *out, size_t size)
{
	snprintf(out, size, "{\"filename\":\"%s\"}", path);
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
		sl_kit_t *kit = source_kit(NULL, 0, 1);
		const char *path = kit_path(kit, "in.txt");
		char partition[200];

		write_text(path, "one\ntwo\n");
		partition_of(path, partition, sizeof(partition));
		kit_store_offset(kit, partition, bad[i]);
		sl_rc_t rc = kit_start(kit);
		CU_ASSERT_EQUAL(rc, SL_FAIL);
		if (rc != SL_FAIL)
			fprintf(stderr, "\n  offset %s was accepted\n", bad[i]);
		const char *why = kit_fail_reason(kit);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "unit-source"));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, partition));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i]));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "sluice offsets reset"));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "--connector unit-source"));
		kit_free(kit);
	}
}

/* Polls until a record comes or ms pass; returns the records' values
 * joined by '|' (malloc()ed) and whether the last one carried an offset. */
static char *poll_values(sl_kit_t *kit, int64_t ms, bool *has_offset)
{
	sl_rc_t rc;
	sl_batch_t *batch = kit_poll_until(kit, ms, &rc);
	sl_buf_t out = {0};

	CU_ASSERT_EQUAL(rc, SL_OK);
	*has_offset = false;
	for (size_t i = 0; i < batch->count; i++) {
		if (i)
			sl_buf_append_char(&out, '|');
		sl_buf_append(&out, batch->records[i].value.data, batch->records[i].value.len);
		*has_offset = batch->records[i].source_offset != NULL;
	}
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
		sl_kit_t *kit = source_kit(NULL, 0, 1);
		const char *path = kit_path(kit, "in.txt");
		char partition[200], value[128];
		bool has_offset;
		struct stat st;

		write_text(path, "one\ntwo\n");
		CU_ASSERT_FATAL(stat(path, &st) == 0);
		partition_of(path, partition, sizeof(partition));
		if (good[i])
			snprintf(value, sizeof(value), good[i], (unsigned long long)st.st_ino);
		else
			snprintf(value, sizeof(value), "null");
		kit_store_offset(kit, partition, value);
		sl_rc_t rc = kit_start(kit);
		CU_ASSERT_EQUAL(rc, SL_OK);
		if (rc == SL_OK) {
			char *got = poll_values(kit, 2000, &has_offset);
			CU_ASSERT_STRING_EQUAL(got, want[i]);
			CU_ASSERT(has_offset);
			free(got);
		}
		kit_free(kit);
	}
}

/* What was read is stored once Kafka acknowledged it, and a restart
 * resumes after it: nothing is read twice, nothing lost. */
static void test_acknowledged_lines_are_stored_and_a_restart_resumes_after_them(void)
{
	sl_kit_t *kit = source_kit(NULL, 0, 1);
	const char *path = kit_path(kit, "in.txt");
	char partition[200];
	bool has_offset;
	int fd;

	write_text(path, "one\ntwo\n");
	partition_of(path, partition, sizeof(partition));
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	char *got = poll_values(kit, 2000, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "one|two");
	free(got);
	CU_ASSERT_EQUAL(kit_commit(kit), 0); /* nothing acknowledged yet */
	CU_ASSERT_PTR_NULL(kit_stored_offset(kit, partition));
	CU_ASSERT_EQUAL(kit_ack_all(kit), 2);
	CU_ASSERT_EQUAL(kit_commit(kit), 1);
	json_t *off = kit_stored_offset(kit, partition);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(off, "position")), 8);
	json_decref(off);

	kit_stop(kit);
	fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "three\n", 6) == 6);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	got = poll_values(kit, 2000, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "three");
	free(got);
	kit_free(kit);
}

/* A poll stops at 1 MiB of lines before batch.size: 3,000 lines of 1,000
 * bytes with batch.size=10000 come over several polls of at most 1 MiB
 * (plus the line that crossed it), all of them, in order. */
static void test_a_poll_holds_at_most_a_mebibyte_of_lines(void)
{
	static const char *const kv[] = {"batch.size", "10000", NULL};
	sl_kit_t *kit = source_kit(kv, 0, 1);
	enum {
		LINES = 3000,
		LEN = 1000
	};
	char *text = malloc((size_t)LINES * (LEN + 1) + 1);
	for (int i = 0; i < LINES; i++) {
		char *line = text + (size_t)i * (LEN + 1);
		memset(line, 'x', LEN);
		snprintf(line, 12, "%010d", i);
		line[10] = 'x'; /* snprintf's terminator */
		line[LEN] = '\n';
	}
	text[(size_t)LINES * (LEN + 1)] = '\0';
	write_text(kit_path(kit, "in.txt"), text);
	free(text);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	int next = 0, polls = 0;
	size_t most = 0;
	int64_t end = sl_now_ms() + 10000;
	while (next < LINES && sl_now_ms() < end) {
		sl_rc_t rc;
		sl_batch_t *b = kit_poll(kit, &rc);
		CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
		size_t bytes = 0;
		for (size_t i = 0; i < b->count; i++, next++) {
			bytes += b->records[i].value.len;
			CU_ASSERT_EQUAL(b->records[i].value.len, LEN);
			CU_ASSERT_EQUAL(atoi(b->records[i].value.data), next);
		}
		if (b->count)
			polls++;
		if (bytes > most)
			most = bytes;
	}
	CU_ASSERT_EQUAL(next, LINES);
	CU_ASSERT(most >= 1024 * 1024 && most < 1024 * 1024 + LEN);
	CU_ASSERT(polls >= 3);
	kit_free(kit);
}

/* The file list of a glob and the lines of each file: file-<i>.log holds
 * one line, its own path. */
#define GLOB_FILES 48 /* a task gets none with chance 3 * (2/3)^48 */

/* Reads what task task_id of 3 reads of the glob over dir's files within
 * ms; each record's value is added to seen (indexes of files). Returns
 * how many records came. */
static int read_share(const char *dir, int task_id, bool *seen, int64_t ms)
{
	char glob_pattern[160];
	int got = 0;

	snprintf(glob_pattern, sizeof(glob_pattern), "%s/file-*.log", dir);
	const char *const kv[] = {"file", glob_pattern, NULL};
	sl_kit_t *kit = source_kit(kv, task_id, 3);
	int64_t end = sl_now_ms() + ms;

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(sl_task_count(kit_ctx(kit)), 3);
	while (sl_now_ms() < end) {
		sl_rc_t rc;
		sl_batch_t *b = kit_poll(kit, &rc);

		CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
		for (size_t i = 0; i < b->count; i++) {
			/* a value's bytes need not end in a NUL */
			char v[160];
			int idx = -1;
			snprintf(v, sizeof(v), "%.*s", (int)b->records[i].value.len,
				 b->records[i].value.data);

			got++;
			CU_ASSERT_EQUAL(sl_file_source_task_for(v, 3), task_id);
			CU_ASSERT(sscanf(strrchr(v, '/'), "/file-%d.log", &idx) == 1);
			if (idx >= 0 && idx < GLOB_FILES) {
				CU_ASSERT_FALSE(seen[idx]); /* no file read twice */
				seen[idx] = true;
			}
		}
	}
	kit_free(kit);
	return got;
}

/* With three tasks each reads the files the path hash gives it, and
 * together they read every file once. */
static void test_glob_tasks_read_disjoint_shares_covering_every_file(void)
{
	sl_kit_t *files = kit_new(&file_source_connector, NULL, 0, 1); /* for its directory */
	bool seen[GLOB_FILES] = {0};
	int per_task[3] = {0};

	for (int i = 0; i < GLOB_FILES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "file-%d.log", i);
		const char *path = kit_path(files, name);
		char *line = sl_asprintf("%s\n", path);
		write_text(path, line);
		free(line);
		per_task[sl_file_source_task_for(path, 3)]++;
	}
	for (int t = 0; t < 3; t++) {
		CU_ASSERT(per_task[t] > 0); /* else the test proves little */
		CU_ASSERT_EQUAL(read_share(kit_path(files, NULL), t, seen, 600), per_task[t]);
	}
	for (int i = 0; i < GLOB_FILES; i++)
		CU_ASSERT(seen[i]);
	kit_free(files);
}

/* The FIFO test's kit and the writer fd the test holds. */
typedef struct fifo_call {
	sl_kit_t *kit;
	const char *path;
	int writer;
} fifo_call_t;

static sl_rc_t call_start(void *arg)
{
	fifo_call_t *c = arg;
	return kit_start(c->kit);
}

/* Unblocks an open() waiting for a writer, as a late writer would. */
static void open_writer(void *arg)
{
	fifo_call_t *c = arg;

	if (c->writer < 0)
		c->writer = open(c->path, O_WRONLY | O_NONBLOCK);
}

/* A FIFO with no writer must not hold up start (open(O_RDONLY) blocks
 * until one comes); polls return empty within the poll interval, and the
 * lines of a writer that comes later arrive, as records without an offset
 * (a FIFO has no position to resume at). */
static void test_fifo_without_writer_does_not_block_and_is_read_without_offsets(void)
{
	sl_kit_t *kit = source_kit(NULL, 0, 1);
	fifo_call_t c = {.kit = kit, .path = kit_path(kit, "in.txt"), .writer = -1};
	sl_rc_t rc;
	bool has_offset;
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* as sluice's main() does */

	CU_ASSERT_FATAL(mkfifo(c.path, 0644) == 0);
	CU_ASSERT(run_within(call_start, &c, 1000, open_writer, &rc));
	CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
	int64_t t0 = sl_now_ms();
	char *got = poll_values(kit, 300, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "");
	CU_ASSERT(sl_now_ms() - t0 < 600);
	free(got);

	open_writer(&c);
	CU_ASSERT_FATAL(c.writer >= 0);
	CU_ASSERT(write(c.writer, "x\ny\n", 4) == 4);
	got = poll_values(kit, 2000, &has_offset);
	CU_ASSERT_STRING_EQUAL(got, "x|y");
	CU_ASSERT_FALSE(has_offset);
	free(got);
	kit_free(kit);
	close(c.writer);
	signal(SIGPIPE, old_pipe);
}

/* What the /dev/zero test's polling thread saw. */
typedef struct zero_run {
	sl_kit_t *kit;
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
	int64_t cpu0 = thread_cpu_ms(), end = sl_now_ms() + z->run_ms;
	sl_rc_t rc = SL_OK;

	while (rc == SL_OK && sl_now_ms() < end) {
		int64_t t0 = sl_now_ms();
		kit_poll(z->kit, &rc);
		if (sl_now_ms() - t0 > z->worst_ms)
			z->worst_ms = sl_now_ms() - t0;
		z->polls++;
	}
	z->cpu_ms = thread_cpu_ms() - cpu0;
	return rc;
}

/* True when valgrind runs this process (its preload is in the
 * environment). */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
}

static void ask_stop(void *arg)
{
	zero_run_t *z = arg;
	kit_request_stop(z->kit);
}

/* /dev/zero never ends a line: under errors.tolerance=all the endless
 * line goes through the error policy and is skipped, but every poll still
 * returns within the task timeout, the task does not spin on it, and a
 * stop is seen at once. */
static void test_endless_line_under_tolerance_all_neither_hangs_nor_spins(void)
{
	static const char *const kv[] = {"file", "/dev/zero", "errors.tolerance", "all", NULL};
	sl_kit_t *kit = source_kit(kv, 0, 1);
	zero_run_t z = {.kit = kit, .run_ms = 1500};
	sl_rc_t rc;

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	bool in_time = run_within(poll_for_a_while, &z, 4000, ask_stop, &rc);
	CU_ASSERT_FATAL(in_time); /* else the task is still in use: leaked */
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT(kit_errors(kit) > 0);
	CU_ASSERT(z.worst_ms <= sl_task_timeout_ms(kit_ctx(kit)) + 100);
	/* An idle task sleeps between polls: well under a fifth of a core
	 * (not under valgrind, where a thread's CPU time is many times its
	 * own: there the bound says nothing). */
	if (!under_valgrind())
		CU_ASSERT(z.cpu_ms < z.run_ms / 5);
	fprintf(stderr, "\n  /dev/zero: %d polls in %lld ms, slowest %lld ms, %lld ms CPU\n",
		z.polls, (long long)z.run_ms, (long long)z.worst_ms, (long long)z.cpu_ms);

	kit_request_stop(kit);
	z = (zero_run_t){.kit = kit, .run_ms = 1};
	int64_t t0 = sl_now_ms();
	CU_ASSERT(run_within(poll_for_a_while, &z, 1000, ask_stop, &rc));
	CU_ASSERT(sl_now_ms() - t0 < 100);
	kit_free(kit);
}

/* The same endless line under errors.tolerance=none fails the task, and
 * the reason names the file. */
static void test_endless_line_under_tolerance_none_fails_the_task(void)
{
	static const char *const kv[] = {"file", "/dev/zero", "max.line.bytes", "1000", NULL};
	sl_kit_t *kit = source_kit(kv, 0, 1);
	sl_rc_t rc = SL_OK;

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	for (int i = 0; i < 20 && rc == SL_OK; i++)
		kit_poll(kit, &rc);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "Tolerance exceeded"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "/dev/zero"));
	kit_free(kit);
}

/* A directory cannot be followed: start says so instead of retrying a
 * failing read() forever. */
static void test_directory_as_file_fails_start_with_a_clear_reason(void)
{
	sl_kit_t *kit = source_kit(NULL, 0, 1);
	const char *dir = kit_path(kit, NULL);

	kit_set(kit, "file", dir);
	CU_ASSERT_EQUAL(kit_start(kit), SL_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "is a directory"));
	kit_free(kit);
}

void file_source_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"task_for_path_is_stable_and_in_range", test_task_for_path_is_stable_and_in_range},
		{"glob_is_split_over_tasks_single_file_is_one_task",
		 test_glob_is_split_over_tasks_single_file_is_one_task},
		{"a_poll_holds_at_most_a_mebibyte_of_lines",
		 test_a_poll_holds_at_most_a_mebibyte_of_lines},
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
		{"acknowledged_lines_are_stored_and_a_restart_resumes_after_them",
		 test_acknowledged_lines_are_stored_and_a_restart_resumes_after_them},
		{"glob_tasks_read_disjoint_shares_covering_every_file",
		 test_glob_tasks_read_disjoint_shares_covering_every_file},
		{"fifo_without_writer_does_not_block_and_is_read_without_offsets",
		 test_fifo_without_writer_does_not_block_and_is_read_without_offsets},
		{"endless_line_under_tolerance_all_neither_hangs_nor_spins",
		 test_endless_line_under_tolerance_all_neither_hangs_nor_spins},
		{"endless_line_under_tolerance_none_fails_the_task",
		 test_endless_line_under_tolerance_none_fails_the_task},
		{"directory_as_file_fails_start_with_a_clear_reason",
		 test_directory_as_file_fails_start_with_a_clear_reason},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_source", NULL, NULL, tests);
}
