/* The postgres-source's option table (pg_source_options.c). */
#ifndef SL_PG_SOURCE_OPTIONS_H
#define SL_PG_SOURCE_OPTIONS_H

#include "pg_source_task.h"

/* Loads into sl_pg_source_config_t. */
extern const sl_option_t sl_pg_source_options[];

/* Pure decision: does this start take a snapshot? has_offset/offset_done
 * describe the stored offset, slot_* the replication slot as found. */
bool sl_pg_need_snapshot(sl_pg_snapshot_mode_t mode, bool has_offset, bool offset_done,
			 bool slot_exists, uint64_t slot_confirmed, uint64_t stored_lsn);

#endif
