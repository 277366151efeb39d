/* The record and its value model: construction, ownership and batches. */
#include "sluice/record.h"

#include <stdlib.h>
#include <string.h>

#include "convert_priv.h"
#include "json_parse.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "sluice/parse.h"
#include "sluice/util.h"

void sl_fields_free(sl_fields_t *f)
{
	if (f)
		for (size_t i = 0; i < f->count; i++)
			sl_value_clear(&f->f[i].value);
	free(f);
}

/* Whether clearing v frees nothing: it borrows its text or has none.
 * Without branches: a sink asks it twice per record. */
static inline bool owns_nothing(const sl_value_t *v)
{
	uintptr_t owned = (uintptr_t)v->json | (uintptr_t)v->schema | (uintptr_t)v->fields;
	return (v->borrowed | !v->data) & !owned;
}

/* Clears a FIELDS value's block: back home when home is empty (its
 * fields are made anew when it is used again: only what they own is
 * released). */
static void fields_release(sl_fields_t *f)
{
	if (f->home && !*f->home) {
		for (size_t i = 0; i < f->count; i++)
			if (!owns_nothing(&f->f[i].value))
				sl_value_clear(&f->f[i].value);
		f->count = 0;
		*f->home = f;
		return;
	}
	sl_fields_free(f);
}

/* Whether v holds nothing to release (a value's setters skip the call
 * to sl_value_clear then: a record's values are set a few times each). */
static inline bool holds_nothing(const sl_value_t *v)
{
	return !((uintptr_t)v->data | (uintptr_t)v->json | (uintptr_t)v->schema |
		 (uintptr_t)v->fields);
}

static inline void forget(sl_value_t *v)
{
	v->kind = SL_VALUE_NULL;
	v->borrowed = false;
	v->data = NULL;
	v->len = 0;
}

static inline void reset(sl_value_t *v)
{
	if (holds_nothing(v))
		forget(v);
	else
		sl_value_clear(v);
}

/* sl_value_clear for a value that holds something: out of line, so that
 * the common call (a value that holds nothing, a few a record) stays a
 * few instructions without this one's register saves. */
__attribute__((noinline)) static void release(sl_value_t *v)
{
	if (!v->borrowed)
		free((void *)v->data);
	if (v->json)
		json_decref(v->json);
	if (v->schema)
		json_decref(v->schema);
	if (v->fields)
		fields_release(v->fields);
	memset(v, 0, sizeof(*v));
}

void sl_value_clear(sl_value_t *v)
{
	if (owns_nothing(v)) /* nothing to free: a sink's borrowed message bytes */
		forget(v);
	else
		release(v);
}

void sl_value_set_string(sl_value_t *v, const char *s, size_t len)
{
	sl_value_take_string(v, sl_strndup(s, len), len);
}

void sl_value_set_bytes(sl_value_t *v, const void *p, size_t len)
{
	reset(v);
	char *d = sl_malloc(len + 1);
	if (len)
		memcpy(d, p, len);
	d[len] = '\0';
	v->kind = SL_VALUE_BYTES;
	v->data = d;
	v->len = len;
}

void sl_value_set_string_ref(sl_value_t *v, const char *s, size_t len)
{
	reset(v);
	v->kind = SL_VALUE_STRING;
	v->borrowed = true;
	v->data = s;
	v->len = len;
}

void sl_value_take_string(sl_value_t *v, char *s, size_t len)
{
	reset(v);
	v->kind = SL_VALUE_STRING;
	v->data = s;
	v->len = len;
}

void sl_value_set_json(sl_value_t *v, json_t *json, json_t *schema)
{
	reset(v);
	v->kind = SL_VALUE_JSON;
	v->json = json;
	v->schema = schema;
}

void sl_value_take_json_text(sl_value_t *v, char *text, size_t len, json_t *schema)
{
	reset(v);
	v->kind = SL_VALUE_JSON_TEXT;
	v->data = text;
	v->len = len;
	v->schema = schema;
}

void sl_value_set_fields(sl_value_t *v, size_t cap, json_t *schema, sl_fields_t **home)
{
	sl_fields_t *f = home ? *home : NULL;

	reset(v);
	cap = cap ? cap : 1;
	if (f && f->cap >= cap) {
		*home = NULL;
	} else {
		f = sl_malloc(sizeof(*f) + cap * sizeof(f->f[0]));
		f->cap = cap;
	}
	f->count = 0;
	f->home = home;
	v->fields = f;
	v->kind = SL_VALUE_FIELDS;
	v->schema = schema;
}

sl_field_t *sl_value_field_append(sl_value_t *v, const sl_field_name_t *name)
{
	sl_fields_t *f = v->fields;

	if (f->count == f->cap) {
		f->cap *= 2;
		f = v->fields = sl_realloc(f, sizeof(*f) + f->cap * sizeof(f->f[0]));
	}
	sl_field_t *slot = &f->f[f->count++];
	slot->name = name;
	slot->json = NULL;
	slot->json_len = 0;
	slot->value = (sl_value_t){0};
	return slot;
}

sl_field_t *sl_value_field_put(sl_value_t *v, const sl_field_name_t *name)
{
	sl_fields_t *f = v->fields;

	for (size_t i = 0; i < f->count; i++) {
		sl_field_t *have = &f->f[i];
		if (have->name == name || (have->name->len == name->len &&
					   !memcmp(have->name->name, name->name, name->len))) {
			sl_value_clear(&have->value);
			have->json = NULL;
			have->json_len = 0;
			return have;
		}
	}
	return sl_value_field_append(v, name);
}

void sl_field_name_init(sl_field_name_t *n, const char *name, size_t len)
{
	sl_buf_t key = {0};

	n->name = sl_strndup(name, len);
	n->len = len;
	sl_json_write_string(&key, name, len);
	sl_buf_append_char(&key, ':');
	n->json_len = key.len;
	n->json = sl_buf_steal(&key);
}

void sl_field_name_free(sl_field_name_t *n)
{
	free(n->name);
	free(n->json);
	*n = (sl_field_name_t){0};
}

static json_t *text_payload(const char *s, size_t len)
{
	if (sl_utf8_valid(s, len))
		return json_stringn_nocheck(s, len);
	size_t n;
	char *fixed = sl_utf8_replace_invalid(s, len, &n);
	json_t *j = json_stringn_nocheck(fixed, n);
	free(fixed);
	return j;
}

json_t *sl_value_payload(const sl_value_t *v)
{
	switch (v->kind) {
	case SL_VALUE_STRING:
		return text_payload(v->data, v->len);
	case SL_VALUE_BYTES: {
		char *b64 = sl_base64_encode(v->data, v->len);
		json_t *j = json_string_nocheck(b64);
		free(b64);
		return j;
	}
	case SL_VALUE_JSON:
		return v->json && !json_is_null(v->json) ? json_incref(v->json) : NULL;
	case SL_VALUE_FIELDS: {
		json_t *obj = json_object();
		for (size_t i = 0; i < v->fields->count; i++) {
			const sl_field_t *f = &v->fields->f[i];
			json_t *sub = sl_value_payload(&f->value);
			json_object_setn_new_nocheck(obj, f->name->name, f->name->len,
						     sub ? sub : json_null());
		}
		return obj;
	}
	case SL_VALUE_JSON_TEXT: {
		/* the text is JSON written by sluice: it parses, but keep a
		 * value rather than nothing if it ever did not */
		json_t *j = sl_json_parse(v->data, v->len, NULL);
		return j ? j : text_payload(v->data, v->len);
	}
	case SL_VALUE_NULL:
	default:
		return NULL;
	}
}

void sl_value_materialize(sl_value_t *v)
{
	if (v->kind != SL_VALUE_FIELDS && v->kind != SL_VALUE_JSON_TEXT)
		return;
	json_t *payload = sl_value_payload(v), *schema = v->schema;
	v->schema = NULL;
	sl_value_set_json(v, payload, schema);
}

/* Field by field rather than a memset, which GCC makes a "rep stos" that
 * cost a sink more than the rest of a record's conversion (records are
 * cleared once per message). A field added to sl_record_t belongs here. */
static inline void init_all_but_values(sl_record_t *r)
{
	r->topic = NULL;
	r->partition = -1;
	r->offset = -1;
	r->timestamp = 0;
	r->headers = NULL;
	r->header_count = 0;
	r->source_partition = NULL;
	r->source_offset = NULL;
	r->ack_data = NULL;
}

void sl_record_init(sl_record_t *r)
{
	r->key = (sl_value_t){0};
	r->value = (sl_value_t){0};
	init_all_but_values(r);
}

__attribute__((noinline)) static void free_headers(sl_record_t *r)
{
	for (size_t i = 0; i < r->header_count; i++) {
		free(r->headers[i].key);
		free(r->headers[i].value);
	}
	free(r->headers);
}

void sl_record_clear(sl_record_t *r)
{
	/* A value that owns nothing holds no JSON, schema or fields either:
	 * forgetting its bytes leaves it as sl_record_init would. */
	if (owns_nothing(&r->key))
		forget(&r->key);
	else
		release(&r->key);
	if (owns_nothing(&r->value))
		forget(&r->value);
	else
		release(&r->value);
	if (r->headers)
		free_headers(r);
	/* source_partition is borrowed */
	if (r->source_offset)
		json_decref(r->source_offset);
	init_all_but_values(r);
}

void sl_record_set_topic(sl_record_t *r, const char *topic)
{
	r->topic = topic;
}

void sl_record_add_header(sl_record_t *r, const char *key, const void *value, size_t len)
{
	r->headers = sl_realloc(r->headers, (r->header_count + 1) * sizeof(*r->headers));
	sl_header_t *h = &r->headers[r->header_count++];
	h->key = sl_strdup(key);
	h->value = value ? sl_strndup(value, len) : NULL;
	h->len = value ? len : 0;
}

/* Out of line: a batch grows a few times in its life, and records are
 * added to it one by one. */
__attribute__((noinline)) static void grow(sl_batch_t *b)
{
	size_t cap = b->cap ? b->cap * 2 : 256;
	b->records = sl_realloc(b->records, cap * sizeof(*b->records));
	for (size_t i = b->cap; i < cap; i++)
		sl_record_init(&b->records[i]);
	b->cap = cap;
}

sl_record_t *sl_batch_add(sl_batch_t *b)
{
	if (b->count == b->cap)
		grow(b);
	return &b->records[b->count++]; /* initialised: see sl_batch_t */
}

#define ARENA_CHUNK (1u << 20)

struct sl_arena_chunk {
	sl_arena_chunk_t *next;
	size_t used, cap;
	char data[];
};

const char *sl_batch_copy(sl_batch_t *b, const void *p, size_t len)
{
	sl_arena_chunk_t *c = b->arena;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
		c = sl_malloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		c->next = b->arena;
		b->arena = c;
	}
	char *d = c->data + c->used;
	if (len)
		memcpy(d, p, len);
	d[len] = '\0';
	c->used += len + 1;
	return d;
}

/* Frees every arena chunk but one, which is emptied for reuse. */
static void arena_reset(sl_batch_t *b, bool keep_one)
{
	sl_arena_chunk_t *c = b->arena;
	sl_arena_chunk_t *keep = NULL;
	while (c) {
		sl_arena_chunk_t *next = c->next;
		if (keep_one && !keep && c->cap == ARENA_CHUNK) {
			keep = c;
			keep->used = 0;
			keep->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	b->arena = keep;
}

bool sl_batch_pop(sl_batch_t *b, sl_record_t *out)
{
	if (!b->count)
		return false;
	*out = b->records[--b->count];
	sl_record_init(&b->records[b->count]);
	return true;
}

void sl_batch_truncate(sl_batch_t *b, size_t count)
{
	while (b->count > count)
		sl_record_clear(&b->records[--b->count]);
}

void sl_batch_reset(sl_batch_t *b)
{
	for (size_t i = 0; i < b->count; i++)
		sl_record_clear(&b->records[i]);
	b->count = 0;
	arena_reset(b, true);
}

void sl_batch_reset_cleared(sl_batch_t *b)
{
	b->count = 0;
	arena_reset(b, true);
}

void sl_batch_free(sl_batch_t *b)
{
	sl_batch_reset(b);
	arena_reset(b, false);
	free(b->records);
	memset(b, 0, sizeof(*b));
}
