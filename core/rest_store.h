/* The connectors created or changed over the REST API, one file per
 * connector in connector.config.dir: "<name>.json" holding Kafka Connect's
 * REST shape {"name","config"} plus "initial_state" (the target state), so
 * a file is also a valid POST /connectors body. */
#ifndef SL_REST_STORE_H
#define SL_REST_STORE_H

#include "sluice/config.h"

/* One connector file as read back. */
typedef struct sl_stored_connector {
	char *path;
	char *name;
	sl_config_t *raw; /* the config as given: provider references unresolved */
	int state;        /* sl_target_state_t */
} sl_stored_connector_t;

/* Writes the connector's file atomically (temp file, fsync, rename, fsync
 * of the directory; the directory is made 0700: a file may hold secrets). The file name is the
 * connector name with every byte but [A-Za-z0-9._-] written %XX. -1 with
 * errstr naming the file on failure. */
int sl_connector_store_write(const char *dir, const char *name, const sl_config_t *raw,
			     const char *state, char *errstr, size_t errstr_size);
/* Removes the connector's file; a missing one is fine. */
void sl_connector_store_remove(const char *dir, const char *name);
/* Reads every *.json file of dir (a missing dir holds none) into a new
 * array *out of *count entries; a file that cannot be read adds a message
 * naming it to errs and is left out. Free with sl_connector_store_free. */
void sl_connector_store_scan(const char *dir, sl_stored_connector_t **out, size_t *count,
			     sl_errlist_t *errs);
void sl_connector_store_free(sl_stored_connector_t *list, size_t count);

#endif
