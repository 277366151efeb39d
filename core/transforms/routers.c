/* RegexRouter and TimestampRouter: transforms that change a record's topic
 * and nothing else. A topic string is interned (sl_tx_intern), and the
 * topics a router computed are remembered per input topic, so that routing
 * a stream of records of a few topics allocates nothing per record. */
#include <stdlib.h>
#include <string.h>

#include "datefmt.h"
#include "defs.h"
#include "regex.h"
#include "sluice/buf.h"
#include "sluice/mem.h"
#include "tx_struct.h"

/* Input topics whose route is remembered (RegexRouter). */
#define ROUTE_CACHE_SIZE 16

typedef struct route {
	char *from;     /* input topic (owned) */
	const char *to; /* interned */
} route_t;

/* ---- RegexRouter ---- */

typedef struct regex_router_cfg {
	char *regex;
	char *replacement;
} regex_router_cfg_t;

static const sl_option_t regex_router_options[] = {
	{.name = "regex",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Regular expression (Java syntax) to use for matching the whole topic name.",
	 SL_OPT_AT(regex_router_cfg_t, regex)},
	{.name = "replacement",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Replacement string: the topic becomes the first match replaced by it; it may "
		"refer to groups of the regex as $1 or ${name}.",
	 SL_OPT_AT(regex_router_cfg_t, replacement)},
	SL_OPT_END,
};

typedef struct regex_router {
	regex_router_cfg_t cfg;
	sl_regex_t *re;
	route_t cache[ROUTE_CACHE_SIZE];
	unsigned next; /* round-robin replacement */
} regex_router_t;

static void regex_router_destroy(void *state)
{
	regex_router_t *rr = state;
	if (!rr)
		return;
	for (size_t i = 0; i < ROUTE_CACHE_SIZE; i++)
		free(rr->cache[i].from);
	sl_regex_free(rr->re);
	sl_options_free(regex_router_options, &rr->cfg);
	free(rr);
}

static void *regex_router_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	regex_router_t *rr = sl_calloc(1, sizeof(*rr));
	char err[256];
	if (sl_options_load(regex_router_options, cfg, &rr->cfg, errs))
		goto fail;
	rr->re = sl_regex_new(rr->cfg.regex, err, sizeof(err));
	if (!rr->re) {
		sl_errlist_addf(errs, "regex: %s", err);
		goto fail;
	}
	return rr;
fail:
	regex_router_destroy(rr);
	return NULL;
}

static const route_t *route_find(const route_t *cache, const char *topic)
{
	for (size_t i = 0; i < ROUTE_CACHE_SIZE && cache[i].from; i++)
		if (!strcmp(cache[i].from, topic))
			return &cache[i];
	return NULL;
}

/* Kafka's RegexRouter: the topic changes only when the whole topic
 * matches, to the first match replaced. */
static sl_tx_result_t regex_router_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
					 size_t err_size)
{
	regex_router_t *rr = state;
	const char *topic = r->topic ? r->topic : "";
	const route_t *hit = route_find(rr->cache, topic);
	if (hit) {
		r->topic = hit->to;
		return SL_TX_KEEP;
	}
	const char *to = topic;
	size_t len = strlen(topic);
	if (sl_regex_matches(rr->re, topic, len)) {
		size_t out_len;
		char *out = sl_regex_replace(rr->re, topic, len, rr->cfg.replacement, false,
					     &out_len, err, err_size);
		if (!out)
			return SL_TX_ERROR;
		to = sl_tx_intern(cx, out, out_len);
		free(out);
	} else {
		to = sl_tx_intern(cx, topic, len);
	}
	route_t *slot = &rr->cache[rr->next];
	rr->next = (rr->next + 1) % ROUTE_CACHE_SIZE;
	free(slot->from);
	slot->from = sl_strdup(topic);
	slot->to = to;
	r->topic = to;
	return SL_TX_KEEP;
}

static const char *const regex_router_classes[] = {
	"org.apache.kafka.connect.transforms.RegexRouter", NULL};

const sl_transform_def_t sl_tx_regex_router = {
	.name = "RegexRouter",
	.classes = regex_router_classes,
	.variants = false,
	.options = regex_router_options,
	.doc = "Update the record topic using the configured regular expression and replacement "
	       "string. The regex must match the whole topic name; the topic becomes the first "
	       "match replaced (Java's Matcher.replaceFirst).",
	.create = regex_router_create,
	.takes_fields = true, /* reads neither key nor value */
	.apply = regex_router_apply,
	.destroy = regex_router_destroy,
};

/* ---- TimestampRouter ---- */

typedef struct timestamp_router_cfg {
	char *topic_format;
	char *timestamp_format;
} timestamp_router_cfg_t;

static const sl_option_t timestamp_router_options[] = {
	{.name = "topic.format",
	 .type = SL_OPT_STRING,
	 .def = "${topic}-${timestamp}",
	 .doc = "Format string which can contain ${topic} and ${timestamp} as placeholders for "
		"the topic and timestamp, respectively.",
	 SL_OPT_AT(timestamp_router_cfg_t, topic_format)},
	{.name = "timestamp.format",
	 .type = SL_OPT_STRING,
	 .def = "yyyyMMdd",
	 .doc = "Format string for the timestamp that is compatible with "
		"java.text.SimpleDateFormat (in UTC).",
	 SL_OPT_AT(timestamp_router_cfg_t, timestamp_format)},
	SL_OPT_END,
};

typedef struct timestamp_router {
	timestamp_router_cfg_t cfg;
	sl_datefmt_t *fmt;
	/* Reused per record: the timestamp, the format with the topic, the
	 * new topic. */
	sl_buf_t stamp, with_topic, topic;
} timestamp_router_t;

static void timestamp_router_destroy(void *state)
{
	timestamp_router_t *tr = state;
	if (!tr)
		return;
	sl_datefmt_free(tr->fmt);
	sl_buf_free(&tr->stamp);
	sl_buf_free(&tr->with_topic);
	sl_buf_free(&tr->topic);
	sl_options_free(timestamp_router_options, &tr->cfg);
	free(tr);
}

static void *timestamp_router_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	timestamp_router_t *tr = sl_calloc(1, sizeof(*tr));
	char err[256];
	if (sl_options_load(timestamp_router_options, cfg, &tr->cfg, errs))
		goto fail;
	tr->fmt = sl_datefmt_new(tr->cfg.timestamp_format, err, sizeof(err));
	if (!tr->fmt) {
		sl_errlist_addf(errs, "timestamp.format: not a SimpleDateFormat pattern: %s", err);
		goto fail;
	}
	return tr;
fail:
	timestamp_router_destroy(tr);
	return NULL;
}

/* out = in with every "${name}" replaced by value (String.replace). */
static void replace_all(sl_buf_t *out, const char *in, size_t in_len, const char *name,
			const char *value, size_t value_len)
{
	size_t n = strlen(name);
	sl_buf_reset(out);
	for (size_t i = 0; i < in_len;) {
		if (i + n <= in_len && !memcmp(in + i, name, n)) {
			if (value_len)
				sl_buf_append(out, value, value_len);
			i += n;
		} else {
			sl_buf_append_char(out, in[i++]);
		}
	}
	sl_buf_append(out, "", 0);
}

static sl_tx_result_t timestamp_router_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx,
					     char *err, size_t err_size)
{
	timestamp_router_t *tr = state;
	const char *topic = r->topic ? r->topic : "";
	if (!sl_txs_has_timestamp(r)) {
		sl_seterr(err, err_size, "Timestamp missing on record: topic %s, partition %d",
			  topic, (int)r->partition);
		return SL_TX_ERROR;
	}
	/* First ${topic}, then ${timestamp} in the result, as Kafka does. */
	replace_all(&tr->with_topic, tr->cfg.topic_format, strlen(tr->cfg.topic_format), "${topic}",
		    topic, strlen(topic));
	sl_buf_reset(&tr->stamp);
	sl_datefmt_format(tr->fmt, r->timestamp, &tr->stamp);
	replace_all(&tr->topic, tr->with_topic.data, tr->with_topic.len, "${timestamp}",
		    tr->stamp.data, tr->stamp.len);
	r->topic = sl_tx_intern(cx, tr->topic.data, tr->topic.len);
	return SL_TX_KEEP;
}

static const char *const timestamp_router_classes[] = {
	"org.apache.kafka.connect.transforms.TimestampRouter", NULL};

const sl_transform_def_t sl_tx_timestamp_router = {
	.name = "TimestampRouter",
	.classes = timestamp_router_classes,
	.variants = false,
	.options = timestamp_router_options,
	.doc = "Update the record's topic field as a function of the original topic value and the "
	       "record timestamp (in UTC). A record without a timestamp is an error.",
	.create = timestamp_router_create,
	.takes_fields = true, /* reads neither key nor value */
	.apply = timestamp_router_apply,
	.destroy = timestamp_router_destroy,
};
