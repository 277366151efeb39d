/* The ordered key/value configuration map, file loading by extension and
 * escaping of keys and values shown in messages. */
#include "sluice/config.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "config_priv.h"

/* An entry with the hash of its key; the entry comes first so that a node
 * pointer is an entry pointer. */
typedef struct node {
	sl_config_entry_t e;
	uint64_t hash;
} node_t;

/* items keeps insertion order; slots is an open-addressing hash index
 * (linear probing, at most half full) over the same nodes. Nodes are
 * allocated one by one so that pointers handed out by sl_config_find and
 * sl_config_at stay valid while other keys are added. */
struct sl_config {
	node_t **items;
	size_t count;
	size_t cap;
	node_t **slots;
	size_t nslots; /* 0 or a power of two */
	char *source;  /* the file the config was loaded from, or NULL */
};

sl_config_t *sl_config_new(void)
{
	return sl_calloc(1, sizeof(sl_config_t));
}

static void node_free(node_t *n)
{
	free(n->e.key);
	free(n->e.value);
	free(n->e.file);
	free(n);
}

void sl_config_free(sl_config_t *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->count; i++)
		node_free(cfg->items[i]);
	free(cfg->items);
	free(cfg->slots);
	free(cfg->source);
	free(cfg);
}

sl_config_t *sl_config_dup(const sl_config_t *cfg)
{
	sl_config_t *copy = sl_config_new();
	for (size_t i = 0; i < cfg->count; i++) {
		const sl_config_entry_t *e = &cfg->items[i]->e;
		sl_config_set(copy, e->key, e->value, e->file, e->line);
		if (e->from_provider)
			sl_config_mark_from_provider(copy, e->key);
	}
	sl_config_set_source(copy, cfg->source);
	return copy;
}

void sl_config_set_source(sl_config_t *cfg, const char *path)
{
	char *copy = sl_strdup(path);
	free(cfg->source);
	cfg->source = copy;
}

const char *sl_config_source(const sl_config_t *cfg)
{
	if (cfg->source)
		return cfg->source;
	for (size_t i = 0; i < cfg->count; i++) {
		if (cfg->items[i]->e.file)
			return cfg->items[i]->e.file;
	}
	return NULL;
}

/* ---- the hash index ------------------------------------------------------ */

/* FNV-1a, 64 bits. */
static uint64_t hash_key(const char *key)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding key, or the empty slot where it would go; *probes (may
 * be NULL) gets the number of slots looked at. nslots must be > 0. */
static size_t slot_of(const sl_config_t *cfg, const char *key, uint64_t h, size_t *probes)
{
	size_t mask = cfg->nslots - 1, i = (size_t)h & mask, n = 1;

	while (cfg->slots[i] &&
	       (cfg->slots[i]->hash != h || strcmp(cfg->slots[i]->e.key, key) != 0)) {
		i = (i + 1) & mask;
		n++;
	}
	if (probes)
		*probes = n;
	return i;
}

static node_t *lookup(const sl_config_t *cfg, const char *key)
{
	if (cfg->nslots == 0)
		return NULL;
	return cfg->slots[slot_of(cfg, key, hash_key(key), NULL)];
}

/* Doubles the index (or makes the first one) and places every node again. */
static void grow_index(sl_config_t *cfg)
{
	free(cfg->slots);
	cfg->nslots = cfg->nslots ? cfg->nslots * 2 : 32;
	cfg->slots = sl_calloc(cfg->nslots, sizeof(*cfg->slots));
	for (size_t i = 0; i < cfg->count; i++) {
		node_t *n = cfg->items[i];
		cfg->slots[slot_of(cfg, n->e.key, n->hash, NULL)] = n;
	}
}

/* Empties slot i, moving later nodes of its probe run back so that every
 * node stays reachable from its home slot (no tombstones). */
static void index_remove(sl_config_t *cfg, size_t i)
{
	size_t mask = cfg->nslots - 1, j = i;

	cfg->slots[i] = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (!cfg->slots[j])
			return;
		size_t home = (size_t)cfg->slots[j]->hash & mask;
		/* The node at j may fill the hole at i unless its home slot
		 * lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		cfg->slots[i] = cfg->slots[j];
		cfg->slots[j] = NULL;
		i = j;
	}
}

size_t sl_config_probe_length(const sl_config_t *cfg, const char *key)
{
	size_t probes = 0;
	if (cfg->nslots)
		slot_of(cfg, key, hash_key(key), &probes);
	return probes;
}

/* ---- the map --------------------------------------------------------------- */

void sl_config_set(sl_config_t *cfg, const char *key, const char *value, const char *file, int line)
{
	/* Copy before freeing: value or file may point into the old entry. */
	char *v = sl_strdup(value ? value : "");
	char *f = sl_strdup(file);
	uint64_t h = hash_key(key);
	node_t *n;

	if (2 * (cfg->count + 1) > cfg->nslots)
		grow_index(cfg);
	size_t s = slot_of(cfg, key, h, NULL);
	n = cfg->slots[s];
	if (n) {
		free(n->e.value);
		free(n->e.file);
	} else {
		if (cfg->count == cfg->cap) {
			cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
			cfg->items = sl_realloc(cfg->items, cfg->cap * sizeof(*cfg->items));
		}
		n = sl_calloc(1, sizeof(*n));
		n->e.key = sl_strdup(key);
		n->hash = h;
		cfg->items[cfg->count++] = n;
		cfg->slots[s] = n;
	}
	n->e.value = v;
	n->e.file = f;
	n->e.line = line;
	n->e.from_provider = false;
}

void sl_config_mark_from_provider(sl_config_t *cfg, const char *key)
{
	node_t *n = lookup(cfg, key);
	if (n)
		n->e.from_provider = true;
}

bool sl_config_unset(sl_config_t *cfg, const char *key)
{
	if (cfg->nslots == 0)
		return false;
	size_t s = slot_of(cfg, key, hash_key(key), NULL);
	node_t *n = cfg->slots[s];
	size_t i = 0;

	if (!n)
		return false;
	index_remove(cfg, s);
	while (cfg->items[i] != n)
		i++;
	memmove(&cfg->items[i], &cfg->items[i + 1], (cfg->count - i - 1) * sizeof(*cfg->items));
	cfg->count--;
	node_free(n);
	return true;
}

const char *sl_config_get(const sl_config_t *cfg, const char *key)
{
	const sl_config_entry_t *e = sl_config_find(cfg, key);
	return e ? e->value : NULL;
}

const sl_config_entry_t *sl_config_find(const sl_config_t *cfg, const char *key)
{
	node_t *n = lookup(cfg, key);
	return n ? &n->e : NULL;
}

size_t sl_config_count(const sl_config_t *cfg)
{
	return cfg->count;
}

const sl_config_entry_t *sl_config_at(const sl_config_t *cfg, size_t i)
{
	return i < cfg->count ? &cfg->items[i]->e : NULL;
}

sl_config_t *sl_config_subset(const sl_config_t *cfg, const char *prefix, bool strip)
{
	sl_config_t *sub = sl_config_new();
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < cfg->count; i++) {
		const sl_config_entry_t *e = &cfg->items[i]->e;
		if (strncmp(e->key, prefix, plen) != 0)
			continue;
		const char *key = strip ? e->key + plen : e->key;
		if (*key == '\0')
			continue;
		sl_config_set(sub, key, e->value, e->file, e->line);
		if (e->from_provider)
			sl_config_mark_from_provider(sub, key);
	}
	sl_config_set_source(sub, cfg->source);
	return sub;
}

const char *sl_config_where(const sl_config_entry_t *e, char *buf, size_t size)
{
	if (!e || !e->file)
		snprintf(buf, size, "<config>");
	else if (e->line > 0)
		snprintf(buf, size, "%s:%d", e->file, e->line);
	else
		snprintf(buf, size, "%s", e->file);
	return buf;
}

/* ---- text in messages ------------------------------------------------------ */

/* The length of the UTF-8 sequence at p when it is well formed and not a
 * control character (C0, DEL, C1), else 0. */
static size_t printable_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, lo = c == 0xc2 ? 0xa0 : 0x80; /* U+0080..U+009F are C1 controls */
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return len;
}

const char *sl_config_find_unprintable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);
		if (n == 0)
			return (const char *)p;
		p += n;
	}
	return NULL;
}

const char *sl_config_printable(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0;

	/* Room is kept for "..." and the NUL. */
	while (*p) {
		size_t n = printable_len(p), need = n ? n : 4;
		if (out + need + 4 > size) {
			memcpy(buf + out, "...", 3);
			out += 3;
			break;
		}
		if (n) {
			memcpy(buf + out, p, n);
		} else {
			buf[out] = '\\', buf[out + 1] = 'x';
			buf[out + 2] = hex[*p >> 4], buf[out + 3] = hex[*p & 15];
			n = 1;
		}
		out += need;
		p += n;
	}
	buf[out] = '\0';
	return buf;
}

/* ---- files ------------------------------------------------------------------ */

static bool has_extension(const char *path, const char *ext)
{
	size_t plen = strlen(path), elen = strlen(ext);
	return plen > elen && strcasecmp(path + plen - elen, ext) == 0;
}

char *sl_config_read_text(const char *path, const char **why, int *line)
{
	size_t len = 0;
	char *text = sl_file_read_all(path, &len);
	const char *nul;

	if (!text) {
		*why = strerror(errno);
		return NULL;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		*line = 1;
		for (const char *p = text; p < nul; p++)
			*line += *p == '\n';
		*why = "nul";
		free(text);
		return NULL;
	}
	return text;
}

void sl_config_read_error(sl_errlist_t *errs, const char *prefix, const char *path, const char *why,
			  int line)
{
	if (strcmp(why, "nul") == 0)
		sl_errlist_addf(errs, "%s%s:%d: holds a NUL byte; a config file must be text",
				prefix, path, line);
	else if (*prefix)
		sl_errlist_addf(errs, "%scannot read %s: %s", prefix, path, why);
	else
		sl_errlist_addf(errs, "%s: cannot read: %s", path, why);
}

static sl_config_t *parse_libconfig_file(const char *text, const char *path, sl_errlist_t *errs)
{
	char *copy = sl_strdup(path);
	sl_config_t *cfg = sl_config_parse_libconfig_in(text, path, dirname(copy), errs);
	free(copy);
	return cfg;
}

sl_config_t *sl_config_load(const char *path, sl_errlist_t *errs)
{
	return sl_config_load_with(path, NULL, errs);
}

sl_config_t *sl_config_load_with(const char *path, const sl_config_t *providers, sl_errlist_t *errs)
{
	sl_config_t *cfg = NULL;
	const char *why = NULL;
	int line = 0;
	char *text = sl_config_read_text(path, &why, &line);

	if (!text) {
		sl_config_read_error(errs, "", path, why, line);
		goto out;
	}
	if (has_extension(path, ".properties"))
		cfg = sl_config_parse_properties(text, path, errs);
	else if (has_extension(path, ".json"))
		cfg = sl_config_parse_json(text, path, errs);
	else
		cfg = parse_libconfig_file(text, path, errs);
	if (cfg && sl_config_resolve_with(cfg, providers, errs) != 0) {
		sl_config_free(cfg);
		cfg = NULL;
	}
out:
	free(text);
	return cfg;
}

bool sl_config_key_is_secret(const char *key)
{
	static const char *const marks[] = {"password", "secret", "token", "sasl.jaas.config",
					    "ssl.key"};

	for (size_t i = 0; i < SL_ARRAY_LEN(marks); i++) {
		if (strcasestr(key, marks[i]))
			return true;
	}
	return false;
}

bool sl_config_entry_is_secret(const sl_config_entry_t *e)
{
	return e->from_provider || sl_config_key_is_secret(e->key);
}

void sl_config_more_errors(sl_errlist_t *errs, const char *file, size_t n)
{
	if (n > 0)
		sl_errlist_addf(errs, "%s: ... and %zu more error%s", file ? file : "<config>", n,
				n == 1 ? "" : "s");
}
