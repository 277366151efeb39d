/* Helpers shared by the configuration loaders (config*.c) and no one else. */
#ifndef SL_CONFIG_PRIV_H
#define SL_CONFIG_PRIV_H

#include "sluice/config.h"

/* sl_config_parse_libconfig with @include resolved relative to include_dir
 * (may be NULL: relative to the working directory). */
sl_config_t *sl_config_parse_libconfig_in(const char *text, const char *name,
					  const char *include_dir, sl_errlist_t *errs);

/* How many slots of the hash index a lookup of key looks at (0 when the
 * index is empty): the cost of a lookup, for tests. */
size_t sl_config_probe_length(const sl_config_t *cfg, const char *key);

/* Reads a whole text file into a malloc()ed string; NULL with *why set (a
 * static reason, or "nul" for a NUL byte, whose line goes to *line). */
char *sl_config_read_text(const char *path, const char **why, int *line);
/* Adds the error for a sl_config_read_text failure, prefixed with prefix
 * ("" or "where: key 'k': "). */
void sl_config_read_error(sl_errlist_t *errs, const char *prefix, const char *path, const char *why,
			  int line);

/* Sets from_provider on key's entry (when present): a config provider
 * resolved its value. */
void sl_config_mark_from_provider(sl_config_t *cfg, const char *key);

#endif
