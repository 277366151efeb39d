/* The transforms and predicates a connector config can name. */
#include "defs.h"

#include "sluice/util.h"

const sl_transform_def_t *const sl_transform_defs[] = {
	&sl_tx_cast,
	&sl_tx_drop_headers,
	&sl_tx_extract_field,
	&sl_tx_filter,
	&sl_tx_flatten,
	&sl_tx_header_from,
	&sl_tx_hoist_field,
	&sl_tx_insert_field,
	&sl_tx_insert_header,
	&sl_tx_mask_field,
	&sl_tx_regex_router,
	&sl_tx_replace_field,
	&sl_tx_set_schema_metadata,
	&sl_tx_timestamp_converter,
	&sl_tx_timestamp_router,
	&sl_tx_value_to_key,
	&sl_tx_extract_new_record_state,
	&sl_tx_by_logical_table_router,
};
const size_t sl_transform_def_count = SL_ARRAY_LEN(sl_transform_defs);

const sl_predicate_def_t *const sl_predicate_defs[] = {
	&sl_pred_topic_name_matches,
	&sl_pred_has_header_key,
	&sl_pred_record_is_tombstone,
};
const size_t sl_predicate_def_count = SL_ARRAY_LEN(sl_predicate_defs);
