/* Unit tests for the pgoutput decoder: messages captured from PostgreSQL 15
 * (pgoutput_fixtures.h), every truncation of them, corrupt copies, the
 * relation cache and the LSN helpers. */
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"
#include "pgoutput_fixtures.h"
#include "runner.h"
#include "sluice/util.h"

/* ---- helpers ------------------------------------------------------------ */

/* The bytes of a hex fixture, in a buffer of exactly their size (so that
 * AddressSanitizer sees any read past the end). */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		p[i] = (uint8_t)v;
	}
	*len = n;
	return p;
}

/* Decodes a fixture that must decode; msg borrows from the returned bytes
 * (free them after use). */
static uint8_t *decode_ok(sl_pg_decoder_t *d, const char *hex, sl_pg_msg_t *msg)
{
	char err[512] = "";
	size_t len;
	uint8_t *p = unhex(hex, &len);
	int rc = sl_pg_decode(d, p, len, msg, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "\n    sl_pg_decode: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return p;
}

/* Decodes bytes that must be refused; returns the error (static buffer). */
static const char *decode_err(sl_pg_decoder_t *d, const uint8_t *p, size_t len)
{
	static char err[512];
	sl_pg_msg_t msg;
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, p, len);
	err[0] = '\0';
	int rc = sl_pg_decode(d, copy, len, &msg, err, sizeof(err));
	free(copy);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(err[0] != '\0');
	return err;
}

static bool datum_is(const sl_pg_datum_t *dt, const char *text)
{
	return dt->kind == SL_PG_TEXT && dt->len == strlen(text) &&
	       !memcmp(dt->data, text, dt->len);
}

/* A decoder that has seen the three captured Relation messages. */
static sl_pg_decoder_t *decoder_with_relations(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	const char *rels[] = {FIX_REL_ALLTYPES, FIX_REL_CUSTOMERS, FIX_REL_FULLROW};
	sl_pg_msg_t msg;

	for (size_t i = 0; i < 3; i++)
		free(decode_ok(d, rels[i], &msg));
	return d;
}

/* ---- messages ----------------------------------------------------------- */

static void test_begin_gives_final_lsn_unix_commit_time_and_xid(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_BEGIN, &m);

	CU_ASSERT_EQUAL(m.type, 'B');
	CU_ASSERT_EQUAL(m.final_lsn, 0x1537240);
	CU_ASSERT_EQUAL(m.commit_time_us, 1795624729167781LL); /* 2026-11-25 16:38:49.167781 */
	CU_ASSERT_EQUAL(m.xid, 731);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_commit_gives_flags_lsns_and_time(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_COMMIT, &m);

	CU_ASSERT_EQUAL(m.type, 'C');
	CU_ASSERT_EQUAL(m.flags, 0);
	CU_ASSERT_EQUAL(m.commit_lsn, 0x1537240);
	CU_ASSERT_EQUAL(m.end_lsn, 0x1537270);
	CU_ASSERT_EQUAL(m.commit_time_us, 1795624729167781LL);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_relation_is_cached_with_key_flags_types_and_typmods(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_REL_ALLTYPES, &m);
	const sl_pg_relation_t *rel = sl_pg_decoder_relation(d, 16391);

	CU_ASSERT_EQUAL(m.type, 'R');
	CU_ASSERT_PTR_EQUAL(m.rel, rel);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rel);
	CU_ASSERT_STRING_EQUAL(rel->schema, "public");
	CU_ASSERT_STRING_EQUAL(rel->table, "alltypes");
	CU_ASSERT_EQUAL(rel->replica_identity, 'd');
	CU_ASSERT_EQUAL_FATAL(rel->ncols, 26);
	CU_ASSERT_STRING_EQUAL(rel->cols[0].name, "id");
	CU_ASSERT(rel->cols[0].key);
	CU_ASSERT_EQUAL(rel->cols[0].type_oid, 23);
	CU_ASSERT(!rel->cols[1].key);
	CU_ASSERT_STRING_EQUAL(rel->cols[6].name, "n");
	CU_ASSERT_EQUAL(rel->cols[6].type_oid, 1700);
	CU_ASSERT_EQUAL(rel->cols[6].type_mod, (10 << 16 | 2) + 4); /* numeric(10,2) */
	CU_ASSERT_EQUAL(rel->cols[7].type_mod, -1);
	CU_ASSERT_EQUAL(rel->cols[22].type_oid, 16385); /* the enum mood */
	CU_ASSERT(rel->cols[25].optional);              /* until the source says otherwise */
	CU_ASSERT_PTR_NULL(sl_pg_decoder_relation(d, 16392));
	free(p);
	sl_pg_decoder_free(d);
}

static void test_relation_of_replica_identity_full_flags_every_column(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_REL_FULLROW, &m);

	CU_ASSERT_EQUAL(m.rel->replica_identity, 'f');
	CU_ASSERT_EQUAL_FATAL(m.rel->ncols, 2);
	CU_ASSERT(m.rel->cols[0].key && m.rel->cols[1].key);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_relation_replacement_keeps_optional_of_unchanged_columns(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_REL_CUSTOMERS, &m);
	sl_pg_relation_t *rel = (sl_pg_relation_t *)m.rel;

	rel->cols[1].optional = false; /* what the source reads from pg_attribute */
	free(p);
	p = decode_ok(d, FIX_REL_CUSTOMERS, &m);
	CU_ASSERT_FALSE(m.rel->cols[1].optional);
	CU_ASSERT_TRUE(m.rel->cols[2].optional);
	CU_ASSERT_PTR_EQUAL(sl_pg_decoder_relation(d, m.rel->oid), m.rel);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_type_message_gives_oid_namespace_and_name(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_TYPE_MOOD, &m);

	CU_ASSERT_EQUAL(m.type, 'Y');
	CU_ASSERT_EQUAL(m.type_oid, 16385);
	CU_ASSERT_STRING_EQUAL(m.type_namespace, "public");
	CU_ASSERT_STRING_EQUAL(m.type_name, "mood");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_insert_gives_text_values_and_nulls(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_INS_ALLTYPES_VALUES, &m);

	CU_ASSERT_EQUAL(m.type, 'I');
	CU_ASSERT_STRING_EQUAL(m.rel->table, "alltypes");
	CU_ASSERT_FALSE(m.has_old);
	CU_ASSERT_EQUAL_FATAL(m.new_tuple.ncols, 26);
	CU_ASSERT(datum_is(&m.new_tuple.cols[0], "1"));
	CU_ASSERT(datum_is(&m.new_tuple.cols[1], "t"));
	CU_ASSERT(datum_is(&m.new_tuple.cols[6], "12345678.90"));
	CU_ASSERT(datum_is(&m.new_tuple.cols[17], "2026-11-25 10:00:00.123456+00"));
	CU_ASSERT(datum_is(&m.new_tuple.cols[24], "{\"x y\",\"q\\\"z\",NULL,\"NULL\"}"));
	free(p);
	p = decode_ok(d, FIX_INS_ALLTYPES_NULLS, &m);
	CU_ASSERT(datum_is(&m.new_tuple.cols[0], "2"));
	for (int i = 1; i < 26; i++)
		CU_ASSERT_EQUAL(m.new_tuple.cols[i].kind, SL_PG_NULL);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_update_without_old_tuple_marks_unchanged_toast(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_UPD_CUSTOMERS_UNCHANGED_TOAST, &m);

	CU_ASSERT_EQUAL(m.type, 'U');
	CU_ASSERT_FALSE(m.has_old);
	CU_ASSERT(datum_is(&m.new_tuple.cols[1], "alice2"));
	CU_ASSERT_EQUAL(m.new_tuple.cols[2].kind, SL_PG_UNCHANGED_TOAST);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_update_of_key_gives_old_key_tuple(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_UPD_CUSTOMERS_KEY_CHANGE, &m);

	CU_ASSERT(m.has_old);
	CU_ASSERT_EQUAL(m.old_kind, 'K');
	CU_ASSERT(datum_is(&m.old_tuple.cols[0], "1"));
	CU_ASSERT_EQUAL(m.old_tuple.cols[1].kind, SL_PG_NULL);
	CU_ASSERT(datum_is(&m.new_tuple.cols[0], "10"));
	free(p);
	sl_pg_decoder_free(d);
}

static void test_update_with_replica_identity_full_gives_old_row(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_UPD_FULLROW_OLD_ROW, &m);

	CU_ASSERT(m.has_old);
	CU_ASSERT_EQUAL(m.old_kind, 'O');
	CU_ASSERT(datum_is(&m.old_tuple.cols[1], "one"));
	CU_ASSERT(datum_is(&m.new_tuple.cols[1], "uno"));
	free(p);
	sl_pg_decoder_free(d);
}

static void test_delete_gives_old_tuple_only(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_DEL_CUSTOMERS_KEY, &m);

	CU_ASSERT_EQUAL(m.type, 'D');
	CU_ASSERT_EQUAL(m.old_kind, 'K');
	CU_ASSERT(datum_is(&m.old_tuple.cols[0], "10"));
	CU_ASSERT_EQUAL(m.new_tuple.ncols, 0);
	free(p);
	p = decode_ok(d, FIX_DEL_FULLROW_OLD_ROW, &m);
	CU_ASSERT_EQUAL(m.old_kind, 'O');
	CU_ASSERT(datum_is(&m.old_tuple.cols[1], "uno"));
	free(p);
	sl_pg_decoder_free(d);
}

static void test_truncate_gives_options_and_relation_oids(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_TRUNCATE_TWO, &m);

	CU_ASSERT_EQUAL(m.type, 'T');
	CU_ASSERT_EQUAL(m.truncate_options, 2); /* RESTART IDENTITY */
	CU_ASSERT_EQUAL_FATAL(m.nrelids, 2);
	CU_ASSERT_EQUAL(m.relids[0], 16405);
	CU_ASSERT_EQUAL(m.relids[1], 16398);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_message_gives_flag_prefix_and_content(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	uint8_t *p = decode_ok(d, FIX_MSG_TRANSACTIONAL, &m);

	CU_ASSERT_EQUAL(m.type, 'M');
	CU_ASSERT_TRUE(m.transactional);
	CU_ASSERT_EQUAL(m.lsn, 0x153BB38);
	CU_ASSERT_STRING_EQUAL(m.prefix, "tx-prefix");
	CU_ASSERT_EQUAL(m.content_len, 5);
	CU_ASSERT_NSTRING_EQUAL(m.content, "hello", 5);
	free(p);
	p = decode_ok(d, FIX_MSG_NONTRANSACTIONAL, &m);
	CU_ASSERT_FALSE(m.transactional);
	CU_ASSERT_STRING_EQUAL(m.prefix, "nontx");
	CU_ASSERT_EQUAL(m.content_len, 2);
	CU_ASSERT_EQUAL((uint8_t)m.content[1], 0xff);
	free(p);
	sl_pg_decoder_free(d);
}

static void test_origin_gives_lsn_and_name(void)
{
	static const uint8_t origin[] = {'O', 0, 0, 0, 1, 0, 0, 0, 2, 'n', 'o', 'd', 'e', 0};
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	sl_pg_msg_t m;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(sl_pg_decode(d, origin, sizeof(origin), &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(m.lsn, 0x100000002ULL);
	CU_ASSERT_STRING_EQUAL(m.origin_name, "node");
	sl_pg_decoder_free(d);
}

/* ---- bad input ---------------------------------------------------------- */

static void test_change_of_unknown_relation_is_an_error(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	size_t len;
	uint8_t *p = unhex(FIX_INS_FULLROW, &len);

	SL_ASSERT_CONTAINS(decode_err(d, p, len), "relation oid 16405 was not described");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_every_truncation_of_every_fixture_is_a_clean_error(void)
{
	const char *all[] = {FIX_BEGIN,
			     FIX_TYPE_MOOD,
			     FIX_REL_ALLTYPES,
			     FIX_INS_ALLTYPES_VALUES,
			     FIX_COMMIT,
			     FIX_INS_ALLTYPES_NULLS,
			     FIX_INS_ALLTYPES_SPECIAL,
			     FIX_REL_CUSTOMERS,
			     FIX_INS_CUSTOMERS_TOASTED,
			     FIX_UPD_CUSTOMERS_UNCHANGED_TOAST,
			     FIX_UPD_CUSTOMERS_KEY_CHANGE,
			     FIX_DEL_CUSTOMERS_KEY,
			     FIX_REL_FULLROW,
			     FIX_INS_FULLROW,
			     FIX_UPD_FULLROW_OLD_ROW,
			     FIX_DEL_FULLROW_OLD_ROW,
			     FIX_TRUNCATE_TWO,
			     FIX_MSG_TRANSACTIONAL,
			     FIX_MSG_NONTRANSACTIONAL};
	sl_pg_decoder_t *d = decoder_with_relations();
	unsigned refused = 0, tried = 0;

	for (size_t f = 0; f < SL_ARRAY_LEN(all); f++) {
		size_t len;
		uint8_t *p = unhex(all[f], &len);
		for (size_t cut = 0; cut < len; cut++) {
			char err[512] = "";
			sl_pg_msg_t m;
			uint8_t *copy = malloc(cut ? cut : 1);
			memcpy(copy, p, cut);
			tried++;
			if (sl_pg_decode(d, copy, cut, &m, err, sizeof(err)) == -1 && err[0])
				refused++;
			else
				fprintf(stderr, "\n    fixture %zu cut at %zu was accepted\n", f,
					cut);
			free(copy);
		}
		free(p);
	}
	CU_ASSERT_EQUAL(refused, tried);
	CU_ASSERT(tried > 10000);
	/* the cache survived all of it */
	CU_ASSERT_PTR_NOT_NULL(sl_pg_decoder_relation(d, 16391));
	sl_pg_decoder_free(d);
}

static void test_truncated_insert_error_names_message_field_and_offset(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	size_t len;
	uint8_t *p = unhex(FIX_INS_FULLROW, &len);

	SL_ASSERT_CONTAINS(decode_err(d, p, len - 1),
			   "pgoutput Insert message truncated: field column value at byte 19");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_unknown_message_type_is_an_error(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	size_t len;
	uint8_t *p = unhex(FIX_BEGIN, &len);

	p[0] = 'Z';
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "unknown type 0x5a");
	SL_ASSERT_CONTAINS(decode_err(d, p, 0), "empty");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_huge_column_length_is_refused(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	size_t len;
	uint8_t *p = unhex(FIX_INS_FULLROW, &len);

	/* I oid(4) N ncols(2) 't' len(4): the first length is at byte 9 */
	memcpy(p + 9, "\xff\xff\xff\xf0", 4);
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "needs 4294967280 bytes");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_tuple_column_count_mismatch_is_an_error(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	size_t len;
	uint8_t *p = unhex(FIX_INS_FULLROW, &len);

	p[7] = 3; /* ncols low byte: 2 -> 3 */
	SL_ASSERT_CONTAINS(decode_err(d, p, len),
			   "tuple has 3 columns but relation public.fullrow");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_bad_column_kind_and_tuple_kind_are_errors(void)
{
	sl_pg_decoder_t *d = decoder_with_relations();
	size_t len;
	uint8_t *p = unhex(FIX_INS_FULLROW, &len);

	p[8] = 'x';
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "unknown column kind 0x78 for column id");
	p[8] = 't';
	p[5] = 'K'; /* an insert carries only a new tuple */
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "expected new tuple 'N' at byte 5");
	free(p);
	p = unhex(FIX_DEL_CUSTOMERS_KEY, &len);
	p[5] = 'N'; /* a delete needs the old tuple */
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "expected old tuple 'K' or 'O'");
	free(p);
	sl_pg_decoder_free(d);
}

/* A Relation naming a column twice (no PostgreSQL table can) is refused:
 * its rows would make a struct with the name twice. */
static void test_relation_naming_a_column_twice_is_refused(void)
{
	static const uint8_t msg[] = {
		'R', 0,   0, 0x30, 0x39, 'p', 'u', 'b',  'l',  'i',  'c',  0,    't',  0, 'd',
		0,   2,   1, 'a',  0,    0,   0,   0,    23,   0xff, 0xff, 0xff, 0xff, /* a int4 */
		0,   'a', 0, 0,    0,    0,   25,  0xff, 0xff, 0xff, 0xff,             /* a text */
	};
	sl_pg_decoder_t *d = sl_pg_decoder_new();

	SL_ASSERT_CONTAINS(decode_err(d, msg, sizeof(msg)), "column name \"a\" appears twice");
	sl_pg_decoder_free(d);
}

static void test_huge_counts_are_refused_before_allocating(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	size_t len;
	uint8_t *p = unhex(FIX_TRUNCATE_TWO, &len);

	memcpy(p + 1, "\x7f\xff\xff\xff", 4);
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "relation oids");
	free(p);
	p = unhex(FIX_REL_FULLROW, &len);
	/* R oid "public\0" "fullrow\0" ident: ncols at byte 21 */
	memcpy(p + 21, "\xff\xff", 2);
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "column count 65535 is out of range");
	memcpy(p + 21, "\x06\x00", 2);
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "field columns");
	free(p);
	p = unhex(FIX_MSG_TRANSACTIONAL, &len);
	memcpy(p + 20, "\xff\xff\xff\xff", 4); /* content length */
	SL_ASSERT_CONTAINS(decode_err(d, p, len), "field content");
	free(p);
	sl_pg_decoder_free(d);
}

static void test_trailing_bytes_are_an_error(void)
{
	sl_pg_decoder_t *d = sl_pg_decoder_new();
	size_t len;
	uint8_t *p = unhex(FIX_BEGIN, &len);
	uint8_t *longer = malloc(len + 1);

	memcpy(longer, p, len);
	longer[len] = 0;
	SL_ASSERT_CONTAINS(decode_err(d, longer, len + 1),
			   "1 unexpected trailing bytes at byte 21");
	free(longer);
	free(p);
	sl_pg_decoder_free(d);
}

/* ---- LSNs --------------------------------------------------------------- */

static void test_lsn_formats_and_parses_as_postgresql_writes_it(void)
{
	char buf[32];
	uint64_t v = 0;

	sl_pg_lsn_format(0x16B374D848ULL, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "16/B374D848");
	sl_pg_lsn_format(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0/0");
	CU_ASSERT_EQUAL(sl_pg_lsn_parse("16/B374D848", &v), 0);
	CU_ASSERT_EQUAL(v, 0x16B374D848ULL);
	CU_ASSERT_EQUAL(sl_pg_lsn_parse("ffffffff/ffffffff", &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(sl_pg_lsn_parse("0/1537240", &v), 0);
	CU_ASSERT_EQUAL(v, 0x1537240);
}

static void test_lsn_parse_refuses_malformed_text(void)
{
	const char *bad[] = {"",    "/",           "1/",   "/1",   "1",   "1/2/3",
			     "g/1", "1/123456789", " 1/2", "1/2 ", "-1/2"};
	uint64_t v = 42;

	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		if (sl_pg_lsn_parse(bad[i], &v) != -1)
			fprintf(stderr, "\n    \"%s\" was accepted\n", bad[i]);
		CU_ASSERT_EQUAL(sl_pg_lsn_parse(bad[i], &v), -1);
	}
	CU_ASSERT_EQUAL(sl_pg_lsn_parse(NULL, &v), -1);
	CU_ASSERT_EQUAL(v, 42);
}

void pgoutput_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"begin gives final lsn, unix commit time and xid",
		 test_begin_gives_final_lsn_unix_commit_time_and_xid},
		{"commit gives flags, lsns and time", test_commit_gives_flags_lsns_and_time},
		{"relation is cached with key flags, types and typmods",
		 test_relation_is_cached_with_key_flags_types_and_typmods},
		{"relation of replica identity full flags every column",
		 test_relation_of_replica_identity_full_flags_every_column},
		{"relation replacement keeps optional of unchanged columns",
		 test_relation_replacement_keeps_optional_of_unchanged_columns},
		{"type message gives oid, namespace and name",
		 test_type_message_gives_oid_namespace_and_name},
		{"insert gives text values and nulls", test_insert_gives_text_values_and_nulls},
		{"update without old tuple marks unchanged toast",
		 test_update_without_old_tuple_marks_unchanged_toast},
		{"update of key gives old key tuple", test_update_of_key_gives_old_key_tuple},
		{"update with replica identity full gives old row",
		 test_update_with_replica_identity_full_gives_old_row},
		{"delete gives old tuple only", test_delete_gives_old_tuple_only},
		{"truncate gives options and relation oids",
		 test_truncate_gives_options_and_relation_oids},
		{"message gives flag, prefix and content",
		 test_message_gives_flag_prefix_and_content},
		{"origin gives lsn and name", test_origin_gives_lsn_and_name},
		{"change of unknown relation is an error",
		 test_change_of_unknown_relation_is_an_error},
		{"every truncation of every fixture is a clean error",
		 test_every_truncation_of_every_fixture_is_a_clean_error},
		{"truncated insert error names message, field and offset",
		 test_truncated_insert_error_names_message_field_and_offset},
		{"unknown message type is an error", test_unknown_message_type_is_an_error},
		{"huge column length is refused", test_huge_column_length_is_refused},
		{"relation naming a column twice is refused",
		 test_relation_naming_a_column_twice_is_refused},
		{"tuple column count mismatch is an error",
		 test_tuple_column_count_mismatch_is_an_error},
		{"bad column kind and tuple kind are errors",
		 test_bad_column_kind_and_tuple_kind_are_errors},
		{"huge counts are refused before allocating",
		 test_huge_counts_are_refused_before_allocating},
		{"trailing bytes are an error", test_trailing_bytes_are_an_error},
		{"lsn formats and parses as postgresql writes it",
		 test_lsn_formats_and_parses_as_postgresql_writes_it},
		{"lsn parse refuses malformed text", test_lsn_parse_refuses_malformed_text},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pgoutput", NULL, NULL, tests);
}
