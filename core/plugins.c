/* The registry: every built-in connector, in one place. */
#include <string.h>

#include "../connectors/file/file.h"
#include "../connectors/postgres/postgres.h"
#include "connector.h"

static const sl_connector_t *const all[] = {
	&file_source_connector,
	&file_sink_connector,
	&postgres_source_connector,
	&postgres_sink_connector,
	NULL,
};

const sl_connector_t *const *sl_plugins_all(void)
{
	return all;
}

const sl_connector_t *sl_plugins_find(const char *name)
{
	for (const sl_connector_t *const *p = all; *p; p++) {
		if (!strcmp((*p)->name, name))
			return *p;
		for (const char *const *a = (*p)->aliases; a && *a; a++)
			if (!strcmp(*a, name))
				return *p;
	}
	return NULL;
}
