/* Kafka Connect's predicates: TopicNameMatches, HasHeaderKey and
 * RecordIsTombstone, which decide whether a transform applies to a
 * record (transforms.<a>.predicate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "regex.h"
#include "tx_struct.h"

/* ConfigDef.NonEmptyString: set means not empty. */
static bool check_non_empty(const char *value, char *why, size_t why_size)
{
	if (*value)
		return true;
	snprintf(why, why_size, "String must be non-empty");
	return false;
}

/* ---- TopicNameMatches ---- */

typedef struct topic_matches {
	char *pattern;
	sl_regex_t *re;
} topic_matches_t;

static const sl_option_t topic_matches_options[] = {
	{.name = "pattern",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "A Java regular expression for matching against the name of a record's topic "
		"(the whole name must match).",
	 .check = check_non_empty,
	 SL_OPT_AT(topic_matches_t, pattern)},
	SL_OPT_END,
};

static void topic_matches_destroy(void *state)
{
	topic_matches_t *p = state;
	sl_options_free(topic_matches_options, p);
	sl_regex_free(p->re);
	free(p);
}

static void *topic_matches_create(const sl_config_t *cfg, sl_errlist_t *errs)
{
	topic_matches_t *p = sl_calloc(1, sizeof(*p));
	char err[512];
	sl_errlist_t mine = {0};
	if (sl_options_load(topic_matches_options, cfg, p, &mine) != 0) {
		/* the chain checked the keys: say only that they are wrong */
		sl_errlist_addf(errs, "pattern: %s", mine.items[0]);
	} else if (!(p->re = sl_regex_new(p->pattern, err, sizeof(err)))) {
		sl_errlist_addf(errs,
				"pattern: entry must be a Java-compatible regular expression: %s",
				err);
	}
	sl_errlist_free(&mine);
	if (p->re)
		return p;
	topic_matches_destroy(p);
	return NULL;
}

/* Records without a topic never match, as in Kafka Connect. */
static bool topic_matches_test(void *state, const sl_record_t *r)
{
	const topic_matches_t *p = state;
	return r->topic && sl_regex_matches(p->re, r->topic, strlen(r->topic));
}

static const char *const topic_matches_classes[] = {
	"org.apache.kafka.connect.transforms.predicates.TopicNameMatches", NULL};

const sl_predicate_def_t sl_pred_topic_name_matches = {
	.name = "TopicNameMatches",
	.classes = topic_matches_classes,
	.options = topic_matches_options,
	.doc = "True for records whose topic name matches a Java regular expression as a whole.",
	.create = topic_matches_create,
	.test = topic_matches_test,
	.destroy = topic_matches_destroy,
};

/* ---- HasHeaderKey ---- */

typedef struct has_header {
	char *name; /* NULL: unset, no record matches */
} has_header_t;

static const sl_option_t has_header_options[] = {
	{.name = "name",
	 .type = SL_OPT_STRING,
	 .doc = "The header name.",
	 .check = check_non_empty,
	 SL_OPT_AT(has_header_t, name)},
	SL_OPT_END,
};

static void has_header_destroy(void *state)
{
	sl_options_free(has_header_options, state);
	free(state);
}

static void *has_header_create(const sl_config_t *cfg, sl_errlist_t *errs)
{
	has_header_t *p = sl_calloc(1, sizeof(*p));
	sl_errlist_t mine = {0};
	if (sl_options_load(has_header_options, cfg, p, &mine) != 0) {
		sl_errlist_addf(errs, "name: %s", mine.items[0]);
		sl_errlist_free(&mine);
		has_header_destroy(p);
		return NULL;
	}
	return p;
}

static bool has_header_test(void *state, const sl_record_t *r)
{
	const has_header_t *p = state;
	for (size_t i = 0; p->name && i < r->header_count; i++)
		if (!strcmp(r->headers[i].key, p->name))
			return true;
	return false;
}

static const char *const has_header_classes[] = {
	"org.apache.kafka.connect.transforms.predicates.HasHeaderKey", NULL};

const sl_predicate_def_t sl_pred_has_header_key = {
	.name = "HasHeaderKey",
	.classes = has_header_classes,
	.options = has_header_options,
	.doc = "True for records with at least one header of the given name.",
	.create = has_header_create,
	.test = has_header_test,
	.destroy = has_header_destroy,
};

/* ---- RecordIsTombstone ---- */

static const sl_option_t no_options[] = {SL_OPT_END};

/* A predicate without state still needs a non-NULL one from create. */
static char tombstone_state;

static void *tombstone_create(const sl_config_t *cfg, sl_errlist_t *errs)
{
	return &tombstone_state;
}

/* A tombstone is a record whose value is null (of a schema or not). */
static bool tombstone_test(void *state, const sl_record_t *r)
{
	return sl_txs_is_null(&r->value);
}

static void tombstone_destroy(void *state)
{
}

static const char *const tombstone_classes[] = {
	"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", NULL};

const sl_predicate_def_t sl_pred_record_is_tombstone = {
	.name = "RecordIsTombstone",
	.classes = tombstone_classes,
	.options = no_options,
	.doc = "True for tombstones: records whose value is null.",
	.create = tombstone_create,
	.test = tombstone_test,
	.destroy = tombstone_destroy,
};
