/* Unit tests of the file-sink: its line formats, its option table, and a
 * task on a fake context writing real files, FIFOs and devices. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bounded.h"
#include "file.h"
#include "kit.h"
#include "runner.h"

/* Formats rec and compares with expected (which includes the '\n'). */
static void assert_format(const sl_record_t *rec, int format, const char *expected,
			  size_t expected_len)
{
	sl_buf_t out = {0};

	sl_file_sink_format_record(&out, rec, format);
	CU_ASSERT_EQUAL(out.len, expected_len);
	CU_ASSERT(out.len == expected_len && memcmp(out.data, expected, expected_len) == 0);
	if (out.len != expected_len || memcmp(out.data, expected, expected_len))
		fprintf(stderr, "\n  got      %.*s  expected %s", (int)out.len, out.data, expected);
	sl_buf_free(&out);
}

#define ASSERT_FORMAT(rec, format, expected)                                                       \
	assert_format(rec, format, expected, sizeof(expected) - 1)

static void test_value_format_writes_strings_and_bytes_raw(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_string(&r.value, "hello \"world\"", 13);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "hello \"world\"\n");
	sl_value_set_bytes(&r.value, "a\0b", 3);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "a\0b\n");
	sl_value_set_string(&r.value, "", 0);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_json_string_without_quotes(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_json(&r.value, json_string("plain text"), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "plain text\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_other_json_compact(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_json(&r.value, json_pack("{s:i,s:[b,n]}", "a", 1, "b", 1), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "{\"a\":1,\"b\":[true,null]}\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_null_value_as_text_null(void)
{
	sl_record_t r;

	sl_record_init(&r);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "null\n");
	sl_value_set_json(&r.value, NULL, json_pack("{s:s,s:b}", "type", "string", "optional", 1));
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "null\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_metadata_key_value_and_headers(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "orders");
	r.partition = 2;
	r.offset = 41;
	r.timestamp = 1700000000123LL;
	sl_value_set_string(&r.key, "k1", 2);
	sl_value_set_bytes(&r.value, "\x00\x01\xff", 3);
	sl_record_add_header(&r, "trace", "abc", 3);
	sl_record_add_header(&r, "empty", NULL, 0);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,"
		      "\"timestamp\":1700000000123,\"key\":\"k1\",\"value\":\"AAH/\","
		      "\"headers\":{\"trace\":\"abc\",\"empty\":null}}\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_json_payload_and_null_key(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "t");
	r.partition = 0;
	r.offset = 0;
	sl_value_set_json(&r.value, json_pack("{s:s}", "name", "x"), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"timestamp\":null,"
		      "\"key\":null,\"value\":{\"name\":\"x\"},\"headers\":{}}\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_non_utf8_string_as_base64(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "t");
	r.partition = 1;
	r.offset = 7;
	sl_value_set_string(&r.value, "\xc3\x28", 2); /* invalid UTF-8 */
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"timestamp\":null,"
		      "\"key\":null,\"value\":\"wyg=\",\"headers\":{}}\n");
	sl_record_clear(&r);
}

static void test_options_reject_unknown_format_and_need_file(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	CU_ASSERT_NOT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_set(cfg, "file", "/tmp/x", NULL, 0);
	CU_ASSERT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_config_set(cfg, "format", "xml", NULL, 0);
	CU_ASSERT_NOT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_set(cfg, "format", "JSON", NULL, 0);
	CU_ASSERT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_connector_is_a_documented_sink_with_kafka_connect_aliases(void)
{
	const sl_connector_t *c = &file_sink_connector;
	bool alias = false;

	CU_ASSERT_STRING_EQUAL(c->name, "file-sink");
	CU_ASSERT_EQUAL(c->kind, SL_SINK);
	CU_ASSERT_PTR_NOT_NULL(c->sink);
	CU_ASSERT(c->doc && strlen(c->doc) > 40);
	for (const char *const *a = c->aliases; *a; a++)
		alias |= !strcmp(*a, "org.apache.kafka.connect.file.FileStreamSinkConnector");
	CU_ASSERT(alias);
	for (const sl_option_t *o = c->options; o->name; o++)
		CU_ASSERT(o->doc && o->doc[0]);
}

/* A kit of a file-sink task named unit-sink writing format to file (the
 * kit's "out.txt" when NULL); started when start is true (asserting
 * SL_OK). */
static sl_kit_t *sink_kit(const char *file, const char *format, bool start)
{
	static const char *const common[] = {"name", "unit-sink", "topics", "t", NULL};
	sl_kit_t *kit = kit_new(&file_sink_connector, common, 0, 1);

	kit_set(kit, "file", file ? file : kit_path(kit, "out.txt"));
	kit_set(kit, "format", format);
	if (start)
		CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	return kit;
}

/* Whether a started file-sink task asks the worker for record headers. */
static bool start_wants_headers(const char *format)
{
	sl_kit_t *kit = sink_kit(NULL, format, true);
	bool wanted = kit_sink_headers_wanted(kit);

	kit_free(kit);
	return wanted;
}

/* Headers cost an allocation per record in librdkafka 2.0.2: only the json
 * format, which writes them, may ask for them. */
static void test_only_json_format_asks_for_record_headers(void)
{
	CU_ASSERT_TRUE(start_wants_headers("json"));
	CU_ASSERT_FALSE(start_wants_headers("value"));
}

/* ---- a task on real files ---------------------------------------------- */

/* Puts n records whose values are fmt formatted with from, from + 1, ... */
static sl_rc_t put_lines(sl_kit_t *kit, const char *fmt, int from, int n)
{
	sl_record_t *r = sl_calloc((size_t)n, sizeof(*r));

	for (int i = 0; i < n; i++) {
		char v[256];
		int len = snprintf(v, sizeof(v), fmt, from + i);

		sl_record_init(&r[i]);
		sl_value_set_string(&r[i].value, v, (size_t)len);
	}
	sl_rc_t rc = kit_put(kit, r, (size_t)n);
	for (int i = 0; i < n; i++)
		sl_record_clear(&r[i]);
	free(r);
	return rc;
}

/* The lines put_lines(fmt, from, n) writes, appended to out. */
static void expect_lines(sl_buf_t *out, const char *fmt, int from, int n)
{
	for (int i = 0; i < n; i++) {
		sl_buf_appendf(out, fmt, from + i);
		sl_buf_append_char(out, '\n');
	}
}

/* Whether the file at path holds exactly the bytes of want; says what
 * differs when not. */
static bool file_is(const char *path, const sl_buf_t *want)
{
	size_t len = 0;
	char *got = sl_file_read_all(path, &len);
	bool same = got && len == want->len && memcmp(got, want->data, len) == 0;

	if (!same)
		fprintf(stderr, "\n  %s: %zu bytes (%s), expected %zu\n", path, len,
			got ? "differ" : "unreadable", want->len);
	free(got);
	return same;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A write that fills the disk leaves part of a line; when space comes back
 * the same lines must be written whole, each once. RLIMIT_FSIZE stands in
 * for a full disk: write() stops at the limit with a short count, then
 * fails (EFBIG), like ENOSPC on a filesystem. */
static void test_failed_write_leaves_whole_lines_and_retry_writes_each_once(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	sl_buf_t want = {0};
	struct rlimit saved, lim;
	void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "rec-%06d", 0, 100), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(size_of(path), 1100);

	getrlimit(RLIMIT_FSIZE, &saved);
	lim = saved;
	lim.rlim_cur = 1500; /* 36 lines and 4 bytes fit */
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CU_ASSERT_EQUAL(put_lines(kit, "rec-%06d", 100, 100), SL_OK);
	sl_rc_t rc = kit_flush(kit);
	setrlimit(RLIMIT_FSIZE, &saved);
	CU_ASSERT_EQUAL(rc, SL_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), path));
	/* Nothing of the failed write is left: the file ends after the last
	 * line that was written whole before it. */
	CU_ASSERT_EQUAL(size_of(path), 1100);

	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	expect_lines(&want, "rec-%06d", 0, 200);
	CU_ASSERT(file_is(path, &want));
	sl_buf_free(&want);
	signal(SIGXFSZ, old_xfsz);
	kit_free(kit);
}

/* A file that ends inside a line (a write cut short by a crash, no record
 * of the last flush) is cut after its last newline before anything is
 * appended, and the cut is logged with its size. */
static void test_start_cuts_a_torn_last_line(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	sl_buf_t want = {0};
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "rec-1\nrec-2\nrec-", 16) == 16);
	close(fd);
	kit_capture_begin();
	sl_rc_t rc = kit_start(kit);
	char *log = kit_capture_end();
	CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
	CU_ASSERT_EQUAL(size_of(path), 12);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "WARN"));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "cut 4 bytes"));
	free(log);

	CU_ASSERT_EQUAL(put_lines(kit, "rec-%d", 3, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	sl_buf_append_str(&want, "rec-1\nrec-2\nrec-3\n");
	CU_ASSERT(file_is(path, &want));
	sl_buf_free(&want);
	kit_free(kit);
}

/* With format=value a value may hold newlines, so "ends with a newline" is
 * not a record boundary. A flush records the file's length with the file
 * (an extended attribute); a restart cuts everything after it, since those
 * records were not committed and come again. */
static void test_restart_cuts_back_to_the_last_flushed_length(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	sl_buf_t want = {0};
	int fd;

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "multi\nline %d", 1, 2), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	if (getxattr(path, "user.sluice.flushed", NULL, 0) < 0 && errno == ENOTSUP) {
		fprintf(stderr, "\n  SKIP: %s keeps no user extended attributes\n",
			kit_path(kit, NULL));
		kit_free(kit);
		return;
	}
	kit_stop(kit);
	/* A crash while writing "multi\nline 3\n": its first line is there. */
	fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "multi\n", 6) == 6);
	close(fd);

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	expect_lines(&want, "multi\nline %d", 1, 2);
	CU_ASSERT(file_is(path, &want));
	CU_ASSERT_EQUAL(put_lines(kit, "multi\nline %d", 3, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	expect_lines(&want, "multi\nline %d", 3, 1);
	CU_ASSERT(file_is(path, &want));
	sl_buf_free(&want);
	kit_free(kit);
}

/* 12,000 lines of 93 bytes: more than the sink buffers before writing,
 * so a later put writes them to the file before any flush. */
#define BIG_PAD "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define BIG_FMT "big-%06d-" BIG_PAD
#define BIG_LINES 12000

/* Lines written to a file that is then deleted were never flushed: the
 * flush re-creates the file by its name and writes them again there. */
static void test_deleted_file_is_recreated_with_every_unflushed_line(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	sl_buf_t want = {0};

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "old-%d", 0, 10), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, BIG_FMT, 0, BIG_LINES), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "late-%d", 0, 5), SL_OK); /* writes the big lines */
	CU_ASSERT(size_of(path) > 1000000);
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_EQUAL(put_lines(kit, "after-%d", 0, 5), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	expect_lines(&want, BIG_FMT, 0, BIG_LINES);
	expect_lines(&want, "late-%d", 0, 5);
	expect_lines(&want, "after-%d", 0, 5);
	CU_ASSERT(file_is(path, &want));
	sl_buf_free(&want);
	kit_free(kit);
}

/* A renamed file (log rotation) keeps what was written to it; the sink
 * goes on with a new file by the configured name. */
static void test_renamed_file_keeps_its_lines_and_new_lines_go_to_the_name(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	sl_buf_t want = {0};

	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "first-%d", 0, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_FATAL(rename(path, kit_path(kit, "out.txt.1")) == 0);
	CU_ASSERT_EQUAL(put_lines(kit, "second-%d", 0, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	expect_lines(&want, "first-%d", 0, 3);
	CU_ASSERT(file_is(kit_path(kit, "out.txt.1"), &want));
	sl_buf_reset(&want);
	expect_lines(&want, "second-%d", 0, 3);
	CU_ASSERT(file_is(path, &want));
	sl_buf_free(&want);
	kit_free(kit);
}

/* For the FIFO tests: the kit, its output and a reader fd the test holds. */
typedef struct fifo_call {
	sl_kit_t *kit;
	const char *path;
	int reader;
} fifo_call_t;

static sl_rc_t call_start(void *arg)
{
	fifo_call_t *c = arg;
	return kit_start(c->kit);
}

static sl_rc_t call_flush(void *arg)
{
	fifo_call_t *c = arg;
	return kit_flush(c->kit);
}

/* Unblocks an open() waiting for a reader (or a write to a full FIFO) by
 * reading the FIFO, as a late reader would. */
static void open_reader(void *arg)
{
	fifo_call_t *c = arg;
	char tmp[65536];

	if (c->reader < 0)
		c->reader = open(c->path, O_RDONLY | O_NONBLOCK);
	for (int i = 0; i < 200 && c->reader >= 0; i++) {
		while (read(c->reader, tmp, sizeof(tmp)) > 0)
			;
		sl_sleep_ms(10);
	}
}

/* A FIFO with no reader must not hold up start (open(O_WRONLY) blocks);
 * a flush waits for a reader no longer than the task timeout and says
 * what it waits for; once a reader comes the lines reach it. */
static void test_fifo_without_reader_neither_blocks_start_nor_flush(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	fifo_call_t c = {.kit = kit, .path = path, .reader = -1};
	sl_rc_t rc;
	char got[64] = "";
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* as sluice's main() does */

	CU_ASSERT_FATAL(mkfifo(path, 0644) == 0);
	CU_ASSERT(run_within(call_start, &c, 1000, open_reader, &rc));
	CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
	if (c.reader >= 0) { /* the old behaviour: start waited for a reader */
		close(c.reader);
		c.reader = -1;
	}
	CU_ASSERT_EQUAL(put_lines(kit, "fifo-%d", 1, 2), SL_OK);
	int64_t t0 = sl_now_ms();
	CU_ASSERT(run_within(call_flush, &c, 2000, open_reader, &rc));
	CU_ASSERT_EQUAL(rc, SL_RETRY);
	CU_ASSERT(sl_now_ms() - t0 <= sl_task_timeout_ms(kit_ctx(kit)) + 300);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "waiting for a reader on FIFO"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), path));

	if (c.reader < 0)
		c.reader = open(path, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(c.reader >= 0);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(read(c.reader, got, sizeof(got) - 1), 14);
	CU_ASSERT_STRING_EQUAL(got, "fifo-1\nfifo-2\n");
	close(c.reader);
	kit_free(kit);
	signal(SIGPIPE, old_pipe);
}

/* A reader that stops reading fills the FIFO: a flush gives up within the
 * task timeout, and at once when the task is stopping. */
static void test_fifo_with_stalled_reader_gives_up_in_time_and_on_stop(void)
{
	sl_kit_t *kit = sink_kit(NULL, "value", false);
	const char *path = kit_path(kit, "out.txt");
	fifo_call_t c = {.kit = kit, .path = path, .reader = -1};
	sl_rc_t rc;

	CU_ASSERT_FATAL(mkfifo(path, 0644) == 0);
	c.reader = open(path, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(c.reader >= 0);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, BIG_FMT, 0, 3000), SL_OK); /* 279 KB > a pipe */
	int64_t t0 = sl_now_ms();
	CU_ASSERT(run_within(call_flush, &c, 2000, open_reader, &rc));
	CU_ASSERT_EQUAL(rc, SL_RETRY);
	CU_ASSERT(sl_now_ms() - t0 <= sl_task_timeout_ms(kit_ctx(kit)) + 300);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), path));

	kit_request_stop(kit);
	t0 = sl_now_ms();
	CU_ASSERT(run_within(call_flush, &c, 2000, open_reader, &rc));
	CU_ASSERT_EQUAL(rc, SL_RETRY);
	CU_ASSERT(sl_now_ms() - t0 < 150);
	close(c.reader);
	kit_free(kit);
}

/* Outputs that are not regular files keep working: nothing to cut, sync
 * or follow. */
static void test_dev_null_output_keeps_working(void)
{
	sl_kit_t *kit = sink_kit("/dev/null", "json", true);

	CU_ASSERT_EQUAL(put_lines(kit, BIG_FMT, 0, BIG_LINES), SL_OK);
	CU_ASSERT_EQUAL(put_lines(kit, "x-%d", 0, 10), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	kit_free(kit);
}

void file_sink_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"value_format_writes_strings_and_bytes_raw",
		 test_value_format_writes_strings_and_bytes_raw},
		{"value_format_writes_json_string_without_quotes",
		 test_value_format_writes_json_string_without_quotes},
		{"value_format_writes_other_json_compact",
		 test_value_format_writes_other_json_compact},
		{"value_format_writes_null_value_as_text_null",
		 test_value_format_writes_null_value_as_text_null},
		{"json_format_writes_metadata_key_value_and_headers",
		 test_json_format_writes_metadata_key_value_and_headers},
		{"json_format_writes_json_payload_and_null_key",
		 test_json_format_writes_json_payload_and_null_key},
		{"json_format_writes_non_utf8_string_as_base64",
		 test_json_format_writes_non_utf8_string_as_base64},
		{"options_reject_unknown_format_and_need_file",
		 test_options_reject_unknown_format_and_need_file},
		{"connector_is_a_documented_sink_with_kafka_connect_aliases",
		 test_connector_is_a_documented_sink_with_kafka_connect_aliases},
		{"only_json_format_asks_for_record_headers",
		 test_only_json_format_asks_for_record_headers},
		{"failed_write_leaves_whole_lines_and_retry_writes_each_once",
		 test_failed_write_leaves_whole_lines_and_retry_writes_each_once},
		{"start_cuts_a_torn_last_line", test_start_cuts_a_torn_last_line},
		{"restart_cuts_back_to_the_last_flushed_length",
		 test_restart_cuts_back_to_the_last_flushed_length},
		{"deleted_file_is_recreated_with_every_unflushed_line",
		 test_deleted_file_is_recreated_with_every_unflushed_line},
		{"renamed_file_keeps_its_lines_and_new_lines_go_to_the_name",
		 test_renamed_file_keeps_its_lines_and_new_lines_go_to_the_name},
		{"fifo_without_reader_neither_blocks_start_nor_flush",
		 test_fifo_without_reader_neither_blocks_start_nor_flush},
		{"fifo_with_stalled_reader_gives_up_in_time_and_on_stop",
		 test_fifo_with_stalled_reader_gives_up_in_time_and_on_stop},
		{"dev_null_output_keeps_working", test_dev_null_output_keeps_working},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_sink", NULL, NULL, tests);
}
