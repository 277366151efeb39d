/* Single message transforms and predicates, as Kafka Connect configures
 * them:
 *
 *   transforms=a,b
 *   transforms.a.type=org.apache.kafka.connect.transforms.InsertField$Value
 *   transforms.a.static.field=origin
 *   transforms.a.predicate=isFoo     (optional)
 *   transforms.a.negate=true         (optional)
 *   predicates=isFoo
 *   predicates.isFoo.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
 *   predicates.isFoo.pattern=foo.*
 *
 * A chain belongs to one task (one thread): source tasks apply it to each
 * polled record before the converters, sink tasks to each converted record
 * before put. A record is changed in place (topic, partition, key, value,
 * headers, timestamp) or dropped; a transform that fails on a record gives
 * a reason, and the task sends the record through the error policy with
 * stage TRANSFORMATION (errors.tolerance, the dead letter queue).
 *
 * Values follow sluice's value model (sluice/record.h): a JSON value's tree
 * may be shared with other records and is read-only; a transform that
 * changes it builds a new tree (copying what it changes) and replaces the
 * record's value (sl_value_set_json). Schemaful values change their schema
 * with them, as Kafka Connect's do (a new schema JSON object each time, or
 * one cached per input schema). */
#ifndef SL_TRANSFORM_H
#define SL_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/config.h"
#include "sluice/errlist.h"
#include "sluice/options.h"
#include "sluice/record.h"

/* Which part of the record a transform with $Key / $Value variants works
 * on. */
typedef enum sl_tx_part {
	SL_TX_VALUE = 0,
	SL_TX_KEY,
} sl_tx_part_t;

/* What a transform's apply returns. */
typedef enum sl_tx_result {
	SL_TX_KEEP = 0, /* the record goes on (changed or not) */
	SL_TX_DROP,     /* the record is dropped (Filter; a tombstone dropped) */
	SL_TX_ERROR,    /* the transform failed on it: err says why */
} sl_tx_result_t;

/* The chain's services to a transform while it applies. */
typedef struct sl_tx_ctx sl_tx_ctx_t;

/* A topic name that stays valid as long as the chain: a transform that
 * sets a record's topic (records borrow their topic) stores it through
 * this. */
const char *sl_tx_intern(sl_tx_ctx_t *cx, const char *topic, size_t len);

/* One kind of transform, e.g. InsertField. */
typedef struct sl_transform_def {
	/* Kafka Connect's simple class name ("InsertField"); transforms.<a>.type
	 * takes this, the full class names below, and for a transform with
	 * variants "<name>$Key" / "<name>$Value" (and the same for each full
	 * class name). */
	const char *name;
	/* Full class names, without the $Key / $Value suffix
	 * ("org.apache.kafka.connect.transforms.InsertField"); NULL-terminated. */
	const char *const *classes;
	bool variants; /* takes $Key / $Value (then the suffix is required) */
	/* apply takes a key or value of kind FIELDS or JSON_TEXT as it is
	 * (or reads neither); any other transform gets them in JSON form
	 * (sl_value_materialize) */
	bool takes_fields;
	/* Its keys, under transforms.<alias>. (type, predicate and negate are
	 * the chain's); validated and documented from this table. */
	const sl_option_t *options;
	const char *doc; /* one paragraph for the docs */
	/* Builds a transform from its keys (cfg holds the keys under
	 * transforms.<alias>., prefix stripped). NULL with every problem added
	 * to errs, each naming its key without the prefix ("static.field: ..."). */
	void *(*create)(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs);
	sl_tx_result_t (*apply)(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				size_t err_size);
	void (*destroy)(void *state);
} sl_transform_def_t;

/* One kind of predicate, e.g. TopicNameMatches. */
typedef struct sl_predicate_def {
	const char *name;
	const char *const *classes;
	const sl_option_t *options;
	const char *doc;
	void *(*create)(const sl_config_t *cfg, sl_errlist_t *errs);
	bool (*test)(void *state, const sl_record_t *r);
	void (*destroy)(void *state);
} sl_predicate_def_t;

/* Every transform and predicate sluice knows (registry.c; an entry may be
 * NULL: skip it), and the lookup of a transforms.<a>.type /
 * predicates.<p>.type value: the def and, for a transform, the part its
 * $Key / $Value suffix names. NULL when the name is unknown, or
 * (transforms) a variant's suffix is missing or one without variants has
 * one. */
extern const sl_transform_def_t *const sl_transform_defs[];
extern const size_t sl_transform_def_count;
extern const sl_predicate_def_t *const sl_predicate_defs[];
extern const size_t sl_predicate_def_count;
const sl_transform_def_t *sl_transform_find(const char *type, sl_tx_part_t *part);
const sl_predicate_def_t *sl_predicate_find(const char *type);

/* Tests: a transform known to sl_transform_find besides the registry's. */
void sl_transform_register_extra(const sl_transform_def_t *def);

/* ---- the chain ---- */

typedef struct sl_transform_chain sl_transform_chain_t;

/* Builds the chain a connector config asks for (the transforms and
 * predicates keys). NULL when it asks for none (nothing to apply), or on
 * errors, with every problem added to errs naming its full key
 * ("transforms.a.static.field: ..."); *failed tells the two apart. */
sl_transform_chain_t *sl_transform_chain_new(const sl_config_t *connector, sl_errlist_t *errs,
					     bool *failed);

/* Checks a connector config's transforms and predicates keys (building
 * and freeing the chain); every problem goes to errs. */
void sl_transform_chain_check(const sl_config_t *connector, sl_errlist_t *errs);

/* Applies the chain to r in order; a transform whose predicate (negated
 * when asked) does not match is skipped. SL_TX_DROP once one drops it;
 * SL_TX_ERROR with err naming the transform ("transforms.a (InsertField$Value):
 * ...") when one fails. A NULL chain keeps every record as it is. */
sl_tx_result_t sl_transform_chain_apply(sl_transform_chain_t *chain, sl_record_t *r, char *err,
					size_t err_size);

void sl_transform_chain_free(sl_transform_chain_t *chain);

#endif
