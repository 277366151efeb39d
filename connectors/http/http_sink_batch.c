/* http-sink's pure decisions: rendering, URLs, batch bodies, response
 * classes, retry waits and the split plan (see http_sink_batch.h). */
#include "http_sink_batch.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/data.h"
#include "sluice/options.h"

/* ---- rendering ------------------------------------------------------------- */

int hsink_render_value(sl_buf_t *out, const sl_value_t *v, hsink_body_format_t format, char *errstr,
		       size_t errstr_size)
{
	if (v->kind == SL_VALUE_NULL || (v->kind == SL_VALUE_JSON && !v->json))
		return sl_seterr(errstr, errstr_size, "the value is null");
	if (format == HSINK_FORMAT_STRING) {
		if (!sl_value_text(out, v))
			sl_buf_append_str(out, "null"); /* a JSON null, as JSON text */
		return 0;
	}
	switch (v->kind) {
	case SL_VALUE_JSON:
		sl_json_write(out, v->json, v->schema);
		return 0;
	case SL_VALUE_STRING: {
		json_t *s = json_stringn(v->data ? v->data : "", v->len);
		if (!s)
			return sl_seterr(errstr, errstr_size,
					 "the string value is not UTF-8 and cannot be written as "
					 "JSON (request.body.format=json)");
		sl_json_write(out, s, NULL);
		json_decref(s);
		return 0;
	}
	default:
		return sl_seterr(errstr, errstr_size,
				 "the value is %zu bytes without a schema and cannot be written as "
				 "JSON (request.body.format=json; use string, or a converter that "
				 "gives JSON or strings)",
				 v->len);
	}
}

typedef struct url_arg {
	const char *topic;
	int32_t partition;
	const sl_value_t *key;
	bool no_key;
} url_arg_t;

static int url_lookup(void *arg, const char *name, size_t len, sl_buf_t *out)
{
	url_arg_t *a = arg;
	if (len == 5 && memcmp(name, "topic", 5) == 0) {
		http_url_escape_append(out, a->topic, strlen(a->topic));
	} else if (len == 9 && memcmp(name, "partition", 9) == 0) {
		sl_buf_appendf(out, "%" PRId32, a->partition);
	} else if (len == 3 && memcmp(name, "key", 3) == 0) {
		const sl_value_t *k = a->key;
		if (!k || k->kind == SL_VALUE_NULL || (k->kind == SL_VALUE_JSON && !k->json)) {
			a->no_key = true;
			return 0;
		}
		sl_buf_t text = {0};
		if (!sl_value_text(&text, k))
			sl_buf_append_str(&text, "null"); /* a JSON null */
		http_url_escape_append(out, text.data ? text.data : "", text.len);
		sl_buf_free(&text);
	} else {
		return -1;
	}
	return 0;
}

int hsink_url_expand(const char *tmpl, const char *topic, int32_t partition, const sl_value_t *key,
		     sl_buf_t *out, char *errstr, size_t errstr_size)
{
	url_arg_t a = {.topic = topic, .partition = partition, .key = key};
	sl_buf_reset(out);
	if (http_template_expand(tmpl, url_lookup, &a, out, errstr, errstr_size) != 0)
		return -1;
	if (a.no_key)
		return sl_seterr(errstr, errstr_size,
				 "the record has no key and http.api.url uses ${key}");
	return 0;
}

int hsink_url_scope(const char *tmpl)
{
	static const char *const none[] = {NULL};
	static const char *const part[] = {"topic", "partition", NULL};
	if (http_template_check(tmpl, none, NULL, NULL, 0) == 0)
		return 0;
	return http_template_check(tmpl, part, NULL, NULL, 0) == 0 ? 1 : 2;
}

/* ---- batches --------------------------------------------------------------- */

/* The texts around and between a batch's values. */
typedef struct {
	const char *pre, *sep, *suf;
	size_t pre_len, sep_len, suf_len;
} joints_t;

static joints_t joints(const hsink_batch_fmt_t *fmt)
{
	joints_t j = {
		.pre = fmt->json_array ? "["
		       : fmt->prefix   ? fmt->prefix
				       : "",
		.sep = fmt->json_array  ? ","
		       : fmt->separator ? fmt->separator
					: "",
		.suf = fmt->json_array ? "]"
		       : fmt->suffix   ? fmt->suffix
				       : "",
	};
	j.pre_len = strlen(j.pre);
	j.sep_len = strlen(j.sep);
	j.suf_len = strlen(j.suf);
	return j;
}

size_t hsink_body_size(const hsink_batch_fmt_t *fmt, const hsink_rec_t *recs, size_t n)
{
	if (!n)
		return 0;
	joints_t j = joints(fmt);
	size_t total = j.pre_len + j.suf_len + (n - 1) * j.sep_len;
	for (size_t i = 0; i < n; i++)
		total += recs[i].body_len;
	return total;
}

size_t hsink_body_read(hsink_body_reader_t *rd, const hsink_batch_fmt_t *fmt,
		       const hsink_rec_t *recs, size_t n, char *out, size_t room)
{
	joints_t j = joints(fmt);
	size_t pieces = n ? 2 * n + 1 : 0, done = 0;
	while (done < room && rd->piece < pieces) {
		size_t i = rd->piece, len;
		const char *s;
		if (i % 2) {
			len = recs[i / 2].body_len;
			s = len ? hsink_rec_body(&recs[i / 2]) : "";
		} else if (i == 0) {
			s = j.pre, len = j.pre_len;
		} else if (i / 2 < n) {
			s = j.sep, len = j.sep_len;
		} else {
			s = j.suf, len = j.suf_len;
		}
		size_t k = len - rd->at;
		if (k > room - done)
			k = room - done;
		memcpy(out + done, s + rd->at, k);
		done += k;
		rd->at += k;
		if (rd->at == len) {
			rd->piece++;
			rd->at = 0;
		}
	}
	return done;
}

size_t hsink_batch_extent(const hsink_rec_t *recs, size_t count, size_t max, bool *partial)
{
	*partial = false;
	if (count == 0)
		return 0;
	if (recs[0].is_delete)
		return 1;
	size_t n = 1;
	while (n < max && n < count && !recs[n].is_delete &&
	       (recs[n].url == recs[0].url || strcmp(recs[n].url, recs[0].url) == 0))
		n++;
	*partial = n < max && n == count;
	return n;
}

/* Trims blanks off [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Adds one "Name: value" item [s, e) to list (n items so far). */
static int header_add(char ***list, size_t *n, const char *s, const char *e, bool *has_ct,
		      char *errstr, size_t errstr_size)
{
	trim(&s, &e);
	if (s == e)
		return 0;
	const char *colon = memchr(s, ':', (size_t)(e - s));
	const char *ne = colon, *vs = colon ? colon + 1 : NULL, *ve = e;
	if (colon) {
		const char *ns = s;
		trim(&ns, &ne);
		trim(&vs, &ve);
	}
	if (!colon || ne == s)
		return sl_seterr(errstr, errstr_size, "header '%.*s' is not 'Name: value'",
				 (int)(e - s > 60 ? 60 : e - s), s);
	if (ne - s == 12 && strncasecmp(s, "Content-Type", 12) == 0)
		*has_ct = true;
	*list = sl_realloc(*list, (*n + 2) * sizeof(char *));
	(*list)[(*n)++] = sl_asprintf("%.*s: %.*s", (int)(ne - s), s, (int)(ve - vs), vs);
	(*list)[*n] = NULL;
	return 0;
}

char **hsink_headers_parse(const char *spec, const char *sep, bool *has_ct, char *errstr,
			   size_t errstr_size)
{
	char **list = sl_calloc(1, sizeof(char *));
	size_t n = 0, sep_len = sep && *sep ? strlen(sep) : 0;
	*has_ct = false;
	const char *p = spec ? spec : "";
	while (*p) {
		const char *end = sep_len ? strstr(p, sep) : NULL;
		if (!end)
			end = p + strlen(p);
		if (header_add(&list, &n, p, end, has_ct, errstr, errstr_size) != 0) {
			sl_strlist_free(list);
			return NULL;
		}
		p = *end ? end + sep_len : end;
	}
	return list;
}

/* ---- responses ------------------------------------------------------------- */

hsink_outcome_t hsink_classify(bool transport, bool transient, long status,
			       const http_codes_t *retry, bool split, bool oauth2)
{
	if (transport)
		return transient ? HSINK_RETRY : HSINK_FAILED;
	if (status >= 200 && status < 300)
		return HSINK_DELIVERED;
	if (status >= 500 || status == 429 || status == 408 || (status == 401 && oauth2))
		return HSINK_RETRY;
	if (retry && http_codes_match(retry, status))
		return split && status >= 400 && status < 500 ? HSINK_REFUSED : HSINK_RETRY;
	return HSINK_REFUSED;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

int64_t hsink_backoff_ms(int attempt, int64_t base, int64_t cap, hsink_backoff_policy_t policy,
			 uint64_t *rng)
{
	if (policy == HSINK_BACKOFF_CONSTANT || base <= 0)
		return base > 0 ? base : 0;
	int64_t d = base;
	for (int i = 1; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	int64_t half = d / 2;
	return d - half + (int64_t)(xorshift(rng) % (uint64_t)(half + 1));
}

int64_t hsink_retry_wait_ms(int64_t backoff, const char *retry_after, time_t now, int64_t cap)
{
	int64_t ra = http_retry_after_ms(retry_after, now, cap);
	return ra > backoff ? ra : backoff;
}

/* ---- the plan -------------------------------------------------------------- */

size_t hsink_plan_next(const hsink_plan_t *p)
{
	return p->count ? p->segs[p->count - 1].size : 0;
}

bool hsink_plan_splitting(const hsink_plan_t *p)
{
	return p->count && p->segs[p->count - 1].split;
}

static void plan_push(hsink_plan_t *p, size_t size, bool split)
{
	if (p->count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->segs = sl_realloc(p->segs, p->cap * sizeof(*p->segs));
	}
	p->segs[p->count++] = (hsink_seg_t){.size = size, .split = split};
}

void hsink_plan_split(hsink_plan_t *p, size_t n)
{
	if (p->count && p->segs[p->count - 1].size == n)
		p->count--; /* the refused batch was the planned one */
	size_t first = n / 2;
	plan_push(p, n - first, true);
	plan_push(p, first, true);
}

void hsink_plan_hold(hsink_plan_t *p, size_t n)
{
	if (!p->count || p->segs[p->count - 1].size != n)
		plan_push(p, n, false);
}

void hsink_plan_done(hsink_plan_t *p)
{
	if (p->count)
		p->count--;
}

void hsink_plan_free(hsink_plan_t *p)
{
	free(p->segs);
	memset(p, 0, sizeof(*p));
}
