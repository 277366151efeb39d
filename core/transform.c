/* The transform chain: builds the transforms and predicates a connector
 * config names (Kafka Connect's transforms / predicates keys), checks
 * them, and applies them to a task's records in order. */
#include "transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/array.h"
#include "sluice/util.h"

/* ---- lookup ---- */

/* Transform defs of tests (sl_transform_register_extra). */
#define EXTRA_MAX 8
static const sl_transform_def_t *extra_defs[EXTRA_MAX];
static size_t extra_count;

void sl_transform_register_extra(const sl_transform_def_t *def)
{
	if (extra_count < EXTRA_MAX)
		extra_defs[extra_count++] = def;
}

/* Transform def i of the registry followed by the extras; NULL for a
 * registry entry not linked in. */
static const sl_transform_def_t *transform_at(size_t i)
{
	return i < sl_transform_def_count ? sl_transform_defs[i]
					  : extra_defs[i - sl_transform_def_count];
}

static size_t transform_total(void)
{
	return sl_transform_def_count + extra_count;
}

/* Whether type (len bytes) is name or one of classes. */
static bool names_it(const char *type, size_t len, const char *name, const char *const *classes)
{
	if (strlen(name) == len && !memcmp(type, name, len))
		return true;
	for (const char *const *c = classes; c && *c; c++)
		if (strlen(*c) == len && !memcmp(type, *c, len))
			return true;
	return false;
}

/* The def type names without its $Key / $Value suffix, and which suffix
 * it had (*suffix: 0 none, else the part + 1). */
static const sl_transform_def_t *transform_base(const char *type, int *suffix)
{
	size_t len = strlen(type);
	*suffix = 0;
	if (len > 4 && !strcmp(type + len - 4, "$Key"))
		*suffix = 1 + SL_TX_KEY, len -= 4;
	else if (len > 6 && !strcmp(type + len - 6, "$Value"))
		*suffix = 1 + SL_TX_VALUE, len -= 6;
	for (size_t i = 0; i < transform_total(); i++) {
		const sl_transform_def_t *d = transform_at(i);
		if (d && names_it(type, len, d->name, d->classes))
			return d;
	}
	return NULL;
}

const sl_transform_def_t *sl_transform_find(const char *type, sl_tx_part_t *part)
{
	int suffix;
	const sl_transform_def_t *d = transform_base(type, &suffix);
	if (!d || d->variants != (suffix != 0))
		return NULL;
	if (part)
		*part = suffix ? (sl_tx_part_t)(suffix - 1) : SL_TX_VALUE;
	return d;
}

const sl_predicate_def_t *sl_predicate_find(const char *type)
{
	for (size_t i = 0; i < sl_predicate_def_count; i++) {
		const sl_predicate_def_t *d = sl_predicate_defs[i];
		if (d && names_it(type, strlen(type), d->name, d->classes))
			return d;
	}
	return NULL;
}

/* ---- the chain's parts ---- */

typedef struct pred_inst {
	char *alias;
	const sl_predicate_def_t *def;
	void *state;
} pred_inst_t;

typedef struct tx_inst {
	char *label; /* "transforms.a (InsertField$Value)", for errors */
	const sl_transform_def_t *def;
	void *state;
	const pred_inst_t *pred; /* NULL: applies to every record */
	bool negate;
} tx_inst_t;

typedef struct interned {
	char *s;
	size_t len;
} interned_t;

struct sl_tx_ctx {
	interned_t *topics;
	size_t count, cap;
	size_t last; /* index of the topic interned last: records come in runs */
};

struct sl_transform_chain {
	tx_inst_t *tx;
	size_t tx_count;
	pred_inst_t *preds;
	size_t pred_count;
	sl_tx_ctx_t cx;
};

const char *sl_tx_intern(sl_tx_ctx_t *cx, const char *topic, size_t len)
{
	interned_t *t = cx->count ? &cx->topics[cx->last] : NULL;
	if (t && t->len == len && !memcmp(t->s, topic, len))
		return t->s;
	for (size_t i = 0; i < cx->count; i++) {
		t = &cx->topics[i];
		if (t->len == len && !memcmp(t->s, topic, len)) {
			cx->last = i;
			return t->s;
		}
	}
	SL_ARRAY_RESERVE(cx->topics, cx->count + 1, cx->cap);
	cx->last = cx->count++;
	cx->topics[cx->last] = (interned_t){sl_strndup(topic, len), len};
	return cx->topics[cx->last].s;
}

/* ---- building ---- */

/* Where key is set in cfg ("file:line"), else cfg's file. */
static const char *where_of(const sl_config_t *cfg, const char *key, char *buf, size_t size)
{
	const sl_config_entry_t *e = sl_config_find(cfg, key);
	const char *file = sl_config_source(cfg);
	if (e)
		return sl_config_where(e, buf, size);
	snprintf(buf, size, "%s", file ? file : "<config>");
	return buf;
}

/* The chain's own keys of a transform, besides type. */
static const sl_option_t chain_tx_options[] = {
	{.name = "predicate",
	 .type = SL_OPT_STRING,
	 .doc = "The alias of a predicate (listed in predicates) that decides whether the "
		"transform applies to a record."},
	{.name = "negate",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Apply the transform to the records the predicate does not match."},
	SL_OPT_END,
};

/* A copy of the options of a and b (either may be NULL) with every name
 * and alias prefixed, for messages naming the whole key. Free with
 * free_prefixed. */
static sl_option_t *prefixed_table(const char *prefix, const sl_option_t *a, const sl_option_t *b)
{
	size_t n = 0, k = 0;
	for (const sl_option_t *o = a; o && o->name; o++)
		n++;
	for (const sl_option_t *o = b; o && o->name; o++)
		n++;
	sl_option_t *t = sl_calloc(n + 1, sizeof(*t));
	const sl_option_t *parts[] = {a, b};
	for (size_t p = 0; p < 2; p++)
		for (const sl_option_t *o = parts[p]; o && o->name; o++, k++) {
			t[k] = *o;
			t[k].name = sl_asprintf("%s%s", prefix, o->name);
			t[k].alias = o->alias ? sl_asprintf("%s%s", prefix, o->alias) : NULL;
		}
	return t;
}

static void free_prefixed(sl_option_t *t)
{
	for (sl_option_t *o = t; o && o->name; o++) {
		free((char *)o->name);
		free((char *)o->alias);
	}
	free(t);
}

/* Checks the keys under prefix against table (prefixed): unknown keys
 * other than type, value types, bounds, required ones. Returns 0 when errs
 * got nothing new. */
static int check_keys(const sl_config_t *connector, const char *prefix, const sl_option_t *own,
		      const sl_option_t *def_options, const char *what, sl_errlist_t *errs)
{
	size_t before = errs->count;
	sl_option_t *table = prefixed_table(prefix, own, def_options);
	sl_config_t *keys = sl_config_subset(connector, prefix, false);
	char *type = sl_asprintf("%stype", prefix);
	sl_config_unset(keys, type);
	const sl_option_t *tables[] = {table, NULL};
	sl_options_check_unknown(tables, NULL, keys, what, errs);
	sl_options_load(table, keys, NULL, errs);
	free(type);
	sl_config_free(keys);
	free_prefixed(table);
	return errs->count == before ? 0 : -1;
}

/* Adds a def's create() messages ("static.field: what"), each naming the
 * whole key and where it is set; a message naming no option of the def is
 * put on the type key. */
static void add_create_errors(const sl_config_t *connector, const char *prefix,
			      const sl_option_t *options, const char *shown_type,
			      const sl_errlist_t *from, sl_errlist_t *errs)
{
	char where[512];
	for (size_t i = 0; i < from->count; i++) {
		const char *msg = from->items[i], *colon = strstr(msg, ": ");
		char *key = colon ? sl_strndup(msg, (size_t)(colon - msg)) : NULL;
		if (key && sl_options_find(options, key)) {
			char *full = sl_asprintf("%s%s", prefix, key);
			sl_errlist_addf(errs, "%s: option '%s': %s",
					where_of(connector, full, where, sizeof(where)), full,
					colon + 2);
			free(full);
		} else {
			char *full = sl_asprintf("%stype", prefix);
			sl_errlist_addf(errs, "%s: option '%s' (%s): %s",
					where_of(connector, full, where, sizeof(where)), full,
					shown_type, msg);
			free(full);
		}
		free(key);
	}
}

/* The aliases of a transforms / predicates list; NULL after adding an
 * error for a duplicate (Kafka Connect refuses those too). */
static char **aliases_of(const sl_config_t *connector, const char *key, sl_errlist_t *errs)
{
	char **list = sl_strlist_split(sl_config_get(connector, key));
	char where[512];
	for (size_t i = 0; list[i]; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(list[i], list[j])) {
				sl_errlist_addf(errs,
						"%s: option '%s': duplicate alias '%s' provided",
						where_of(connector, key, where, sizeof(where)), key,
						list[i]);
				sl_strlist_free(list);
				return NULL;
			}
	return list;
}

/* Every name a transforms.<a>.type may take, for the unknown-type message
 * (the simple names; a variant's with its suffixes). */
static char *known_transforms(void)
{
	sl_buf_t b = {0};
	for (size_t i = 0; i < transform_total(); i++) {
		const sl_transform_def_t *d = transform_at(i);
		if (d && d->variants)
			sl_buf_appendf(&b, "%s%s$Key, %s$Value", b.len ? ", " : "", d->name,
				       d->name);
		else if (d)
			sl_buf_appendf(&b, "%s%s", b.len ? ", " : "", d->name);
	}
	sl_buf_append_str(&b, b.len ? "" : "none");
	return sl_buf_steal(&b);
}

static char *known_predicates(void)
{
	sl_buf_t b = {0};
	for (size_t i = 0; i < sl_predicate_def_count; i++)
		if (sl_predicate_defs[i])
			sl_buf_appendf(&b, "%s%s", b.len ? ", " : "", sl_predicate_defs[i]->name);
	sl_buf_append_str(&b, b.len ? "" : "none");
	return sl_buf_steal(&b);
}

/* The value of the required key prefix + "type"; NULL after adding an
 * error. */
static const char *type_of(const sl_config_t *connector, const char *prefix, sl_errlist_t *errs)
{
	char *key = sl_asprintf("%stype", prefix);
	const char *type = sl_config_get(connector, key);
	if (!type || !*type) {
		const char *file = sl_config_source(connector);
		sl_errlist_addf(errs, "%s: option '%s' is required", file ? file : "<config>", key);
		type = NULL;
	}
	free(key);
	return type;
}

/* The transform def transforms.<a>.type names, or NULL after an error. */
static const sl_transform_def_t *transform_def_of(const sl_config_t *connector, const char *prefix,
						  sl_tx_part_t *part, sl_errlist_t *errs)
{
	const char *type = type_of(connector, prefix, errs);
	if (!type)
		return NULL;
	const sl_transform_def_t *d = sl_transform_find(type, part);
	if (d)
		return d;
	int suffix;
	const sl_transform_def_t *base = transform_base(type, &suffix);
	char where[512], shown[256], *key = sl_asprintf("%stype", prefix);
	where_of(connector, key, where, sizeof(where));
	sl_config_printable(type, shown, sizeof(shown));
	if (base && base->variants) {
		sl_errlist_addf(errs,
				"%s: option '%s': '%s' works on the key or the value: write "
				"'%s$Key' or '%s$Value'",
				where, key, shown, shown, shown);
	} else if (base) {
		sl_errlist_addf(errs, "%s: option '%s': '%s' has no $Key / $Value variants", where,
				key, shown);
	} else {
		char *known = known_transforms();
		sl_errlist_addf(errs, "%s: option '%s': unknown transform '%s'; known: %s", where,
				key, shown, known);
		free(known);
	}
	free(key);
	return NULL;
}

static const sl_predicate_def_t *predicate_def_of(const sl_config_t *connector, const char *prefix,
						  sl_errlist_t *errs)
{
	const char *type = type_of(connector, prefix, errs);
	const sl_predicate_def_t *d = type ? sl_predicate_find(type) : NULL;
	if (d || !type)
		return d;
	char where[512], shown[256], *key = sl_asprintf("%stype", prefix);
	char *known = known_predicates();
	sl_errlist_addf(errs, "%s: option '%s': unknown predicate '%s'; known: %s",
			where_of(connector, key, where, sizeof(where)), key,
			sl_config_printable(type, shown, sizeof(shown)), known);
	free(known);
	free(key);
	return NULL;
}

/* The keys under prefix for a def's create(): the prefix stripped,
 * without the chain's own keys. */
static sl_config_t *def_keys(const sl_config_t *connector, const char *prefix)
{
	sl_config_t *c = sl_config_subset(connector, prefix, true);
	sl_config_unset(c, "type");
	sl_config_unset(c, "predicate");
	sl_config_unset(c, "negate");
	return c;
}

/* Builds predicate alias into p; -1 after adding errors. */
static int build_predicate(const sl_config_t *connector, const char *alias, pred_inst_t *p,
			   sl_errlist_t *errs)
{
	char *prefix = sl_asprintf("predicates.%s.", alias);
	char *what = sl_asprintf("predicate %s", alias);
	int rc = -1;
	p->alias = sl_strdup(alias);
	p->def = predicate_def_of(connector, prefix, errs);
	if (p->def && check_keys(connector, prefix, NULL, p->def->options, what, errs) == 0) {
		sl_errlist_t mine = {0};
		sl_config_t *keys = def_keys(connector, prefix);
		p->state = p->def->create(keys, &mine);
		if (!p->state && !mine.count)
			sl_errlist_addf(&mine, "could not be created");
		add_create_errors(connector, prefix, p->def->options, p->def->name, &mine, errs);
		rc = p->state && !mine.count ? 0 : -1;
		sl_errlist_free(&mine);
		sl_config_free(keys);
	}
	free(what);
	free(prefix);
	return rc;
}

/* The predicate transforms.<a>.predicate names, with its negate; -1 after
 * adding an error. */
static int attach_predicate(const sl_config_t *connector, const char *prefix,
			    const sl_transform_chain_t *c, tx_inst_t *tx, sl_errlist_t *errs)
{
	char *pkey = sl_asprintf("%spredicate", prefix), *nkey = sl_asprintf("%snegate", prefix);
	const char *alias = sl_config_get(connector, pkey);
	const char *negate = sl_config_get(connector, nkey);
	char where[512], shown[256];
	int rc = 0;
	if (!alias && negate) {
		sl_errlist_addf(errs,
				"%s: option '%s' was provided but there is no '%s' defining a "
				"predicate to be negated",
				where_of(connector, nkey, where, sizeof(where)), nkey, pkey);
		rc = -1;
	}
	tx->negate = negate && !strcasecmp(negate, "true");
	for (size_t i = 0; alias && i < c->pred_count && !tx->pred; i++)
		if (!strcmp(c->preds[i].alias, alias))
			tx->pred = &c->preds[i];
	if (alias && !tx->pred) {
		sl_errlist_addf(errs,
				"%s: option '%s': '%s' is not an alias listed in 'predicates'",
				where_of(connector, pkey, where, sizeof(where)), pkey,
				sl_config_printable(alias, shown, sizeof(shown)));
		rc = -1;
	}
	free(pkey);
	free(nkey);
	return rc;
}

/* Builds transform alias into tx; -1 after adding errors. */
static int build_transform(const sl_config_t *connector, const char *alias,
			   const sl_transform_chain_t *c, tx_inst_t *tx, sl_errlist_t *errs)
{
	char *prefix = sl_asprintf("transforms.%s.", alias);
	sl_tx_part_t part = SL_TX_VALUE;
	int rc = attach_predicate(connector, prefix, c, tx, errs);
	tx->def = transform_def_of(connector, prefix, &part, errs);
	if (tx->def) {
		const char *suffix = !tx->def->variants  ? ""
				     : part == SL_TX_KEY ? "$Key"
							 : "$Value";
		char *shown = sl_asprintf("%s%s", tx->def->name, suffix);
		tx->label = sl_asprintf("transforms.%s (%s)", alias, shown);
		char *what = sl_asprintf("transform %s (%s)", alias, shown);
		if (check_keys(connector, prefix, chain_tx_options, tx->def->options, what, errs) ==
		    0) {
			sl_errlist_t mine = {0};
			sl_config_t *keys = def_keys(connector, prefix);
			tx->state = tx->def->create(keys, part, &mine);
			if (!tx->state && !mine.count)
				sl_errlist_addf(&mine, "could not be created");
			add_create_errors(connector, prefix, tx->def->options, shown, &mine, errs);
			if (!tx->state || mine.count)
				rc = -1;
			sl_errlist_free(&mine);
			sl_config_free(keys);
		} else {
			rc = -1;
		}
		free(what);
		free(shown);
	} else {
		rc = -1;
	}
	free(prefix);
	return rc;
}

/* Keys under transforms. / predicates. whose alias is not listed. */
static void check_stray_keys(const sl_config_t *connector, const char *list_key,
			     char *const *aliases, sl_errlist_t *errs)
{
	size_t plen = strlen(list_key);
	char where[512], shown[256];
	for (size_t i = 0; i < sl_config_count(connector); i++) {
		const sl_config_entry_t *e = sl_config_at(connector, i);
		if (strncmp(e->key, list_key, plen) || e->key[plen] != '.')
			continue;
		bool listed = false;
		for (char *const *a = aliases; a && *a && !listed; a++) {
			size_t alen = strlen(*a);
			listed = !strncmp(e->key + plen + 1, *a, alen) &&
				 e->key[plen + 1 + alen] == '.';
		}
		if (!listed)
			sl_errlist_addf(
				errs, "%s: unknown key '%s': its alias is not listed in '%s'",
				sl_config_where(e, where, sizeof(where)),
				sl_config_printable(e->key, shown, sizeof(shown)), list_key);
	}
}

sl_transform_chain_t *sl_transform_chain_new(const sl_config_t *connector, sl_errlist_t *errs,
					     bool *failed)
{
	size_t before = errs->count;
	sl_transform_chain_t *c = sl_calloc(1, sizeof(*c));
	char **preds = aliases_of(connector, "predicates", errs);
	char **txs = aliases_of(connector, "transforms", errs);
	if (preds) /* after a duplicate, every key would look stray */
		check_stray_keys(connector, "predicates", preds, errs);
	if (txs)
		check_stray_keys(connector, "transforms", txs, errs);
	for (char **p = preds; p && *p; p++)
		c->pred_count++;
	for (char **a = txs; a && *a; a++)
		c->tx_count++;
	c->preds = sl_calloc(c->pred_count + 1, sizeof(*c->preds));
	c->tx = sl_calloc(c->tx_count + 1, sizeof(*c->tx));
	for (size_t i = 0; i < c->pred_count; i++)
		build_predicate(connector, preds[i], &c->preds[i], errs);
	for (size_t i = 0; i < c->tx_count; i++)
		build_transform(connector, txs[i], c, &c->tx[i], errs);
	sl_strlist_free(preds);
	sl_strlist_free(txs);
	*failed = errs->count != before;
	if (*failed || !c->tx_count) {
		sl_transform_chain_free(c); /* a chain of predicates alone does nothing */
		return NULL;
	}
	return c;
}

void sl_transform_chain_check(const sl_config_t *connector, sl_errlist_t *errs)
{
	bool failed;
	sl_transform_chain_free(sl_transform_chain_new(connector, errs, &failed));
}

void sl_transform_chain_free(sl_transform_chain_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->tx_count; i++) {
		if (c->tx[i].state)
			c->tx[i].def->destroy(c->tx[i].state);
		free(c->tx[i].label);
	}
	for (size_t i = 0; i < c->pred_count; i++) {
		if (c->preds[i].state)
			c->preds[i].def->destroy(c->preds[i].state);
		free(c->preds[i].alias);
	}
	for (size_t i = 0; i < c->cx.count; i++)
		free(c->cx.topics[i].s);
	free(c->cx.topics);
	free(c->tx);
	free(c->preds);
	free(c);
}

/* ---- applying ---- */

sl_tx_result_t sl_transform_chain_apply(sl_transform_chain_t *c, sl_record_t *r, char *err,
					size_t err_size)
{
	if (!c)
		return SL_TX_KEEP;
	for (size_t i = 0; i < c->tx_count; i++) {
		const tx_inst_t *tx = &c->tx[i];
		/* Kafka Connect's PredicatedTransformation: applies when the
		 * predicate's answer differs from negate */
		if (tx->pred && tx->pred->def->test(tx->pred->state, r) == tx->negate)
			continue;
		if (!tx->def->takes_fields) {
			sl_value_materialize(&r->key);
			sl_value_materialize(&r->value);
		}
		char why[512];
		why[0] = '\0';
		sl_tx_result_t res = tx->def->apply(tx->state, r, &c->cx, why, sizeof(why));
		if (res == SL_TX_DROP)
			return SL_TX_DROP;
		if (res == SL_TX_ERROR) {
			snprintf(err, err_size, "%s: %s", tx->label, why[0] ? why : "failed");
			return SL_TX_ERROR;
		}
	}
	return SL_TX_KEEP;
}
