/* Unit tests of which PostgreSQL failures the connectors retry without
 * limit and which fail the task: SQLSTATEs, connection failures as libpq
 * reports them, and what a task whose server does not answer returns. */
#include <stdio.h>
#include <string.h>

#include "kit.h"
#include "pg_errors.h"
#include "postgres.h"
#include "runner.h"

static void test_sqlstates_of_passing_failures_are_transient(void)
{
	static const char *const transient[] = {
		"08000", "08003", "08006", "08001", "08004", /* connection */
		"57P01", "57P02", "57P03", "57P05",          /* shutdown, cannot connect now */
		"53300", "53100", "53200", "53000",          /* too many connections, resources */
		"40001", "40P01", "40003",                   /* serialization, deadlock */
		"55P03", "55006", "25006",                   /* lock, in use, read-only standby */
	};
	static const char *const permanent[] = {
		"28P01", "28000", "3D000", "42501", /* credentials, database, privilege */
		"42P01", "42703", "42704",          /* missing table, column, object (slot) */
		"23505", "23502", "22P02", "42601", /* data and SQL */
		"57P04", "53400", "08P01", "57014", /* database dropped, limit, protocol */
		"55000", "XX000", "",      "4000",  /* prerequisite (wal_level), internal */
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(transient); i++) {
		if (!sl_pg_sqlstate_transient(transient[i]))
			printf("\n    %s taken as permanent\n", transient[i]);
		CU_ASSERT_TRUE(sl_pg_sqlstate_transient(transient[i]));
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(permanent); i++) {
		if (sl_pg_sqlstate_transient(permanent[i]))
			printf("\n    %s taken as transient\n", permanent[i]);
		CU_ASSERT_FALSE(sl_pg_sqlstate_transient(permanent[i]));
	}
	CU_ASSERT_FALSE(sl_pg_sqlstate_transient(NULL));
}

/* libpq's verbose messages (libpq 15), as sl_pg_connectdb gets them. */
static void test_connection_failures_are_classified_by_the_servers_answer(void)
{
	static const struct {
		const char *msg, *state;
		bool transient;
	} cases[] = {
		{"connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
		 "\tIs the server running on that host and accepting TCP/IP connections?\n",
		 "", true},
		{"could not translate host name \"db.example\" to address: Name or service not "
		 "known\n",
		 "", true},
		{"connection to server at \"10.0.0.5\", port 5432 failed: timeout expired\n", "",
		 true},
		{"connection to server at \"h\", port 5432 failed: FATAL:  57P03: the database "
		 "system is starting up\nLOCATION:  ProcessStartupPacket, postmaster.c:2360\n",
		 "57P03", true},
		{"connection to server at \"h\", port 5432 failed: FATAL:  53300: sorry, too many "
		 "clients already\n",
		 "53300", true},
		{"connection to server at \"h\", port 5432 failed: FATAL:  28P01: password "
		 "authentication failed for user \"u\"\nLOCATION:  auth_failed, auth.c:335\n",
		 "28P01", false},
		{"connection to server at \"127.0.0.1\", port 49071 failed: FATAL:  28000: role "
		 "\"nobody\" does not exist\nLOCATION:  InitializeSessionUserId, miscinit.c:768\n",
		 "28000", false},
		/* a translated severity: the code still decides */
		{"Verbindung zum Server fehlgeschlagen: FATAL:  3D000: Datenbank \u00bbx\u00ab "
		 "existiert nicht\n",
		 "3D000", false},
		/* two hosts: one down, one that refuses the database */
		{"connection to server at \"a\", port 1 failed: Connection refused\n"
		 "connection to server at \"b\", port 5432 failed: FATAL:  3D000: database "
		 "\"nodb\" "
		 "does not exist\nLOCATION:  InitPostgres, postinit.c:948\n",
		 "3D000", false},
		/* two hosts: one starting up, one that refuses the role */
		{"connection to server at \"a\", port 5432 failed: FATAL:  28000: role \"u\" does "
		 "not exist\nconnection to server at \"b\", port 5432 failed: FATAL:  57P03: the "
		 "database system is in recovery mode\n",
		 "57P03", true},
		/* libpq's own configuration errors */
		{"connection to server at \"h\", port 5432 failed: fe_sendauth: no password "
		 "supplied\n",
		 "", false},
		{"connection to server at \"h\", port 5432 failed: server does not support SSL, "
		 "but "
		 "SSL was required\n",
		 "", false},
		{"connection to server at \"h\", port 5432 failed: root certificate file "
		 "\"/x/root.crt\" does not exist\n",
		 "", false},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		char state[6] = "?";
		bool t = sl_pg_connect_failure_transient(cases[i].msg, state);
		if (t != cases[i].transient || strcmp(state, cases[i].state))
			printf("\n    case %zu: transient %d sqlstate '%s'\n", i, t, state);
		CU_ASSERT_EQUAL(t, cases[i].transient);
		CU_ASSERT_STRING_EQUAL(state, cases[i].state);
	}
}

static void test_waiting_for_says_what_the_task_waits_for(void)
{
	CU_ASSERT_PTR_NOT_NULL(strstr(sl_pg_waiting_for(NULL), "reachable"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sl_pg_waiting_for("57P03"), "started up"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sl_pg_waiting_for("53300"), "too many connections"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sl_pg_waiting_for("40P01"), "deadlock"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sl_pg_waiting_for("25006"), "standby"));
}

/* Nothing listens on port 1: refused at once, transient, one line. */
static void test_connectdb_to_a_closed_port_is_transient_and_says_so(void)
{
	const char *keys[] = {"host", "port", "dbname", "connect_timeout", NULL};
	const char *vals[] = {"127.0.0.1", "1", "d", "5", NULL};
	char err[1024] = "";
	bool transient = false;
	PGconn *c = sl_pg_connectdb(keys, vals, 0, "cannot connect to 127.0.0.1:1", &transient, err,
				    sizeof(err));

	CU_ASSERT_PTR_NULL(c);
	PQfinish(c);
	CU_ASSERT_TRUE(transient);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot connect to 127.0.0.1:1: connection to server"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "transient: retried until the server is reachable"));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

/* A task whose server does not answer: start says SL_RETRY with the
 * reason (the worker retries it without limit), never SL_FAIL. */
static void test_start_of_both_connectors_is_retried_while_the_server_is_down(void)
{
	const sl_connector_t *plugins[] = {&postgres_source_connector, &postgres_sink_connector};
	static const char *const kv[] = {"name",
					 "pg-down",
					 "database.hostname",
					 "127.0.0.1",
					 "database.port",
					 "1",
					 "database.user",
					 "u",
					 "database.dbname",
					 "d",
					 "topic.prefix",
					 "down",
					 "connection.url",
					 "postgresql://u@127.0.0.1:1/d",
					 "topics",
					 "t",
					 NULL};

	for (size_t i = 0; i < SL_ARRAY_LEN(plugins); i++) {
		sl_kit_t *kit = kit_new(plugins[i], kv, 0, 1); /* nothing stored */

		CU_ASSERT_EQUAL(kit_start(kit), SL_RETRY);
		CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "refused"));
		CU_ASSERT_PTR_NOT_NULL(strstr(kit_fail_reason(kit), "transient"));
		kit_free(kit);
	}
}

void pg_errors_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"sqlstates_of_passing_failures_are_transient",
		 test_sqlstates_of_passing_failures_are_transient},
		{"connection_failures_are_classified_by_the_servers_answer",
		 test_connection_failures_are_classified_by_the_servers_answer},
		{"waiting_for_says_what_the_task_waits_for",
		 test_waiting_for_says_what_the_task_waits_for},
		{"connectdb_to_a_closed_port_is_transient_and_says_so",
		 test_connectdb_to_a_closed_port_is_transient_and_says_so},
		{"start_of_both_connectors_is_retried_while_the_server_is_down",
		 test_start_of_both_connectors_is_retried_while_the_server_is_down},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pg_errors", NULL, NULL, tests);
}
