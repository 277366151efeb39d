/* Integration tests of transform chains in running tasks on the embedded
 * cluster: a file source's chain (predicates, negate, a test transform)
 * drops and reroutes records while its offsets still move past the dropped
 * ones; a transform that fails with errors.tolerance=all sends the record
 * to the dead letter queue with stage TRANSFORMATION; a sink's chain drops
 * records before put and fails the task on an error it does not
 * tolerate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "itest.h"
#include "runner.h"
#include "transform.h"

static itest_env_t env;

/* ITestGate: drops records whose value starts with "skip", fails on those
 * that start with "bad", keeps the rest. */
static bool value_starts(const sl_record_t *r, const char *prefix)
{
	size_t n = strlen(prefix);
	return (r->value.kind == SL_VALUE_STRING || r->value.kind == SL_VALUE_BYTES) &&
	       r->value.len >= n && !memcmp(r->value.data, prefix, n);
}

static char gate_state;

static void *gate_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	return &gate_state;
}

static sl_tx_result_t gate_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				 size_t err_size)
{
	if (value_starts(r, "skip"))
		return SL_TX_DROP;
	if (value_starts(r, "bad")) {
		snprintf(err, err_size, "refused %.*s", (int)r->value.len, r->value.data);
		return SL_TX_ERROR;
	}
	return SL_TX_KEEP;
}

static void gate_destroy(void *state)
{
}

static const sl_transform_def_t gate_def = {
	.name = "ITestGate",
	.classes = (const char *const[]){"test.ITestGate", NULL},
	.options = (const sl_option_t[]){SL_OPT_END},
	.doc = "test",
	.create = gate_create,
	.apply = gate_apply,
	.destroy = gate_destroy,
};

/* ITestRoute: appends "-routed" to the topic. */
static sl_tx_result_t route_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				  size_t err_size)
{
	char topic[256];
	int n = snprintf(topic, sizeof(topic), "%s-routed", r->topic);
	r->topic = sl_tx_intern(cx, topic, (size_t)n);
	return SL_TX_KEEP;
}

static const sl_transform_def_t route_def = {
	.name = "ITestRoute",
	.classes = (const char *const[]){"test.ITestRoute", NULL},
	.options = (const sl_option_t[]){SL_OPT_END},
	.doc = "test",
	.create = gate_create,
	.apply = route_apply,
	.destroy = gate_destroy,
};

static int suite_init(void)
{
	sl_transform_register_extra(&gate_def);
	sl_transform_register_extra(&route_def);
	return itest_env_open(&env, false, NULL);
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* The "position" stored for connector name's file in the offset file, or
 * -1. */
static long long stored_position(const char *name)
{
	char *path = itest_path(&env, "offsets.json");
	json_t *doc = json_load_file(path, 0, NULL);
	long long pos = -1;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "offsets"), i, e) {
		const char *who = json_string_value(json_array_get(json_object_get(e, "key"), 0));
		if (who && !strcmp(who, name))
			pos = json_integer_value(
				json_object_get(json_object_get(e, "value"), "position"));
	}
	json_decref(doc);
	free(path);
	return pos;
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void test_source_chain_drops_and_routes_and_offsets_move_past_drops(void)
{
	char *in = itest_path(&env, "t1.in"), *out = itest_path(&env, "t1.out");
	/* the last line is dropped: the stored offset must still reach it */
	write_file(in, "keep-1\nskip-2\nkeep-3\nskip-4\nkeep-5\nskip-6\n");
	const char *src[] = {"name",
			     "t1-src",
			     "connector.class",
			     "file-source",
			     "file",
			     in,
			     "topic",
			     "t1",
			     "transforms",
			     "gate,route",
			     "transforms.gate.type",
			     "ITestGate",
			     "transforms.gate.predicate",
			     "isT1",
			     "transforms.route.type",
			     "test.ITestRoute",
			     "transforms.route.predicate",
			     "isOther",
			     "transforms.route.negate",
			     "true",
			     "predicates",
			     "isT1,isOther",
			     "predicates.isT1.type",
			     "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
			     "predicates.isT1.pattern",
			     "t\\d",
			     "predicates.isOther.type",
			     "TopicNameMatches",
			     "predicates.isOther.pattern",
			     "other.*",
			     NULL};
	const char *snk[] = {"name",      "t1-sink", "connector.class",
			     "file-sink", "topics",  "t1-routed",
			     "file",      out,       NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	CU_ASSERT(itest_wait_lines(out, 3, 30000));
	sl_sleep_ms(500);
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text ? text : "", "keep-1\nkeep-3\nkeep-5\n");
	free(text);
	CU_ASSERT(itest_wait_state(env.worker, "t1-src", "RUNNING", 1000));
	itest_remove(env.worker, "t1-src"); /* a clean stop stores the offset */
	CU_ASSERT_EQUAL(stored_position("t1-src"), file_size(in));
	itest_remove(env.worker, "t1-sink");
	free(in);
	free(out);
}

static void test_failed_transform_goes_to_dead_letter_queue_when_tolerated(void)
{
	char *in = itest_path(&env, "t2.in"), *out = itest_path(&env, "t2.out");
	char *dlq_out = itest_path(&env, "t2dlq.out");
	write_file(in, "ok-1\nbad-2\nok-3\n");
	const char *src[] = {"name",
			     "t2-src",
			     "connector.class",
			     "file-source",
			     "file",
			     in,
			     "topic",
			     "t2",
			     "transforms",
			     "gate",
			     "transforms.gate.type",
			     "ITestGate",
			     "errors.tolerance",
			     "all",
			     "errors.deadletterqueue.topic.name",
			     "t2-dlq",
			     "errors.deadletterqueue.context.headers.enable",
			     "true",
			     NULL};
	const char *snk[] = {"name",      "t2-sink", "connector.class",
			     "file-sink", "topics",  "t2",
			     "file",      out,       NULL};
	const char *dlq[] = {"name",   "t2-dlq-reader", "connector.class", "file-sink", "topics",
			     "t2-dlq", "file",          dlq_out,           "format",    "json",
			     NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	itest_add(env.worker, dlq);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	CU_ASSERT_FATAL(itest_wait_lines(dlq_out, 1, 30000));
	sl_sleep_ms(500);
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text ? text : "", "ok-1\nok-3\n");
	free(text);
	CU_ASSERT_EQUAL(itest_count_lines(dlq_out), 1);
	char *line = sl_file_read_all(dlq_out, NULL);
	json_t *rec = json_loads(line, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	json_t *h = json_object_get(rec, "headers");
	const char *stage = json_string_value(json_object_get(h, "__connect.errors.stage"));
	CU_ASSERT_STRING_EQUAL(stage ? stage : "", "TRANSFORMATION");
	const char *why =
		json_string_value(json_object_get(h, "__connect.errors.exception.message"));
	SL_ASSERT_CONTAINS(why ? why : "", "transforms.gate (ITestGate): refused bad-2");
	json_decref(rec);
	free(line);
	CU_ASSERT(itest_wait_state(env.worker, "t2-src", "RUNNING", 1000));
	itest_remove(env.worker, "t2-src");
	CU_ASSERT_EQUAL(stored_position("t2-src"), file_size(in));
	itest_remove(env.worker, "t2-sink");
	itest_remove(env.worker, "t2-dlq-reader");
	free(in);
	free(out);
	free(dlq_out);
}

static void test_sink_chain_drops_before_put_and_fails_on_untolerated_error(void)
{
	char *in = itest_path(&env, "t3.in"), *out = itest_path(&env, "t3.out");
	write_file(in, "keep-1\nskip-2\nkeep-3\n");
	const char *src[] = {"name",        "t3-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "t3",     NULL};
	const char *snk[] = {"name",
			     "t3-sink",
			     "connector.class",
			     "file-sink",
			     "topics",
			     "t3",
			     "file",
			     out,
			     "transforms",
			     "gate",
			     "transforms.gate.type",
			     "ITestGate",
			     NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	sl_sleep_ms(500);
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text ? text : "", "keep-1\nkeep-3\n");
	free(text);
	/* errors.tolerance=none: a record the chain fails on fails the task */
	FILE *f = fopen(in, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("bad-4\n", f);
	fclose(f);
	CU_ASSERT(itest_wait_state(env.worker, "t3-sink", "FAILED", 30000));
	char *trace = NULL;
	free(itest_task_state(env.worker, "t3-sink", &trace));
	SL_ASSERT_CONTAINS(trace ? trace : "",
			   "stage TRANSFORMATION: transforms.gate (ITestGate): refused bad-4");
	free(trace);
	itest_remove(env.worker, "t3-src");
	itest_remove(env.worker, "t3-sink");
	free(in);
	free(out);
}

void transform_test_register(void)
{
	CU_TestInfo tests[] = {
		{"source_chain_drops_and_routes_and_offsets_move_past_drops",
		 test_source_chain_drops_and_routes_and_offsets_move_past_drops},
		{"failed_transform_goes_to_dead_letter_queue_when_tolerated",
		 test_failed_transform_goes_to_dead_letter_queue_when_tolerated},
		{"sink_chain_drops_before_put_and_fails_on_untolerated_error",
		 test_sink_chain_drops_before_put_and_fails_on_untolerated_error},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform", suite_init, suite_cleanup, tests);
}
