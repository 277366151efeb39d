/* Source offset tracking (acknowledged-prefix per source partition) and the
 * standalone offset file store. */
#include "offsets.h"
#include "offsets_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sluice/util.h"

/* ---- tracker ---- */

#define SLOTS_PER_CHUNK 4096

typedef struct sl_offset_deque sl_offset_deque_t;

/* One record, or a run of records (sl_offset_tracker_submit_run). */
struct sl_offset_slot {
	json_t *offset;
	void *ack_data;
	uint32_t pending; /* records neither acknowledged nor forgotten */
	bool open;        /* a run more records may join */
	bool acked;       /* closed, and every record acknowledged */
	bool given_up;    /* a record forgotten: never acknowledged */
};

typedef struct chunk {
	struct chunk *next;
	uint32_t head; /* first slot not yet moved past */
	uint32_t tail; /* next free slot */
	sl_offset_slot_t slots[SLOTS_PER_CHUNK];
} chunk_t;

/* The submitted records of one source partition, oldest first. */
struct sl_offset_deque {
	json_t *partition;
	char *key;
	chunk_t *first, *last;
	json_t *latest; /* newest storable offset not yet handed out */
};

struct sl_offset_tracker {
	sl_offset_deque_t **deques;
	size_t count, cap;
	sl_offset_deque_t *last_used;
	size_t submitted, acked, given_up;
	chunk_t *spare; /* one chunk moved past, kept for the next */
	size_t chunks;  /* allocated, the spare included */
};

char *sl_offset_partition_key(const json_t *partition)
{
	char *s = json_dumps(partition, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	return s ? s : sl_strdup("null");
}

sl_offset_tracker_t *sl_offset_tracker_new(void)
{
	return sl_calloc(1, sizeof(sl_offset_tracker_t));
}

static void deque_free(sl_offset_deque_t *d)
{
	chunk_t *c = d->first;
	while (c) {
		for (uint32_t i = c->head; i < c->tail; i++)
			json_decref(c->slots[i].offset);
		chunk_t *next = c->next;
		free(c);
		c = next;
	}
	json_decref(d->partition);
	json_decref(d->latest);
	free(d->key);
	free(d);
}

void sl_offset_tracker_free(sl_offset_tracker_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		deque_free(t->deques[i]);
	free(t->deques);
	free(t->spare);
	free(t);
}

/* Finds the deque of partition other than the last used: by pointer first
 * (tasks usually reuse one partition object), then by canonical text. The deque keeps a reference
 * to the partition, so a pointer match cannot be a recycled address. */
__attribute__((noinline)) static sl_offset_deque_t *deque_for(sl_offset_tracker_t *t,
							      json_t *partition)
{
	for (size_t i = 0; i < t->count; i++) {
		if (t->deques[i]->partition == partition)
			return t->last_used = t->deques[i];
	}
	char *key = sl_offset_partition_key(partition);
	for (size_t i = 0; i < t->count; i++) {
		if (!strcmp(t->deques[i]->key, key)) {
			free(key);
			return t->last_used = t->deques[i];
		}
	}
	sl_offset_deque_t *d = sl_calloc(1, sizeof(*d));
	d->partition = json_incref(partition);
	d->key = key;
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->deques = sl_realloc(t->deques, t->cap * sizeof(*t->deques));
	}
	t->deques[t->count++] = d;
	return t->last_used = d;
}

/* Pops the acknowledged prefix of d, keeping the newest offset seen;
 * chunks moved past go to the spare (one) or are freed. */
static void deque_advance(sl_offset_tracker_t *t, sl_offset_deque_t *d)
{
	while (d->first) {
		chunk_t *c = d->first;
		while (c->head < c->tail && c->slots[c->head].acked) {
			sl_offset_slot_t *s = &c->slots[c->head++];
			if (s->offset) {
				json_decref(d->latest);
				d->latest = s->offset;
				s->offset = NULL;
			}
		}
		if (c->head < c->tail || c->tail < SLOTS_PER_CHUNK)
			break;
		d->first = c->next;
		if (!d->first)
			d->last = NULL;
		if (t->spare) {
			free(c);
			t->chunks--;
		} else {
			t->spare = c;
		}
	}
}

/* Appends a chunk to d. Moves past what was acknowledged first: the slots
 * of records in flight are all the tracker holds (not every record since
 * the last offset flush), and a chunk is reused rather than allocated. */
__attribute__((noinline)) static chunk_t *add_chunk(sl_offset_tracker_t *t, sl_offset_deque_t *d)
{
	deque_advance(t, d);
	chunk_t *c = t->spare;
	t->spare = NULL;
	if (!c) {
		c = sl_malloc(sizeof(*c));
		t->chunks++;
	}
	c->next = NULL;
	c->head = c->tail = 0;
	if (d->last)
		d->last->next = c;
	else
		d->first = c;
	return d->last = c;
}

/* The common case, a record of the partition before and room in its
 * chunk, takes no call. */
static sl_offset_slot_t *new_slot(sl_offset_tracker_t *t, json_t *partition, json_t *offset,
				  void *ack_data, bool open)
{
	if (!partition)
		partition = json_null();
	sl_offset_deque_t *d = t->last_used && t->last_used->partition == partition
				       ? t->last_used
				       : deque_for(t, partition);
	chunk_t *c = d->last;
	if (!c || c->tail == SLOTS_PER_CHUNK)
		c = add_chunk(t, d);
	sl_offset_slot_t *s = &c->slots[c->tail++];
	s->offset = offset;
	s->ack_data = ack_data;
	s->pending = 1;
	s->open = open;
	s->acked = false;
	s->given_up = false;
	t->submitted++;
	return s;
}

sl_offset_slot_t *sl_offset_tracker_submit(sl_offset_tracker_t *t, json_t *partition,
					   json_t *offset, void *ack_data)
{
	return new_slot(t, partition, offset, ack_data, false);
}

sl_offset_slot_t *sl_offset_tracker_submit_run(sl_offset_tracker_t *t, json_t *partition,
					       json_t *offset)
{
	return new_slot(t, partition, offset, NULL, true);
}

void sl_offset_tracker_join(sl_offset_tracker_t *t, sl_offset_slot_t *run, json_t *offset)
{
	run->pending++;
	t->submitted++;
	if (offset) {
		json_decref(run->offset);
		run->offset = offset;
	}
}

/* A slot is acknowledged once it is closed and none of its records is
 * pending; a forgotten record keeps it from ever being. */
static void settle(sl_offset_slot_t *slot)
{
	slot->acked = !slot->open && !slot->pending && !slot->given_up;
}

void sl_offset_tracker_close(sl_offset_tracker_t *t, sl_offset_slot_t *run)
{
	(void)t;
	run->open = false;
	settle(run);
}

/* Each record is counted once, acknowledged or forgotten: a slot whose
 * records were all counted ignores further calls. */
void *sl_offset_tracker_ack(sl_offset_tracker_t *t, sl_offset_slot_t *slot)
{
	if (slot->pending) {
		slot->pending--;
		t->acked++;
		settle(slot);
	}
	void *ack_data = slot->ack_data;
	slot->ack_data = NULL;
	return ack_data;
}

void *sl_offset_tracker_forget(sl_offset_tracker_t *t, sl_offset_slot_t *slot)
{
	if (slot->pending) {
		slot->pending--;
		slot->given_up = true;
		t->given_up++;
		settle(slot);
	}
	void *ack_data = slot->ack_data;
	slot->ack_data = NULL;
	return ack_data;
}

void sl_offset_tracker_drain(sl_offset_tracker_t *t, void (*cb)(void *ack_data, void *opaque),
			     void *opaque)
{
	for (size_t i = 0; i < t->count; i++) {
		for (chunk_t *c = t->deques[i]->first; c; c = c->next) {
			for (uint32_t j = c->head; j < c->tail; j++) {
				sl_offset_slot_t *s = &c->slots[j];
				if (s->acked || !s->ack_data)
					continue;
				void *ack_data = s->ack_data;
				s->ack_data = NULL;
				cb(ack_data, opaque);
			}
		}
	}
}

json_t *sl_offset_tracker_committable(sl_offset_tracker_t *t)
{
	json_t *out = NULL;
	for (size_t i = 0; i < t->count; i++) {
		sl_offset_deque_t *d = t->deques[i];
		deque_advance(t, d);
		if (!d->latest)
			continue;
		if (!out)
			out = json_object();
		json_object_set_new(
			out, d->key,
			json_pack("{s:O,s:o}", "partition", d->partition, "offset", d->latest));
		d->latest = NULL;
	}
	return out;
}

size_t sl_offset_tracker_in_flight(const sl_offset_tracker_t *t)
{
	return t->submitted - t->acked - t->given_up;
}

size_t sl_offset_tracker_memory(const sl_offset_tracker_t *t)
{
	return t->chunks * sizeof(chunk_t);
}

/* ---- store ---- */

/* How much of a malformed entry a message quotes. */
#define ENTRY_TEXT_MAX 160

static char *store_key(const char *connector, const json_t *partition)
{
	json_t *k = json_pack("[sO]", connector, partition);
	char *s = sl_offset_partition_key(k);
	json_decref(k);
	return s;
}

/* Why e, an element of the "offsets" array, cannot be used; NULL when it
 * can. *connector is the connector its key names (or NULL); *tombstone is
 * set for a null value, Kafka Connect's deleted offset: no offset. A null
 * source partition is allowed (a record may carry none). */
static const char *entry_problem(const json_t *e, const char **connector, bool *tombstone)
{
	const json_t *key = json_object_get(e, "key");
	const json_t *value = json_object_get(e, "value");
	const json_t *partition = json_array_get(key, 1);

	*connector = json_string_value(json_array_get(key, 0));
	*tombstone = false;
	if (!json_is_object(e))
		return "not an object";
	if (!json_is_array(key) || json_array_size(key) != 2)
		return "its \"key\" is not a [connector, source partition] array";
	if (!*connector)
		return "its connector (\"key\"[0]) is not a string";
	if (!json_is_object(partition) && !json_is_null(partition))
		return "its source partition (\"key\"[1]) is not an object";
	if (!value)
		return "it has no \"value\"";
	if (json_is_null(value)) {
		*tombstone = true;
		return NULL;
	}
	if (!json_is_object(value))
		return "its offset (\"value\") is not an object";
	return NULL;
}

/* The "offsets" array of an offset file's text (borrowed from *root, a new
 * reference the caller frees), or NULL with why. */
static json_t *document_offsets(const char *text, size_t len, json_t **root, char *why,
				size_t why_size)
{
	json_error_t jerr;
	json_t *version, *list;

	*root = len ? json_loadb(text, len, 0, &jerr) : NULL;
	if (!len) {
		sl_seterr(why, why_size, "the file is empty");
		return NULL;
	}
	if (!*root) {
		sl_seterr(why, why_size, "not valid JSON (line %d, column %d: %s)", jerr.line,
			  jerr.column, jerr.text);
		return NULL;
	}
	version = json_object_get(*root, "version");
	list = json_object_get(*root, "offsets");
	if (!json_is_object(*root))
		sl_seterr(why, why_size, "the document is not a JSON object");
	else if (!json_is_integer(version) || json_integer_value(version) != 1)
		sl_seterr(why, why_size, "%s (this sluice reads version 1)",
			  version ? "its \"version\" is not 1" : "it has no \"version\"");
	else if (!json_is_array(list))
		sl_seterr(why, why_size, "it has no \"offsets\" array");
	else
		return list;
	return NULL;
}

void sl_offset_store_load_entry(sl_offset_store_t *s, size_t index, json_t *e)
{
	const char *connector;
	bool tombstone;
	const char *why = entry_problem(e, &connector, &tombstone);
	json_t *key = json_object_get(e, "key");
	char *k;

	if (why) {
		json_t *m = json_pack("{s:I,s:s,s:O}", "index", (json_int_t)index, "malformed", why,
				      "entry", e);
		if (connector)
			json_object_set_new(m, "connector", json_string(connector));
		json_array_append_new(s->malformed, m);
		return;
	}
	k = sl_offset_partition_key(key);
	/* a later record of a key replaces a malformed one before it (a
	 * topic's records come in order; a file's keys are unique) */
	for (size_t i = json_array_size(s->malformed); i-- > 0;) {
		json_t *bad = json_object_get(
			json_object_get(json_array_get(s->malformed, i), "entry"), "key");
		char *bk = bad ? sl_offset_partition_key(bad) : NULL;
		if (bk && !strcmp(bk, k))
			json_array_remove(s->malformed, i);
		free(bk);
	}
	if (tombstone)
		json_object_del(s->entries, k);
	else
		json_object_set_new(
			s->entries, k,
			json_pack("{s:O,s:O}", "key", key, "value", json_object_get(e, "value")));
	free(k);
}

/* Reads the file: a missing one is empty; a malformed one is noted in
 * s->unreadable / s->malformed. -1 with errstr only when it cannot be
 * read. */
static int store_load(sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	size_t len, i;
	char *text = sl_file_read_all(s->path, &len);
	char why[512];
	json_t *root, *list, *e;

	if (!text) {
		if (errno == ENOENT)
			return 0;
		return sl_seterr(errstr, errstr_size, "%s: cannot read offsets: %s", s->path,
				 strerror(errno));
	}
	list = document_offsets(text, len, &root, why, sizeof(why));
	free(text);
	if (!list) {
		/* jansson's message may quote bytes of the file: keep it
		 * printable ASCII for logs and JSON. */
		for (char *p = why; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
		s->unreadable = sl_strdup(why);
	}
	json_array_foreach(list, i, e) {
		sl_offset_store_load_entry(s, i, e);
	}
	json_decref(root);
	return 0;
}

sl_offset_store_t *sl_offset_store_alloc(const char *where)
{
	sl_offset_store_t *s = sl_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->path = sl_strdup(where);
	s->lock_fd = -1;
	s->entries = json_object();
	s->malformed = json_array();
	return s;
}

sl_offset_store_t *sl_offset_store_open_lenient(const char *path, bool lock, char *errstr,
						size_t errstr_size)
{
	sl_offset_store_t *s = sl_offset_store_alloc(path);
	if (lock) {
		char *lp = sl_asprintf("%s.lock", path);
		s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (s->lock_fd < 0) {
			sl_seterr(errstr, errstr_size, "%s: cannot open: %s", lp, strerror(errno));
			free(lp);
			goto fail;
		}
		if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
			sl_seterr(errstr, errstr_size,
				  "%s is in use by another sluice process (lock %s held)", path,
				  lp);
			free(lp);
			goto fail;
		}
		free(lp);
	}
	if (store_load(s, errstr, errstr_size) != 0)
		goto fail;
	return s;
fail:
	sl_offset_store_close(s);
	return NULL;
}

sl_offset_store_t *sl_offset_store_open(const char *path, bool lock, char *errstr,
					size_t errstr_size)
{
	sl_offset_store_t *s = sl_offset_store_open_lenient(path, lock, errstr, errstr_size);

	if (s && sl_offset_store_verify(s, errstr, errstr_size) != 0) {
		sl_offset_store_close(s);
		return NULL;
	}
	return s;
}

void sl_offset_store_close(sl_offset_store_t *s)
{
	if (!s)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	sl_offsets_kafka_free(s->kafka);
	json_decref(s->entries);
	json_decref(s->malformed);
	free(s->unreadable);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

/* v as compact ASCII JSON (control characters and non-ASCII escaped), cut
 * to ENTRY_TEXT_MAX characters with "..."; malloc()ed. */
static char *quote_json(const json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

	if (!t)
		return sl_strdup("?");
	if (strlen(t) > ENTRY_TEXT_MAX)
		strcpy(t + ENTRY_TEXT_MAX - 3, "...");
	return t;
}

/* name as one shell word (single-quoted unless plain); malloc()ed. */
static char *shell_word(const char *name)
{
	sl_buf_t b = {0};

	if (name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789._-") == strlen(name))
		return sl_strdup(name);
	sl_buf_append_char(&b, '\'');
	for (const char *p = name; *p; p++) {
		if (*p == '\'')
			sl_buf_append_str(&b, "'\\''");
		else
			sl_buf_append_char(&b, (unsigned char)*p < 0x20 ? '?' : *p);
	}
	sl_buf_append_char(&b, '\'');
	return sl_buf_steal(&b);
}

/* The message for the store's first malformed entry; called locked. */
static int malformed_error(const sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	const json_t *m = json_array_get(s->malformed, 0);
	size_t more = json_array_size(s->malformed) - 1;
	const char *connector = json_string_value(json_object_get(m, "connector"));
	char *text = quote_json(json_object_get(m, "entry"));
	char *name = connector ? quote_json(json_object_get(m, "connector")) : NULL;
	char *word = connector ? shell_word(connector) : NULL;
	char others[96] = "";

	if (more)
		snprintf(others, sizeof(others), " (`sluice offsets list` shows it and %zu more)",
			 more);
	if (connector)
		sl_seterr(errstr, errstr_size,
			  "%s: offsets[%lld] of connector %s is malformed: %s: %s. The "
			  "connector would lose its position and send everything again, so "
			  "the file is not used. To recover: `sluice offsets reset --connector "
			  "%s` drops that connector's offsets, this entry included (it then "
			  "starts from the beginning); `sluice offsets reset` drops every "
			  "connector's; or fix the entry by hand%s",
			  s->path, (long long)json_integer_value(json_object_get(m, "index")), name,
			  json_string_value(json_object_get(m, "malformed")), text, word, others);
	else
		sl_seterr(errstr, errstr_size,
			  "%s: offsets[%lld] is malformed: %s: %s. Its connector is unknown and "
			  "would lose its position and send everything again, so the file is "
			  "not used. To recover: fix the entry by hand, or `sluice offsets "
			  "reset` drops every connector's offsets (they then start from the "
			  "beginning)%s",
			  s->path, (long long)json_integer_value(json_object_get(m, "index")),
			  json_string_value(json_object_get(m, "malformed")), text, others);
	free(text);
	free(name);
	free(word);
	return -1;
}

int sl_offset_store_verify(sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->unreadable)
		rc = sl_seterr(errstr, errstr_size,
			       "%s: not a sluice offset file: %s. Every source connector would "
			       "lose its position and send everything again, so the file is not "
			       "used. To recover: restore the file or fix it by hand, or `sluice "
			       "offsets reset` replaces it with an empty one (every source "
			       "connector then starts from the beginning)",
			       s->path, s->unreadable);
	else if (json_array_size(s->malformed))
		rc = malformed_error(s, errstr, errstr_size);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

json_t *sl_offset_store_get(sl_offset_store_t *s, const char *connector, const json_t *partition)
{
	char *k = store_key(connector, partition);
	pthread_mutex_lock(&s->lock);
	json_t *e = json_object_get(s->entries, k);
	json_t *v = e ? json_incref(json_object_get(e, "value")) : NULL;
	pthread_mutex_unlock(&s->lock);
	free(k);
	return v;
}

/* An unreadable file is never overwritten (but by a reset of all). */
static int refuse_unreadable(const sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	return sl_seterr(errstr, errstr_size,
			 "%s: not written: it is not a sluice offset file (%s)", s->path,
			 s->unreadable);
}

/* Writes every entry, the malformed ones as they were; called with the
 * lock held. */
static int store_write(sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	if (s->unreadable)
		return refuse_unreadable(s, errstr, errstr_size);
	json_t *list = json_array();
	const char *k;
	json_t *e;
	size_t i;
	json_object_foreach(s->entries, k, e)
		json_array_append(list, e);
	json_array_foreach(s->malformed, i, e)
		json_array_append(list, json_object_get(e, "entry"));
	json_t *root = json_pack("{s:i,s:o}", "version", 1, "offsets", list);
	char *text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	size_t len = strlen(text);
	text = sl_realloc(text, len + 2);
	text[len++] = '\n';
	int rc = sl_file_write_atomic(s->path, text, len, errstr, errstr_size);
	free(text);
	return rc;
}

/* The entries offsets make ({"key": [connector, partition], "value":
 * offset}), each key as the store already holds it. Called with the lock
 * held. */
static json_t *changes_of(sl_offset_store_t *s, const char *connector, const json_t *offsets)
{
	const char *pk;
	json_t *po, *changed = json_array();
	json_object_foreach((json_t *)offsets, pk, po) {
		json_t *partition = json_object_get(po, "partition");
		char *k = store_key(connector, partition);
		/* a key read from a topic keeps its text (its key order): the
		 * same bytes are the same key to compaction */
		json_t *old = json_object_get(s->entries, k);
		json_t *key = old ? json_incref(json_object_get(old, "key"))
				  : json_pack("[sO]", connector, partition);
		json_array_append_new(changed, json_pack("{s:o,s:O}", "key", key, "value",
							 json_object_get(po, "offset")));
		free(k);
	}
	return changed;
}

/* Takes entries (changes_of's) into the store. Called with the lock held. */
static void take_changes(sl_offset_store_t *s, const json_t *changed)
{
	size_t i;
	json_t *e;
	json_array_foreach(changed, i, e) {
		json_t *key = json_object_get(e, "key");
		char *k = store_key(json_string_value(json_array_get(key, 0)),
				    json_array_get(key, 1));
		json_object_set(s->entries, k, e);
		free(k);
	}
}

json_t *sl_offset_store_changes(sl_offset_store_t *s, const char *connector, const json_t *offsets)
{
	pthread_mutex_lock(&s->lock);
	json_t *changed = changes_of(s, connector, offsets);
	pthread_mutex_unlock(&s->lock);
	return changed;
}

void sl_offset_store_note(sl_offset_store_t *s, const json_t *changes)
{
	pthread_mutex_lock(&s->lock);
	take_changes(s, changes);
	pthread_mutex_unlock(&s->lock);
}

const char *sl_offset_store_topic(const sl_offset_store_t *s)
{
	return s->kafka ? sl_offsets_kafka_topic(s->kafka) : NULL;
}

int sl_offset_store_put(sl_offset_store_t *s, const char *connector, const json_t *offsets,
			char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&s->lock);
	if (s->unreadable) {
		int rc = refuse_unreadable(s, errstr, errstr_size);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	json_t *changed = changes_of(s, connector, offsets);
	take_changes(s, changed);
	int rc = s->kafka ? sl_offsets_kafka_send(s->kafka, changed, errstr, errstr_size)
			  : store_write(s, errstr, errstr_size);
	json_decref(changed);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Whether e (an entry, or a malformed entry's note: both have the
 * connector where this finds it) belongs to connector (any when NULL). */
static bool entry_of(json_t *e, const char *connector)
{
	if (!connector)
		return true;
	json_t *name = json_object_get(e, "connector");
	const char *c =
		json_string_value(name ? name : json_array_get(json_object_get(e, "key"), 0));
	return c && !strcmp(c, connector);
}

int sl_offset_store_reset(sl_offset_store_t *s, const char *connector, char *errstr,
			  size_t errstr_size)
{
	pthread_mutex_lock(&s->lock);
	char *unreadable = s->unreadable;
	int removed = 0, rc = -1;
	const char *k;
	json_t *e;
	void *tmp;
	size_t i;
	if (unreadable && connector) {
		sl_seterr(errstr, errstr_size,
			  "%s is not a sluice offset file (%s), so the offsets of connector %s "
			  "cannot be told apart: fix the file by hand, or run `sluice offsets "
			  "reset` without --connector to replace it with an empty one",
			  s->path, unreadable, connector);
		goto out;
	}
	s->unreadable = NULL;
	removed += unreadable != NULL;
	/* what goes, kept until it is gone for good: Kafka Connect's
	 * tombstones (a null value) for a topic */
	json_t *gone = json_object(), *gone_bad = json_array();
	json_object_foreach_safe(s->entries, tmp, k, e) {
		if (entry_of(e, connector)) {
			json_object_set(gone, k, e);
			json_object_del(s->entries, k);
			removed++;
		}
	}
	for (i = json_array_size(s->malformed); i-- > 0;) {
		if (entry_of(json_array_get(s->malformed, i), connector)) {
			json_array_append(gone_bad, json_array_get(s->malformed, i));
			json_array_remove(s->malformed, i);
			removed++;
		}
	}
	if (s->kafka) {
		json_t *tombstones = json_array();
		json_object_foreach(gone, k, e) {
			json_array_append_new(
				tombstones,
				json_pack("{s:O,s:n}", "key", json_object_get(e, "key"), "value"));
		}
		json_array_foreach(gone_bad, i, e) {
			json_t *key = json_object_get(json_object_get(e, "entry"), "key");
			if (key) /* a key that parsed as JSON */
				json_array_append_new(tombstones,
						      json_pack("{s:O,s:n}", "key", key, "value"));
		}
		rc = sl_offsets_kafka_send(s->kafka, tombstones, errstr, errstr_size);
		json_decref(tombstones);
	} else {
		rc = store_write(s, errstr, errstr_size);
	}
	if (rc != 0) { /* the store still is what it was */
		s->unreadable = unreadable;
		json_object_update(s->entries, gone);
		json_array_extend(s->malformed, gone_bad);
	} else {
		free(unreadable);
	}
	json_decref(gone);
	json_decref(gone_bad);
out:
	pthread_mutex_unlock(&s->lock);
	return rc == 0 ? removed : -1;
}

json_t *sl_offset_store_list(sl_offset_store_t *s, const char *connector)
{
	json_t *out = json_array();
	pthread_mutex_lock(&s->lock);
	const char *k;
	json_t *e;
	size_t i;
	if (s->unreadable)
		json_array_append_new(out, json_pack("{s:s+}", "malformed",
						     "not a sluice offset file: ", s->unreadable));
	json_object_foreach(s->entries, k, e) {
		if (!entry_of(e, connector))
			continue;
		json_t *key = json_object_get(e, "key");
		json_array_append_new(out, json_pack("{s:O,s:O,s:O}", "connector",
						     json_array_get(key, 0), "partition",
						     json_array_get(key, 1), "offset",
						     json_object_get(e, "value")));
	}
	json_array_foreach(s->malformed, i, e) {
		if (entry_of(e, connector))
			json_array_append(out, e);
	}
	pthread_mutex_unlock(&s->lock);
	return out;
}
