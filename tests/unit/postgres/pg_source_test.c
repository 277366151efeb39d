/* Unit tests of the postgres-source's pure helpers: when standby status
 * updates are due, the CopyData framing, table filters, offsets and the
 * snapshot decision; the connector's option table; and what start does
 * with a malformed stored offset or a server it cannot reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "pg_filter.h"
#include "pg_offset.h"
#include "pg_repl.h"
#include "pg_source_options.h"
#include "postgres.h"
#include "runner.h"

static void test_feedback_due_on_request_on_progress_and_on_interval(void)
{
	/* nothing new, interval not over: no */
	CU_ASSERT_FALSE(sl_pg_feedback_due(1000, 500, 10000, false, 100, 100));
	/* the server asked */
	CU_ASSERT_TRUE(sl_pg_feedback_due(1000, 500, 10000, true, 100, 100));
	/* the confirmed LSN moved since the last report */
	CU_ASSERT_TRUE(sl_pg_feedback_due(1000, 500, 10000, false, 101, 100));
	/* the interval passed (exactly) */
	CU_ASSERT_TRUE(sl_pg_feedback_due(10500, 500, 10000, false, 100, 100));
	CU_ASSERT_FALSE(sl_pg_feedback_due(10499, 500, 10000, false, 100, 100));
	/* interval 0: only on request or progress */
	CU_ASSERT_FALSE(sl_pg_feedback_due(1000000, 0, 0, false, 100, 100));
}

static void test_feedback_wait_counts_down_and_never_goes_negative(void)
{
	CU_ASSERT_EQUAL(sl_pg_feedback_wait_ms(1000, 500, 10000), 9500);
	CU_ASSERT_EQUAL(sl_pg_feedback_wait_ms(20000, 500, 10000), 0);
	CU_ASSERT_EQUAL(sl_pg_feedback_wait_ms(20000, 500, 0), INT32_MAX);
}

static void test_status_update_bytes_are_big_endian_with_flush_confirmed(void)
{
	uint8_t b[SL_PG_STATUS_LEN];

	sl_pg_status_encode(b, 0x0102030405060708ULL, 0x1112131415161718ULL, 0x21, 0x31, true);
	CU_ASSERT_EQUAL(b[0], 'r');
	CU_ASSERT_EQUAL(b[1], 0x01);
	CU_ASSERT_EQUAL(b[8], 0x08);
	CU_ASSERT_EQUAL(b[9], 0x11);
	CU_ASSERT_EQUAL(b[16], 0x18);
	CU_ASSERT_EQUAL(b[24], 0x21);
	CU_ASSERT_EQUAL(b[32], 0x31);
	CU_ASSERT_EQUAL(b[33], 1);
}

static void test_copy_messages_parse_and_short_or_unknown_ones_fail(void)
{
	uint8_t w[26] = {'w', 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9};
	uint8_t k[18] = {'k', 0, 0, 0, 1, 0, 0, 0, 2};
	sl_pg_copy_msg_t m;
	char err[256];

	w[25] = 'B';
	k[17] = 1;
	CU_ASSERT_EQUAL(sl_pg_copy_msg_parse(w, sizeof(w), &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(m.kind, 'w');
	CU_ASSERT_EQUAL(m.wal_start, 5);
	CU_ASSERT_EQUAL(m.wal_end, 9);
	CU_ASSERT_EQUAL(m.len, 1);
	CU_ASSERT_EQUAL(m.data[0], 'B');
	CU_ASSERT_EQUAL(sl_pg_copy_msg_parse(k, sizeof(k), &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(m.wal_end, 0x0000000100000002ULL);
	CU_ASSERT_TRUE(m.reply_requested);
	CU_ASSERT_EQUAL(sl_pg_copy_msg_parse(w, 24, &m, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "shorter"));
	CU_ASSERT_EQUAL(sl_pg_copy_msg_parse(k, 17, &m, err, sizeof(err)), -1);
	k[0] = 'x';
	CU_ASSERT_EQUAL(sl_pg_copy_msg_parse(k, sizeof(k), &m, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown"));
}

static void test_filter_matches_whole_names_and_skips_system_schemas(void)
{
	const char *inc[] = {"public\\.orders", "inv\\..*", NULL};
	char err[256];
	sl_pg_filter_t *f = sl_pg_filter_new(inc, NULL, NULL, NULL, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(sl_pg_filter_match(f, "public", "orders"));
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "public", "orders2")); /* full match */
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "xpublic", "orders"));
	CU_ASSERT_TRUE(sl_pg_filter_match(f, "inv", "anything"));
	sl_pg_filter_free(f);
	f = sl_pg_filter_new(NULL, NULL, NULL, NULL, err, sizeof(err));
	CU_ASSERT_TRUE(sl_pg_filter_match(f, "public", "t"));
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "pg_catalog", "pg_class"));
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "information_schema", "tables"));
	sl_pg_filter_free(f);
}

static void test_filter_excludes_and_schema_lists(void)
{
	const char *ex[] = {"public\\.audit_.*", NULL};
	const char *sch[] = {"public", NULL};
	char err[256];
	sl_pg_filter_t *f = sl_pg_filter_new(NULL, ex, sch, NULL, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(sl_pg_filter_match(f, "public", "orders"));
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "public", "audit_log"));
	CU_ASSERT_FALSE(sl_pg_filter_match(f, "other", "orders"));
	sl_pg_filter_free(f);
}

static void test_filter_rejects_bad_regex_and_include_with_exclude(void)
{
	const char *bad[] = {"public.(", NULL};
	const char *a[] = {"x", NULL};
	char err[256] = "";

	CU_ASSERT_PTR_NULL(sl_pg_filter_new(bad, NULL, NULL, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "table.include.list"));
	CU_ASSERT_PTR_NULL(sl_pg_filter_new(a, a, NULL, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot both"));
}

static void test_offset_round_trips_in_debezium_shape(void)
{
	sl_pg_offset_t o = {.lsn = 26058008, .txid = 727, .ts_usec = 1700000000000001};
	sl_pg_offset_t back;
	char err[256];
	json_t *j = sl_pg_offset_to_json(&o);

	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "lsn")), 26058008);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "txId")), 727);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "lsn_commit")), 26058008);
	CU_ASSERT_PTR_NULL(json_object_get(j, "snapshot"));
	CU_ASSERT_EQUAL(sl_pg_offset_from_json(j, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.lsn, o.lsn);
	CU_ASSERT_EQUAL(back.txid, 727);
	CU_ASSERT_EQUAL(back.ts_usec, o.ts_usec);
	CU_ASSERT_TRUE(sl_pg_offset_snapshot_done(&back));
	json_decref(j);
}

static void test_offset_of_an_unfinished_snapshot_is_not_done(void)
{
	sl_pg_offset_t o = {.lsn = 5, .txid = -1, .snapshot = true};
	sl_pg_offset_t back;
	char err[256];
	json_t *j = sl_pg_offset_to_json(&o);

	CU_ASSERT_EQUAL(sl_pg_offset_from_json(j, &back, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(back.snapshot);
	CU_ASSERT_FALSE(sl_pg_offset_snapshot_done(&back));
	json_decref(j);
	o.last_snapshot_record = true;
	j = sl_pg_offset_to_json(&o);
	sl_pg_offset_from_json(j, &back, err, sizeof(err));
	CU_ASSERT_TRUE(sl_pg_offset_snapshot_done(&back));
	json_decref(j);
}

static void test_offset_without_lsn_is_rejected(void)
{
	sl_pg_offset_t back;
	char err[256];
	json_t *j = json_pack("{s:s}", "lsn", "0/16B3748");

	CU_ASSERT_EQUAL(sl_pg_offset_from_json(j, &back, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lsn"));
	json_decref(j);
}

static void test_offset_of_wrong_types_is_rejected_naming_the_key(void)
{
	static const struct {
		const char *json, *says;
	} bad[] = {
		{"[]", "not an object"},
		{"{\"txId\":5}", "no \"lsn\""},
		{"{\"lsn\":\"0/16B3748\"}", "\"lsn\" is a string"},
		{"{\"lsn\":1.5}", "\"lsn\" is a real number"},
		{"{\"lsn\":null}", "\"lsn\" is null"},
		{"{\"lsn\":-1}", "\"lsn\" is negative"},
		{"{\"lsn\":5,\"txId\":\"727\"}", "\"txId\" is a string"},
		{"{\"lsn\":5,\"ts_usec\":true}", "\"ts_usec\" is a boolean"},
		{"{\"lsn\":5,\"lsn_commit\":{}}", "\"lsn_commit\" is an object"},
		{"{\"lsn\":5,\"snapshot\":true,\"last_snapshot_record\":\"yes\"}",
		 "\"last_snapshot_record\" is a string"},
		{"{\"lsn\":5,\"snapshot\":1}", "\"snapshot\" is an integer"},
		{"{\"lsn\":5,\"snapshot\":\"maybe\"}", "\"snapshot\" is \"maybe\""},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		json_t *j = json_loads(bad[i].json, JSON_DECODE_ANY, NULL);
		sl_pg_offset_t o;
		char err[256] = "";
		int rv = sl_pg_offset_from_json(j, &o, err, sizeof(err));
		if (rv != -1 || !strstr(err, bad[i].says))
			printf("\n    %s: rv %d, '%s'\n", bad[i].json, rv, err);
		CU_ASSERT_EQUAL(rv, -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
		json_decref(j);
	}
}

/* Debezium 2.6+ stores the snapshot's type by name and may mark it
 * completed; null values are absent ones. */
static void test_offset_reads_debezium_snapshot_types_and_nulls(void)
{
	static const struct {
		const char *json;
		bool snapshot, done;
	} ok[] = {
		{"{\"lsn\":5,\"txId\":null,\"ts_usec\":null}", false, true},
		{"{\"lsn\":5,\"snapshot\":\"INITIAL\",\"last_snapshot_record\":false}", true,
		 false},
		{"{\"lsn\":5,\"snapshot\":\"INITIAL\",\"last_snapshot_record\":true}", true, true},
		{"{\"lsn\":5,\"snapshot\":\"INITIAL\",\"snapshot_completed\":true}", true, true},
		{"{\"lsn\":5,\"snapshot\":\"true\"}", true, false},
		{"{\"lsn\":5,\"snapshot\":\"false\"}", false, true},
		{"{\"lsn\":5,\"snapshot\":false,\"unknown\":\"kept aside\"}", false, true},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(ok); i++) {
		json_t *j = json_loads(ok[i].json, 0, NULL);
		sl_pg_offset_t o;
		char err[256] = "";
		int rv = sl_pg_offset_from_json(j, &o, err, sizeof(err));
		if (rv != 0 || o.snapshot != ok[i].snapshot ||
		    sl_pg_offset_snapshot_done(&o) != ok[i].done)
			printf("\n    %s: rv %d snapshot %d '%s'\n", ok[i].json, rv, o.snapshot,
			       err);
		CU_ASSERT_EQUAL(rv, 0);
		CU_ASSERT_EQUAL(o.lsn, 5);
		CU_ASSERT_EQUAL(o.snapshot, ok[i].snapshot);
		CU_ASSERT_EQUAL(sl_pg_offset_snapshot_done(&o), ok[i].done);
		json_decref(j);
	}
}

static void test_stored_offset_load_names_connector_partition_offset_and_reset(void)
{
	json_t *partition = json_pack("{s:s}", "server", "db1");
	json_t *good = json_pack("{s:I}", "lsn", (json_int_t)42);
	json_t *bad = json_pack("{s:s,s:s}", "lsn", "0/2A", "note", "\n");
	sl_pg_offset_t o;
	char err[1024] = "";

	CU_ASSERT_EQUAL(sl_pg_offset_load(NULL, "pg-orders", partition, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_pg_offset_load(good, "pg-orders", partition, &o, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(o.lsn, 42);
	CU_ASSERT_EQUAL(sl_pg_offset_load(bad, "pg-orders", partition, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "connector 'pg-orders'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "source partition {\"server\":\"db1\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"lsn\" is a string"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"lsn\":\"0/2A\""));
	CU_ASSERT_PTR_NULL(strchr(err, '\n')); /* the offset's text is escaped */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "`sluice offsets reset --connector pg-orders`"));
	json_decref(partition);
	json_decref(good);
	json_decref(bad);
}

/* Before the fix a malformed offset was ignored with a warning: the task
 * took the snapshot again (or streamed from the slot) as if new. Here
 * connector "pg-orders" has a malformed offset stored for {"server":
 * "db1"} and a server nobody listens on. */
static void test_source_start_fails_on_a_malformed_stored_offset_before_connecting(void)
{
	static const char *const kv[] = {"name",
					 "pg-orders",
					 "database.hostname",
					 "127.0.0.1",
					 "database.port",
					 "1",
					 "database.user",
					 "u",
					 "database.dbname",
					 "d",
					 "topic.prefix",
					 "db1",
					 NULL};
	sl_kit_t *kit = kit_new(&postgres_source_connector, kv, 0, 1);

	kit_store_offset(kit, "{\"server\":\"db1\"}", "{\"lsn\":\"0/16B3748\",\"txId\":7}");
	CU_ASSERT_EQUAL(kit_start(kit), SL_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "connector 'pg-orders'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "{\"server\":\"db1\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "0/16B3748"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "sluice offsets reset --connector"));
	kit_free(kit);
}

static void test_committed_lsn_reads_both_shapes_and_takes_the_highest(void)
{
	json_t *c = json_pack("{s:{s:{s:s},s:{s:I}},s:{s:I}}", "k1", "partition", "server", "a",
			      "offset", "lsn", (json_int_t)700, "k2", "lsn", (json_int_t)900);

	CU_ASSERT_EQUAL(sl_pg_offset_committed_lsn(c), 900);
	json_object_del(c, "k2");
	CU_ASSERT_EQUAL(sl_pg_offset_committed_lsn(c), 700);
	json_decref(c);
}

static void test_snapshot_decision_per_mode(void)
{
	/* initial: only without a finished snapshot */
	CU_ASSERT_TRUE(sl_pg_need_snapshot(SL_PG_SNAP_INITIAL, false, false, true, 0, 0));
	CU_ASSERT_TRUE(sl_pg_need_snapshot(SL_PG_SNAP_INITIAL, true, false, true, 10, 10));
	CU_ASSERT_FALSE(sl_pg_need_snapshot(SL_PG_SNAP_INITIAL, true, true, false, 0, 10));
	/* no_data / never */
	CU_ASSERT_FALSE(sl_pg_need_snapshot(SL_PG_SNAP_NO_DATA, false, false, false, 0, 0));
	CU_ASSERT_FALSE(sl_pg_need_snapshot(SL_PG_SNAP_NEVER, false, false, false, 0, 0));
	/* when_needed: also when the slot is gone or ahead of the stored lsn */
	CU_ASSERT_FALSE(sl_pg_need_snapshot(SL_PG_SNAP_WHEN_NEEDED, true, true, true, 10, 10));
	CU_ASSERT_TRUE(sl_pg_need_snapshot(SL_PG_SNAP_WHEN_NEEDED, true, true, false, 0, 10));
	CU_ASSERT_TRUE(sl_pg_need_snapshot(SL_PG_SNAP_WHEN_NEEDED, true, true, true, 11, 10));
	CU_ASSERT_TRUE(sl_pg_need_snapshot(SL_PG_SNAP_ALWAYS, true, true, true, 10, 10));
}

static void test_connector_has_debezium_alias_and_keys(void)
{
	const sl_connector_t *c = &postgres_source_connector;
	const char *keys[] = {"database.hostname",    "database.port",
			      "database.user",        "database.password",
			      "database.dbname",      "topic.prefix",
			      "plugin.name",          "slot.name",
			      "publication.name",     "publication.autocreate.mode",
			      "snapshot.mode",        "table.include.list",
			      "schema.include.list",  "database.server.name",
			      "tombstones.on.delete", "heartbeat.interval.ms",
			      "snapshot.fetch.size",  NULL};

	CU_ASSERT_STRING_EQUAL(c->name, "postgres-source");
	CU_ASSERT_EQUAL(c->kind, SL_SOURCE);
	CU_ASSERT_STRING_EQUAL(c->aliases[0], "io.debezium.connector.postgresql.PostgresConnector");
	for (const char **k = keys; *k; k++)
		CU_ASSERT_PTR_NOT_NULL(sl_options_find(c->options, *k));
	CU_ASSERT_EQUAL(sl_options_find(c->options, "database.password")->type, SL_OPT_PASSWORD);
	CU_ASSERT_STRING_EQUAL(sl_options_find(c->options, "slot.name")->def, "debezium");
	for (const sl_option_t *o = c->options; o->name; o++)
		CU_ASSERT(o->doc && o->doc[0]);
}

static void test_validate_needs_a_prefix_and_good_regexes(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	sl_config_set(cfg, "database.hostname", "h", NULL, 0);
	sl_config_set(cfg, "database.user", "u", NULL, 0);
	sl_config_set(cfg, "database.dbname", "d", NULL, 0);
	CU_ASSERT_NOT_EQUAL(postgres_source_connector.validate(cfg, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_set(cfg, "database.server.name", "legacy", NULL, 0);
	CU_ASSERT_EQUAL(postgres_source_connector.validate(cfg, &errs), 0);
	sl_config_set(cfg, "table.include.list", "public.(", NULL, 0);
	CU_ASSERT_NOT_EQUAL(postgres_source_connector.validate(cfg, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

void pg_source_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"feedback_due_on_request_on_progress_and_on_interval",
		 test_feedback_due_on_request_on_progress_and_on_interval},
		{"feedback_wait_counts_down_and_never_goes_negative",
		 test_feedback_wait_counts_down_and_never_goes_negative},
		{"status_update_bytes_are_big_endian_with_flush_confirmed",
		 test_status_update_bytes_are_big_endian_with_flush_confirmed},
		{"copy_messages_parse_and_short_or_unknown_ones_fail",
		 test_copy_messages_parse_and_short_or_unknown_ones_fail},
		{"filter_matches_whole_names_and_skips_system_schemas",
		 test_filter_matches_whole_names_and_skips_system_schemas},
		{"filter_excludes_and_schema_lists", test_filter_excludes_and_schema_lists},
		{"filter_rejects_bad_regex_and_include_with_exclude",
		 test_filter_rejects_bad_regex_and_include_with_exclude},
		{"offset_round_trips_in_debezium_shape", test_offset_round_trips_in_debezium_shape},
		{"offset_of_an_unfinished_snapshot_is_not_done",
		 test_offset_of_an_unfinished_snapshot_is_not_done},
		{"offset_without_lsn_is_rejected", test_offset_without_lsn_is_rejected},
		{"offset_of_wrong_types_is_rejected_naming_the_key",
		 test_offset_of_wrong_types_is_rejected_naming_the_key},
		{"offset_reads_debezium_snapshot_types_and_nulls",
		 test_offset_reads_debezium_snapshot_types_and_nulls},
		{"stored_offset_load_names_connector_partition_offset_and_reset",
		 test_stored_offset_load_names_connector_partition_offset_and_reset},
		{"source_start_fails_on_a_malformed_stored_offset_before_connecting",
		 test_source_start_fails_on_a_malformed_stored_offset_before_connecting},
		{"committed_lsn_reads_both_shapes_and_takes_the_highest",
		 test_committed_lsn_reads_both_shapes_and_takes_the_highest},
		{"snapshot_decision_per_mode", test_snapshot_decision_per_mode},
		{"connector_has_debezium_alias_and_keys",
		 test_connector_has_debezium_alias_and_keys},
		{"validate_needs_a_prefix_and_good_regexes",
		 test_validate_needs_a_prefix_and_good_regexes},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pg_source", NULL, NULL, tests);
}
