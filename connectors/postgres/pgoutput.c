/* Decoder of pgoutput protocol v1 messages into sl_pg_msg_t, with the cache
 * of relations that Relation messages describe, and the LSN text helpers. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_util.h"
#include "pgoutput.h"
#include "sluice/array.h"
#include "sluice/util.h"

struct sl_pg_decoder {
	/* the relation cache: sorted by oid, binary searched */
	sl_pg_relation_t **rels;
	size_t nrels, caprels;
	/* scratch reused by every call */
	sl_pg_datum_t *old_cols, *new_cols;
	size_t old_cap, new_cap;
	uint32_t *relids;
	size_t relids_cap;
};

/* A bounds-checked reader over one message. */
typedef struct reader {
	const uint8_t *p;
	size_t len, off;
	const char *what; /* message name, for errors */
	char *errstr;
	size_t errstr_size;
} reader_t;

static const char *msg_name(char type)
{
	switch (type) {
	case 'B':
		return "Begin";
	case 'C':
		return "Commit";
	case 'O':
		return "Origin";
	case 'R':
		return "Relation";
	case 'Y':
		return "Type";
	case 'I':
		return "Insert";
	case 'U':
		return "Update";
	case 'D':
		return "Delete";
	case 'T':
		return "Truncate";
	case 'M':
		return "Message";
	default:
		return "?";
	}
}

static int need(reader_t *r, size_t n, const char *field)
{
	if (r->len - r->off >= n)
		return 0;
	return sl_seterr(r->errstr, r->errstr_size,
			 "pgoutput %s message truncated: field %s at byte %zu needs %zu bytes, "
			 "%zu left",
			 r->what, field, r->off, n, r->len - r->off);
}

static int rd_u8(reader_t *r, const char *field, uint8_t *out)
{
	if (need(r, 1, field) < 0)
		return -1;
	*out = r->p[r->off++];
	return 0;
}

static int rd_u16(reader_t *r, const char *field, uint16_t *out)
{
	if (need(r, 2, field) < 0)
		return -1;
	const uint8_t *p = r->p + r->off;
	*out = (uint16_t)((p[0] << 8) | p[1]);
	r->off += 2;
	return 0;
}

static int rd_u32(reader_t *r, const char *field, uint32_t *out)
{
	if (need(r, 4, field) < 0)
		return -1;
	const uint8_t *p = r->p + r->off;
	*out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	r->off += 4;
	return 0;
}

static int rd_u64(reader_t *r, const char *field, uint64_t *out)
{
	uint32_t hi, lo;

	if (need(r, 8, field) < 0 || rd_u32(r, field, &hi) < 0 || rd_u32(r, field, &lo) < 0)
		return -1;
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}

/* A PostgreSQL timestamp (signed microseconds since 2000-01-01) as
 * microseconds since the Unix epoch. One that does not fit (after 294247
 * AD; a commit time is the server's clock) is an error, not a wrap. */
static int rd_time(reader_t *r, const char *field, int64_t *out)
{
	size_t at = r->off;
	uint64_t ts;

	if (rd_u64(r, field, &ts) < 0)
		return -1;
	if (__builtin_add_overflow((int64_t)ts, SL_PG_EPOCH_OFFSET_US, out))
		return sl_seterr(r->errstr, r->errstr_size,
				 "pgoutput %s message: field %s at byte %zu is out of range",
				 r->what, field, at);
	return 0;
}

/* A NUL-terminated string inside the message (borrowed). */
static int rd_str(reader_t *r, const char *field, const char **out)
{
	const void *nul = r->off < r->len ? memchr(r->p + r->off, '\0', r->len - r->off) : NULL;

	if (!nul)
		return sl_seterr(r->errstr, r->errstr_size,
				 "pgoutput %s message truncated: string %s at byte %zu has no "
				 "terminating NUL",
				 r->what, field, r->off);
	*out = (const char *)r->p + r->off;
	r->off = (size_t)((const uint8_t *)nul - r->p) + 1;
	return 0;
}

static int bad(reader_t *r, const char *fmt, ...) SL_PRINTF(2, 3);
static int bad(reader_t *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_seterr(r->errstr, r->errstr_size, "pgoutput %s message: %s", r->what, msg);
}

static int at_end(reader_t *r)
{
	if (r->off == r->len)
		return 0;
	return bad(r, "%zu unexpected trailing bytes at byte %zu", r->len - r->off, r->off);
}

/* ---- the relation cache ------------------------------------------------- */

void sl_pg_relation_free(sl_pg_relation_t *rel)
{
	if (!rel)
		return;
	for (int i = 0; i < rel->ncols; i++)
		free(rel->cols[i].name);
	free(rel->cols);
	free(rel->schema);
	free(rel->table);
	free(rel);
}

/* Index of oid in the cache, or where it would go (*found false). */
static uint32_t rel_oid_at(const void *rels, size_t i)
{
	return ((sl_pg_relation_t *const *)rels)[i]->oid;
}

static size_t rel_find(const sl_pg_decoder_t *d, uint32_t oid, bool *found)
{
	return sl_pg_oid_find(d->rels, d->nrels, oid, rel_oid_at, found);
}

const sl_pg_relation_t *sl_pg_decoder_relation(const sl_pg_decoder_t *d, uint32_t oid)
{
	bool found;
	size_t i = rel_find(d, oid, &found);
	return found ? d->rels[i] : NULL;
}

/* Keeps the catalog-filled optional flag of columns that stay the same. */
static void carry_optional(sl_pg_relation_t *rel, const sl_pg_relation_t *old)
{
	for (int i = 0; i < rel->ncols; i++) {
		for (int k = 0; k < old->ncols; k++) {
			if (old->cols[k].type_oid == rel->cols[i].type_oid &&
			    !strcmp(old->cols[k].name, rel->cols[i].name)) {
				rel->cols[i].optional = old->cols[k].optional;
				break;
			}
		}
	}
}

/* Stores rel (taking it), replacing the relation of the same oid. */
static const sl_pg_relation_t *rel_store(sl_pg_decoder_t *d, sl_pg_relation_t *rel)
{
	bool found;
	size_t i = rel_find(d, rel->oid, &found);

	if (found) {
		carry_optional(rel, d->rels[i]);
		sl_pg_relation_free(d->rels[i]);
		d->rels[i] = rel;
		return rel;
	}
	SL_ARRAY_RESERVE(d->rels, d->nrels + 1, d->caprels);
	memmove(d->rels + i + 1, d->rels + i, (d->nrels - i) * sizeof(*d->rels));
	d->rels[i] = rel;
	d->nrels++;
	return rel;
}

sl_pg_decoder_t *sl_pg_decoder_new(void)
{
	return sl_calloc(1, sizeof(sl_pg_decoder_t));
}

void sl_pg_decoder_free(sl_pg_decoder_t *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nrels; i++)
		sl_pg_relation_free(d->rels[i]);
	free(d->rels);
	free(d->old_cols);
	free(d->new_cols);
	free(d->relids);
	free(d);
}

/* ---- messages ----------------------------------------------------------- */

static int decode_begin(reader_t *r, sl_pg_msg_t *m)
{
	if (rd_u64(r, "final_lsn", &m->final_lsn) < 0 ||
	    rd_time(r, "commit_time", &m->commit_time_us) < 0 || rd_u32(r, "xid", &m->xid) < 0)
		return -1;
	return at_end(r);
}

static int decode_commit(reader_t *r, sl_pg_msg_t *m)
{
	if (rd_u8(r, "flags", &m->flags) < 0 || rd_u64(r, "commit_lsn", &m->commit_lsn) < 0 ||
	    rd_u64(r, "end_lsn", &m->end_lsn) < 0 ||
	    rd_time(r, "commit_time", &m->commit_time_us) < 0)
		return -1;
	return at_end(r);
}

static int decode_origin(reader_t *r, sl_pg_msg_t *m)
{
	if (rd_u64(r, "lsn", &m->lsn) < 0 || rd_str(r, "name", &m->origin_name) < 0)
		return -1;
	return at_end(r);
}

static int decode_type(reader_t *r, sl_pg_msg_t *m)
{
	if (rd_u32(r, "oid", &m->type_oid) < 0 || rd_str(r, "namespace", &m->type_namespace) < 0 ||
	    rd_str(r, "name", &m->type_name) < 0)
		return -1;
	return at_end(r);
}

static int decode_columns(reader_t *r, sl_pg_relation_t *rel)
{
	for (int i = 0; i < rel->ncols; i++) {
		sl_pg_column_t *c = &rel->cols[i];
		const char *name;
		uint8_t flags;
		uint32_t mod;

		if (rd_u8(r, "column flags", &flags) < 0 || rd_str(r, "column name", &name) < 0 ||
		    rd_u32(r, "column type oid", &c->type_oid) < 0 ||
		    rd_u32(r, "column type modifier", &mod) < 0)
			return -1;
		for (int k = 0; k < i; k++) /* PostgreSQL has no such table */
			if (!strcmp(rel->cols[k].name, name))
				return bad(r, "column name \"%.64s\" appears twice", name);
		c->name = sl_strdup(name);
		c->type_mod = (int32_t)mod;
		c->key = flags & 1;
		c->optional = true;
	}
	return 0;
}

static int decode_relation(sl_pg_decoder_t *d, reader_t *r, sl_pg_msg_t *m)
{
	sl_pg_relation_t *rel = sl_calloc(1, sizeof(*rel));
	const char *ns, *name;
	uint8_t ident;
	uint16_t ncols;

	if (rd_u32(r, "oid", &rel->oid) < 0 || rd_str(r, "namespace", &ns) < 0 ||
	    rd_str(r, "name", &name) < 0 || rd_u8(r, "replica identity", &ident) < 0 ||
	    rd_u16(r, "column count", &ncols) < 0)
		goto fail;
	rel->schema = sl_strdup(ns[0] ? ns : "pg_catalog");
	rel->table = sl_strdup(name);
	rel->replica_identity = (char)ident;
	if (ncols > 1664) { /* MaxTupleAttributeNumber */
		bad(r, "column count %u is out of range", ncols);
		goto fail;
	}
	/* every column takes at least 10 bytes: refuse before allocating */
	if (need(r, (size_t)ncols * 10, "columns") < 0)
		goto fail;
	rel->cols = sl_calloc(ncols ? ncols : 1, sizeof(*rel->cols));
	rel->ncols = ncols;
	if (decode_columns(r, rel) < 0 || at_end(r) < 0)
		goto fail;
	m->rel = rel_store(d, rel);
	return 0;
fail:
	sl_pg_relation_free(rel);
	return -1;
}

/* Reads TupleData into cols (grown as needed), checking it against rel. */
static int decode_tuple(reader_t *r, const sl_pg_relation_t *rel, sl_pg_datum_t **cols, size_t *cap,
			sl_pg_tuple_t *t)
{
	uint16_t n;

	if (rd_u16(r, "tuple column count", &n) < 0)
		return -1;
	if (n != rel->ncols)
		return bad(r, "tuple has %u columns but relation %s.%s (oid %" PRIu32 ") has %d", n,
			   rel->schema, rel->table, rel->oid, rel->ncols);
	SL_ARRAY_RESERVE(*cols, n, *cap);
	for (int i = 0; i < n; i++) {
		sl_pg_datum_t *c = &(*cols)[i];
		uint8_t kind;
		uint32_t len;

		if (rd_u8(r, "column kind", &kind) < 0)
			return -1;
		c->data = NULL;
		c->len = 0;
		switch (kind) {
		case 'n':
		case 'u':
			c->kind = (sl_pg_datum_kind_t)kind;
			continue;
		case 't':
		case 'b':
			c->kind = (sl_pg_datum_kind_t)kind;
			break;
		default:
			return bad(r, "unknown column kind 0x%02x for column %s at byte %zu", kind,
				   rel->cols[i].name, r->off - 1);
		}
		if (rd_u32(r, "column length", &len) < 0 || need(r, len, "column value") < 0)
			return -1;
		c->data = (const char *)r->p + r->off;
		c->len = len;
		r->off += len;
	}
	t->ncols = n;
	t->cols = *cols;
	return 0;
}

static int relation_of(sl_pg_decoder_t *d, reader_t *r, sl_pg_msg_t *m)
{
	uint32_t oid;

	if (rd_u32(r, "relation oid", &oid) < 0)
		return -1;
	m->rel = sl_pg_decoder_relation(d, oid);
	if (!m->rel)
		return bad(r, "relation oid %" PRIu32 " was not described by a Relation message",
			   oid);
	return 0;
}

static int decode_old_tuple(sl_pg_decoder_t *d, reader_t *r, sl_pg_msg_t *m, uint8_t kind)
{
	m->has_old = true;
	m->old_kind = (char)kind;
	return decode_tuple(r, m->rel, &d->old_cols, &d->old_cap, &m->old_tuple);
}

static int decode_change(sl_pg_decoder_t *d, reader_t *r, sl_pg_msg_t *m)
{
	uint8_t kind;

	if (relation_of(d, r, m) < 0 || rd_u8(r, "tuple kind", &kind) < 0)
		return -1;
	if (m->type == 'D' || (m->type == 'U' && kind != 'N')) {
		if (kind != 'K' && kind != 'O')
			return bad(r, "expected old tuple 'K' or 'O' at byte %zu, found 0x%02x",
				   r->off - 1, kind);
		if (decode_old_tuple(d, r, m, kind) < 0)
			return -1;
		if (m->type == 'D')
			return at_end(r);
		if (rd_u8(r, "tuple kind", &kind) < 0)
			return -1;
	}
	if (kind != 'N')
		return bad(r, "expected new tuple 'N' at byte %zu, found 0x%02x", r->off - 1, kind);
	if (decode_tuple(r, m->rel, &d->new_cols, &d->new_cap, &m->new_tuple) < 0)
		return -1;
	return at_end(r);
}

static int decode_truncate(sl_pg_decoder_t *d, reader_t *r, sl_pg_msg_t *m)
{
	uint32_t n;

	if (rd_u32(r, "relation count", &n) < 0 || rd_u8(r, "options", &m->truncate_options) < 0)
		return -1;
	if (n > (r->len - r->off) / 4)
		return need(r, (size_t)n * 4, "relation oids");
	SL_ARRAY_RESERVE(d->relids, n, d->relids_cap);
	for (uint32_t i = 0; i < n; i++)
		if (rd_u32(r, "relation oid", &d->relids[i]) < 0)
			return -1;
	m->nrelids = (int)n;
	m->relids = d->relids;
	return at_end(r);
}

static int decode_message(reader_t *r, sl_pg_msg_t *m)
{
	if (rd_u8(r, "flags", &m->flags) < 0 || rd_u64(r, "lsn", &m->lsn) < 0 ||
	    rd_str(r, "prefix", &m->prefix) < 0 ||
	    rd_u32(r, "content length", &m->content_len) < 0 ||
	    need(r, m->content_len, "content") < 0)
		return -1;
	m->transactional = m->flags & 1;
	m->content = (const char *)r->p + r->off;
	r->off += m->content_len;
	return at_end(r);
}

int sl_pg_decode(sl_pg_decoder_t *d, const uint8_t *data, size_t len, sl_pg_msg_t *msg,
		 char *errstr, size_t errstr_size)
{
	reader_t r = {.p = data, .len = len, .errstr = errstr, .errstr_size = errstr_size};

	memset(msg, 0, sizeof(*msg));
	if (len == 0)
		return sl_seterr(errstr, errstr_size, "pgoutput message is empty");
	msg->type = (char)data[0];
	r.off = 1;
	r.what = msg_name(msg->type);
	switch (msg->type) {
	case 'B':
		return decode_begin(&r, msg);
	case 'C':
		return decode_commit(&r, msg);
	case 'O':
		return decode_origin(&r, msg);
	case 'R':
		return decode_relation(d, &r, msg);
	case 'Y':
		return decode_type(&r, msg);
	case 'I':
	case 'U':
	case 'D':
		return decode_change(d, &r, msg);
	case 'T':
		return decode_truncate(d, &r, msg);
	case 'M':
		return decode_message(&r, msg);
	default:
		return sl_seterr(errstr, errstr_size,
				 "pgoutput message has unknown type 0x%02x at byte 0 (protocol "
				 "version 1 knows B C O R Y I U D T M)",
				 data[0]);
	}
}

/* ---- LSNs --------------------------------------------------------------- */

void sl_pg_lsn_format(uint64_t lsn, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32), (uint32_t)lsn);
}

/* Up to 8 hex digits ending at stop; returns the end or NULL. */
static const char *hex32(const char *s, char stop, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;

	for (; *s && *s != stop; s++, n++) {
		int x = sl_hex_digit(*s);
		if (x < 0)
			return NULL;
		if (n == 8)
			return NULL;
		v = (v << 4) | (uint32_t)x;
	}
	if (n == 0 || *s != stop)
		return NULL;
	*out = v;
	return s;
}

int sl_pg_lsn_parse(const char *text, uint64_t *out)
{
	uint32_t hi, lo;
	const char *s = text ? hex32(text, '/', &hi) : NULL;

	if (!s || !hex32(s + 1, '\0', &lo))
		return -1;
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}
