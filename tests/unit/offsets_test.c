/* Unit tests of offset tracking (acknowledged prefix per source partition,
 * out-of-order delivery reports) and the atomic offset file store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "offsets.h"
#include "runner.h"
#include "sluice/util.h"

static json_t *pos(long long n)
{
	return json_pack("{s:I}", "position", (json_int_t)n);
}

/* Position stored for a partition key in a committable map, or -1. */
static long long committed_pos(json_t *c, json_t *partition)
{
	char *k = sl_offset_partition_key(partition);
	json_t *e = c ? json_object_get(c, k) : NULL;
	free(k);
	if (!e)
		return -1;
	return (long long)json_integer_value(
		json_object_get(json_object_get(e, "offset"), "position"));
}

static void test_nothing_committable_before_any_ack(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	sl_offset_tracker_submit(t, p, pos(10), NULL);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 1);
	json_decref(p);
	sl_offset_tracker_free(t);
}

/* A record that will never be acknowledged (refused, purged) leaves the
 * in-flight count, hands its ack_data out once, and holds every later
 * offset of its partition back, even if it is acknowledged afterwards. */
static void test_forgotten_record_leaves_flight_and_holds_offsets_back(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	int data[2];
	sl_offset_slot_t *a = sl_offset_tracker_submit(t, p, pos(10), &data[0]);
	sl_offset_slot_t *b = sl_offset_tracker_submit(t, p, pos(20), &data[1]);
	CU_ASSERT_PTR_EQUAL(sl_offset_tracker_forget(t, a), &data[0]);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_forget(t, a));
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 1);
	CU_ASSERT_PTR_EQUAL(sl_offset_tracker_ack(t, b), &data[1]);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_ack(t, a));
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 0);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	json_decref(p);
	sl_offset_tracker_free(t);
}

static void test_out_of_order_acks_commit_only_the_acked_prefix(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	sl_offset_slot_t *s[5];
	for (int i = 0; i < 5; i++)
		s[i] = sl_offset_tracker_submit(t, p, pos((i + 1) * 10), NULL);
	/* Records 3 and 4 come back first: nothing may be stored yet. */
	sl_offset_tracker_ack(t, s[3]);
	sl_offset_tracker_ack(t, s[2]);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	/* Record 0 acked: only its offset is storable. */
	sl_offset_tracker_ack(t, s[0]);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), 10);
	json_decref(c);
	/* Record 1 fills the gap: storable moves to record 3's offset. */
	sl_offset_tracker_ack(t, s[1]);
	c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), 40);
	json_decref(c);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 1);
	json_decref(p);
	sl_offset_tracker_free(t);
}

/* A task stores offsets every offset.flush.interval.ms; between two stores
 * millions of records may pass. The tracker must hold only those in
 * flight, not every record since the last store. */
/* A run's records share one slot: its offset (the newest its records
 * carried) is storable only once the run is closed and every record of it
 * acknowledged, and only after what was submitted before it. */
static void test_run_offset_waits_for_close_and_every_record(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	sl_offset_slot_t *run = sl_offset_tracker_submit_run(t, p, NULL);
	sl_offset_tracker_join(t, run, pos(20));
	sl_offset_tracker_join(t, run, NULL);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 3);
	/* every record of the open run acknowledged: still open */
	for (int i = 0; i < 3; i++)
		sl_offset_tracker_ack(t, run);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 0);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	/* a record joining later holds it back again, with its newer offset */
	sl_offset_tracker_join(t, run, pos(30));
	sl_offset_tracker_close(t, run);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	sl_offset_tracker_ack(t, run);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), 30);
	json_decref(c);
	/* closed and acknowledged, behind a record that is not: waits */
	sl_offset_slot_t *first = sl_offset_tracker_submit(t, p, pos(35), NULL);
	run = sl_offset_tracker_submit_run(t, p, pos(40));
	sl_offset_tracker_close(t, run);
	sl_offset_tracker_ack(t, run);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	sl_offset_tracker_ack(t, first);
	c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), 40);
	json_decref(c);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 0);
	json_decref(p);
	sl_offset_tracker_free(t);
}

/* One forgotten record keeps its run, and every offset after it, from
 * being stored; the other records still leave the flight count. */
static void test_forgotten_record_of_a_run_holds_its_offset_back(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	sl_offset_slot_t *run = sl_offset_tracker_submit_run(t, p, pos(10));
	sl_offset_tracker_join(t, run, pos(20));
	sl_offset_tracker_close(t, run);
	sl_offset_slot_t *after = sl_offset_tracker_submit(t, p, pos(30), NULL);
	sl_offset_tracker_forget(t, run);
	sl_offset_tracker_ack(t, run);
	sl_offset_tracker_ack(t, after);
	/* counted once each: further calls on the spent run change nothing */
	sl_offset_tracker_ack(t, run);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 0);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	json_decref(p);
	sl_offset_tracker_free(t);
}

static void test_memory_follows_records_in_flight_not_since_last_store(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	enum {
		IN_FLIGHT = 1000,
		TOTAL = 1000000
	};
	static sl_offset_slot_t *ring[IN_FLIGHT];
	size_t most = 0;
	for (int i = 0; i < TOTAL; i++) {
		if (i >= IN_FLIGHT)
			sl_offset_tracker_ack(t, ring[i % IN_FLIGHT]);
		ring[i % IN_FLIGHT] = sl_offset_tracker_submit(t, p, pos(i), NULL);
		size_t m = sl_offset_tracker_memory(t);
		most = m > most ? m : most;
	}
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), IN_FLIGHT);
	/* 1,000 in flight fit in one chunk of slots; a boundary needs two,
	 * the spare a third. 1,000,000 slots would take ~24 MB. */
	CU_ASSERT(most > 0);
	printf("\n    tracker memory at most %zu bytes for %d records\n", most, TOTAL);
	CU_ASSERT(most < 400 * 1024);
	/* Moving past records early keeps the newest storable offset. */
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), TOTAL - IN_FLIGHT - 1);
	json_decref(c);
	json_decref(p);
	sl_offset_tracker_free(t);
}

static void test_partitions_advance_independently(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *a = json_pack("{s:s}", "filename", "a");
	json_t *b = json_pack("{s:s}", "filename", "b");
	sl_offset_slot_t *a1 = sl_offset_tracker_submit(t, a, pos(1), NULL);
	sl_offset_slot_t *b1 = sl_offset_tracker_submit(t, b, pos(100), NULL);
	sl_offset_slot_t *a2 = sl_offset_tracker_submit(t, a, pos(2), NULL);
	/* b's record is acked, a's first is not: b moves, a does not. */
	sl_offset_tracker_ack(t, b1);
	sl_offset_tracker_ack(t, a2);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, b), 100);
	CU_ASSERT_EQUAL(committed_pos(c, a), -1);
	json_decref(c);
	sl_offset_tracker_ack(t, a1);
	c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, a), 2);
	CU_ASSERT_EQUAL(committed_pos(c, b), -1); /* nothing new for b */
	json_decref(c);
	json_decref(a);
	json_decref(b);
	sl_offset_tracker_free(t);
}

static void test_equal_partitions_in_distinct_objects_share_order(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p1 = json_pack("{s:s,s:i}", "filename", "a", "x", 1);
	json_t *p2 = json_pack("{s:i,s:s}", "x", 1, "filename", "a"); /* same, other order */
	sl_offset_slot_t *s1 = sl_offset_tracker_submit(t, p1, pos(1), NULL);
	sl_offset_slot_t *s2 = sl_offset_tracker_submit(t, p2, pos(2), NULL);
	sl_offset_tracker_ack(t, s2);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	sl_offset_tracker_ack(t, s1);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p1), 2);
	json_decref(c);
	json_decref(p1);
	json_decref(p2);
	sl_offset_tracker_free(t);
}

static void test_records_without_offset_do_not_move_it(void)
{
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "a");
	sl_offset_slot_t *s1 = sl_offset_tracker_submit(t, p, pos(5), NULL);
	sl_offset_slot_t *s2 = sl_offset_tracker_submit(t, p, NULL, NULL);
	sl_offset_tracker_ack(t, s1);
	sl_offset_tracker_ack(t, s2);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), 5);
	json_decref(c);
	json_decref(p);
	sl_offset_tracker_free(t);
}

static void test_many_records_across_chunks_in_reverse_ack_order(void)
{
	enum {
		N = 10000
	};
	sl_offset_tracker_t *t = sl_offset_tracker_new();
	json_t *p = json_pack("{s:s}", "filename", "big");
	sl_offset_slot_t **slots = malloc(N * sizeof(*slots));
	for (int i = 0; i < N; i++)
		slots[i] = sl_offset_tracker_submit(t, p, pos(i + 1), (void *)(intptr_t)(i + 1));
	for (int i = N - 1; i >= 1; i--)
		CU_ASSERT_EQUAL((intptr_t)sl_offset_tracker_ack(t, slots[i]), i + 1);
	CU_ASSERT_PTR_NULL(sl_offset_tracker_committable(t));
	sl_offset_tracker_ack(t, slots[0]);
	json_t *c = sl_offset_tracker_committable(t);
	CU_ASSERT_EQUAL(committed_pos(c, p), N);
	CU_ASSERT_EQUAL(sl_offset_tracker_in_flight(t), 0);
	json_decref(c);
	free(slots);
	json_decref(p);
	sl_offset_tracker_free(t);
}

/* ---- store ---- */

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/sluice-offsets-XXXXXX";
	return sl_strdup(mkdtemp(tmpl));
}

static void test_store_round_trips_offsets_across_reopen(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/offsets.json", dir);
	char err[512];
	sl_offset_store_t *s = sl_offset_store_open(path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	json_t *p = json_pack("{s:s}", "filename", "/var/log/x");
	json_t *offs = json_pack("{s:{s:O,s:o}}", "k", "partition", p, "offset", pos(42));
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "conn", offs, err, sizeof(err)), 0);
	sl_offset_store_close(s);
	s = sl_offset_store_open(path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	json_t *got = sl_offset_store_get(s, "conn", p);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(got, "position")), 42);
	CU_ASSERT_PTR_NULL(sl_offset_store_get(s, "other", p));
	/* The file reads like a Kafka Connect offsets topic: key [name, partition]. */
	char *text = sl_file_read_all(path, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"conn\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"position\": 42"));
	free(text);
	json_decref(got);
	json_decref(offs);
	json_decref(p);
	sl_offset_store_close(s);
	unlink(path);
	char *lock = sl_asprintf("%s.lock", path);
	unlink(lock);
	free(lock);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_store_lock_refuses_a_second_opener(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/offsets.json", dir);
	char err[512] = "";
	sl_offset_store_t *a = sl_offset_store_open(path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sl_offset_store_t *b = sl_offset_store_open(path, true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use by another sluice process"));
	sl_offset_store_close(a);
	b = sl_offset_store_open(path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(b);
	sl_offset_store_close(b);
	char *lock = sl_asprintf("%s.lock", path);
	unlink(lock);
	free(lock);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_atomic_write_replaces_whole_file_and_leaves_no_temp(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/f", dir);
	char err[512];
	CU_ASSERT_EQUAL(sl_file_write_atomic(path, "old contents\n", 13, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sl_file_write_atomic(path, "new\n", 4, err, sizeof(err)), 0);
	size_t len;
	char *text = sl_file_read_all(path, &len);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_STRING_EQUAL(text, "new\n");
	free(text);
	/* Only the file itself is left in the directory. */
	unlink(path);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
	free(path);
	free(dir);
}

static void test_atomic_write_failure_keeps_old_file(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/f", dir);
	char err[512] = "";
	CU_ASSERT_EQUAL(sl_file_write_atomic(path, "keep\n", 5, err, sizeof(err)), 0);
	chmod(dir, 0500); /* no new files: the temp file cannot be created */
	int rc = sl_file_write_atomic(path, "lost\n", 5, err, sizeof(err));
	chmod(dir, 0700);
	if (geteuid() != 0) { /* root ignores directory permissions */
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create"));
		char *text = sl_file_read_all(path, NULL);
		CU_ASSERT_STRING_EQUAL(text, "keep\n");
		free(text);
	}
	/* A path in a missing directory always fails and says where. */
	char *bad = sl_asprintf("%s/missing/f", dir);
	CU_ASSERT_EQUAL(sl_file_write_atomic(bad, "x", 1, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing/f"));
	free(bad);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_store_reset_removes_one_connector_only(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/offsets.json", dir);
	char err[512];
	sl_offset_store_t *s = sl_offset_store_open(path, false, err, sizeof(err));
	json_t *p = json_pack("{s:s}", "filename", "f");
	json_t *offs = json_pack("{s:{s:O,s:o}}", "k", "partition", p, "offset", pos(1));
	sl_offset_store_put(s, "a", offs, err, sizeof(err));
	sl_offset_store_put(s, "b", offs, err, sizeof(err));
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, "a", err, sizeof(err)), 1);
	json_t *list = sl_offset_store_list(s, NULL);
	CU_ASSERT_EQUAL(json_array_size(list), 1);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_array_get(list, 0), "connector")), "b");
	json_decref(list);
	json_decref(offs);
	json_decref(p);
	sl_offset_store_close(s);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_store_rejects_a_corrupt_file_with_its_name(void)
{
	char *dir = tmp_dir();
	char *path = sl_asprintf("%s/offsets.json", dir);
	char err[512] = "";
	sl_file_write_atomic(path, "{not json", 9, err, sizeof(err));
	sl_offset_store_t *s = sl_offset_store_open(path, false, err, sizeof(err));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a sluice offset file"));
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* A temporary offset file holding text; free with file_done. */
typedef struct tmp_file {
	char *dir, *path;
} tmp_file_t;

static tmp_file_t file_with(const char *text)
{
	tmp_file_t f = {.dir = tmp_dir()};
	char err[512];
	f.path = sl_asprintf("%s/offsets.json", f.dir);
	CU_ASSERT_EQUAL(sl_file_write_atomic(f.path, text, strlen(text), err, sizeof(err)), 0);
	return f;
}

static void file_done(tmp_file_t *f)
{
	char *lock = sl_asprintf("%s.lock", f->path);
	unlink(lock);
	free(lock);
	unlink(f->path);
	rmdir(f->dir);
	free(f->path);
	free(f->dir);
}

#define GOOD_ENTRY "{\"key\":[\"a\",{\"filename\":\"f\"}],\"value\":{\"position\":7}}"

static void test_store_refuses_a_malformed_entry_naming_file_entry_and_connector(void)
{
	tmp_file_t f = file_with("{\"version\":1,\"offsets\":[" GOOD_ENTRY ","
				 "{\"key\":[\"pg-orders\",{\"server\":\"db\"}],"
				 "\"value\":\"0/16B3748\"}]}");
	char err[1024] = "";
	sl_offset_store_t *s = sl_offset_store_open(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(s);
	sl_offset_store_close(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, f.path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offsets[1] of connector \"pg-orders\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset (\"value\") is not an object"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"value\":\"0/16B3748\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "`sluice offsets reset --connector pg-orders`"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "`sluice offsets reset` drops every"));
	/* The lock is released: the CLI can open the file next. */
	s = sl_offset_store_open_lenient(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(s);
	sl_offset_store_close(s);
	file_done(&f);
}

static void test_store_refuses_every_kind_of_malformed_entry(void)
{
	static const char *const bad[] = {
		"42",
		"{\"value\":{\"position\":1}}",
		"{\"key\":\"a\",\"value\":{\"position\":1}}",
		"{\"key\":[\"a\"],\"value\":{\"position\":1}}",
		"{\"key\":[\"a\",{},{}],\"value\":{\"position\":1}}",
		"{\"key\":[7,{\"filename\":\"f\"}],\"value\":{\"position\":1}}",
		"{\"key\":[\"a\",\"f\"],\"value\":{\"position\":1}}",
		"{\"key\":[\"a\",{\"filename\":\"f\"}]}",
		"{\"key\":[\"a\",{\"filename\":\"f\"}],\"value\":7}",
		"{\"key\":[\"a\",{\"filename\":\"f\"}],\"value\":[1]}",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		char *text = sl_asprintf("{\"version\":1,\"offsets\":[" GOOD_ENTRY ",%s]}", bad[i]);
		tmp_file_t f = file_with(text);
		char err[1024] = "";
		sl_offset_store_t *s = sl_offset_store_open(f.path, false, err, sizeof(err));
		if (s)
			printf("\n    accepted a malformed entry: %s\n", bad[i]);
		CU_ASSERT_PTR_NULL(s);
		sl_offset_store_close(s);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "offsets[1]"));
		free(text);
		file_done(&f);
	}
}

/* Kafka Connect deletes an offset by writing a null value (a tombstone):
 * no offset for that key, also when an earlier entry had one. */
static void test_store_reads_a_null_offset_as_no_offset(void)
{
	tmp_file_t f = file_with("{\"version\":1,\"offsets\":[" GOOD_ENTRY ","
				 "{\"key\":[\"a\",{\"filename\":\"f\"}],\"value\":null},"
				 "{\"key\":[\"b\",{\"filename\":\"g\"}],\"value\":null}]}");
	char err[1024] = "";
	sl_offset_store_t *s = sl_offset_store_open(f.path, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	json_t *p = json_pack("{s:s}", "filename", "f");
	CU_ASSERT_PTR_NULL(sl_offset_store_get(s, "a", p));
	json_t *list = sl_offset_store_list(s, NULL);
	CU_ASSERT_EQUAL(json_array_size(list), 0);
	json_decref(list);
	json_decref(p);
	sl_offset_store_close(s);
	file_done(&f);
}

/* A partition of null is what a record without one stores: readable. */
static void test_store_reads_its_own_null_partition(void)
{
	tmp_file_t f = file_with("");
	char err[1024] = "";
	unlink(f.path);
	sl_offset_store_t *s = sl_offset_store_open(f.path, false, err, sizeof(err));
	json_t *offs = json_pack("{s:{s:n,s:o}}", "null", "partition", "offset", pos(3));
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "a", offs, err, sizeof(err)), 0);
	sl_offset_store_close(s);
	s = sl_offset_store_open(f.path, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(s);
	json_t *got = s ? sl_offset_store_get(s, "a", json_null()) : NULL;
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(got, "position")), 3);
	json_decref(got);
	json_decref(offs);
	sl_offset_store_close(s);
	file_done(&f);
}

static void test_store_quotes_a_malformed_entry_escaped_and_capped(void)
{
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *text = sl_asprintf("{\"version\":1,\"offsets\":[{\"key\":[\"a\\nb\",{}],"
				 "\"value\":\"\\u0007%s\"}]}",
				 big);
	tmp_file_t f = file_with(text);
	char err[1024] = "";
	CU_ASSERT_PTR_NULL(sl_offset_store_open(f.path, false, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "connector \"a\\nb\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\\u0007xxx"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "xxx..."));
	CU_ASSERT_PTR_NULL(strstr(err, big + 200)); /* capped */
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	CU_ASSERT_PTR_NULL(strchr(err, '\a'));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--connector 'a?b'"));
	free(text);
	file_done(&f);
}

static void test_store_refuses_a_file_of_another_version_or_shape(void)
{
	static const char *const docs[] = {
		"{\"version\":2,\"offsets\":[]}",
		"{\"offsets\":[]}",
		"[]",
		"{\"version\":1,\"offsets\":{}}",
		"",
		"{\"version\":1,\"offsets\":[" GOOD_ENTRY,
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(docs); i++) {
		tmp_file_t f = file_with(docs[i]);
		char err[1024] = "";
		sl_offset_store_t *s = sl_offset_store_open(f.path, false, err, sizeof(err));
		if (s)
			printf("\n    accepted: '%s'\n", docs[i]);
		CU_ASSERT_PTR_NULL(s);
		sl_offset_store_close(s);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a sluice offset file"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "`sluice offsets reset`"));
		file_done(&f);
	}
}

/* What `sluice offsets list` and `reset --connector` see. */
static void test_lenient_store_lists_malformed_entries_and_reset_removes_them(void)
{
	tmp_file_t f = file_with("{\"version\":1,\"offsets\":[" GOOD_ENTRY ","
				 "{\"key\":[\"pg\",{\"server\":\"db\"}],\"value\":{\"lsn\":5}},"
				 "{\"key\":[\"pg\",{\"server\":\"x\"}],\"value\":\"bad\"},"
				 "{\"key\":\"nobody\",\"value\":{}}]}");
	char err[1024] = "";
	sl_offset_store_t *s = sl_offset_store_open_lenient(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), -1);
	json_t *list = sl_offset_store_list(s, "pg");
	CU_ASSERT_EQUAL(json_array_size(list), 2);
	json_t *m = json_array_get(list, 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "index")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "connector")), "pg");
	CU_ASSERT_PTR_NOT_NULL(json_string_value(json_object_get(m, "malformed")));
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(m, "entry"), "value")), "bad");
	json_decref(list);
	list = sl_offset_store_list(s, NULL);
	CU_ASSERT_EQUAL(json_array_size(list), 4);
	json_decref(list);
	/* Another connector's offsets go on being written; the malformed
	 * entries stay in the file as they were. */
	json_t *p = json_pack("{s:s}", "filename", "f");
	json_t *offs = json_pack("{s:{s:O,s:o}}", "k", "partition", p, "offset", pos(8));
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "a", offs, err, sizeof(err)), 0);
	char *text = sl_file_read_all(f.path, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"bad\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"nobody\""));
	free(text);
	/* reset --connector pg: its good and malformed entries go. */
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, "pg", err, sizeof(err)), 2);
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offsets[3] is malformed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "connector is unknown"));
	sl_offset_store_close(s);
	/* The worker still refuses the file: an entry of no known connector. */
	CU_ASSERT_PTR_NULL(sl_offset_store_open(f.path, true, err, sizeof(err)));
	s = sl_offset_store_open_lenient(f.path, true, err, sizeof(err));
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, NULL, err, sizeof(err)), 2);
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), 0);
	sl_offset_store_close(s);
	s = sl_offset_store_open(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(s);
	sl_offset_store_close(s);
	json_decref(offs);
	json_decref(p);
	file_done(&f);
}

/* A truncated file: listed as one malformed item, never overwritten but by
 * a reset of every connector. */
static void test_lenient_store_replaces_an_unreadable_file_only_on_reset_of_all(void)
{
	const char *cut = "{\"version\":1,\"offsets\":[" GOOD_ENTRY ",{\"key\":[\"b\",";
	tmp_file_t f = file_with(cut);
	char err[1024] = "";
	sl_offset_store_t *s = sl_offset_store_open_lenient(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	json_t *list = sl_offset_store_list(s, "a");
	CU_ASSERT_EQUAL(json_array_size(list), 1);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(json_string_value(json_object_get(json_array_get(list, 0), "malformed")),
		       "not valid JSON"));
	json_decref(list);
	json_t *p = json_pack("{s:s}", "filename", "f");
	json_t *offs = json_pack("{s:{s:O,s:o}}", "k", "partition", p, "offset", pos(8));
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "a", offs, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, "a", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "without --connector"));
	char *text = sl_file_read_all(f.path, NULL);
	CU_ASSERT_STRING_EQUAL(text, cut);
	free(text);
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, NULL, err, sizeof(err)), 1);
	sl_offset_store_close(s);
	s = sl_offset_store_open(f.path, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(s);
	sl_offset_store_close(s);
	json_decref(offs);
	json_decref(p);
	file_done(&f);
}

/* Full jitter hides the growth in any single draw, so the test looks at
 * many: the largest delay drawn at attempt n (over 500 runs from attempt
 * 0, fixed seed) lies in [0, min(100 * 2^n, 1000)], beats the largest of
 * attempt n - 1 and even that attempt's bound until the cap, and comes
 * close to its own bound; the smallest is near 0 (jitter over the whole
 * range); reset starts again at the base. */
static void test_backoff_grows_exponentially_within_the_cap(void)
{
	enum {
		runs = 500,
		attempts = 6
	};
	static const int64_t caps[attempts] = {100, 200, 400, 800, 1000, 1000};
	int64_t most[attempts] = {0}, least[attempts];
	sl_backoff_t b;

	sl_backoff_init(&b, 100, 1000, 42);
	for (int n = 0; n < attempts; n++)
		least[n] = INT64_MAX;
	for (int r = 0; r < runs; r++) {
		sl_backoff_reset(&b);
		for (int n = 0; n < attempts; n++) {
			int64_t d = sl_backoff_next(&b);
			CU_ASSERT(d >= 0 && d <= caps[n]);
			most[n] = d > most[n] ? d : most[n];
			least[n] = d < least[n] ? d : least[n];
		}
	}
	for (int n = 0; n < attempts; n++) {
		CU_ASSERT(most[n] >= caps[n] * 9 / 10); /* reaches its bound */
		CU_ASSERT(least[n] <= caps[n] / 10);    /* full jitter */
		if (n > 0 && caps[n] > caps[n - 1]) {   /* grows until the cap */
			CU_ASSERT(most[n] > most[n - 1]);
			CU_ASSERT(most[n] > caps[n - 1]);
		}
		if (n > 0 && caps[n] == caps[n - 1]) /* then stays there */
			CU_ASSERT(most[n] <= caps[n - 1]);
	}
	sl_backoff_reset(&b);
	CU_ASSERT(sl_backoff_next(&b) <= 100);
}

void offsets_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"nothing_committable_before_any_ack", test_nothing_committable_before_any_ack},
		{"forgotten_record_leaves_flight_and_holds_offsets_back",
		 test_forgotten_record_leaves_flight_and_holds_offsets_back},
		{"out_of_order_acks_commit_only_the_acked_prefix",
		 test_out_of_order_acks_commit_only_the_acked_prefix},
		{"partitions_advance_independently", test_partitions_advance_independently},
		{"run_offset_waits_for_close_and_every_record",
		 test_run_offset_waits_for_close_and_every_record},
		{"forgotten_record_of_a_run_holds_its_offset_back",
		 test_forgotten_record_of_a_run_holds_its_offset_back},
		{"memory_follows_records_in_flight_not_since_last_store",
		 test_memory_follows_records_in_flight_not_since_last_store},
		{"equal_partitions_in_distinct_objects_share_order",
		 test_equal_partitions_in_distinct_objects_share_order},
		{"records_without_offset_do_not_move_it",
		 test_records_without_offset_do_not_move_it},
		{"many_records_across_chunks_in_reverse_ack_order",
		 test_many_records_across_chunks_in_reverse_ack_order},
		{"store_round_trips_offsets_across_reopen",
		 test_store_round_trips_offsets_across_reopen},
		{"store_lock_refuses_a_second_opener", test_store_lock_refuses_a_second_opener},
		{"atomic_write_replaces_whole_file_and_leaves_no_temp",
		 test_atomic_write_replaces_whole_file_and_leaves_no_temp},
		{"atomic_write_failure_keeps_old_file", test_atomic_write_failure_keeps_old_file},
		{"store_reset_removes_one_connector_only",
		 test_store_reset_removes_one_connector_only},
		{"store_rejects_a_corrupt_file_with_its_name",
		 test_store_rejects_a_corrupt_file_with_its_name},
		{"store_refuses_a_malformed_entry_naming_file_entry_and_connector",
		 test_store_refuses_a_malformed_entry_naming_file_entry_and_connector},
		{"store_refuses_every_kind_of_malformed_entry",
		 test_store_refuses_every_kind_of_malformed_entry},
		{"store_reads_a_null_offset_as_no_offset",
		 test_store_reads_a_null_offset_as_no_offset},
		{"store_reads_its_own_null_partition", test_store_reads_its_own_null_partition},
		{"store_quotes_a_malformed_entry_escaped_and_capped",
		 test_store_quotes_a_malformed_entry_escaped_and_capped},
		{"store_refuses_a_file_of_another_version_or_shape",
		 test_store_refuses_a_file_of_another_version_or_shape},
		{"lenient_store_lists_malformed_entries_and_reset_removes_them",
		 test_lenient_store_lists_malformed_entries_and_reset_removes_them},
		{"lenient_store_replaces_an_unreadable_file_only_on_reset_of_all",
		 test_lenient_store_replaces_an_unreadable_file_only_on_reset_of_all},
		{"backoff_grows_exponentially_within_the_cap",
		 test_backoff_grows_exponentially_within_the_cap},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("offsets", NULL, NULL, tests);
}
