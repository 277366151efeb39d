/* Every transform and predicate def (the files of core/transforms), for
 * the registry (registry.c). */
#ifndef SL_TX_DEFS_H
#define SL_TX_DEFS_H

#include "transform.h"

/* Apache Kafka's connect-transforms */
extern const sl_transform_def_t sl_tx_cast;
extern const sl_transform_def_t sl_tx_drop_headers;
extern const sl_transform_def_t sl_tx_extract_field;
extern const sl_transform_def_t sl_tx_filter;
extern const sl_transform_def_t sl_tx_flatten;
extern const sl_transform_def_t sl_tx_header_from;
extern const sl_transform_def_t sl_tx_hoist_field;
extern const sl_transform_def_t sl_tx_insert_field;
extern const sl_transform_def_t sl_tx_insert_header;
extern const sl_transform_def_t sl_tx_mask_field;
extern const sl_transform_def_t sl_tx_regex_router;
extern const sl_transform_def_t sl_tx_replace_field;
extern const sl_transform_def_t sl_tx_set_schema_metadata;
extern const sl_transform_def_t sl_tx_timestamp_converter;
extern const sl_transform_def_t sl_tx_timestamp_router;
extern const sl_transform_def_t sl_tx_value_to_key;

/* Debezium's */
extern const sl_transform_def_t sl_tx_extract_new_record_state;
extern const sl_transform_def_t sl_tx_by_logical_table_router;

/* Apache Kafka's predicates */
extern const sl_predicate_def_t sl_pred_topic_name_matches;
extern const sl_predicate_def_t sl_pred_has_header_key;
extern const sl_predicate_def_t sl_pred_record_is_tombstone;

#endif
