/* libFuzzer target of the pgoutput decoder (connectors/postgres/pgoutput.h)
 * and of the Debezium events built from what it decodes (pg_event.h), as
 * the postgres-source stream runs them. The input's first byte picks the
 * event options (decimal.handling.mode, time.precision.mode); the rest is
 * a stream of messages, each a 2-byte big-endian length and that many
 * bytes (a last incomplete frame is one message of what is left), all
 * decoded by one decoder so that Relation messages fill the cache the
 * row messages need. Each message is decoded from a copy of exactly its
 * size, so that AddressSanitizer sees any read past it.
 *
 * Besides never crashing, leaking or hitting undefined behaviour, checked
 * with abort(): a refusal carries a message; a decoded message has a
 * known type; a Relation is the cached relation of its oid afterwards; a
 * row message has its relation and every datum it borrows lies inside
 * the message; an event that builds has a topic, and its key and value
 * go through the JSON converter; an LSN formats and parses back to
 * itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "pg_event.h"
#include "pgoutput.h"
#include "sluice/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "pgoutput_fuzz: %s: %s\n", what, err);
	abort();
}

/* Every datum of t points inside [p, p + n) or at nothing. */
static void check_tuple(const sl_pg_tuple_t *t, const uint8_t *p, size_t n)
{
	for (int c = 0; c < t->ncols; c++) {
		const sl_pg_datum_t *d = &t->cols[c];
		const uint8_t *at = (const uint8_t *)d->data;

		if (d->kind != SL_PG_TEXT && d->kind != SL_PG_BINARY)
			continue;
		if (d->len && (!at || at < p || at > p + n || d->len > (size_t)(p + n - at)))
			fail("tuple", "a datum lies outside its message");
	}
}

/* A built value goes through the JSON converter (schemas.enable, as
 * Debezium's events usually travel). What it wrote need not parse again:
 * a NaN or infinite float is written as Jackson writes it, a string. */
/* Made by the first event of an input and freed at its end: the schema
 * texts the converter keeps would otherwise outlive the input, and an
 * input that does not free what it allocated makes libFuzzer run a leak
 * scan of the whole heap after it (most of the time this target took). */
static sl_converter_t *conv;

static void check_value(const sl_value_t *v, const char *what)
{
	sl_buf_t out = {0};
	bool is_null = false;
	char err[512] = "";

	if (!conv) {
		sl_config_t *props = sl_config_new();
		sl_config_set(props, "schemas.enable", "true", NULL, 0);
		conv = sl_converter_new("json", false, props, err, sizeof(err));
		sl_config_free(props);
		if (!conv)
			fail("converter", err);
	}
	if (sl_converter_from_value(conv, "fz", v, &out, &is_null, err, sizeof(err)) != 0)
		fail(what, err);
	sl_buf_free(&out);
	if (v->kind != SL_VALUE_JSON_TEXT)
		return;
	/* An event's text is JSON, and the JSON writer writes its tree back
	 * to the same bytes: the text is what the converter would have
	 * written from a tree. */
	json_t *tree = json_loadb(v->data, v->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!tree)
		fail(what, "the event's text is not JSON");
	/* names that are not UTF-8 may become one name (U+FFFD, as Java
	 * decodes them) the tree holds once: not compared */
	if (memmem(v->data, v->len, "\xef\xbf\xbd", 3)) {
		json_decref(tree);
		return;
	}
	sl_json_write(&out, tree, v->schema);
	if (out.len != v->len || memcmp(out.data, v->data, v->len)) {
		fprintf(stderr, "text: %.*s\ntree: %s\n", (int)v->len, v->data,
			out.data ? out.data : "");
		fail(what, "the event's text differs from its tree written back");
	}
	json_decref(tree);
	sl_buf_free(&out);
}

/* Builds an event the way pg_stream.c does and checks it. */
static void build(sl_pg_event_builder_t *b, const sl_pg_msg_t *msg, const sl_pg_relation_t *rel,
		  const sl_pg_source_info_t *src)
{
	sl_value_t key = {0}, value = {0};
	const char *topic = NULL;
	char err[512] = "";
	int rc;

	if (msg->type == 'M') {
		rc = sl_pg_event_build_message(b, msg, src, &key, &value, &topic, err, sizeof(err));
	} else if (msg->type == 'T') {
		rc = sl_pg_event_build_truncate(b, rel, src, &key, &value, &topic, err,
						sizeof(err));
	} else {
		char op = msg->type == 'I' ? 'c' : msg->type == 'U' ? 'u' : 'd';
		const sl_pg_tuple_t *before =
			msg->type == 'D' || msg->has_old ? &msg->old_tuple : NULL;
		const sl_pg_tuple_t *after = msg->type == 'D' ? NULL : &msg->new_tuple;
		rc = sl_pg_event_build(b, rel, op, before, after, src, &key, &value, &topic, err,
				       sizeof(err));
	}
	if (rc != 0 && !err[0])
		fail("event", "a refusal without a message");
	if (rc == 0 && (!topic || !topic[0]))
		fail("event", "an event without a topic");
	if (rc == 0) {
		check_value(&key, "key");
		check_value(&value, "value");
	}
	sl_value_clear(&key);
	sl_value_clear(&value);
}

static void check_lsn(uint64_t lsn)
{
	char text[32];
	uint64_t back = 0;

	sl_pg_lsn_format(lsn, text, sizeof(text));
	if (sl_pg_lsn_parse(text, &back) != 0 || back != lsn)
		fail("lsn", text);
}

/* Decodes one message (p, n: a copy of exactly its size) and builds its
 * events. */
static void check_message(sl_pg_decoder_t *d, sl_pg_event_builder_t *b, const uint8_t *p, size_t n,
			  int64_t *commit_time_us)
{
	/* as pg_stream.c: the source block carries the Begin's commit time */
	sl_pg_source_info_t src = {.ts_ms = *commit_time_us / 1000,
				   .ts_us = *commit_time_us,
				   .snapshot = "false",
				   .txid = 731};
	sl_pg_msg_t msg;
	char err[512] = "";

	if (sl_pg_decode(d, p, n, &msg, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("decode", "a refusal without a message");
		return;
	}
	if (!memchr("BCORYIUDTM", msg.type, 10) || !msg.type)
		fail("decode", "an unknown message type decoded");
	src.lsn = msg.lsn ? msg.lsn : msg.final_lsn;
	check_lsn(msg.final_lsn);
	check_lsn(msg.end_lsn);
	switch (msg.type) {
	case 'B':
		*commit_time_us = msg.commit_time_us;
		break;
	case 'R':
		if (!msg.rel || sl_pg_decoder_relation(d, msg.rel->oid) != msg.rel)
			fail("relation", "not the cached relation of its oid");
		sl_pg_event_builder_invalidate(b, msg.rel->oid);
		break;
	case 'I':
	case 'U':
	case 'D':
		if (!msg.rel)
			fail("row", "a row message without its relation");
		if (msg.type == 'D' || msg.has_old)
			check_tuple(&msg.old_tuple, p, n);
		if (msg.type != 'D')
			check_tuple(&msg.new_tuple, p, n);
		build(b, &msg, msg.rel, &src);
		break;
	case 'T':
		for (int i = 0; i < msg.nrelids; i++) {
			const sl_pg_relation_t *rel = sl_pg_decoder_relation(d, msg.relids[i]);
			if (rel)
				build(b, &msg, rel, &src);
		}
		break;
	case 'M':
		build(b, &msg, NULL, &src);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_pg_event_config_t cfg = {
		.topic_prefix = "fz",
		.database = "postgres",
		.unavailable_placeholder = "__debezium_unavailable_value",
	};
	sl_pg_types_t *types;
	sl_pg_event_builder_t *b;
	sl_pg_decoder_t *d;
	size_t off = 1;
	int64_t commit_time_us = INT64_C(1764064800000000);

	if (size < 1)
		return 0;
	cfg.decimal_mode = (sl_pg_decimal_mode_t)(data[0] % 3);
	cfg.time_mode = (sl_pg_time_mode_t)((data[0] >> 2) & 1);
	types = sl_pg_types_new();
	b = sl_pg_event_builder_new(&cfg, types);
	d = sl_pg_decoder_new();
	while (off < size) {
		size_t n = size - off >= 2 ? (size_t)data[off] << 8 | data[off + 1] : 0;
		uint8_t *copy;

		off += size - off >= 2 ? 2 : size - off;
		if (n > size - off)
			n = size - off;
		copy = malloc(n ? n : 1);
		memcpy(copy, data + off, n);
		check_message(d, b, copy, n, &commit_time_us);
		free(copy);
		off += n;
	}
	sl_pg_decoder_free(d);
	sl_pg_event_builder_free(b);
	sl_pg_types_free(types);
	sl_converter_free(conv);
	conv = NULL;
	return 0;
}
