/* Unit tests for the log line formats: text, text under the journal and
 * JSON lines, read back from stderr redirected into a temporary file. */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sluice/log.h"
#include "sluice/util.h"

static char path[64];
static int saved_stderr = -1;

/* Sends stderr to a fresh file until capture_end. */
static void capture_begin(void)
{
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(fd >= 0 && saved_stderr >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restores stderr; what was written meanwhile, malloc()ed. */
static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	char *text = sl_file_read_all(path, NULL);
	return text ? text : sl_strdup("");
}

/* Points $JOURNAL_STREAM at the file stderr now goes to, as systemd does
 * for a service's stderr. */
static void pretend_journal(void)
{
	struct stat sb;
	char v[64];

	CU_ASSERT_FATAL(fstat(STDERR_FILENO, &sb) == 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static int suite_init(void)
{
	snprintf(path, sizeof(path), "/tmp/sluice-log-test-%ld", (long)getpid());
	return 0;
}

/* Back to what every other suite expects: text on plain stderr, INFO. */
static int suite_cleanup(void)
{
	unsetenv("JOURNAL_STREAM");
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	sl_log_set_level(SL_LOG_INFO);
	unlink(path);
	return 0;
}

static void test_text_line_has_utc_time_level_and_tag(void)
{
	int y, mo, d, h, mi, s, ms, n = 0;
	char level[8];

	unsetenv("JOURNAL_STREAM");
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	capture_begin();
	SL_WARN("conn/0", "disk %s is full", "/data");
	SL_INFO(NULL, "worker line");
	char *text = capture_end();
	CU_ASSERT_EQUAL(sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %7s %n", &y, &mo, &d, &h, &mi,
			       &s, &ms, level, &n),
			8);
	CU_ASSERT_STRING_EQUAL(level, "WARN");
	const char *first = " WARN  [conn/0] disk /data is full\n";
	CU_ASSERT(!strncmp(text + 24, first, strlen(first)));
	SL_ASSERT_CONTAINS(text, "Z INFO  worker line\n");
	free(text);
}

static void test_text_under_the_journal_has_priority_and_no_time(void)
{
	capture_begin();
	pretend_journal();
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	sl_log_set_level(SL_LOG_DEBUG);
	SL_ERROR("c/1", "broken");
	SL_WARN("c/1", "careful");
	SL_INFO(NULL, "started");
	SL_DEBUG("c/1", "detail");
	char *text = capture_end();
	sl_log_set_level(SL_LOG_INFO);
	SL_ASSERT_TEXT(text, "<3>ERROR [c/1] broken\n"
			     "<4>WARN  [c/1] careful\n"
			     "<6>INFO  started\n"
			     "<7>DEBUG [c/1] detail\n");
	free(text);
}

static void test_journal_stream_of_another_file_is_not_the_journal(void)
{
	/* A child started by the service inherits $JOURNAL_STREAM with its
	 * stderr sent elsewhere (here: another file of the same file system,
	 * so only the inode differs): it keeps its own time stamps. */
	struct stat sb;
	char v[64];

	CU_ASSERT_FATAL(stat("/tmp", &sb) == 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	capture_begin();
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	SL_INFO("c/0", "hello");
	char *text = capture_end();
	CU_ASSERT_NOT_EQUAL(text[0], '<');
	SL_ASSERT_CONTAINS(text, "Z INFO  [c/0] hello\n");
	/* Another device with the same inode is not it either. */
	capture_begin();
	CU_ASSERT_FATAL(fstat(STDERR_FILENO, &sb) == 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)sb.st_dev + 1,
		 (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	SL_INFO("c/0", "again");
	char *again = capture_end();
	CU_ASSERT_NOT_EQUAL(again[0], '<');
	SL_ASSERT_CONTAINS(again, "Z INFO  [c/0] again\n");
	unsetenv("JOURNAL_STREAM");
	free(text);
	free(again);
}

/* One JSON object per line: each line parses alone. */
static json_t *parse_line(const char *line)
{
	json_error_t err;
	json_t *j = json_loadb(line, strcspn(line, "\n"), 0, &err);
	if (!j)
		fprintf(stderr, "\n    not JSON (%s): %s\n", err.text, line);
	CU_ASSERT_PTR_NOT_NULL(j);
	return j;
}

static void test_json_lines_escape_what_json_needs(void)
{
	sl_log_set_format(SL_LOG_FORMAT_JSON);
	capture_begin();
	SL_ERROR("pg \"orders\"/0", "quote \" backslash \\ newline \n tab \t bell \a del \x7f "
				    "é € bad \xff\xc3 end");
	SL_INFO(NULL, "plain");
	char *text = capture_end();
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	char *second = strchr(text, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(second);
	json_t *a = parse_line(text), *b = parse_line(second + 1);
	CU_ASSERT_FATAL(a && b);
	SL_ASSERT_TEXT(json_string_value(json_object_get(a, "level")), "ERROR");
	SL_ASSERT_TEXT(json_string_value(json_object_get(a, "tag")), "pg \"orders\"/0");
	SL_ASSERT_TEXT(json_string_value(json_object_get(a, "msg")),
		       "quote \" backslash \\ newline \n tab \t bell \a del \x7f "
		       "é € bad \xef\xbf\xbd\xef\xbf\xbd end");
	const char *ts = json_string_value(json_object_get(a, "ts"));
	int y, mo, d, h, mi, s, ms, n = 0;
	CU_ASSERT(ts &&
		  sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &ms, &n) ==
			  7 &&
		  n == 24 && ts[n] == '\0');
	CU_ASSERT_EQUAL(json_object_size(a), 4);
	/* The worker's own lines have no tag. */
	SL_ASSERT_TEXT(json_string_value(json_object_get(b, "msg")), "plain");
	CU_ASSERT_PTR_NULL(json_object_get(b, "tag"));
	CU_ASSERT_EQUAL(json_object_size(b), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"level\":\"ERROR\",\"tag\":"));
	json_decref(a);
	json_decref(b);
	free(text);
}

static void test_json_lines_stay_json_under_the_journal(void)
{
	capture_begin();
	pretend_journal();
	sl_log_set_format(SL_LOG_FORMAT_JSON);
	SL_WARN("c/0", "careful");
	char *text = capture_end();
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	unsetenv("JOURNAL_STREAM");
	CU_ASSERT_EQUAL(text[0], '{');
	json_t *j = parse_line(text);
	SL_ASSERT_TEXT(json_string_value(json_object_get(j, "msg")), "careful");
	json_decref(j);
	free(text);
}

static void test_long_json_message_is_cut_and_still_json(void)
{
	size_t n = 6000;
	char *big = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = "\"\n\x01"[i % 3]; /* each byte grows to 2 or 6 */
	big[n] = '\0';
	sl_log_set_format(SL_LOG_FORMAT_JSON);
	capture_begin();
	SL_INFO("c/0", "%s", big);
	char *text = capture_end();
	sl_log_set_format(SL_LOG_FORMAT_TEXT);
	json_t *j = parse_line(text);
	const char *msg = json_string_value(json_object_get(j, "msg"));
	CU_ASSERT(msg && strlen(msg) > 1000 && !strncmp(msg, big, strlen(msg)));
	CU_ASSERT_EQUAL(strchr(text, '\n') - text + 1, (long)strlen(text)); /* one line */
	json_decref(j);
	free(text);
	free(big);
}

static void test_format_names_parse(void)
{
	sl_log_format_t f = SL_LOG_FORMAT_TEXT;

	CU_ASSERT_EQUAL(sl_log_format_parse("json", &f), 0);
	CU_ASSERT_EQUAL(f, SL_LOG_FORMAT_JSON);
	CU_ASSERT_EQUAL(sl_log_format_parse("TEXT", &f), 0);
	CU_ASSERT_EQUAL(f, SL_LOG_FORMAT_TEXT);
	CU_ASSERT_EQUAL(sl_log_format_parse("xml", &f), -1);
}

void log_test_register(void)
{
	CU_TestInfo tests[] = {
		{"text_line_has_utc_time_level_and_tag", test_text_line_has_utc_time_level_and_tag},
		{"text_under_the_journal_has_priority_and_no_time",
		 test_text_under_the_journal_has_priority_and_no_time},
		{"journal_stream_of_another_file_is_not_the_journal",
		 test_journal_stream_of_another_file_is_not_the_journal},
		{"json_lines_escape_what_json_needs", test_json_lines_escape_what_json_needs},
		{"json_lines_stay_json_under_the_journal",
		 test_json_lines_stay_json_under_the_journal},
		{"long_json_message_is_cut_and_still_json",
		 test_long_json_message_is_cut_and_still_json},
		{"format_names_parse", test_format_names_parse},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("log", suite_init, suite_cleanup, tests);
}
