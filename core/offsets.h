/* Source offsets: the per-task tracker that decides which offsets may be
 * stored (only those whose records, and every record before them in the
 * same source partition, Kafka has acknowledged), and the worker's offset
 * store (a JSON file replaced atomically; Kafka Connect's key shape). */
#ifndef SL_OFFSETS_H
#define SL_OFFSETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- tracker --------------------------------------------------------------
 * Used by one task thread only (delivery reports are served on the task's
 * own thread), so it has no locks. */
typedef struct sl_offset_tracker sl_offset_tracker_t;
/* One submitted record, or a run of them; handed to librdkafka as the
 * message opaque. */
typedef struct sl_offset_slot sl_offset_slot_t;

sl_offset_tracker_t *sl_offset_tracker_new(void);
void sl_offset_tracker_free(sl_offset_tracker_t *t);

/* Registers a record about to be produced, in submission order. partition
 * is borrowed (the tracker keeps its own reference); offset (may be NULL:
 * the record does not move the offset) is stolen. The slot stays valid
 * until sl_offset_tracker_ack() was called for it: the tracker moves past
 * acknowledged slots on later submits and in
 * sl_offset_tracker_committable(). */
sl_offset_slot_t *sl_offset_tracker_submit(sl_offset_tracker_t *t, json_t *partition,
					   json_t *offset, void *ack_data);
/* A run: a slot that records of the same source partition without
 * ack_data, submitted one after the other, join (sl_offset_tracker_join),
 * so that a record costs a counter rather than a slot. It is handed to
 * librdkafka as each record's opaque like a one-record slot, and is
 * acknowledged once it is closed and every record of it is; its offset is
 * the newest its records carried. The slot stays valid until then. */
sl_offset_slot_t *sl_offset_tracker_submit_run(sl_offset_tracker_t *t, json_t *partition,
					       json_t *offset);
/* One more record into an open run; offset (stolen, may be NULL) replaces
 * the run's when there is one. */
void sl_offset_tracker_join(sl_offset_tracker_t *t, sl_offset_slot_t *run, json_t *offset);
/* No more records join the run. */
void sl_offset_tracker_close(sl_offset_tracker_t *t, sl_offset_slot_t *run);
/* Marks one record of the slot acknowledged by Kafka (or skipped: its
 * offset may be stored); returns the slot's ack_data the first time it is
 * asked for (by this call or sl_offset_tracker_forget), NULL after. */
void *sl_offset_tracker_ack(sl_offset_tracker_t *t, sl_offset_slot_t *slot);
/* A record of the slot that will never be acknowledged (Kafka or the
 * producer refused it, or it was purged at stop): no longer counted in
 * flight; returns the slot's ack_data the first time it is asked for, NULL
 * after. The slot stays unacknowledged, so no offset moves past it. */
void *sl_offset_tracker_forget(sl_offset_tracker_t *t, sl_offset_slot_t *slot);
/* Calls cb(ack_data, opaque) for the ack_data of every unacknowledged slot
 * not yet handed out, oldest first per source partition, and clears it:
 * at stop, what was never reported. */
void sl_offset_tracker_drain(sl_offset_tracker_t *t, void (*cb)(void *ack_data, void *opaque),
			     void *opaque);

/* Moves past every acknowledged prefix and returns the offsets that became
 * storable since the last call, as a new JSON object mapping the source
 * partition's canonical text (compact, sorted keys) to
 * {"partition": <partition>, "offset": <offset>}; NULL when nothing new. */
json_t *sl_offset_tracker_committable(sl_offset_tracker_t *t);
/* Records submitted, neither acknowledged nor forgotten. */
size_t sl_offset_tracker_in_flight(const sl_offset_tracker_t *t);
/* Bytes of slots the tracker holds: in proportion to the records in
 * flight, not to those since the last committable() call. */
size_t sl_offset_tracker_memory(const sl_offset_tracker_t *t);

/* Canonical text of a source partition (compact, sorted keys); malloc()ed. */
char *sl_offset_partition_key(const json_t *partition);

/* ---- store ----------------------------------------------------------------
 * The standalone offset file. Keys follow Kafka Connect's offset topic:
 * ["<connector>", {partition}] with the offset JSON as value, so the file
 * reads like a Kafka Connect offsets topic. Thread safe. */
typedef struct sl_offset_store sl_offset_store_t;

/* Opens (or prepares to create) the offset file at path for the worker.
 * With lock, takes an exclusive lock on "<path>.lock" held until
 * sl_offset_store_close, and fails when another process holds it. Also
 * fails when the file exists but is not an offset file (not JSON, not
 * version 1) or holds a malformed entry (a key that is not [connector,
 * partition object], an offset that is not an object): starting without
 * that position would send everything again. A null offset is Kafka
 * Connect's tombstone: no offset for that key. NULL on failure with
 * errstr naming the file, the entry (index and text) and its connector,
 * and saying how to recover (sl_offset_store_verify's message). */
sl_offset_store_t *sl_offset_store_open(const char *path, bool lock, char *errstr,
					size_t errstr_size);
/* Opens the offset store kept in Kafka topic (offset.storage.topic), as
 * Kafka Connect's distributed workers keep theirs: created when missing
 * (compacted, with partitions and replication_factor; -1: the broker's
 * default), then read to its end. Writes wait until Kafka has them. The
 * rest of this API works on it as on a file; malformed records are
 * refused as a file's malformed entries are. NULL with errstr. */
typedef struct sl_kafka sl_kafka_t;
sl_offset_store_t *sl_offset_store_open_kafka(sl_kafka_t *k, const char *topic, int partitions,
					      int replication_factor, char *errstr,
					      size_t errstr_size);
/* Exactly-once sources write their offsets themselves, in their own
 * transactions: the records offsets (as sl_offset_store_put takes them)
 * make, as an array of {"key": [connector, partition], "value": offset}
 * (each key as the store holds it: the same bytes compact together), and,
 * once the transaction committed, those entries taken into the store. */
json_t *sl_offset_store_changes(sl_offset_store_t *s, const char *connector, const json_t *offsets);
void sl_offset_store_note(sl_offset_store_t *s, const json_t *changes);
/* The Kafka topic of the store; NULL for a file. */
const char *sl_offset_store_topic(const sl_offset_store_t *s);
/* Reads the Kafka topic of a store made by sl_offset_store_open_kafka to
 * its end again, so that what other workers stored since is known (a
 * distributed worker does this before it starts a task another worker
 * ran). Writes wait meanwhile; on failure the store is left as it was.
 * 0 for a file store. */
int sl_offset_store_refresh(sl_offset_store_t *s, sl_kafka_t *k, char *errstr, size_t errstr_size);
/* Like sl_offset_store_open, but opens a file that is not an offset file
 * or holds malformed entries, for `sluice offsets list|reset`: malformed
 * entries are listed (marked "malformed") and removed by a reset, and a
 * file that is not an offset file is replaced only by a reset of every
 * connector; other writes keep them as they are. Fails only when the file
 * cannot be read or (with lock) is locked. */
sl_offset_store_t *sl_offset_store_open_lenient(const char *path, bool lock, char *errstr,
						size_t errstr_size);
/* 0 when every entry of the file could be read; -1 with errstr (the
 * strict open's message) when it is not an offset file or holds a
 * malformed entry. */
int sl_offset_store_verify(sl_offset_store_t *s, char *errstr, size_t errstr_size);
void sl_offset_store_close(sl_offset_store_t *s);

/* Stored offset of (connector, partition) as a new reference, or NULL. */
json_t *sl_offset_store_get(sl_offset_store_t *s, const char *connector, const json_t *partition);
/* Stores offsets (as returned by sl_offset_tracker_committable) for
 * connector and makes them durable (file written atomically, fsynced)
 * before returning 0. -1 with errstr when the file could not be written
 * (the in-memory state keeps the offsets for the next attempt). */
int sl_offset_store_put(sl_offset_store_t *s, const char *connector, const json_t *offsets,
			char *errstr, size_t errstr_size);
/* Removes every offset of connector (all connectors when NULL), its
 * malformed entries included, and writes the file; a reset of all
 * replaces a file that is not an offset file (one connector's reset of
 * such a file fails). Returns the number of entries removed (a file that
 * was not an offset file counts one), -1 with errstr. */
int sl_offset_store_reset(sl_offset_store_t *s, const char *connector, char *errstr,
			  size_t errstr_size);
/* Every entry as a new JSON array of {"connector","partition","offset"},
 * filtered by connector when not NULL; then each malformed entry of
 * connector as {"index": n, "connector": name (when known), "malformed":
 * why, "entry": as found}; a file that is not an offset file shows as one
 * {"malformed": why}, whatever the filter. */
json_t *sl_offset_store_list(sl_offset_store_t *s, const char *connector);

#endif
