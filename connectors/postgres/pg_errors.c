/* Transient or permanent: the classification of PostgreSQL failures that
 * decides between SL_RETRY and SL_FAIL in both PostgreSQL connectors. */
#include "pg_errors.h"

#include <stdio.h>
#include <string.h>

#include "sluice/util.h"

bool sl_pg_sqlstate_transient(const char *s)
{
	static const char *const states[] = {"25006", "40001", "40P01", "40003", "55P03",
					     "55006", "57P01", "57P02", "57P03", "57P05"};

	if (!s || strlen(s) != 5)
		return false;
	if (!strncmp(s, "08", 2))
		return strcmp(s, "08P01") != 0;
	if (!strncmp(s, "53", 2))
		return strcmp(s, "53400") != 0;
	for (size_t i = 0; i < SL_ARRAY_LEN(states); i++)
		if (!strcmp(s, states[i]))
			return true;
	return false;
}

const char *sl_pg_waiting_for(const char *s)
{
	if (!s || !s[0] || !strncmp(s, "08", 2) || !strcmp(s, "57P01") || !strcmp(s, "57P02") ||
	    !strcmp(s, "57P05"))
		return "until the server is reachable again";
	if (!strcmp(s, "57P03"))
		return "until the server has started up (or left recovery) and accepts connections";
	if (!strcmp(s, "53300"))
		return "until the server has a connection slot free (too many connections)";
	if (!strncmp(s, "53", 2))
		return "until the server has resources again (disk space, memory)";
	if (!strncmp(s, "40", 2))
		return "with the transaction replayed (serialization failure or deadlock)";
	if (!strcmp(s, "55P03"))
		return "until the lock is available";
	if (!strcmp(s, "55006"))
		return "until the object is no longer in use";
	if (!strcmp(s, "25006"))
		return "until the server accepts writes (it is a standby or in recovery)";
	return "until it works";
}

int sl_pg_failure(PGconn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!c || PQstatus(c) != CONNECTION_OK || sl_pg_sqlstate_transient(state))
		return SL_PG_TRANSIENT;
	return -1;
}

/* The next SQLSTATE of a server's answer in a verbose libpq message at or
 * after *p ("SEVERITY:  XXXXX: text": the severity may be translated, the
 * code is not); copies it to out and moves *p past it. */
static bool next_sqlstate(const char **p, char out[6])
{
	const char *m;

	while ((m = strstr(*p, ":  ")) != NULL) {
		const char *c = m + 3;

		*p = c;
		if (strspn(c, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 5 && c[5] == ':' &&
		    c[6] == ' ') {
			memcpy(out, c, 5);
			out[5] = '\0';
			return true;
		}
	}
	return false;
}

bool sl_pg_connect_failure_transient(const char *msg, char sqlstate[6])
{
	/* libpq's own messages (untranslated: sluice sets no locale) for a
	 * configuration no retry mends. */
	static const char *const config[] = {"no password supplied", "SSL was required",
					     "certificate",          "private key",
					     "channel binding",      "invalid connection option",
					     "invalid sslmode"};
	const char *p = msg ? msg : "";
	char st[6];
	bool answered = false;

	sqlstate[0] = '\0';
	while (next_sqlstate(&p, st)) {
		if (sl_pg_sqlstate_transient(st)) {
			memcpy(sqlstate, st, 6);
			return true;
		}
		if (!answered)
			memcpy(sqlstate, st, 6);
		answered = true;
	}
	if (answered)
		return false;
	for (size_t i = 0; msg && i < SL_ARRAY_LEN(config); i++)
		if (strstr(msg, config[i]))
			return false;
	return true;
}

/* libpq's message on one line: lines joined with "; ", LOCATION lines
 * (the server's source file) dropped. */
static void one_line(const char *msg, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	while (msg && *msg && n + 1 < size) {
		size_t len = strcspn(msg, "\n");
		const char *line = msg + strspn(msg, " \t");
		size_t skip = (size_t)(line - msg);

		if (len > skip && strncmp(line, "LOCATION:", 9) != 0) {
			int r = snprintf(out + n, size - n, "%s%.*s", n ? "; " : "",
					 (int)(len - skip), line);

			if (r < 0 || (size_t)r >= size - n)
				return; /* cut: out is terminated */
			n += (size_t)r;
		}
		msg += len + (msg[len] == '\n');
	}
}

PGconn *sl_pg_connectdb(const char *const *keys, const char *const *vals, int expand_dbname,
			const char *what, bool *transient, char *errstr, size_t errstr_size)
{
	/* PQconnectdbParams gives no way to ask for the server's SQLSTATE:
	 * the message only has it in verbose form, which must be set before
	 * the server answers. So: start a connection, set the verbosity on
	 * it, and let PQreset connect again with libpq's own timeouts and
	 * host list (the first attempt is dropped before its startup packet:
	 * the server logs nothing for it). */
	PGconn *c = PQconnectStartParams(keys, vals, expand_dbname);
	char line[768], state[6];

	if (c) {
		PQsetErrorVerbosity(c, PQERRORS_VERBOSE);
		PQreset(c);
	}
	if (c && PQstatus(c) == CONNECTION_OK) {
		PQsetErrorVerbosity(c, PQERRORS_DEFAULT);
		return c;
	}
	one_line(c ? PQerrorMessage(c) : "out of memory", line, sizeof(line));
	*transient = sl_pg_connect_failure_transient(c ? PQerrorMessage(c) : NULL, state);
	sl_seterr(errstr, errstr_size, "%s: %s%s%s", what, line,
		  *transient ? "; transient: retried " : "",
		  *transient ? sl_pg_waiting_for(state) : "");
	PQfinish(c);
	return NULL;
}
