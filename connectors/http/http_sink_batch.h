/* The pure decisions of http-sink, apart from libcurl and the worker: how
 * a record's value and key are rendered, its URL expanded, a batch's body
 * read, a response classified (delivered, retried, refused, failed),
 * how long a retry waits, and the plan of batch sizes that splits a
 * refused batch in halves down to the records the server refuses. */
#ifndef SL_HTTP_SINK_BATCH_H
#define SL_HTTP_SINK_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_util.h"
#include "sluice/buf.h"
#include "sluice/record.h"

typedef enum hsink_body_format {
	HSINK_FORMAT_STRING = 0,
	HSINK_FORMAT_JSON,
} hsink_body_format_t;

typedef enum hsink_backoff_policy {
	HSINK_BACKOFF_CONSTANT = 0,
	HSINK_BACKOFF_EXPONENTIAL,
} hsink_backoff_policy_t;

/* A piece of a partition queue's bytes. Values are rendered into the
 * newest block; an older one stays where it is until its records are gone,
 * so a request in flight reads its records where they lie (a block's data
 * may move only while it is the newest and grows: records keep offsets). */
typedef struct hsink_block {
	sl_buf_t bytes;
	struct hsink_block *next;
} hsink_block_t;

/* One record waiting for its 2xx, as the sink keeps it (copied from the
 * borrowed record in put). */
typedef struct hsink_rec {
	const char *url; /* owned when url_owned, else the task's or partition's */
	bool url_owned;
	bool is_delete;       /* a null value sent as a DELETE of its own, no body */
	hsink_block_t *block; /* where its rendered value lies, */
	size_t body_at;       /* starting here */
	size_t body_len;      /* 0 for a delete */
	int64_t offset;
	int64_t timestamp;
	char *key; /* the key as text, kept for reports only (malloc()ed) */
	size_t key_len;
} hsink_rec_t;

/* How a batch's records are joined into one body. */
typedef struct hsink_batch_fmt {
	const char *prefix, *separator, *suffix; /* NULL counts as "" */
	bool json_array; /* "[" a "," b "]": prefix, separator and suffix unused */
} hsink_batch_fmt_t;

/* Appends v rendered as format wants to out: string writes strings and
 * bytes as they are and JSON values as compact JSON text (a JSON string as
 * its text); json writes JSON values as JsonConverter would (sl_json_write)
 * and strings as JSON string literals. Returns 0, or -1 with errstr when v
 * cannot be rendered (bytes as json, a string that is not UTF-8 as json,
 * a null value); out may then hold a partial result. */
int hsink_render_value(sl_buf_t *out, const sl_value_t *v, hsink_body_format_t format, char *errstr,
		       size_t errstr_size);

/* Expands tmpl's ${topic}, ${partition} and ${key} for one record into out
 * (emptied first); the key is rendered as text (JSON values compact, a
 * JSON string as its text) and percent-encoded. Returns 0, or -1 with
 * errstr (a ${key} of a record without key, an unknown placeholder). */
int hsink_url_expand(const char *tmpl, const char *topic, int32_t partition, const sl_value_t *key,
		     sl_buf_t *out, char *errstr, size_t errstr_size);
/* Which placeholders tmpl uses: 0 none, 1 only ${topic} / ${partition}
 * (one URL per partition), 2 ${key} (one per record). */
int hsink_url_scope(const char *tmpl);

/* The rendered value of r (body_len bytes). */
static inline const char *hsink_rec_body(const hsink_rec_t *r)
{
	return r->block->bytes.data + r->body_at;
}

/* Where a reading of a batch's body stands; zeroed: at the start. The body
 * is read straight from the records' blocks (prefix, values joined by the
 * separator, suffix), never assembled. */
typedef struct hsink_body_reader {
	size_t piece; /* 0 prefix, 2k+1 value k, 2k+2 separator after it or suffix */
	size_t at;    /* bytes of the piece read */
} hsink_body_reader_t;

/* The size of the body of records recs[0, n) (none a delete). */
size_t hsink_body_size(const hsink_batch_fmt_t *fmt, const hsink_rec_t *recs, size_t n);
/* Copies the next bytes of that body, up to room, to out; returns how many
 * (0 once all were read). */
size_t hsink_body_read(hsink_body_reader_t *rd, const hsink_batch_fmt_t *fmt,
		       const hsink_rec_t *recs, size_t n, char *out, size_t room);

/* How many records from recs[0] (count of them waiting) go into the next
 * batch: at most max, all with recs[0]'s URL, a delete alone. When the
 * batch is cut short by the end of what waits (not by max, a URL change or
 * a delete), *partial is set: more records may still join it. */
size_t hsink_batch_extent(const hsink_rec_t *recs, size_t count, size_t max, bool *partial);

/* Splits a header spec ("Name: value|Other: x") at sep (a literal
 * string) into a NULL-terminated malloc()ed list of "Name: value" lines
 * (sl_strlist_free), blanks around names and values trimmed; *has_ct says
 * whether one is Content-Type. NULL with errstr when an item has no ':' or
 * an empty name. A NULL or empty spec is the empty list. */
char **hsink_headers_parse(const char *spec, const char *sep, bool *has_ct, char *errstr,
			   size_t errstr_size);

/* ---- responses ----------------------------------------------------------- */

typedef enum hsink_outcome {
	HSINK_DELIVERED = 0, /* 2xx */
	HSINK_RETRY,         /* may pass: retried with backoff up to max.retries */
	HSINK_REFUSED,       /* the server refuses what it got: split the batch */
	HSINK_FAILED,        /* retrying cannot help and splitting neither (bad URL, TLS) */
} hsink_outcome_t;

/* Classifies a finished request: transport says whether it failed before
 * a status came (transient: whether http_curl_transient holds); status is
 * the final HTTP status otherwise. Connection errors, timeouts, 5xx, 408,
 * 429 and the codes of retry are HSINK_RETRY, except that a code of retry
 * that is a 4xx is HSINK_REFUSED once the batch is being split (split), so
 * that halves are not retried max.retries times each. 401 with OAUTH2
 * (oauth2) is HSINK_RETRY: the token is fetched again. Other codes outside
 * 2xx are HSINK_REFUSED. */
hsink_outcome_t hsink_classify(bool transport, bool transient, long status,
			       const http_codes_t *retry, bool split, bool oauth2);

/* The wait before retry number attempt (1 for the first retry): base
 * under CONSTANT; under EXPONENTIAL base * 2^(attempt-1), capped at cap,
 * then jittered into [d/2, d] with the xorshift state *rng. */
int64_t hsink_backoff_ms(int attempt, int64_t base, int64_t cap, hsink_backoff_policy_t policy,
			 uint64_t *rng);
/* The wait before a retry given the backoff and the response's Retry-After
 * value (may be NULL): the longer of the two, Retry-After capped at cap. */
int64_t hsink_retry_wait_ms(int64_t backoff, const char *retry_after, time_t now, int64_t cap);

/* ---- the plan of batch sizes --------------------------------------------- */

/* Sizes the next batches of one partition must have, as a stack (top
 * last): empty while batches are formed freely. A refused batch of n is
 * replaced by its halves (first half on top); a batch that waits for a
 * retry is held at its size so the retry resends exactly its records. */
typedef struct hsink_seg {
	size_t size;
	bool split; /* part of a refused batch */
} hsink_seg_t;

typedef struct hsink_plan {
	hsink_seg_t *segs;
	size_t count, cap;
} hsink_plan_t;

/* The size the next batch must have, or 0 when free. */
size_t hsink_plan_next(const hsink_plan_t *p);
/* Whether the next batch is part of a refused batch. */
bool hsink_plan_splitting(const hsink_plan_t *p);
/* The batch of n records now at the front was refused; n > 1. */
void hsink_plan_split(hsink_plan_t *p, size_t n);
/* The batch of n records now at the front waits for a retry. */
void hsink_plan_hold(hsink_plan_t *p, size_t n);
/* The batch now at the front is done (delivered or failed for good). */
void hsink_plan_done(hsink_plan_t *p);
void hsink_plan_free(hsink_plan_t *p);

#endif
