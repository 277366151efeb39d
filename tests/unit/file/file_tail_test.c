/* Unit tests of the tail reader (connectors/file/file_tail.c) on real files,
 * FIFOs and devices in a temporary directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_tail.h"
#include "runner.h"
#include "sluice/util.h"

/* A temporary directory with one followed file "app.log" in it. */
typedef struct fixture {
	char dir[64];
	char path[128];
	char rotated[128];
} fixture_t;

static void fx_init(fixture_t *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sl_tail_XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(fx->dir) != NULL);
	snprintf(fx->path, sizeof(fx->path), "%s/app.log", fx->dir);
	snprintf(fx->rotated, sizeof(fx->rotated), "%s/app.log.1", fx->dir);
}

static void fx_done(fixture_t *fx)
{
	unlink(fx->path);
	unlink(fx->rotated);
	rmdir(fx->dir);
}

/* Writes (append or replace) text to path. */
static void put(const char *path, const char *text, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static uint64_t inode_of(const char *path)
{
	struct stat st;

	CU_ASSERT_FATAL(stat(path, &st) == 0);
	return (uint64_t)st.st_ino;
}

static sl_tail_t *open_tail(const char *path, int64_t pos, uint64_t ino, size_t read_size,
			    size_t max_line, int64_t missing_wait_ms)
{
	sl_tail_params_t p = {
		.max_line = max_line,
		.read_size = read_size,
		.missing_wait_ms = missing_wait_ms,
	};
	return sl_tail_open(path, pos, ino, &p);
}

/* Reads items until NONE into a text log: "line@pos" for lines,
 * "LONG@start+len" for long lines, the event name for events, joined by
 * '|'.
 * Returns the malloc()ed text. */
static const char *event_name(sl_tail_event_t ev)
{
	switch (ev) {
	case SL_TAIL_EV_OPENED:
		return "OPENED";
	case SL_TAIL_EV_RESUMED_ROTATED:
		return "RESUMED_ROTATED";
	case SL_TAIL_EV_INODE_NOT_FOUND:
		return "INODE_NOT_FOUND";
	case SL_TAIL_EV_TRUNCATED:
		return "TRUNCATED";
	case SL_TAIL_EV_ROTATED:
		return "ROTATED";
	case SL_TAIL_EV_REMOVED:
		return "REMOVED";
	case SL_TAIL_EV_STREAM:
		return "STREAM";
	case SL_TAIL_EV_NO_WRITER:
		return "NO_WRITER";
	}
	return "?";
}

static char *drain(sl_tail_t *t)
{
	sl_buf_t b = {0};
	sl_tail_item_t it;

	sl_buf_append_str(&b, "");
	for (int guard = 0; guard < 1000 && sl_tail_next(t, &it) != SL_TAIL_NONE; guard++) {
		if (b.len)
			sl_buf_append_char(&b, '|');
		switch (it.kind) {
		case SL_TAIL_LINE:
			sl_buf_append(&b, it.line, it.len);
			sl_buf_appendf(&b, "@%lld", (long long)it.position);
			break;
		case SL_TAIL_LONG_LINE:
			sl_buf_appendf(&b, "LONG@%lld+%zu", (long long)it.position, it.long_len);
			break;
		case SL_TAIL_EVENT:
			sl_buf_append_str(&b, event_name(it.event));
			break;
		default:
			sl_buf_appendf(&b, "ERR(%s)", it.msg);
			break;
		}
	}
	return sl_buf_steal(&b);
}

#define ASSERT_DRAIN(t, expected)                                                                  \
	do {                                                                                       \
		char *got_ = drain(t);                                                             \
		CU_ASSERT_STRING_EQUAL(got_, expected);                                            \
		if (strcmp(got_, expected))                                                        \
			fprintf(stderr, "\n  got      %s\n  expected %s\n", got_, expected);       \
		free(got_);                                                                        \
	} while (0)

static void test_lines_split_across_read_buffer_boundaries(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "alpha\nbeta\ngamma-delta-epsilon\n\nx\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 7, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|alpha@6|beta@11|gamma-delta-epsilon@31|@32|x@34");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_partial_line_waits_for_its_newline(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "one\ntw", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|one@4");
	ASSERT_DRAIN(t, "");
	put(fx.path, "o\nthr", true);
	ASSERT_DRAIN(t, "two@8");
	put(fx.path, "ee\n", true);
	ASSERT_DRAIN(t, "three@14");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_crlf_line_keeps_carriage_return(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\r\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|a\r@3");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_resume_at_stored_position_and_inode(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\nbb\nccc\n", false);
	sl_tail_t *t = open_tail(fx.path, 2, inode_of(fx.path), 0, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|bb@5|ccc@9");
	sl_tail_close(t);
	/* Kafka Connect's offset has no inode: the position alone is used. */
	t = open_tail(fx.path, 5, 0, 0, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|ccc@9");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_truncation_restarts_file_at_zero(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "1111\n2222\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|1111@5|2222@10");
	put(fx.path, "x\n", false); /* O_TRUNC: same inode, shorter */
	ASSERT_DRAIN(t, "TRUNCATED|x@2");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_truncation_seen_by_check_before_file_regrows(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "aaaa\nbbbb\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 5, 100, 60000);
	sl_tail_item_t it;
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_EVENT);
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_LINE); /* "aaaa": 5 bytes read so far */
	put(fx.path, "", false);
	sl_tail_check(t);
	put(fx.path, "zzzzzzzz\nq\n", true); /* longer than what was read */
	ASSERT_DRAIN(t, "TRUNCATED|zzzzzzzz@9|q@11");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_truncated_while_stopped_starts_at_zero(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\nb\n", false);
	sl_tail_t *t = open_tail(fx.path, 100, inode_of(fx.path), 0, 100, 60000);
	ASSERT_DRAIN(t, "TRUNCATED|a@2|b@4");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_rename_rotation_neither_loses_duplicates_nor_splits(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "l1\nl2\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 4, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|l1@3|l2@6");
	CU_ASSERT_FATAL(rename(fx.path, fx.rotated) == 0);
	put(fx.rotated, "l3\n", true); /* the writer still has the old file */
	ASSERT_DRAIN(t, "l3@9");
	put(fx.rotated, "l4\nl5", true);
	ASSERT_DRAIN(t, "l4@12");
	put(fx.rotated, "\nl6\n", true);
	put(fx.path, "n1\n", false); /* the new file appears */
	ASSERT_DRAIN(t, "l5@15|l6@18|"
			"ROTATED|n1@3");
	put(fx.path, "n2\n", true);
	ASSERT_DRAIN(t, "n2@6");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_partial_last_line_of_rotated_file_is_emitted_whole(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\nbro", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 3, 100, 60000);
	ASSERT_DRAIN(t, "OPENED|a@2");
	put(fx.path, "ken", true);
	ASSERT_DRAIN(t, ""); /* never handed out in pieces */
	CU_ASSERT_FATAL(rename(fx.path, fx.rotated) == 0);
	put(fx.path, "c\n", false);
	ASSERT_DRAIN(t, "broken@8|"
			"ROTATED|c@2");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_restart_reads_rotated_file_found_by_inode_first(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\nb\nc\n", false);
	uint64_t old_ino = inode_of(fx.path);
	CU_ASSERT_FATAL(rename(fx.path, fx.rotated) == 0);
	put(fx.path, "new1\n", false);
	sl_tail_t *t = open_tail(fx.path, 2, old_ino, 0, 100, 60000);
	sl_tail_item_t it;
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_EVENT);
	CU_ASSERT_EQUAL(it.event, SL_TAIL_EV_RESUMED_ROTATED);
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_LINE);
	CU_ASSERT_EQUAL(it.inode, old_ino);
	CU_ASSERT_EQUAL(it.position, 4);
	ASSERT_DRAIN(t, "c@6|"
			"ROTATED|new1@5");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_restart_with_vanished_inode_reads_current_file_from_zero(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "x\ny\n", false);
	uint64_t ino = inode_of(fx.path);
	sl_tail_t *t = open_tail(fx.path, 2, ino + 1000003, 0, 100, 60000);
	sl_tail_item_t it;
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_EVENT);
	CU_ASSERT_EQUAL(it.event, SL_TAIL_EV_INODE_NOT_FOUND);
	CU_ASSERT(it.warn);
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_LINE);
	CU_ASSERT_EQUAL(it.inode, ino);
	ASSERT_DRAIN(t, "y@4");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_long_line_reported_with_position_and_skipped(void)
{
	fixture_t fx;
	fx_init(&fx);
	/* 20 x: longer than max_line 8; small reads see it in pieces */
	put(fx.path, "ok\nxxxxxxxxxxxxxxxxxxxx\nafter\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 4, 8, 60000);
	char *got = drain(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "ok@3|LONG@3+"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "|after@30"));
	CU_ASSERT_PTR_NULL(strstr(got, "xxx"));
	free(got);
	sl_tail_close(t);
	/* the whole line in one read: its full length is known */
	t = open_tail(fx.path, 0, 0, 0, 8, 60000);
	ASSERT_DRAIN(t, "OPENED|ok@3|LONG@3+20|after@30");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_line_of_exactly_max_line_bytes_is_accepted(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "12345678", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 3, 8, 60000);
	ASSERT_DRAIN(t, "OPENED"); /* 8 bytes, no newline yet: not too long */
	put(fx.path, "\n", true);
	ASSERT_DRAIN(t, "12345678@9");
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_missing_file_is_waited_for(void)
{
	fixture_t fx;
	fx_init(&fx);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 60000);
	ASSERT_DRAIN(t, "");
	CU_ASSERT_FALSE(sl_tail_is_open(t));
	put(fx.path, "hello\n", false);
	ASSERT_DRAIN(t, "OPENED|hello@6");
	CU_ASSERT_TRUE(sl_tail_is_open(t));
	sl_tail_close(t);
	fx_done(&fx);
}

static void test_removed_file_is_drained_closed_and_waited_for(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "a\n", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 0);
	ASSERT_DRAIN(t, "OPENED|a@2");
	CU_ASSERT_FATAL(rename(fx.path, fx.rotated) == 0);
	put(fx.rotated, "b\nc", true);
	ASSERT_DRAIN(t, "b@4|c@5|REMOVED");
	CU_ASSERT_FALSE(sl_tail_is_open(t));
	put(fx.path, "d\n", false);
	ASSERT_DRAIN(t, "OPENED|d@2");
	sl_tail_close(t);
	fx_done(&fx);
}

static sl_tail_t *open_tail_budget(const char *path, size_t read_size, size_t max_line,
				   size_t max_read)
{
	sl_tail_params_t p = {
		.max_line = max_line,
		.read_size = read_size,
		.missing_wait_ms = 60000,
		.max_read = max_read,
	};
	return sl_tail_open(path, 0, 0, &p);
}

/* A FIFO opens without a writer (open(O_RDONLY) would wait for one), says
 * once that it waits for one, is read as a stream (lines without a
 * resumable position) and is not taken for a truncated file when its size
 * (always 0) is below what was read. */
static void test_fifo_is_a_stream_that_says_once_it_waits_for_a_writer(void)
{
	fixture_t fx;
	sl_tail_item_t it;
	int w;

	fx_init(&fx);
	CU_ASSERT_FATAL(mkfifo(fx.path, 0644) == 0);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 0, 100, 60000);
	char *got = drain(t);
	CU_ASSERT_STRING_EQUAL(got, "STREAM|NO_WRITER");
	free(got);
	ASSERT_DRAIN(t, "");

	w = open(fx.path, O_WRONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(w >= 0);
	CU_ASSERT(write(w, "a\nb\n", 4) == 4);
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_LINE);
	CU_ASSERT(it.stream && it.len == 1 && it.line[0] == 'a');
	ASSERT_DRAIN(t, "b@4");
	close(w); /* no writer again: neither a truncation nor a second notice */
	sl_tail_check(t);
	ASSERT_DRAIN(t, "");
	w = open(fx.path, O_WRONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(w >= 0);
	CU_ASSERT(write(w, "c\n", 2) == 2);
	ASSERT_DRAIN(t, "c@6");
	close(w);
	sl_tail_close(t);
	fx_done(&fx);
}

/* /dev/zero is one endless line: after reporting it, each call reads at
 * most max_read bytes and returns without asking to be called again at
 * once (the caller idles), so a task neither hangs nor spins on it. */
static void test_endless_stream_line_is_read_in_bounded_idle_steps(void)
{
	sl_tail_item_t it;
	sl_tail_t *t = open_tail_budget("/dev/zero", 4096, 1000, 16384);
	int64_t t0;

	ASSERT_DRAIN(t, "STREAM|LONG@0+4096");
	t0 = sl_now_ms();
	for (int i = 0; i < 100; i++) {
		CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_NONE);
		CU_ASSERT_FALSE(it.more);
	}
	CU_ASSERT(sl_now_ms() - t0 < 1000);
	sl_tail_close(t);
}

/* A long line of a regular file is skipped in steps of max_read bytes that
 * ask to be called again at once: the file has an end, skipping it is
 * progress. */
static void test_long_line_of_a_file_is_skipped_in_bounded_busy_steps(void)
{
	fixture_t fx;
	sl_tail_item_t it;
	sl_buf_t text = {0};
	int steps = 0;

	fx_init(&fx);
	for (int i = 0; i < 100000; i++)
		sl_buf_append_char(&text, 'x');
	sl_buf_append_str(&text, "\nafter\n");
	put(fx.path, text.data, false);
	sl_tail_t *t = open_tail_budget(fx.path, 1000, 100, 10000);
	ASSERT_DRAIN(t, "OPENED|LONG@0+1000");
	while (sl_tail_next(t, &it) == SL_TAIL_NONE && it.more && steps < 1000)
		steps++;
	/* 99,000 bytes to skip after the first read, 10,000 to 11,100 a call
	 * (a read fills the buffer, which grew to max_line + read_size) */
	CU_ASSERT(steps >= 7 && steps <= 10);
	CU_ASSERT_EQUAL(it.kind, SL_TAIL_LINE);
	CU_ASSERT(it.kind == SL_TAIL_LINE && it.len == 5 && !memcmp(it.line, "after", 5));
	CU_ASSERT_EQUAL(it.position, 100007);
	sl_buf_free(&text);
	sl_tail_close(t);
	fx_done(&fx);
}

/* A directory (or block device, socket) is refused with a clear reason. */
static void test_directory_is_refused_with_a_clear_error(void)
{
	fixture_t fx;
	sl_tail_item_t it;

	fx_init(&fx);
	sl_tail_t *t = open_tail(fx.dir, 0, 0, 0, 100, 60000);
	CU_ASSERT_EQUAL(sl_tail_next(t, &it), SL_TAIL_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(it.msg ? it.msg : "", "is a directory: only regular files"));
	CU_ASSERT_FALSE(sl_tail_is_open(t));
	sl_tail_close(t);
	fx_done(&fx);
}

/* Every line handed out keeps its bytes until sl_tail_release, while the
 * tail reads on through small buffers, a truncation and a rotation. */
static void test_lines_stay_put_until_release(void)
{
	fixture_t fx;
	fx_init(&fx);
	put(fx.path, "alpha\nbeta\ngamma-delta\nep", false);
	sl_tail_t *t = open_tail(fx.path, 0, 0, 4, 100, 60000);
	const char *want[] = {"alpha", "beta", "gamma-delta", "epsilon", "zeta", "eta", "theta"};
	sl_tail_item_t held[8];
	size_t n = 0;
	sl_tail_item_t it;
	for (int round = 0; round < 4; round++) {
		for (int guard = 0; guard < 100 && sl_tail_next(t, &it) != SL_TAIL_NONE; guard++)
			if (it.kind == SL_TAIL_LINE && n < 8)
				held[n++] = it;
		if (round == 0)
			put(fx.path, "silon\nzeta\n", true);
		if (round == 1) {
			CU_ASSERT_FATAL(rename(fx.path, fx.rotated) == 0);
			put(fx.path, "eta\n", false);
		}
		if (round == 2)
			put(fx.path, "theta\n", true);
	}
	CU_ASSERT_EQUAL_FATAL(n, 7);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(held[i].len, strlen(want[i]));
		CU_ASSERT(held[i].len == strlen(want[i]) &&
			  !memcmp(held[i].line, want[i], held[i].len));
	}
	sl_tail_release(t);
	put(fx.path, "iota\n", true);
	ASSERT_DRAIN(t, "iota@15");
	sl_tail_close(t);
	fx_done(&fx);
}

void file_tail_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"lines_split_across_read_buffer_boundaries",
		 test_lines_split_across_read_buffer_boundaries},
		{"partial_line_waits_for_its_newline", test_partial_line_waits_for_its_newline},
		{"crlf_line_keeps_carriage_return", test_crlf_line_keeps_carriage_return},
		{"resume_at_stored_position_and_inode", test_resume_at_stored_position_and_inode},
		{"truncation_restarts_file_at_zero", test_truncation_restarts_file_at_zero},
		{"truncation_seen_by_check_before_file_regrows",
		 test_truncation_seen_by_check_before_file_regrows},
		{"truncated_while_stopped_starts_at_zero",
		 test_truncated_while_stopped_starts_at_zero},
		{"rename_rotation_neither_loses_duplicates_nor_splits",
		 test_rename_rotation_neither_loses_duplicates_nor_splits},
		{"partial_last_line_of_rotated_file_is_emitted_whole",
		 test_partial_last_line_of_rotated_file_is_emitted_whole},
		{"restart_reads_rotated_file_found_by_inode_first",
		 test_restart_reads_rotated_file_found_by_inode_first},
		{"restart_with_vanished_inode_reads_current_file_from_zero",
		 test_restart_with_vanished_inode_reads_current_file_from_zero},
		{"long_line_reported_with_position_and_skipped",
		 test_long_line_reported_with_position_and_skipped},
		{"line_of_exactly_max_line_bytes_is_accepted",
		 test_line_of_exactly_max_line_bytes_is_accepted},
		{"missing_file_is_waited_for", test_missing_file_is_waited_for},
		{"removed_file_is_drained_closed_and_waited_for",
		 test_removed_file_is_drained_closed_and_waited_for},
		{"fifo_is_a_stream_that_says_once_it_waits_for_a_writer",
		 test_fifo_is_a_stream_that_says_once_it_waits_for_a_writer},
		{"endless_stream_line_is_read_in_bounded_idle_steps",
		 test_endless_stream_line_is_read_in_bounded_idle_steps},
		{"long_line_of_a_file_is_skipped_in_bounded_busy_steps",
		 test_long_line_of_a_file_is_skipped_in_bounded_busy_steps},
		{"directory_is_refused_with_a_clear_error",
		 test_directory_is_refused_with_a_clear_error},
		{"lines_stay_put_until_release", test_lines_stay_put_until_release},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_tail", NULL, NULL, tests);
}
