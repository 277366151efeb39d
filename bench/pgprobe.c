/* pgprobe: the PostgreSQL side of the benchmark harness (libpq only).
 *
 *   pgprobe CONNINFO wait-rows TABLE N SECS    watch until TABLE holds id N
 *   pgprobe CONNINFO load TABLE RATE SECS TX   insert RATE rows/s for SECS
 *                                              seconds, TX rows per transaction
 *
 * wait-rows prints "ready" once connected, then "first= done=T" (epoch
 * seconds) when the row with id N was committed, polling
 * max(id) every 10 ms (an index-only look at the primary key, so polling does
 * not slow the writer down). A table that does not exist yet counts as empty:
 * the sinks may create it. There is no first-record time: a sink commits
 * rows in batches, so its first commit says little of when it started
 * writing; its rate is counted from its start, as COPY's is. load keeps to its schedule (a late transaction is
 * followed by the next one at once) and prints the rows it inserted and the
 * rate it reached. Exit status 0 on success, 1 on failure (with a message). */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define PROBE_NAME "pgprobe"
#include "probe.h"

static PGconn *connect_db(const char *conninfo)
{
	PGconn *db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK)
		die("cannot connect: %s", PQerrorMessage(db));
	return db;
}

/* The SQL text of TABLE as a quoted identifier (freed by the caller). */
static char *quoted(PGconn *db, const char *table)
{
	char *q = PQescapeIdentifier(db, table, strlen(table));
	if (!q)
		die("table name %s: %s", table, PQerrorMessage(db));
	return q;
}

static int undefined_table(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return state && !strcmp(state, "42P01");
}

/* max(id) of the table, 0 when empty or missing. */
static long long max_id(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	long long v = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && !PQgetisnull(r, 0, 0))
		v = atoll(PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK && !undefined_table(r))
		die("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

static int cmd_wait_rows(PGconn *db, const char *table, long long want, double secs)
{
	char *q = quoted(db, table), sql[512];
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", q);
	PQfreemem(q);
	printf("ready\n");
	fflush(stdout);
	double deadline = now() + secs;
	long long have;
	while ((have = max_id(db, sql)) < want) {
		if (now() > deadline)
			die("table %s: max(id) %lld, not %lld after %.0f s", table, have, want,
			    secs);
		usleep(WATCH_POLL_US);
	}
	printf("first= done=%.6f\n", now());
	return 0;
}

/* Rows id, name, qty, price, created as the benchmark tables have them. */
static int cmd_load(PGconn *db, const char *table, double rate, double secs, long tx)
{
	char *q = quoted(db, table), sql[512];
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", q);
	long long next = max_id(db, sql) + 1;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s (id, name, qty, price, created) SELECT g, 'name-' || g, "
		 "(g %% 1000)::int, (g %% 100000) / 100.0, now() FROM generate_series($1::bigint, "
		 "$2::bigint) g",
		 q);
	PQfreemem(q);
	PGresult *r = PQprepare(db, "ins", sql, 2, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare: %s", PQresultErrorMessage(r));
	PQclear(r);
	long total = (long)(rate * secs), done = 0;
	double start = now();
	while (done < total) {
		long n = tx < total - done ? tx : total - done;
		double due = start + (double)done / rate;
		double wait = due - now();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		char a[32], b[32];
		snprintf(a, sizeof(a), "%lld", next);
		snprintf(b, sizeof(b), "%lld", next + n - 1);
		const char *params[2] = {a, b};
		r = PQexecPrepared(db, "ins", 2, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			die("insert: %s", PQresultErrorMessage(r));
		PQclear(r);
		next += n;
		done += n;
	}
	double took = now() - start;
	printf("rows=%ld rate=%.0f\n", done, (double)done / took);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pgprobe CONNINFO wait-rows TABLE N SECS | load TABLE RATE "
				"SECS TX\n");
		return 2;
	}
	const char *mode = argv[2];
	if (!strcmp(mode, "wait-rows") && argc == 6)
		return cmd_wait_rows(connect_db(argv[1]), argv[3], atoll(argv[4]), atof(argv[5]));
	if (!strcmp(mode, "load") && argc == 7)
		return cmd_load(connect_db(argv[1]), argv[3], atof(argv[4]), atof(argv[5]),
				atol(argv[6]));
	fprintf(stderr, "pgprobe: bad arguments for %s\n", mode);
	return 2;
}
