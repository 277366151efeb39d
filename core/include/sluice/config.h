/* Configuration as Kafka Connect sees it: a flat, ordered map of string keys
 * to string values, each remembering the file and line it came from.
 * Loaders turn libconfig, .properties and REST-style .json files into it. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include "sluice/util.h"

typedef struct sl_config_entry {
	char *key;
	char *value;
	char *file;         /* where the key was set; NULL when set in code */
	int line;           /* 1-based line in file; 0 when the format has no lines */
	bool from_provider; /* the value holds what a config provider resolved */
} sl_config_entry_t;

typedef struct sl_config sl_config_t;

/* Lookups and sets take constant time on average (a hash index over the
 * keys), so loading n keys costs O(n). */
sl_config_t *sl_config_new(void);
void sl_config_free(sl_config_t *cfg);
/* A copy of every entry and of the source. */
sl_config_t *sl_config_dup(const sl_config_t *cfg);

/* Sets key to value (both copied), replacing an earlier value of the same
 * key but keeping its position (and clearing its from_provider). file may
 * be NULL. */
void sl_config_set(sl_config_t *cfg, const char *key, const char *value, const char *file,
		   int line);
/* Removes key; returns true when it was present. Takes time linear in the
 * number of keys (the order is kept). */
bool sl_config_unset(sl_config_t *cfg, const char *key);
/* The value of key, or NULL when unset. Borrowed: valid until the key is
 * set again or the config is freed. */
const char *sl_config_get(const sl_config_t *cfg, const char *key);
/* The whole entry of key (for error locations), or NULL. Borrowed. */
const sl_config_entry_t *sl_config_find(const sl_config_t *cfg, const char *key);
size_t sl_config_count(const sl_config_t *cfg);
/* Entry i in insertion order, 0 <= i < count. Borrowed. */
const sl_config_entry_t *sl_config_at(const sl_config_t *cfg, size_t i);

/* The file the config was loaded from (copied; NULL: none), named by
 * messages about keys that are missing, so that an empty file is named
 * too. The loaders set it. */
void sl_config_set_source(sl_config_t *cfg, const char *path);
/* The source, else the file of the first entry that has one, else NULL.
 * Borrowed. */
const char *sl_config_source(const sl_config_t *cfg);

/* A new config with the keys that start with prefix; with strip the prefix
 * is removed from the copied keys ("producer.linger.ms" -> "linger.ms").
 * The source is copied too. */
sl_config_t *sl_config_subset(const sl_config_t *cfg, const char *prefix, bool strip);

/* Formats "file:line" (or "file" when the format has no lines, or
 * "<config>" when set in code or e is NULL) for an entry into buf and
 * returns buf. */
const char *sl_config_where(const sl_config_entry_t *e, char *buf, size_t size);

/* Copies s into buf (size at least 16) for a message: every byte that is
 * not printable text (ASCII control characters and DEL, C1 controls, bytes
 * that are not well-formed UTF-8) becomes \xNN, so that a key or value can
 * neither forge a log line nor garble a terminal, and a text that does not
 * fit ends in "...". Returns buf. */
const char *sl_config_printable(const char *s, char *buf, size_t size);
/* The first byte of s that sl_config_printable would escape, or NULL. */
const char *sl_config_find_unprintable(const char *s);

/* The most problems a loader or a check reports for one file; the rest
 * are counted in one closing message ("... and 5 more"). */
#define SL_CONFIG_MAX_ERRORS 100
/* Adds that closing "file: ... and N more errors" when n > 0 (file NULL:
 * "<config>"). */
void sl_config_more_errors(sl_errlist_t *errs, const char *file, size_t n);

/* In libconfig files, a member of this name inside a group sets the group's
 * own key, so a key can have a value and sub-keys at once (Kafka Connect's
 * value.converter and value.converter.schemas.enable). */
#define SL_CONFIG_SELF "self"

/* Loads a file, choosing the format by extension: ".properties" for Kafka
 * Connect properties, ".json" for {"name":...,"config":{...}} (or a flat
 * JSON object), anything else as libconfig. Nested libconfig groups join
 * with dots; a list of groups under "transforms"/"predicates" becomes the
 * Kafka Connect list plus prefixed keys; scalars of any libconfig type
 * become their string form. Config provider references in values are
 * resolved (sl_config_resolve). A file holding a NUL byte is refused (it is not text). On
 * failure returns NULL and adds one message per problem (with file:line
 * where the format has lines, at most SL_CONFIG_MAX_ERRORS and a count of
 * the rest) to errs. The config's source is path. */
sl_config_t *sl_config_load(const char *path, sl_errlist_t *errs);
/* sl_config_load, with the config providers that providers declares (a
 * worker config, whose providers serve its connectors' files as in Kafka
 * Connect) when the file declares none itself; providers may be NULL. */
sl_config_t *sl_config_load_with(const char *path, const sl_config_t *providers,
				 sl_errlist_t *errs);

/* Parses text in one of the formats; name is used in messages and as the
 * source, and picks nothing. Same contract as sl_config_load. */
sl_config_t *sl_config_parse_libconfig(const char *text, const char *name, sl_errlist_t *errs);
sl_config_t *sl_config_parse_properties(const char *text, const char *name, sl_errlist_t *errs);
sl_config_t *sl_config_parse_json(const char *text, const char *name, sl_errlist_t *errs);

/* Resolves Kafka Connect's config provider references in every value:
 * ${env:NAME} (an environment variable), ${file:PATH:KEY} (a key of the
 * .properties file PATH, read once however many references name it) and
 * ${dir:DIR:NAME} (the whole contents of the file NAME in the directory
 * DIR). These three names always work. A config may also declare providers
 * as Kafka Connect does: config.providers=a,b with
 * config.providers.a.class=org.apache.kafka.common.config.provider.
 * FileConfigProvider (or EnvVarConfigProvider, DirectoryConfigProvider; a
 * declared name replaces a built-in one of that name), and the parameters
 * config.providers.a.param.allowed.paths (file and directory providers:
 * comma separated absolute paths; a reference outside them is refused) and
 * config.providers.a.param.allowlist.pattern (env: a regular expression,
 * POSIX extended, the whole name must match). An unknown class, a missing
 * class, an unknown parameter, an unknown provider name and an
 * unresolvable reference are errors naming key and place; no message
 * holds a resolved value. Text in ${...} without "name:" is left as it is.
 * Returns 0 when errs got no new entry. */
int sl_config_resolve(sl_config_t *cfg, sl_errlist_t *errs);
/* sl_config_resolve with the providers declared by cfg itself when it has
 * config.providers, else by providers (NULL: the built-in ones only). */
int sl_config_resolve_with(sl_config_t *cfg, const sl_config_t *providers, sl_errlist_t *errs);

/* True when key looks like it holds a secret (password, secret, token,
 * key material); such values are never logged or returned. */
bool sl_config_key_is_secret(const char *key);
/* True when e's value may not be shown: its key looks like a secret, or a
 * config provider resolved (part of) it. Messages about such a value name
 * the key and its place only. */
bool sl_config_entry_is_secret(const sl_config_entry_t *e);

#endif
