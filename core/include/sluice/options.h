/* Option tables: every option is declared once (name, type, default,
 * required, bounds, enum values, doc) and the same table validates a config,
 * loads typed values into a struct through offsetof, prints help and
 * generates docs. */
#ifndef SL_OPTIONS_H
#define SL_OPTIONS_H

#include <stddef.h>

#include "sluice/config.h"

typedef enum sl_opt_type {
	SL_OPT_STRING = 0, /* char *  (NULL when unset without default) */
	SL_OPT_INT,        /* int64_t */
	SL_OPT_BOOL,       /* bool    */
	SL_OPT_DOUBLE,     /* double  */
	SL_OPT_ENUM,       /* int: index into .enums (-1 when unset without default) */
	SL_OPT_LIST,       /* char ** NULL-terminated, from a comma list (empty list
			      when unset without default) */
	SL_OPT_PASSWORD,   /* char *, never printed */
} sl_opt_type_t;

/* A check of a string value (or of each item of a list) beyond its type:
 * returns true when value is acceptable, else false with why saying what
 * is wrong ("a topic name may not be empty"); the caller names the option,
 * its place and the value. */
typedef bool (*sl_opt_check_fn)(const char *value, char *why, size_t why_size);

typedef struct sl_option {
	const char *name;
	sl_opt_type_t type;
	const char *def; /* default as a string; NULL = no default */
	bool required;
	const char *doc;
	/* For INT/DOUBLE: inclusive bounds, applied when has_min/has_max. */
	bool has_min, has_max;
	double min, max;
	/* For ENUM: NULL-terminated accepted values (compared case-insensitively). */
	const char *const *enums;
	/* For STRING, PASSWORD and LIST (each item): a further check; may be
	 * NULL. It is applied to the default too. */
	sl_opt_check_fn check;
	/* Where the typed value goes in the target struct (see SL_OPT_AT). */
	bool has_field;
	size_t offset;
	/* Another name users may write for this option (e.g. the key another
	 * product uses); NULL when none. sl_options_load fills the option from
	 * either key; setting both is an error naming both places. Help and
	 * docs show it in the option's row. */
	const char *alias;
	/* Set by the connector itself in its task configs, never by users:
	 * sl_options_check_unknown (the validation of user configs) refuses
	 * it, sl_options_load (which also reads task configs) takes it, and
	 * help and docs leave it out. */
	bool internal;
	/* Accepted for compatibility with another product's configs and not
	 * used: this says why. sl_options_log_ignored (the worker calls it
	 * once when it adds a connector) logs the notice "key X is accepted
	 * for compatibility and not used: <why>"; help and docs mark it. NULL
	 * for options that are used. */
	const char *ignored;
} sl_option_t;

/* Designated-initializer helpers for option tables. */
#define SL_OPT_AT(type, member) .has_field = true, .offset = offsetof(type, member)
#define SL_OPT_MIN(v) .has_min = true, .min = (v)
#define SL_OPT_MAX(v) .has_max = true, .max = (v)
#define SL_OPT_END                                                                                 \
	{                                                                                          \
		.name = NULL                                                                       \
	}

/* Looks up name in a NULL-name-terminated table. */
const sl_option_t *sl_options_find(const sl_option_t *table, const char *name);

/* Kafka's rule for topic names: 1 to 249 ASCII letters, digits, '.', '_'
 * and '-', and neither "." nor "..". An sl_opt_check_fn. */
bool sl_opt_check_topic(const char *value, char *why, size_t why_size);

/* Checks every option of table against cfg (required present under its name
 * or alias, not under both, value parses
 * as the type, within bounds, enum value known, the option's check passes)
 * and, when target is not
 * NULL, stores typed values (or defaults) into target. Every problem is added
 * to errs as "file:line: option 'x': reason" (a missing required option as
 * "file: option 'x' is required", file being the config's source). Values
 * in messages are made printable (sl_config_printable); secret ones are
 * not shown. Returns 0 when errs got no new entry.
 * Every field of the table is written, even on failure (a bad value leaves
 * the empty value), and earlier contents are overwritten, not freed.
 * Strings and lists stored in target are malloc()ed: release with
 * sl_options_free, also after a failure. A default that does not parse is a
 * bug in the table and asserts. */
int sl_options_load(const sl_option_t *table, const sl_config_t *cfg, void *target,
		    sl_errlist_t *errs);
/* Frees the strings and lists sl_options_load stored in target. */
void sl_options_free(const sl_option_t *table, void *target);

/* Checks the keys of a user config against the tables (NULL-terminated
 * array of tables; an option's alias counts as a key of its table). Adds an
 * error for every key that is in none of the tables and starts with none of
 * the prefixes (NULL-terminated; may be NULL): the message names the key,
 * its place, the closest option name when one is within two edits, and the
 * allowed keys (internal ones are not offered). Adds an error for every key
 * of an internal option.
 * At most SL_CONFIG_MAX_ERRORS keys are listed, then one message counts the
 * rest. Takes time linear in the number of keys. Returns the number of
 * unknown keys (internal keys are not counted). */
int sl_options_check_unknown(const sl_option_t *const *tables, const char *const *prefixes,
			     const sl_config_t *cfg, const char *what, sl_errlist_t *errs);

/* Logs, with tag, the notice "<place>: key X is accepted for compatibility
 * and not used: <why>" for every option of table marked ignored that cfg
 * sets. */
void sl_options_log_ignored(const sl_option_t *table, const sl_config_t *cfg, const char *tag);

/* Human readable type name ("string", "int", ...). */
const char *sl_opt_type_name(sl_opt_type_t t);

/* Frees a NULL-terminated list as stored for SL_OPT_LIST. */
void sl_strlist_free(char **list);
/* Splits a comma separated list, trimming blanks and dropping empty items. */
char **sl_strlist_split(const char *s);

#endif
