/* Unit tests of the postgres-source's stream handling (pg_stream.c) fed
 * with captured pgoutput messages, without a server: what the source block
 * of a change event says about the transactions around it, as Debezium
 * 3.6 writes it (source.sequence and source.origin). */
#include <stdlib.h>
#include <string.h>

#include "pg_source_task.h"
#include "pgoutput_fixtures.h"
#include "runner.h"
#include "sluice/util.h"

/* A source task state with what the stream needs and no connection. */
typedef struct stream {
	sl_pg_source_t st;
	sl_batch_t batch;
	uint8_t *bufs[16];
	int nbufs;
} stream_t;

static void stream_init(stream_t *s)
{
	char err[256];

	memset(s, 0, sizeof(*s));
	s->st.prefix = "pg";
	s->st.ecfg = (sl_pg_event_config_t){.topic_prefix = "pg", .database = "postgres"};
	s->st.types = sl_pg_types_new();
	s->st.builder = sl_pg_event_builder_new(&s->st.ecfg, s->st.types);
	s->st.dec = sl_pg_decoder_new();
	s->st.filter = sl_pg_filter_new(NULL, NULL, NULL, NULL, err, sizeof(err));
	s->st.partition = json_pack("{s:s}", "server", "pg");
	s->st.last_txid = -1;
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->st.filter);
}

static void stream_free(stream_t *s)
{
	for (int i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	sl_batch_free(&s->batch);
	sl_pg_event_builder_free(s->st.builder);
	sl_pg_types_free(s->st.types);
	sl_pg_decoder_free(s->st.dec);
	sl_pg_filter_free(s->st.filter);
	json_decref(s->st.partition);
	free(s->st.origin);
}

/* The bytes of a hex fixture, kept until stream_free. */
static uint8_t *bytes(stream_t *s, const char *hex, size_t *n)
{
	uint8_t *p;

	*n = strlen(hex) / 2;
	p = malloc(*n);
	for (size_t i = 0; i < *n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		p[i] = (uint8_t)v;
	}
	CU_ASSERT_FATAL(s->nbufs < 16);
	s->bufs[s->nbufs++] = p;
	return p;
}

/* Hands one XLogData message sent at wal_start to the stream. */
static void feed(stream_t *s, const char *hex, uint64_t wal_start)
{
	sl_pg_copy_msg_t m = {.kind = 'w', .wal_start = wal_start, .wal_end = wal_start};

	m.data = bytes(s, hex, &m.len);
	CU_ASSERT_EQUAL_FATAL(sl_pg_stream_handle(NULL, &s->st, &m, &s->batch), SL_OK);
}

/* The Relation message goes to the decoder directly: the stream would ask
 * the catalog about its columns. */
static void relation(stream_t *s, const char *hex)
{
	sl_pg_msg_t m;
	size_t n;
	char err[256];
	const uint8_t *p = bytes(s, hex, &n);

	CU_ASSERT_EQUAL_FATAL(sl_pg_decode(s->st.dec, p, n, &m, err, sizeof(err)), 0);
}

/* Record i's value as a JSON tree (events are JSON text). */
static const json_t *event_json(const stream_t *s, size_t i)
{
	sl_value_t *v = &s->batch.records[i].value;

	CU_ASSERT(v->kind == SL_VALUE_JSON_TEXT || v->kind == SL_VALUE_JSON); /* once asked */
	sl_value_materialize(v);
	return v->json;
}

static const char *source_string(const stream_t *s, size_t i, const char *field)
{
	const json_t *src = json_object_get(event_json(s, i), "source");

	return json_string_value(json_object_get(src, field));
}

static const json_t *source_field(const stream_t *s, size_t i, const char *field)
{
	return json_object_get(json_object_get(event_json(s, i), "source"), field);
}

/* An Origin message: 'O', the origin's commit LSN, its name. */
static char *origin_hex(uint64_t lsn, const char *name)
{
	sl_buf_t b = {0};

	sl_buf_appendf(&b, "4f%016llx", (unsigned long long)lsn);
	for (const char *p = name; *p; p++)
		sl_buf_appendf(&b, "%02x", (unsigned char)*p);
	sl_buf_append_str(&b, "00");
	return sl_buf_steal(&b);
}

/* The Begin of the transaction after FIX_BEGIN's (the stream skips one
 * that commits before the last commit seen). */
static const char BEGIN_NEXT[] = "42"
				 "0000000001537300"
				 "0003041b3ae9e7a5"
				 "000002dc";

static void test_sequence_starts_with_the_previous_transactions_end_lsn(void)
{
	stream_t s;

	stream_init(&s);
	relation(&s, FIX_REL_FULLROW);
	/* first transaction: nothing committed before it */
	feed(&s, FIX_BEGIN, 0x1537238);
	feed(&s, FIX_INS_FULLROW, 0x1537238);
	feed(&s, FIX_COMMIT, 0x1537270); /* commit_lsn 0/1537240, end_lsn 0/1537270 */
	/* second: Debezium's lastCommitLsn is the first one's end_lsn (where
	 * PostgreSQL sends the Commit message), not its commit record */
	feed(&s, BEGIN_NEXT, 0x1537270);
	feed(&s, FIX_INS_FULLROW, 0x1537270);
	CU_ASSERT_EQUAL_FATAL(s.batch.count, 2);
	CU_ASSERT_STRING_EQUAL(source_string(&s, 0, "sequence"), "[null,\"22245944\"]");
	CU_ASSERT_STRING_EQUAL(source_string(&s, 1, "sequence"), "[\"22246000\",\"22246000\"]");
	stream_free(&s);
}

static void test_a_message_outside_a_transaction_counts_as_a_commit(void)
{
	stream_t s;
	static const char begin_later[] = "42"
					  "000000000153c000"
					  "0003041b3ae9e7a5"
					  "000002dd";

	stream_init(&s);
	relation(&s, FIX_REL_FULLROW);
	feed(&s, FIX_BEGIN, 0x1537238);
	feed(&s, FIX_INS_FULLROW, 0x1537238);
	feed(&s, FIX_COMMIT, 0x1537270);
	feed(&s, FIX_MSG_NONTRANSACTIONAL, 0x153BBA8);
	feed(&s, begin_later, 0x153BC00);
	feed(&s, FIX_INS_FULLROW, 0x153BC00);
	CU_ASSERT_EQUAL_FATAL(s.batch.count, 3);
	/* Debezium's lastCommitLsn moves to the message's own position */
	CU_ASSERT_STRING_EQUAL(source_string(&s, 1, "sequence"), "[\"22264744\",\"22264744\"]");
	CU_ASSERT_STRING_EQUAL(source_string(&s, 2, "sequence"), "[\"22264744\",\"22264832\"]");
	stream_free(&s);
}

static void test_origin_is_the_transactions_own_and_cleared_at_the_next_begin(void)
{
	stream_t s;
	char *o = origin_hex(0x3000060, "pg_16390");

	stream_init(&s);
	relation(&s, FIX_REL_FULLROW);
	feed(&s, FIX_BEGIN, 0x1537238);
	feed(&s, o, 0x1537238);
	feed(&s, FIX_INS_FULLROW, 0x1537238);
	feed(&s, FIX_COMMIT, 0x1537270);
	feed(&s, BEGIN_NEXT, 0x1537270);
	feed(&s, FIX_INS_FULLROW, 0x1537270);
	CU_ASSERT_EQUAL_FATAL(s.batch.count, 2);
	CU_ASSERT_STRING_EQUAL(source_string(&s, 0, "origin"), "pg_16390");
	CU_ASSERT_EQUAL(json_integer_value(source_field(&s, 0, "origin_lsn")), 0x3000060);
	CU_ASSERT_TRUE(json_is_null(source_field(&s, 1, "origin")));
	CU_ASSERT_TRUE(json_is_null(source_field(&s, 1, "origin_lsn")));
	free(o);
	stream_free(&s);
}

void pg_stream_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"sequence starts with the previous transaction's end lsn",
		 test_sequence_starts_with_the_previous_transactions_end_lsn},
		{"a message outside a transaction counts as a commit",
		 test_a_message_outside_a_transaction_counts_as_a_commit},
		{"origin is the transaction's own and cleared at the next begin",
		 test_origin_is_the_transactions_own_and_cleared_at_the_next_begin},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pg_stream", NULL, NULL, tests);
}
