/* Source offset tracking (acknowledged-prefix per source partition) and the
 * standalone offset file store. */
#include "offsets.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

/* ---- tracker ---- */

#define SLOTS_PER_CHUNK 4096

typedef struct sl_offset_deque sl_offset_deque_t;

struct sl_offset_slot {
	json_t *offset;
	void *ack_data;
	bool acked;
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
	size_t submitted, acked;
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

/* Finds the deque of partition: by pointer first (tasks usually reuse one
 * partition object), then by canonical text. The deque keeps a reference
 * to the partition, so a pointer match cannot be a recycled address. */
static sl_offset_deque_t *deque_for(sl_offset_tracker_t *t, json_t *partition)
{
	if (t->last_used && t->last_used->partition == partition)
		return t->last_used;
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

sl_offset_slot_t *sl_offset_tracker_submit(sl_offset_tracker_t *t, json_t *partition,
					   json_t *offset, void *ack_data)
{
	sl_offset_deque_t *d = deque_for(t, partition ? partition : json_null());
	if (!d->last || d->last->tail == SLOTS_PER_CHUNK) {
		/* Move past what was acknowledged first: the slots of records
		 * in flight are all the tracker holds (not every record since
		 * the last offset flush), and a chunk is reused rather than
		 * allocated. */
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
		d->last = c;
	}
	sl_offset_slot_t *s = &d->last->slots[d->last->tail++];
	s->offset = offset;
	s->ack_data = ack_data;
	s->acked = false;
	t->submitted++;
	return s;
}

void *sl_offset_tracker_ack(sl_offset_tracker_t *t, sl_offset_slot_t *slot)
{
	if (!slot->acked) {
		slot->acked = true;
		t->acked++;
	}
	return slot->ack_data;
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
	return t->submitted - t->acked;
}

size_t sl_offset_tracker_memory(const sl_offset_tracker_t *t)
{
	return t->chunks * sizeof(chunk_t);
}

/* ---- store ---- */

struct sl_offset_store {
	pthread_mutex_t lock;
	char *path;
	int lock_fd;
	/* "<canonical [connector, partition]>" -> {"key": [...], "value": {...}} */
	json_t *entries;
};

static char *store_key(const char *connector, const json_t *partition)
{
	json_t *k = json_pack("[sO]", connector, partition);
	char *s = sl_offset_partition_key(k);
	json_decref(k);
	return s;
}

static int store_load(sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	size_t len;
	char *text = sl_file_read_all(s->path, &len);
	if (!text) {
		if (errno == ENOENT)
			return 0;
		return sl_seterr(errstr, errstr_size, "%s: cannot read offsets: %s", s->path,
				 strerror(errno));
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	free(text);
	json_t *list = root ? json_object_get(root, "offsets") : NULL;
	if (!json_is_array(list)) {
		json_decref(root);
		return sl_seterr(errstr, errstr_size, "%s:%d: not a sluice offset file: %s",
				 s->path, root ? 1 : jerr.line,
				 root ? "no \"offsets\" array" : jerr.text);
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		json_t *key = json_object_get(e, "key");
		json_t *value = json_object_get(e, "value");
		if (!json_is_array(key) || json_array_size(key) != 2 ||
		    !json_is_string(json_array_get(key, 0)) || !value)
			continue;
		char *k = sl_offset_partition_key(key);
		json_object_set_new(s->entries, k,
				    json_pack("{s:O,s:O}", "key", key, "value", value));
		free(k);
	}
	json_decref(root);
	return 0;
}

sl_offset_store_t *sl_offset_store_open(const char *path, bool lock, char *errstr,
					size_t errstr_size)
{
	sl_offset_store_t *s = sl_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->path = sl_strdup(path);
	s->lock_fd = -1;
	s->entries = json_object();
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

void sl_offset_store_close(sl_offset_store_t *s)
{
	if (!s)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	json_decref(s->entries);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
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

/* Writes every entry; called with the lock held. */
static int store_write(sl_offset_store_t *s, char *errstr, size_t errstr_size)
{
	json_t *list = json_array();
	const char *k;
	json_t *e;
	json_object_foreach(s->entries, k, e)
		json_array_append(list, e);
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

int sl_offset_store_put(sl_offset_store_t *s, const char *connector, const json_t *offsets,
			char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&s->lock);
	const char *pk;
	json_t *po;
	json_object_foreach((json_t *)offsets, pk, po) {
		json_t *partition = json_object_get(po, "partition");
		json_t *offset = json_object_get(po, "offset");
		char *k = store_key(connector, partition);
		json_object_set_new(
			s->entries, k,
			json_pack("{s:[sO],s:O}", "key", connector, partition, "value", offset));
		free(k);
	}
	int rc = store_write(s, errstr, errstr_size);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static bool entry_of(json_t *e, const char *connector)
{
	if (!connector)
		return true;
	const char *c = json_string_value(json_array_get(json_object_get(e, "key"), 0));
	return c && !strcmp(c, connector);
}

int sl_offset_store_reset(sl_offset_store_t *s, const char *connector, char *errstr,
			  size_t errstr_size)
{
	pthread_mutex_lock(&s->lock);
	int removed = 0;
	const char *k;
	json_t *e;
	void *tmp;
	json_object_foreach_safe(s->entries, tmp, k, e) {
		if (entry_of(e, connector)) {
			json_object_del(s->entries, k);
			removed++;
		}
	}
	int rc = store_write(s, errstr, errstr_size);
	pthread_mutex_unlock(&s->lock);
	return rc == 0 ? removed : -1;
}

json_t *sl_offset_store_list(sl_offset_store_t *s, const char *connector)
{
	json_t *out = json_array();
	pthread_mutex_lock(&s->lock);
	const char *k;
	json_t *e;
	json_object_foreach(s->entries, k, e) {
		if (!entry_of(e, connector))
			continue;
		json_t *key = json_object_get(e, "key");
		json_array_append_new(out, json_pack("{s:O,s:O,s:O}", "connector",
						     json_array_get(key, 0), "partition",
						     json_array_get(key, 1), "offset",
						     json_object_get(e, "value")));
	}
	pthread_mutex_unlock(&s->lock);
	return out;
}
