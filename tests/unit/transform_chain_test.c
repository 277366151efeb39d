/* Unit tests of the transform chain (parsing of transforms / predicates
 * keys, every refusal with its message, predicates and negate, order,
 * drop, errors naming the alias), the predicates, and Java regular
 * expressions on PCRE2. */
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "runner.h"
#include "transform.h"
#include "transforms/defs.h"
#include "transforms/regex.h"
#include "worker.h"

/* ---- test transforms ---- */

/* ChainSuffix: appends suffix to the topic (an interned topic), refuses
 * the suffix "bad" in create. */
typedef struct suffix_tx {
	char *suffix;
	int64_t times;
} suffix_tx_t;

static const sl_option_t suffix_options[] = {
	{.name = "suffix", .type = SL_OPT_STRING, .required = true, .doc = "appended"},
	{.name = "times", .type = SL_OPT_INT, .def = "1", SL_OPT_MIN(1), .doc = "how often"},
	SL_OPT_END,
};

static void *suffix_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	suffix_tx_t *s = sl_calloc(1, sizeof(*s));
	s->suffix = sl_strdup(sl_config_get(cfg, "suffix"));
	s->times = sl_config_get(cfg, "times") ? atoi(sl_config_get(cfg, "times")) : 1;
	if (s->suffix && !strcmp(s->suffix, "bad")) {
		sl_errlist_addf(errs, "suffix: may not be 'bad'");
		free(s->suffix);
		free(s);
		return NULL;
	}
	return s;
}

static sl_tx_result_t suffix_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				   size_t err_size)
{
	suffix_tx_t *s = state;
	sl_buf_t b = {0};
	sl_buf_append_str(&b, r->topic);
	for (int64_t i = 0; i < s->times; i++)
		sl_buf_append_str(&b, s->suffix);
	r->topic = sl_tx_intern(cx, b.data, b.len);
	sl_buf_free(&b);
	return SL_TX_KEEP;
}

static void suffix_destroy(void *state)
{
	suffix_tx_t *s = state;
	free(s->suffix);
	free(s);
}

static const sl_transform_def_t test_suffix = {
	.name = "ChainSuffix",
	.classes = (const char *const[]){"com.example.ChainSuffix", NULL},
	.options = suffix_options,
	.doc = "test",
	.create = suffix_create,
	.apply = suffix_apply,
	.destroy = suffix_destroy,
};

/* ChainMark (variants): drops a record whose key or value is "drop",
 * fails on "fail", and counts the records it sees. */
static int mark_seen;

static void *mark_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	sl_tx_part_t *p = sl_malloc(sizeof(*p));
	*p = part;
	return p;
}

static sl_tx_result_t mark_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				 size_t err_size)
{
	const sl_value_t *v = *(sl_tx_part_t *)state == SL_TX_KEY ? &r->key : &r->value;
	mark_seen++;
	if (v->kind == SL_VALUE_STRING && v->len == 4 && !memcmp(v->data, "drop", 4))
		return SL_TX_DROP;
	if (v->kind == SL_VALUE_STRING && v->len == 4 && !memcmp(v->data, "fail", 4)) {
		snprintf(err, err_size, "boom");
		return SL_TX_ERROR;
	}
	return SL_TX_KEEP;
}

static const sl_transform_def_t test_mark = {
	.name = "ChainMark",
	.classes = (const char *const[]){"com.example.ChainMark", NULL},
	.variants = true,
	.options = (const sl_option_t[]){SL_OPT_END},
	.doc = "test",
	.create = mark_create,
	.apply = mark_apply,
	.destroy = free,
};

static int suite_init(void)
{
	sl_transform_register_extra(&test_suffix);
	sl_transform_register_extra(&test_mark);
	return 0;
}

/* ---- helpers ---- */

static sl_config_t *conf(const char *const *kv)
{
	sl_config_t *c = sl_config_new();
	sl_config_set_source(c, "c.properties");
	for (int line = 1; kv[0]; kv += 2, line++)
		sl_config_set(c, kv[0], kv[1], "c.properties", line);
	return c;
}

/* The chain of kv, which must build. */
static sl_transform_chain_t *chain_of(const char *const *kv)
{
	sl_config_t *c = conf(kv);
	sl_errlist_t errs = {0};
	bool failed = true;
	sl_transform_chain_t *ch = sl_transform_chain_new(c, &errs, &failed);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    unexpected: %s", errs.items[i]);
	CU_ASSERT_FALSE(failed);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_errlist_free(&errs);
	sl_config_free(c);
	return ch;
}

/* The errors of kv, joined by newlines (malloc()ed); the chain must
 * fail. */
static char *errors_of(const char *const *kv)
{
	sl_config_t *c = conf(kv);
	sl_errlist_t errs = {0};
	bool failed = false;
	CU_ASSERT_PTR_NULL(sl_transform_chain_new(c, &errs, &failed));
	CU_ASSERT_TRUE(failed);
	sl_buf_t b = {0};
	sl_buf_append_str(&b, "");
	for (size_t i = 0; i < errs.count; i++)
		sl_buf_appendf(&b, "%s\n", errs.items[i]);
	sl_errlist_free(&errs);
	sl_config_free(c);
	return sl_buf_steal(&b);
}

static void expect_error(const char *const *kv, const char *needle)
{
	char *e = errors_of(kv);
	SL_ASSERT_CONTAINS(e, needle);
	free(e);
}

static void record_on(sl_record_t *r, const char *topic, const char *value)
{
	sl_record_init(r);
	r->topic = topic;
	if (value)
		sl_value_set_string(&r->value, value, strlen(value));
}

/* ---- the chain ---- */

static void test_no_transforms_is_no_chain_and_no_error(void)
{
	const char *kv[] = {"name", "x", "transforms", "", NULL};
	CU_ASSERT_PTR_NULL(chain_of(kv));
	const char *only_preds[] = {"predicates", "p", "predicates.p.type", "RecordIsTombstone",
				    NULL};
	CU_ASSERT_PTR_NULL(chain_of(only_preds));
	sl_record_t r;
	record_on(&r, "t", "v");
	CU_ASSERT_EQUAL(sl_transform_chain_apply(NULL, &r, NULL, 0), SL_TX_KEEP);
	sl_record_clear(&r);
}

static void test_transforms_apply_in_listed_order(void)
{
	const char *kv[] = {"transforms",
			    "a,b",
			    "transforms.a.type",
			    "ChainSuffix",
			    "transforms.a.suffix",
			    "-a",
			    "transforms.b.type",
			    "com.example.ChainSuffix",
			    "transforms.b.suffix",
			    "-b",
			    "transforms.b.times",
			    "2",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	sl_record_t r;
	record_on(&r, "t", "v");
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, NULL, 0), SL_TX_KEEP);
	SL_ASSERT_TEXT(r.topic, "t-a-b-b");
	/* the same topic again is the same interned string */
	const char *first = r.topic;
	r.topic = "t";
	sl_transform_chain_apply(ch, &r, NULL, 0);
	CU_ASSERT_PTR_EQUAL(r.topic, first);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);

	const char *reversed[] = {"transforms",
				  "b,a",
				  "transforms.a.type",
				  "ChainSuffix",
				  "transforms.a.suffix",
				  "-a",
				  "transforms.b.type",
				  "ChainSuffix",
				  "transforms.b.suffix",
				  "-b",
				  NULL};
	ch = chain_of(reversed);
	record_on(&r, "t", "v");
	sl_transform_chain_apply(ch, &r, NULL, 0);
	SL_ASSERT_TEXT(r.topic, "t-b-a");
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_drop_stops_the_chain(void)
{
	const char *kv[] = {"transforms",
			    "m,s",
			    "transforms.m.type",
			    "ChainMark$Value",
			    "transforms.s.type",
			    "ChainSuffix",
			    "transforms.s.suffix",
			    "-s",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	sl_record_t r;
	record_on(&r, "t", "drop");
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, NULL, 0), SL_TX_DROP);
	SL_ASSERT_TEXT(r.topic, "t"); /* the suffix never ran */
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_error_names_the_alias_and_the_transform(void)
{
	const char *kv[] = {"transforms", "chk", "transforms.chk.type", "ChainMark$Key", NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	sl_record_t r;
	record_on(&r, "t", "fail"); /* the value says fail, the key is checked */
	char err[256] = "";
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_KEEP);
	sl_value_set_string(&r.key, "fail", 4);
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "transforms.chk (ChainMark$Key): boom");
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

/* Applies ch to a record on topic and returns whether ChainSuffix ran. */
static bool suffixed(sl_transform_chain_t *ch, const char *topic)
{
	sl_record_t r;
	record_on(&r, topic, "v");
	sl_transform_chain_apply(ch, &r, NULL, 0);
	bool ran = strcmp(r.topic, topic) != 0;
	sl_record_clear(&r);
	return ran;
}

static void test_predicate_and_negate_choose_the_records(void)
{
	const char *kv[] = {"transforms",
			    "s",
			    "transforms.s.type",
			    "ChainSuffix",
			    "transforms.s.suffix",
			    "-s",
			    "transforms.s.predicate",
			    "orders",
			    "predicates",
			    "orders",
			    "predicates.orders.type",
			    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
			    "predicates.orders.pattern",
			    "orders.*",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	CU_ASSERT_TRUE(suffixed(ch, "orders-1"));
	CU_ASSERT_FALSE(suffixed(ch, "users"));
	CU_ASSERT_FALSE(suffixed(ch, "my-orders")); /* a whole match, not a find */
	sl_transform_chain_free(ch);

	const char *neg[] = {"transforms",
			     "s",
			     "transforms.s.type",
			     "ChainSuffix",
			     "transforms.s.suffix",
			     "-s",
			     "transforms.s.predicate",
			     "orders",
			     "transforms.s.negate",
			     "true",
			     "predicates",
			     "orders",
			     "predicates.orders.type",
			     "TopicNameMatches",
			     "predicates.orders.pattern",
			     "orders.*",
			     NULL};
	ch = chain_of(neg);
	CU_ASSERT_FALSE(suffixed(ch, "orders-1"));
	CU_ASSERT_TRUE(suffixed(ch, "users"));
	sl_transform_chain_free(ch);
}

static void test_type_names_classes_and_variants(void)
{
	sl_tx_part_t part = SL_TX_VALUE;
	CU_ASSERT_PTR_EQUAL(sl_transform_find("ChainMark$Key", &part), &test_mark);
	CU_ASSERT_EQUAL(part, SL_TX_KEY);
	CU_ASSERT_PTR_EQUAL(sl_transform_find("com.example.ChainMark$Value", &part), &test_mark);
	CU_ASSERT_EQUAL(part, SL_TX_VALUE);
	CU_ASSERT_PTR_NULL(sl_transform_find("ChainMark", &part));
	CU_ASSERT_PTR_NULL(sl_transform_find("ChainSuffix$Key", &part));
	CU_ASSERT_PTR_EQUAL(sl_transform_find("com.example.ChainSuffix", &part), &test_suffix);
	CU_ASSERT_PTR_NULL(sl_transform_find("testsuffix", &part));
	CU_ASSERT_PTR_EQUAL(sl_predicate_find("HasHeaderKey"), &sl_pred_has_header_key);
	CU_ASSERT_PTR_EQUAL(
		sl_predicate_find(
			"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"),
		&sl_pred_record_is_tombstone);
	CU_ASSERT_PTR_NULL(sl_predicate_find("RecordIsTombstone$Value"));
}

static void test_refusals_name_the_key_and_where(void)
{
	const char *no_type[] = {"transforms", "a", NULL};
	expect_error(no_type, "c.properties: option 'transforms.a.type' is required");
	const char *unknown[] = {"transforms", "a", "transforms.a.type", "Nope", NULL};
	expect_error(unknown, "c.properties:2: option 'transforms.a.type': unknown transform "
			      "'Nope'; known: ");
	expect_error(unknown, "ChainMark$Key, ChainMark$Value");
	const char *needs_part[] = {"transforms", "a", "transforms.a.type", "ChainMark", NULL};
	expect_error(needs_part, "option 'transforms.a.type': 'ChainMark' works on the key or the "
				 "value: write 'ChainMark$Key' or 'ChainMark$Value'");
	const char *no_part[] = {
		"transforms", "a", "transforms.a.type", "ChainSuffix$Value", "transforms.a.suffix",
		"x",          NULL};
	expect_error(no_part, "'ChainSuffix$Value' has no $Key / $Value variants");
	const char *typo[] = {
		"transforms", "a", "transforms.a.type", "ChainSuffix", "transforms.a.sufix",
		"x",          NULL};
	expect_error(typo, "c.properties:3: unknown key 'transforms.a.sufix' for transform a "
			   "(ChainSuffix); did you mean 'transforms.a.suffix'?");
	expect_error(typo, "option 'transforms.a.suffix' is required");
	const char *bad_int[] = {"transforms",
				 "a",
				 "transforms.a.type",
				 "ChainSuffix",
				 "transforms.a.suffix",
				 "x",
				 "transforms.a.times",
				 "0",
				 NULL};
	expect_error(bad_int, "c.properties:4: option 'transforms.a.times'");
	const char *create[] = {
		"transforms", "a", "transforms.a.type", "ChainSuffix", "transforms.a.suffix",
		"bad",        NULL};
	expect_error(create, "c.properties:3: option 'transforms.a.suffix': may not be 'bad'");
}

static void test_refusals_of_aliases_predicates_and_negate(void)
{
	const char *dup[] = {"transforms", "a, a", "transforms.a.type", "ChainMark$Key", NULL};
	expect_error(dup, "c.properties:1: option 'transforms': duplicate alias 'a' provided");
	const char *stray[] = {
		"transforms",    "a", "transforms.a.type", "ChainMark$Key", "transforms.b.type",
		"ChainMark$Key", NULL};
	expect_error(stray, "c.properties:3: unknown key 'transforms.b.type': its alias is not "
			    "listed in 'transforms'");
	const char *negate[] = {
		"transforms", "a", "transforms.a.type", "ChainMark$Key", "transforms.a.negate",
		"true",       NULL};
	expect_error(negate, "c.properties:3: option 'transforms.a.negate' was provided but there "
			     "is no 'transforms.a.predicate' defining a predicate to be negated");
	const char *bad_negate[] = {"transforms",
				    "a",
				    "transforms.a.type",
				    "ChainMark$Key",
				    "transforms.a.negate",
				    "maybe",
				    "transforms.a.predicate",
				    "p",
				    "predicates",
				    "p",
				    "predicates.p.type",
				    "RecordIsTombstone",
				    NULL};
	expect_error(bad_negate, "c.properties:3: option 'transforms.a.negate'");
	const char *unlisted[] = {
		"transforms", "a", "transforms.a.type", "ChainMark$Key", "transforms.a.predicate",
		"p",          NULL};
	expect_error(unlisted, "c.properties:3: option 'transforms.a.predicate': 'p' is not an "
			       "alias listed in 'predicates'");
	const char *pred_type[] = {"predicates", "p", "predicates.p.type", "Nope", NULL};
	expect_error(pred_type, "option 'predicates.p.type': unknown predicate 'Nope'; known: "
				"TopicNameMatches, HasHeaderKey, RecordIsTombstone");
	const char *pattern[] = {"transforms",
				 "a",
				 "transforms.a.type",
				 "ChainMark$Key",
				 "predicates",
				 "p",
				 "predicates.p.type",
				 "TopicNameMatches",
				 "predicates.p.pattern",
				 "(orders",
				 NULL};
	expect_error(pattern, "c.properties:5: option 'predicates.p.pattern': entry must be a "
			      "Java-compatible regular expression: ");
	const char *no_pattern[] = {"predicates", "p", "predicates.p.type", "TopicNameMatches",
				    NULL};
	expect_error(no_pattern, "option 'predicates.p.pattern' is required");
	const char *pred_key[] = {
		"predicates", "p", "predicates.p.type", "HasHeaderKey", "predicates.p.nam",
		"x",          NULL};
	expect_error(pred_key, "unknown key 'predicates.p.nam' for predicate p; did you mean "
			       "'predicates.p.name'?");
}

/* sl_transform_chain_check reports every problem at once. */
static void test_check_reports_every_problem(void)
{
	const char *kv[] = {"transforms",  "a,b", "transforms.a.type", "Nope", "transforms.b.type",
			    "ChainSuffix", NULL};
	sl_config_t *c = conf(kv);
	sl_errlist_t errs = {0};
	sl_transform_chain_check(c, &errs);
	CU_ASSERT_EQUAL(errs.count, 2);
	sl_errlist_free(&errs);
	sl_config_free(c);
}

/* A connector config's transforms.* / predicates.* keys are accepted by
 * the connector validation, and judged by the chain. */
static void test_connector_validation_accepts_and_checks_transforms(void)
{
	const char *good[] = {"name",
			      "s",
			      "connector.class",
			      "file-source",
			      "file",
			      "/tmp/x",
			      "topic",
			      "t",
			      "transforms",
			      "a",
			      "transforms.a.type",
			      "ChainMark$Key",
			      "transforms.a.predicate",
			      "p",
			      "predicates",
			      "p",
			      "predicates.p.type",
			      "HasHeaderKey",
			      "predicates.p.name",
			      "h",
			      NULL};
	sl_config_t *c = conf(good);
	sl_errlist_t errs = {0};
	CU_ASSERT_EQUAL(sl_connector_config_validate(c, &errs), 0);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    unexpected: %s", errs.items[i]);
	sl_errlist_free(&errs);
	sl_config_set(c, "transforms.a.type", "Nope", "c.properties", 11);
	CU_ASSERT_EQUAL(sl_connector_config_validate(c, &errs), -1);
	CU_ASSERT_EQUAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.count ? errs.items[0] : "",
			   "option 'transforms.a.type': unknown transform 'Nope'");
	sl_errlist_free(&errs);
	sl_config_free(c);
}

/* ---- predicates ---- */

static void *make_pred(const sl_predicate_def_t *d, const char *key, const char *value)
{
	sl_config_t *c = sl_config_new();
	if (key)
		sl_config_set(c, key, value, NULL, 0);
	sl_errlist_t errs = {0};
	void *p = d->create(c, &errs);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_errlist_free(&errs);
	sl_config_free(c);
	return p;
}

static void test_has_header_key_and_record_is_tombstone(void)
{
	const sl_predicate_def_t *h = &sl_pred_has_header_key, *t = &sl_pred_record_is_tombstone;
	void *hs = make_pred(h, "name", "trace-id"), *none = make_pred(h, NULL, NULL);
	void *ts = make_pred(t, NULL, NULL);
	sl_record_t r;
	record_on(&r, "t", "v");
	CU_ASSERT_FALSE(h->test(hs, &r));
	sl_record_add_header(&r, "other", "1", 1);
	sl_record_add_header(&r, "trace-id", NULL, 0); /* a null value still counts */
	CU_ASSERT_TRUE(h->test(hs, &r));
	CU_ASSERT_FALSE(h->test(none, &r)); /* no name: nothing matches */
	CU_ASSERT_FALSE(t->test(ts, &r));
	sl_value_clear(&r.value);
	CU_ASSERT_TRUE(t->test(ts, &r));
	sl_value_set_json(&r.value, NULL, json_pack("{s:s}", "type", "string"));
	CU_ASSERT_TRUE(t->test(ts, &r)); /* a null of a schema */
	sl_value_set_json(&r.value, json_string(""), NULL);
	CU_ASSERT_FALSE(t->test(ts, &r));
	r.topic = NULL;
	void *tm = make_pred(&sl_pred_topic_name_matches, "pattern", ".*");
	CU_ASSERT_FALSE(sl_pred_topic_name_matches.test(tm, &r)); /* no topic never matches */
	sl_record_clear(&r);
	h->destroy(hs);
	h->destroy(none);
	t->destroy(ts);
	sl_pred_topic_name_matches.destroy(tm);
}

/* ---- Java regular expressions ---- */

static sl_regex_t *re_of(const char *pattern)
{
	char err[256] = "";
	sl_regex_t *re = sl_regex_new(pattern, err, sizeof(err));
	if (!re)
		fprintf(stderr, "\n    %s: %s", pattern, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(re);
	return re;
}

static bool whole(const char *pattern, const char *s)
{
	sl_regex_t *re = re_of(pattern);
	bool m = sl_regex_matches(re, s, strlen(s));
	sl_regex_free(re);
	return m;
}

/* s with pattern replaced (all or first); the error text when it fails. */
static char *replaced(const char *pattern, const char *s, const char *with, bool all)
{
	sl_regex_t *re = re_of(pattern);
	char err[256] = "";
	size_t len = 0;
	char *out = sl_regex_replace(re, s, strlen(s), with, all, &len, err, sizeof(err));
	sl_regex_free(re);
	if (out)
		CU_ASSERT_EQUAL(len, strlen(out));
	return out ? out : sl_asprintf("error: %s", err);
}

static void expect_replaced(const char *pattern, const char *s, const char *with, bool all,
			    const char *want)
{
	char *got = replaced(pattern, s, with, all);
	SL_ASSERT_TEXT(got, want);
	free(got);
}

static void test_regex_matches_is_a_whole_match(void)
{
	CU_ASSERT_TRUE(whole("orders.*", "orders-1"));
	CU_ASSERT_FALSE(whole("orders", "orders-1"));
	CU_ASSERT_FALSE(whole("orders", "my-orders"));
	CU_ASSERT_TRUE(whole("a|ab", "ab")); /* backtracks to cover the whole input */
	CU_ASSERT_TRUE(whole("\\u0041\\x42\\x{43}", "ABC"));
	CU_ASSERT_TRUE(whole("caf\\u00e9", "café"));
	CU_ASSERT_FALSE(whole("a.b", "a\rb")); /* \r ends a line in Java */
	CU_ASSERT_TRUE(whole("(?s)a.b", "a\rb"));
	CU_ASSERT_FALSE(whole("\\w+", "café")); /* \w is ASCII */
	CU_ASSERT_TRUE(whole("\\Q.*\\E", ".*"));
}

static void test_regex_replace_expands_groups_like_java(void)
{
	expect_replaced("(\\w+)-(\\d+)", "orders-12", "$2_$1", false, "12_orders");
	expect_replaced("(?<name>\\w+)\\.(?<n>\\d)", "db.1 db.2", "${n}:${name}", false,
			"1:db db.2");
	expect_replaced("(?<name>\\w+)\\.(?<n>\\d)", "db.1 db.2", "${n}:${name}", true,
			"1:db 2:db");
	/* $12 with one group: group 1 then a literal 2 */
	expect_replaced("(a)", "a", "$12", false, "a2");
	/* an escaped $ and backslash are literal */
	expect_replaced("a", "a", "\\$1\\\\", false, "$1\\");
	/* a group that did not take part adds nothing */
	expect_replaced("(x)?a", "a", "[$1]", false, "[]");
	/* $0 is the whole match */
	expect_replaced("b+", "abbc", "<$0>", true, "a<bb>c");
	/* after an empty match, the search goes on one character later */
	expect_replaced("x*", "abc", "-", true, "-a-b-c-");
	expect_replaced("b*", "ab", "-", true, "-a--");
	expect_replaced("z", "abc", "$9", true, "abc"); /* nothing matches: no check */
}

static void test_regex_replace_refuses_bad_references(void)
{
	expect_replaced("(a)", "a", "$2", false, "error: No group 2");
	expect_replaced("(a)", "a", "${x}", false, "error: No group with name {x}");
	expect_replaced("(a)", "a", "${}", false, "error: named capturing group has 0 length name");
	expect_replaced("(a)", "a", "${x", false,
			"error: named capturing group is missing trailing '}'");
	expect_replaced("(a)", "a", "$", false,
			"error: Illegal group reference: group index is missing");
	expect_replaced("(a)", "a", "$x", false, "error: Illegal group reference");
	expect_replaced("(a)", "a", "x\\", false, "error: character to be escaped is missing");
}

static void test_regex_bad_pattern_says_where(void)
{
	char err[256] = "";
	CU_ASSERT_PTR_NULL(sl_regex_new("ab(c", err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "near index 4");
	CU_ASSERT_PTR_NULL(sl_regex_new("[a-", err, sizeof(err)));
	CU_ASSERT_NOT_EQUAL(err[0], '\0');
}

/* ---- FIELDS: values HoistField and InsertField build without a tree ---- */

static sl_converter_t *json_conv(bool schemas)
{
	char err[256] = "";
	sl_config_t *props = sl_config_new();
	sl_config_set(props, "schemas.enable", schemas ? "true" : "false", NULL, 0);
	sl_converter_t *c = sl_converter_new("json", false, props, err, sizeof(err));
	sl_config_free(props);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* What conv writes for v (malloc()ed; "NULL" for none). */
static char *converted(sl_converter_t *conv, const sl_value_t *v)
{
	sl_buf_t out = {0};
	bool is_null = false;
	char err[256] = "";
	CU_ASSERT_EQUAL(sl_converter_from_value(conv, "t", v, &out, &is_null, err, sizeof(err)), 0);
	if (is_null)
		sl_buf_append_str(&out, "NULL");
	sl_buf_append_str(&out, "");
	return sl_buf_steal(&out);
}

/* Applies kv's chain to a record holding value (len bytes; bytes when
 * as_bytes) and checks that the JSON converter writes the FIELDS result
 * exactly as its JSON form (sl_value_materialize), which a transform
 * without FIELDS support would have built; returns that text. */
static char *fields_text(const char *const *kv, const char *value, size_t len, bool as_bytes,
			 bool schemas)
{
	sl_transform_chain_t *ch = chain_of(kv);
	sl_converter_t *conv = json_conv(schemas);
	sl_record_t r;

	record_on(&r, "orders", NULL);
	r.partition = 3;
	r.timestamp = 1700000000123;
	if (as_bytes)
		sl_value_set_bytes(&r.value, value, len);
	else
		sl_value_set_string(&r.value, value, len);
	char err[512] = "";
	sl_tx_result_t res = sl_transform_chain_apply(ch, &r, err, sizeof(err));
	if (res != SL_TX_KEEP)
		fprintf(stderr, "\n    %s\n", err);
	CU_ASSERT_EQUAL_FATAL(res, SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_FIELDS);
	char *direct = converted(conv, &r.value);
	sl_value_materialize(&r.value);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_JSON);
	char *tree = converted(conv, &r.value);
	CU_ASSERT_STRING_EQUAL(direct, tree);
	free(tree);
	sl_record_clear(&r);
	sl_converter_free(conv);
	sl_transform_chain_free(ch);
	return direct;
}

static void expect_fields(const char *const *kv, const char *value, size_t len, bool as_bytes,
			  bool schemas, const char *want)
{
	char *got = fields_text(kv, value, len, as_bytes, schemas);
	if (strcmp(got, want))
		fprintf(stderr, "\n    got  %s\n    want %s\n", got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

static void test_hoist_and_insert_build_fields_written_as_their_json(void)
{
	const char *kv[] = {"transforms",
			    "hoist,ins",
			    "transforms.hoist.type",
			    "HoistField$Value",
			    "transforms.hoist.field",
			    "line",
			    "transforms.ins.type",
			    "InsertField$Value",
			    "transforms.ins.static.field",
			    "origin",
			    "transforms.ins.static.value",
			    "bench",
			    "transforms.ins.topic.field",
			    "t",
			    "transforms.ins.partition.field",
			    "p!",
			    "transforms.ins.timestamp.field",
			    "ts",
			    NULL};
	expect_fields(kv, "a \"quoted\"\tline", 15, false, false,
		      "{\"line\":\"a \\\"quoted\\\"\\tline\",\"t\":\"orders\",\"p\":3,"
		      "\"ts\":1700000000123,\"origin\":\"bench\"}");
	/* invalid UTF-8 is replaced as Java's decoder replaces it, in the
	 * text and in the JSON form alike (the JSON form once was null) */
	expect_fields(kv,
		      "a\xff"
		      "b",
		      3, false, false,
		      "{\"line\":\"a\xEF\xBF\xBD"
		      "b\",\"t\":\"orders\",\"p\":3,"
		      "\"ts\":1700000000123,\"origin\":\"bench\"}");
	/* outside the BMP: Jackson's escaped surrogate pair */
	expect_fields(kv, "\xF0\x9F\x9A\x80", 4, false, false,
		      "{\"line\":\"\\uD83D\\uDE80\",\"t\":\"orders\",\"p\":3,"
		      "\"ts\":1700000000123,\"origin\":\"bench\"}");
	/* bytes are base64 */
	expect_fields(kv, "\x01\x02", 2, true, false,
		      "{\"line\":\"AQI=\",\"t\":\"orders\",\"p\":3,\"ts\":1700000000123,"
		      "\"origin\":\"bench\"}");
	/* with schemas: the struct HoistField builds around the string, the
	 * fields InsertField appends */
	char *got = fields_text(kv, "x", 1, false, true);
	SL_ASSERT_CONTAINS(got, "\"payload\":{\"line\":\"x\",\"t\":\"orders\",\"p\":3,"
				"\"ts\":1700000000123,\"origin\":\"bench\"}}");
	SL_ASSERT_CONTAINS(got, "{\"type\":\"int32\",\"optional\":false,\"field\":\"p\"}");
	free(got);
}

/* A schemaless value hoisted is a map: InsertField replaces a field it
 * has in its place (a struct refuses the name, as in Kafka). */
static void test_insert_replaces_a_hoisted_map_field_in_place(void)
{
	const char *kv[] = {"transforms",
			    "hoist,ins",
			    "transforms.hoist.type",
			    "HoistField$Value",
			    "transforms.hoist.field",
			    "line",
			    "transforms.ins.type",
			    "InsertField$Value",
			    "transforms.ins.static.field",
			    "line",
			    "transforms.ins.static.value",
			    "replaced",
			    "transforms.ins.topic.field",
			    "topic",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	sl_converter_t *conv = json_conv(false);
	sl_record_t r;
	record_on(&r, "t", NULL);
	sl_value_set_json(&r.value, json_integer(5), NULL);
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, NULL, 0), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_FIELDS);
	char *got = converted(conv, &r.value);
	CU_ASSERT_STRING_EQUAL(got, "{\"line\":\"replaced\",\"topic\":\"t\"}");
	free(got);
	sl_record_clear(&r);
	char err[512] = "";
	record_on(&r, "t", "text");
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_CONTAINS(err, "Cannot create field because of field name duplication line");
	sl_record_clear(&r);
	sl_converter_free(conv);
	sl_transform_chain_free(ch);
}

/* HoistField keeps a cleared record's block for the next one: records in
 * turn, and several alive at once (a sink's batch), each come out whole;
 * a constant's JSON text goes when another value replaces it. */
static void test_fields_blocks_are_reused_and_constants_replaced(void)
{
	const char *kv[] = {"transforms",
			    "hoist,ins,over",
			    "transforms.hoist.type",
			    "HoistField$Value",
			    "transforms.hoist.field",
			    "line",
			    "transforms.ins.type",
			    "InsertField$Value",
			    "transforms.ins.static.field",
			    "origin",
			    "transforms.ins.static.value",
			    "bench",
			    "transforms.over.type",
			    "InsertField$Value",
			    "transforms.over.topic.field",
			    "origin",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	sl_converter_t *conv = json_conv(false);
	sl_record_t r[3];
	char text[32], want[96];

	for (int round = 0; round < 2; round++) {
		size_t alive = round ? 3 : 1; /* one at a time, then three at once */
		for (int n = 0; n < 4; n++) {
			for (size_t i = 0; i < alive; i++) {
				snprintf(text, sizeof(text), "line-%d-%zu", n, i);
				record_on(&r[i], "t", NULL);
				sl_value_set_json(&r[i].value, json_string(text), NULL);
				CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r[i], NULL, 0),
						SL_TX_KEEP);
			}
			for (size_t i = 0; i < alive; i++) {
				snprintf(want, sizeof(want),
					 "{\"line\":\"line-%d-%zu\",\"origin\":\"t\"}", n, i);
				char *got = converted(conv, &r[i].value);
				CU_ASSERT_STRING_EQUAL(got, want);
				free(got);
				sl_record_clear(&r[i]);
			}
		}
	}
	sl_converter_free(conv);
	sl_transform_chain_free(ch);
}

/* A transform that does not take FIELDS gets the JSON form. */
static void test_a_transform_after_hoist_sees_json(void)
{
	const char *kv[] = {"transforms",
			    "hoist,pick",
			    "transforms.hoist.type",
			    "HoistField$Value",
			    "transforms.hoist.field",
			    "line",
			    "transforms.pick.type",
			    "ExtractField$Value",
			    "transforms.pick.field",
			    "line",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	sl_converter_t *conv = json_conv(false);
	sl_record_t r;
	record_on(&r, "t", "text\xfe");
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, NULL, 0), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_JSON);
	char *got = converted(conv, &r.value);
	CU_ASSERT_STRING_EQUAL(got, "\"text\xEF\xBF\xBD\"");
	free(got);
	sl_record_clear(&r);
	sl_converter_free(conv);
	sl_transform_chain_free(ch);
}

void transform_chain_test_register(void)
{
	CU_TestInfo tests[] = {
		{"no_transforms_is_no_chain_and_no_error",
		 test_no_transforms_is_no_chain_and_no_error},
		{"transforms_apply_in_listed_order", test_transforms_apply_in_listed_order},
		{"drop_stops_the_chain", test_drop_stops_the_chain},
		{"error_names_the_alias_and_the_transform",
		 test_error_names_the_alias_and_the_transform},
		{"predicate_and_negate_choose_the_records",
		 test_predicate_and_negate_choose_the_records},
		{"type_names_classes_and_variants", test_type_names_classes_and_variants},
		{"refusals_name_the_key_and_where", test_refusals_name_the_key_and_where},
		{"refusals_of_aliases_predicates_and_negate",
		 test_refusals_of_aliases_predicates_and_negate},
		{"check_reports_every_problem", test_check_reports_every_problem},
		{"connector_validation_accepts_and_checks_transforms",
		 test_connector_validation_accepts_and_checks_transforms},
		{"has_header_key_and_record_is_tombstone",
		 test_has_header_key_and_record_is_tombstone},
		{"regex_matches_is_a_whole_match", test_regex_matches_is_a_whole_match},
		{"regex_replace_expands_groups_like_java",
		 test_regex_replace_expands_groups_like_java},
		{"regex_replace_refuses_bad_references", test_regex_replace_refuses_bad_references},
		{"regex_bad_pattern_says_where", test_regex_bad_pattern_says_where},
		{"hoist_and_insert_build_fields_written_as_their_json",
		 test_hoist_and_insert_build_fields_written_as_their_json},
		{"insert_replaces_a_hoisted_map_field_in_place",
		 test_insert_replaces_a_hoisted_map_field_in_place},
		{"a_transform_after_hoist_sees_json", test_a_transform_after_hoist_sees_json},
		{"fields_blocks_are_reused_and_constants_replaced",
		 test_fields_blocks_are_reused_and_constants_replaced},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform_chain", suite_init, NULL, tests);
}
