/* Decoder of PostgreSQL's logical replication protocol as the built-in
 * pgoutput plugin writes it (protocol version 1): Begin, Commit, Origin,
 * Relation, Type, Insert, Update, Delete, Truncate and Message. Every field
 * is length-checked; a truncated or corrupt message is an error, never a
 * crash, and an unknown message type is an error, not a skip. Pure: no
 * libpq, no worker state. */
#ifndef SL_PGOUTPUT_H
#define SL_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define SL_PG_EPOCH_OFFSET_US 946684800000000LL

typedef struct sl_pg_column {
	char *name;
	uint32_t type_oid;
	int32_t type_mod;
	bool key; /* part of the replica identity (the primary key by default) */
	/* Not in the Relation message: the source fills it from the catalog
	 * (pg_attribute.attnotnull) after decoding a Relation; true until then. */
	bool optional;
} sl_pg_column_t;

/* A table as a Relation message (or, for snapshots, the catalog) describes
 * it. Owned by the decoder's cache (or by whoever built it). */
typedef struct sl_pg_relation {
	uint32_t oid;
	char *schema;
	char *table;
	char replica_identity; /* 'd' default, 'n' nothing, 'f' full, 'i' index */
	int ncols;
	sl_pg_column_t *cols;
} sl_pg_relation_t;

/* Frees a relation built outside the decoder's cache (the decoder frees
 * its own). NULL is a no-op. */
void sl_pg_relation_free(sl_pg_relation_t *rel);

/* One column value of a tuple. */
typedef enum sl_pg_datum_kind {
	SL_PG_NULL = 'n',
	SL_PG_UNCHANGED_TOAST = 'u', /* value not sent: unchanged TOASTed column */
	SL_PG_TEXT = 't',            /* text output form of the type */
	SL_PG_BINARY = 'b',
} sl_pg_datum_kind_t;

typedef struct sl_pg_datum {
	sl_pg_datum_kind_t kind;
	const char *data; /* not NUL-terminated; borrowed */
	uint32_t len;
} sl_pg_datum_t;

typedef struct sl_pg_tuple {
	int ncols;
	sl_pg_datum_t *cols; /* borrowed (decoder scratch) */
} sl_pg_tuple_t;

typedef struct sl_pg_msg {
	char type; /* 'B','C','O','R','Y','I','U','D','T','M' */
	/* Begin: final_lsn, commit_time_us, xid. Commit: flags, commit_lsn,
	 * end_lsn, commit_time_us. Times are microseconds since the Unix
	 * epoch. */
	uint64_t final_lsn, commit_lsn, end_lsn;
	int64_t commit_time_us;
	uint32_t xid;
	uint8_t flags;
	/* Relation (after caching), Insert, Update, Delete: the relation. */
	const sl_pg_relation_t *rel;
	/* Insert: new_tuple. Update: new_tuple and, when has_old, old_tuple
	 * ('K' key columns only, 'O' whole old row). Delete: old_tuple ('K' or
	 * 'O'). */
	bool has_old;
	char old_kind;
	sl_pg_tuple_t old_tuple, new_tuple;
	/* Truncate: options (1 cascade, 2 restart identity) and the relations. */
	uint8_t truncate_options;
	int nrelids;
	const uint32_t *relids;
	/* Message: transactional flag, lsn, prefix, content. Type: oid,
	 * namespace, name. Origin: lsn, name. Borrowed. */
	bool transactional;
	uint64_t lsn;
	const char *prefix;
	const char *content;
	uint32_t content_len;
	uint32_t type_oid;
	const char *type_namespace, *type_name, *origin_name;
} sl_pg_msg_t;

typedef struct sl_pg_decoder sl_pg_decoder_t;

sl_pg_decoder_t *sl_pg_decoder_new(void);
void sl_pg_decoder_free(sl_pg_decoder_t *d);

/* Decodes one pgoutput message (the payload of an XLogData 'w' message).
 * Fills msg; everything it points to is borrowed from data or from the
 * decoder and valid until the next call. A Relation message replaces the
 * cached relation of its oid. Insert/Update/Delete of a relation not seen
 * in a Relation message first is an error. Returns 0, or -1 with errstr
 * naming the message type, the field and the byte offset. */
int sl_pg_decode(sl_pg_decoder_t *d, const uint8_t *data, size_t len, sl_pg_msg_t *msg,
		 char *errstr, size_t errstr_size);
/* The cached relation of oid, or NULL. */
const sl_pg_relation_t *sl_pg_decoder_relation(const sl_pg_decoder_t *d, uint32_t oid);

/* LSN text form "16/B374D848" <-> number. parse returns -1 on bad text. */
void sl_pg_lsn_format(uint64_t lsn, char *buf, size_t size);
int sl_pg_lsn_parse(const char *text, uint64_t *out);

#endif
